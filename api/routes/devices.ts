import { Router } from 'express';
import { DeviceCreate, DevicePatch, Hostname } from '../../schema/device.ts';
import { ImportRequest } from '../../schema/device-import.ts';
import type { DeviceService } from '../../services/device-service.ts';
import { requestContext } from '../request-context.ts';

export function deviceRoutes(devices: DeviceService): Router {
  const r = Router();
  r.get('/', async (_req, res) => {
    res.json({ devices: await devices.list() });
  });
  r.post('/', async (req, res) => {
    const input = DeviceCreate.parse(req.body ?? {});
    res.status(201).json(await devices.create(input, requestContext(req)));
  });
  r.post('/import', async (req, res) => {
    const body = ImportRequest.parse(req.body ?? {});
    res.status(body.dry_run ? 200 : 201).json(await devices.importSshConfig(body.config, { dryRun: body.dry_run, defaults: body.defaults }, requestContext(req)));
  });
  r.get('/:hostname', async (req, res) => {
    res.json(await devices.get(Hostname.parse(req.params.hostname)));
  });
  r.patch('/:hostname', async (req, res) => {
    const hostname = Hostname.parse(req.params.hostname);
    res.json(await devices.update(hostname, DevicePatch.parse(req.body ?? {}), requestContext(req)));
  });
  r.delete('/:hostname', async (req, res) => {
    await devices.remove(Hostname.parse(req.params.hostname), requestContext(req));
    res.status(204).end();
  });
  return r;
}
