import { Router, type Request } from 'express';
import { z } from 'zod';
import { ContainerActionRequest, ContainerName } from '../../schema/container-action.ts';
import { Hostname } from '../../schema/device.ts';
import { GuestActionRequest, VmidParam } from '../../schema/guest-action.ts';
import { LogWindow, UnitName } from '../../schema/log-request.ts';
import { ZfsSnapshotRequest } from '../../schema/zfs-snapshot-request.ts';
import type { DeviceActionService } from '../../services/device-action-service.ts';
import { containerAnswer, execAnswer, guestAnswer } from '../../services/operation-answers.ts';
import { requestContext } from '../request-context.ts';

const Flag = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
export const ContainerLogsQuery = LogWindow.extend({ timestamps: Flag.optional() }).strict();
/** Options of the per-container routes; the action and the name come from the path. */
const ContainerActionOptions = z.record(z.string(), z.unknown());
export const PathAction = z.enum(['start', 'stop', 'restart', 'remove', 'exec']);

/**
 * Container and Proxmox guest actions, logs and ZFS snapshots under `/api/devices/{hostname}/...`. Each becomes an operation: safe ones
 * answer at once, bulk or destructive ones answer 409 with where a person confirms them.
 */
export function deviceActionRoutes(actions: DeviceActionService, publicUrl: string | null): Router {
  const r = Router();

  const respond = async (req: Request, res: import('express').Response, body: unknown) => {
    const hostname = Hostname.parse(req.params.hostname);
    const request = ContainerActionRequest.parse(body);
    const ctx = requestContext(req);
    const outcome = await actions.containers(hostname, request, ctx);
    const answer = containerAnswer(request.action, request.containers, outcome, publicUrl);
    res.status(answer.httpStatus).json(answer.body);
  };

  r.post('/:hostname/containers/actions', (req, res) => respond(req, res, req.body ?? {}));
  r.post('/:hostname/containers/:name/:action', (req, res) =>
    respond(req, res, { ...ContainerActionOptions.parse(req.body ?? {}), action: PathAction.parse(req.params.action), containers: [ContainerName.parse(req.params.name)] }),
  );
  r.get('/:hostname/containers/:name/inspect', (req, res) => respond(req, res, { action: 'inspect', containers: [req.params.name] }));
  r.get('/:hostname/containers/:name/logs', (req, res) => {
    const query = ContainerLogsQuery.parse(req.query);
    return respond(req, res, { action: 'logs', containers: [req.params.name], ...query });
  });

  r.post('/:hostname/guests/:vmid/:action', async (req, res) => {
    const hostname = Hostname.parse(req.params.hostname);
    const request = GuestActionRequest.parse({ vmid: VmidParam.parse(req.params.vmid), action: req.params.action });
    const ctx = requestContext(req);
    const outcome = await actions.guestAction(hostname, request, ctx);
    const answer = guestAnswer(request.action, outcome, publicUrl);
    res.status(answer.httpStatus).json(answer.body);
  });

  r.post('/:hostname/zfs/snapshots', async (req, res) => {
    const hostname = Hostname.parse(req.params.hostname);
    const request = ZfsSnapshotRequest.parse(req.body ?? {});
    const ctx = requestContext(req);
    const view = await actions.zfsSnapshot(hostname, request, ctx);
    const answer = execAnswer(view, publicUrl);
    res.status(answer.httpStatus === 200 ? 201 : answer.httpStatus).json({ snapshot: `${request.dataset}@${request.name}`, ...answer.body });
  });

  r.get('/:hostname/services/:unit/logs', async (req, res) => {
    const hostname = Hostname.parse(req.params.hostname);
    const unit = UnitName.parse(req.params.unit);
    const window = LogWindow.parse(req.query);
    const ctx = requestContext(req);
    const view = await actions.unitLogs(hostname, unit, window, ctx);
    const answer = execAnswer(view, publicUrl);
    res.status(answer.httpStatus).json({ unit, ...answer.body });
  });
  return r;
}
