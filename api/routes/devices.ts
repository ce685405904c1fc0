import { DeviceCreate, DevicePatch } from '../../schema/device.ts';
import { ImportRequest, ImportResult } from '../../schema/device-import.ts';
import { answers, arrayOf, DeviceViewComponent, json, named, noContent, wrapped } from '../answers.ts';
import { requestContext } from '../request-context.ts';
import { defineRoute, pathHostname } from '../route.ts';

/** The device list under `/api/devices`: list, add, import, show, change, remove. */
export const deviceRoutes = [
  defineRoute({
    method: 'get',
    path: '/api/devices',
    operationId: 'listDevices',
    summary: 'Every device',
    tag: 'devices',
    answers: { '200': wrapped('the devices, by hostname', 'devices', arrayOf(DeviceViewComponent)) },
    handler: async ({ res, deps }) => {
      res.json({ devices: await deps.devices.list() });
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/devices',
    operationId: 'addDevice',
    summary: 'Add a device (capabilities are detected at once)',
    tag: 'devices',
    body: DeviceCreate,
    answers: { '201': named('added', DeviceViewComponent) },
    handler: async ({ body, req, res, deps }) => {
      res.status(201).json(await deps.devices.create(body, requestContext(req)));
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/devices/import',
    operationId: 'importDevices',
    summary: 'Add devices from an OpenSSH client config; `dry_run` reports and changes nothing',
    tag: 'devices',
    body: ImportRequest,
    answers: {
      '200': json('dry run: what would be added', answers(ImportResult)),
      '201': json('added', answers(ImportResult)),
    },
    handler: async ({ body, req, res, deps }) => {
      res
        .status(body.dry_run ? 200 : 201)
        .json(
          await deps.devices.importSshConfig(
            body.config,
            { dryRun: body.dry_run, defaults: body.defaults },
            requestContext(req),
          ),
        );
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/devices/{hostname}',
    operationId: 'getDevice',
    summary: 'One device',
    tag: 'devices',
    params: pathHostname,
    answers: { '200': named('the device', DeviceViewComponent) },
    handler: async ({ params, res, deps }) => {
      res.json(await deps.devices.get(params.hostname));
    },
  }),
  defineRoute({
    method: 'patch',
    path: '/api/devices/{hostname}',
    operationId: 'updateDevice',
    summary: 'Change a device; `{"reset_host_key": true}` forgets its pinned host key',
    tag: 'devices',
    params: pathHostname,
    body: DevicePatch,
    answers: { '200': named('changed', DeviceViewComponent) },
    handler: async ({ params, body, req, res, deps }) => {
      res.json(await deps.devices.update(params.hostname, body, requestContext(req)));
    },
  }),
  defineRoute({
    method: 'delete',
    path: '/api/devices/{hostname}',
    operationId: 'removeDevice',
    summary: 'Remove a device (its history stays)',
    tag: 'devices',
    params: pathHostname,
    answers: { '204': noContent('removed') },
    handler: async ({ params, req, res, deps }) => {
      await deps.devices.remove(params.hostname, requestContext(req));
      res.status(204).end();
    },
  }),
];
