import type { Request, Response } from 'express';
import { z } from 'zod';
import { ContainerActionRequest, ContainerName } from '../../schema/container-action.ts';
import { GUEST_ACTIONS, GuestActionRequest, VmidParam } from '../../schema/guest-action.ts';
import { LogWindow, UnitName } from '../../schema/log-request.ts';
import { ZfsSnapshotRequest } from '../../schema/zfs-snapshot-request.ts';
import { containerAnswer, execAnswer, guestAnswer } from '../../services/operation-answers.ts';
import { accepts, CommandDone, heldOrConflict, json, QueryFlag, withKeys, withoutProperties } from '../answers.ts';
import type { ApiDeps } from '../app.ts';
import { requestContext } from '../request-context.ts';
import { defineRoute, pathHostname } from '../route.ts';

const ContainerLogsQuery = LogWindow.extend({ timestamps: QueryFlag.optional() }).strict();
/** Options of the per-container routes; the action and the name come from the path. */
const ContainerActionOptions = z.record(z.string(), z.unknown());
const PathAction = z.enum(['start', 'stop', 'restart', 'remove', 'exec']);

const pathContainer = { ...pathHostname, name: ContainerName };
const containerKeys = { action: z.string(), containers: z.array(z.string()) };
const containerAnswers = {
  '200': json(
    'the action ran: its result, and what it did to the containers',
    withKeys(CommandDone, {
      ...containerKeys,
      after: z
        .array(z.looseObject({ name: z.string(), state: z.string().nullable(), status: z.string().nullable() }))
        .optional(),
      inspect: z.unknown().optional(),
    }),
  ),
  '409': heldOrConflict(),
};

/** Runs a container action as an operation and answers it: at once when safe, 409 with where a person confirms it otherwise. */
async function containerAction(
  hostname: string,
  request: ContainerActionRequest,
  req: Request,
  res: Response,
  deps: ApiDeps,
): Promise<void> {
  const outcome = await deps.actions.containers(hostname, request, requestContext(req));
  const answer = containerAnswer(request.action, request.containers, outcome, deps.publicUrl);
  res.status(answer.httpStatus).json(answer.body);
}

/**
 * Container and Proxmox guest actions, logs and ZFS snapshots under `/api/devices/{hostname}/...`. Each becomes an operation: safe ones
 * answer at once, bulk or destructive ones answer 409 with where a person confirms them.
 */
export const deviceActionRoutes = [
  defineRoute({
    method: 'post',
    path: '/api/devices/{hostname}/containers/actions',
    operationId: 'containerActions',
    summary: 'start, stop, restart, remove, inspect, logs or exec on named containers (bulk ones are held)',
    tag: 'containers',
    params: pathHostname,
    body: ContainerActionRequest,
    answers: containerAnswers,
    handler: ({ params, body, req, res, deps }) => containerAction(params.hostname, body, req, res, deps),
  }),
  defineRoute({
    method: 'post',
    path: '/api/devices/{hostname}/containers/{name}/{action}',
    operationId: 'containerAction',
    summary: 'One action on one container; the body holds its options',
    tag: 'containers',
    params: { ...pathContainer, action: PathAction },
    body: ContainerActionOptions,
    documentedBody: withoutProperties(accepts(ContainerActionRequest), ['action', 'containers']),
    bodyRequired: false,
    answers: containerAnswers,
    handler: ({ params, body, req, res, deps }) =>
      containerAction(
        params.hostname,
        ContainerActionRequest.parse({ ...body, action: params.action, containers: [params.name] }),
        req,
        res,
        deps,
      ),
  }),
  defineRoute({
    method: 'get',
    path: '/api/devices/{hostname}/containers/{name}/inspect',
    operationId: 'inspectContainer',
    summary: '`docker container inspect`, parsed',
    tag: 'containers',
    params: pathContainer,
    answers: containerAnswers,
    handler: ({ params, req, res, deps }) =>
      containerAction(
        params.hostname,
        ContainerActionRequest.parse({ action: 'inspect', containers: [params.name] }),
        req,
        res,
        deps,
      ),
  }),
  defineRoute({
    method: 'get',
    path: '/api/devices/{hostname}/containers/{name}/logs',
    operationId: 'containerLogs',
    summary: 'The newest log lines of a container (bounded)',
    tag: 'containers',
    params: pathContainer,
    query: ContainerLogsQuery,
    answers: containerAnswers,
    handler: ({ params, query, req, res, deps }) =>
      containerAction(
        params.hostname,
        ContainerActionRequest.parse({ action: 'logs', containers: [params.name], ...query }),
        req,
        res,
        deps,
      ),
  }),
  defineRoute({
    method: 'get',
    path: '/api/devices/{hostname}/services/{unit}/logs',
    operationId: 'unitLogs',
    summary: 'The newest journal lines of a systemd unit (bounded)',
    tag: 'services',
    params: { ...pathHostname, unit: UnitName },
    query: LogWindow,
    answers: {
      '200': json('the journal lines in `stdout`', withKeys(CommandDone, { unit: z.string() })),
      '409': heldOrConflict(),
    },
    handler: async ({ params: { hostname, unit }, query, req, res, deps }) => {
      const view = await deps.actions.unitLogs(hostname, unit, query, requestContext(req));
      const answer = execAnswer(view, deps.publicUrl);
      res.status(answer.httpStatus).json({ unit, ...answer.body });
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/devices/{hostname}/guests/{vmid}/{action}',
    operationId: 'guestAction',
    summary: 'Power action on a Proxmox VE guest (stop, shutdown and reboot are held)',
    tag: 'guests',
    params: { ...pathHostname, vmid: VmidParam, action: z.enum(GUEST_ACTIONS) },
    answers: {
      '200': json(
        'the action ran',
        withKeys(CommandDone, {
          action: z.string(),
          guest: z.looseObject({ vmid: z.int(), name: z.string(), type: z.string() }),
          after: z.looseObject({ status: z.string(), lock: z.string().nullable() }).nullable().optional(),
        }),
      ),
      '409': heldOrConflict(),
    },
    handler: async ({ params, req, res, deps }) => {
      const request = GuestActionRequest.parse({ vmid: params.vmid, action: params.action });
      const outcome = await deps.actions.guestAction(params.hostname, request, requestContext(req));
      const answer = guestAnswer(request.action, outcome, deps.publicUrl);
      res.status(answer.httpStatus).json(answer.body);
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/devices/{hostname}/zfs/snapshots',
    operationId: 'zfsSnapshot',
    summary: 'Take a ZFS snapshot of a dataset the device has',
    tag: 'zfs',
    params: pathHostname,
    body: ZfsSnapshotRequest,
    answers: { '201': json('taken', withKeys(CommandDone, { snapshot: z.string() })), '409': heldOrConflict() },
    handler: async ({ params, body: request, req, res, deps }) => {
      const view = await deps.actions.zfsSnapshot(params.hostname, request, requestContext(req));
      const answer = execAnswer(view, deps.publicUrl);
      res
        .status(answer.httpStatus === 200 ? 201 : answer.httpStatus)
        .json({ snapshot: `${request.dataset}@${request.name}`, ...answer.body });
    },
  }),
];
