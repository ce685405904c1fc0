import { z } from 'zod';
import {
  DatasetPropertiesAnswer,
  PruneAnswer,
  SnapshotListingAnswer,
  ZfsReplicationAnswer,
  ZpoolEventsAnswer,
} from '../../schema/zfs-answers.ts';
import {
  ZfsCloneRequest,
  ZfsEventsQuery,
  ZfsPropertiesQuery,
  ZfsPropertySetRequest,
  ZfsPruneRequest,
  ZfsReplicationRequest,
  ZfsScrubRequest,
  ZfsSnapshotListQuery,
} from '../../schema/zfs-request.ts';
import { execAnswer } from '../../services/operation-answers.ts';
import { pruneAnswer, replicationAnswer } from '../../services/zfs-answers.ts';
import {
  answers,
  CommandBlocked,
  CommandDone,
  CommandHeld,
  component,
  ErrorComponent,
  heldOrConflict,
  json,
  withKeys,
  wrapped,
} from '../answers.ts';
import { requestContext } from '../request-context.ts';
import { defineRoute, pathHostname } from '../route.ts';

const ReplicationId = z.uuid();
const PoolParam = z.string().min(1).max(255);

const ZfsReplicationView = component('ZfsReplicationView', ZfsReplicationAnswer);

/**
 * ZFS operations under `/api/devices/{hostname}/zfs/...` and replications under `/api/zfs/replications`.
 * Changes are operations: safe ones answer at once, destructive ones 409 with where a person confirms.
 */
export const zfsRoutes = [
  defineRoute({
    method: 'get',
    path: '/api/devices/{hostname}/zfs/snapshots',
    operationId: 'zfsSnapshots',
    summary: 'Snapshots of the device, newest first, filtered by dataset, name glob and age (read live, audited)',
    tag: 'zfs',
    params: pathHostname,
    query: ZfsSnapshotListQuery,
    answers: { '200': json('the matching snapshots', answers(SnapshotListingAnswer)) },
    handler: async ({ params, query, req, res, deps }) => {
      res.json(await deps.zfs.listSnapshots(params.hostname, query, requestContext(req)));
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/devices/{hostname}/zfs/snapshots/prune',
    operationId: 'zfsPrune',
    summary:
      'Plan a retention policy (keep last N, hourly, daily, weekly, monthly, yearly) and destroy the rest: held for a person',
    tag: 'zfs',
    params: pathHostname,
    body: ZfsPruneRequest,
    answers: {
      '200': json('a dry run, or nothing to destroy: the plan', answers(PruneAnswer)),
      '409': json(
        'the destroy is held for its phrase (the plan says what it destroys), blocked by a device rule, or a conflict',
        {
          anyOf: [
            { allOf: [CommandHeld.ref(), answers(PruneAnswer)] },
            { allOf: [CommandBlocked.ref(), answers(PruneAnswer)] },
            ErrorComponent.ref(),
          ],
        },
      ),
    },
    handler: async ({ params, body, req, res, deps }) => {
      const answer = pruneAnswer(await deps.zfs.prune(params.hostname, body, requestContext(req)), deps.publicUrl);
      res.status(answer.httpStatus).json(answer.body);
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/devices/{hostname}/zfs/clones',
    operationId: 'zfsClone',
    summary: 'Clone a snapshot into a new dataset',
    tag: 'zfs',
    params: pathHostname,
    body: ZfsCloneRequest,
    answers: {
      '201': json('cloned', withKeys(CommandDone, { clone: z.string(), origin: z.string() })),
      '409': heldOrConflict(),
    },
    handler: async ({ params, body: request, req, res, deps }) => {
      const answer = execAnswer(await deps.zfs.clone(params.hostname, request, requestContext(req)), deps.publicUrl);
      res
        .status(answer.httpStatus === 200 ? 201 : answer.httpStatus)
        .json({ clone: request.target, origin: request.snapshot, ...answer.body });
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/devices/{hostname}/zfs/properties',
    operationId: 'zfsProperties',
    summary: 'Properties of a dataset with value and source (zfs get)',
    tag: 'zfs',
    params: pathHostname,
    query: ZfsPropertiesQuery,
    answers: { '200': json('the properties', answers(DatasetPropertiesAnswer)) },
    handler: async ({ params, query: { dataset, properties }, req, res, deps }) => {
      res.json(
        await deps.zfs.properties(
          params.hostname,
          dataset,
          properties?.split(',').filter(Boolean) ?? [],
          requestContext(req),
        ),
      );
    },
  }),
  defineRoute({
    method: 'patch',
    path: '/api/devices/{hostname}/zfs/properties',
    operationId: 'zfsSetProperty',
    summary:
      'Set a property of a dataset (validated name and value); readonly, mountpoint, canmount, sharenfs and the like are held',
    tag: 'zfs',
    params: pathHostname,
    body: ZfsPropertySetRequest,
    answers: {
      '200': json('set', withKeys(CommandDone, { dataset: z.string(), property: z.string(), value: z.string() })),
      '409': heldOrConflict(),
    },
    handler: async ({ params, body: request, req, res, deps }) => {
      const answer = execAnswer(
        await deps.zfs.setProperty(params.hostname, request, requestContext(req)),
        deps.publicUrl,
      );
      res.status(answer.httpStatus).json({ ...request, ...answer.body });
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/devices/{hostname}/zfs/pools/{pool}/scrub',
    operationId: 'zfsScrub',
    summary: 'Start (zpool scrub) or stop (zpool scrub -s) a scrub',
    tag: 'zfs',
    params: { ...pathHostname, pool: PoolParam },
    body: ZfsScrubRequest,
    bodyRequired: false,
    answers: {
      '200': json('done', withKeys(CommandDone, { pool: z.string(), action: z.string() })),
      '409': heldOrConflict(),
    },
    handler: async ({ params: { hostname, pool }, body: { action }, req, res, deps }) => {
      const answer = execAnswer(await deps.zfs.scrub(hostname, pool, action, requestContext(req)), deps.publicUrl);
      res.status(answer.httpStatus).json({ pool, action, ...answer.body });
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/devices/{hostname}/zfs/events',
    operationId: 'zpoolEvents',
    summary: 'The newest zpool events, newest first, with every field',
    tag: 'zfs',
    params: pathHostname,
    query: ZfsEventsQuery,
    answers: { '200': json('the events', answers(ZpoolEventsAnswer)) },
    handler: async ({ params, query, req, res, deps }) => {
      res.json(await deps.zfs.events(params.hostname, query.pool ?? null, query.limit, requestContext(req)));
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/zfs/replications',
    operationId: 'zfsReplicate',
    summary:
      'zfs send | zfs receive from a dataset on one device to another, resumable; a forced receive (rollback of the target) is held',
    tag: 'zfs',
    body: ZfsReplicationRequest,
    answers: {
      '200': wrapped('done, or nothing to send', 'replication', ZfsReplicationView),
      '202': wrapped('transferring: follow it at GET /api/zfs/replications/{id}', 'replication', ZfsReplicationView),
      '409': heldOrConflict({ key: 'replication', view: ZfsReplicationView }),
    },
    handler: async ({ body, req, res, deps }) => {
      const answer = replicationAnswer(await deps.zfs.replicate(body, requestContext(req)), deps.publicUrl);
      res.status(answer.httpStatus).json(answer.body);
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/zfs/replications/{id}',
    operationId: 'zfsReplication',
    summary: 'A replication: its plan, progress and outcome',
    tag: 'zfs',
    params: { id: ReplicationId },
    answers: { '200': wrapped('the replication', 'replication', ZfsReplicationView) },
    handler: async ({ params, res, deps }) => {
      res.json({ replication: await deps.zfs.replication(params.id) });
    },
  }),
];
