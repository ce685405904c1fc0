import { z } from 'zod';
import { ConfigChange, ConfigSnapshotView, SemanticChangeSchema } from '../../schema/config-change.ts';
import { ConfigChangesQuery, DevicePath, SnapshotId, WatchPathRequest } from '../../schema/config-request.ts';
import { execAnswer } from '../../services/operation-answers.ts';
import { answers, CommandDone, component, heldOrConflict, json, named, Time, wrapped } from '../answers.ts';
import { requestContext } from '../request-context.ts';
import { defineRoute, pathHostname } from '../route.ts';

const HistoryQuery = z
  .object({ path: DevicePath, limit: z.coerce.number().int().min(1).max(1000).default(100) })
  .strict();
const DiffQuery = z.object({ from: SnapshotId, to: SnapshotId }).strict();
/** `raw=true`: the stored bytes with their secrets (admin only); otherwise secret values are hidden. */
const SnapshotQuery = z
  .object({
    raw: z
      .enum(['true', 'false'])
      .default('false')
      .transform((v) => v === 'true'),
  })
  .strict();

const ConfigFiles = component(
  'ConfigFiles',
  z.looseObject({
    device: z.string(),
    watch: z.looseObject({ mode: z.string().nullable(), detail: z.string().nullable(), workflow_id: z.string() }),
    user_paths: z.array(z.looseObject({ path: z.string(), enabled: z.boolean(), added_at: Time })),
    files: z.array(
      z.looseObject({
        path: z.string(),
        kind: z.string(),
        exists: z.boolean(),
        last_change: z.string(),
        sha256: z.string().nullable(),
        size_bytes: z.int().nullable(),
        changed_at: Time,
        snapshot_id: z.string(),
        versions: z.int(),
      }),
    ),
  }),
);

const ConfigVersions = z.looseObject({
  device: z.string(),
  path: z.string(),
  versions: z.array(
    z.looseObject({
      snapshot_id: z.string(),
      change_type: z.string(),
      size_bytes: z.int().nullable(),
      detected_at: Time,
      event_id: z.string().nullable(),
      risk_level: z.string().nullable(),
      reasons: z.array(z.string()).nullable(),
      affected_services: z.array(z.string()).nullable(),
    }),
  ),
});

const pathSnapshot = { id: SnapshotId };

/** Configuration history: watched files, versions, diffs and change events. */
export const configRoutes = [
  defineRoute({
    method: 'get',
    path: '/api/devices/{hostname}/config/files',
    operationId: 'configFiles',
    summary: 'Every configuration file the history knows, and how it is watched',
    tag: 'config',
    params: pathHostname,
    answers: { '200': named('the files', ConfigFiles) },
    handler: async ({ params, res, deps }) => {
      res.json(await deps.configHistory.files(params.hostname));
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/devices/{hostname}/config/watch-paths',
    operationId: 'addWatchPath',
    summary: 'Watch another path',
    tag: 'config',
    params: pathHostname,
    body: WatchPathRequest,
    answers: { '201': named('the files, with the new path', ConfigFiles) },
    handler: async ({ params, body, res, deps }) => {
      res.status(201).json(await deps.configHistory.addWatchPath(params.hostname, body.path));
    },
  }),
  defineRoute({
    method: 'delete',
    path: '/api/devices/{hostname}/config/watch-paths',
    operationId: 'removeWatchPath',
    summary: 'Stop watching a path you added',
    tag: 'config',
    params: pathHostname,
    query: WatchPathRequest,
    answers: { '200': named('the files, without the path', ConfigFiles) },
    handler: async ({ params, query, res, deps }) => {
      res.json(await deps.configHistory.removeWatchPath(params.hostname, query.path));
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/devices/{hostname}/config/history',
    operationId: 'configHistory',
    summary: 'Versions of one file, newest first',
    tag: 'config',
    params: pathHostname,
    query: HistoryQuery,
    answers: { '200': json('the versions', answers(ConfigVersions)) },
    handler: async ({ params, query, res, deps }) => {
      res.json(await deps.configHistory.history(params.hostname, query.path, query.limit));
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/config/snapshots/{id}',
    operationId: 'configSnapshot',
    summary: 'One stored version of a file, with its content (secret values hidden unless raw=true, admin only)',
    tag: 'config',
    params: pathSnapshot,
    query: SnapshotQuery,
    answers: {
      '200': json('the version', answers(ConfigSnapshotView)),
    },
    handler: async ({ params, query, req, res, deps }) => {
      res.json(
        await deps.configHistory.snapshot(params.id, { raw: query.raw, principal: requestContext(req).principal }),
      );
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/config/snapshots/{id}/rollback',
    operationId: 'configRollback',
    summary: 'Put a stored version back (held for its phrase; checked, and undone when the check fails)',
    tag: 'config',
    params: pathSnapshot,
    answers: { '200': named('written and checked', CommandDone), '409': heldOrConflict() },
    handler: async ({ params, req, res, deps }) => {
      const view = await deps.configHistory.rollback(params.id, requestContext(req));
      const answer = execAnswer(view, deps.publicUrl);
      res.status(answer.httpStatus).json(answer.body);
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/config/diff',
    operationId: 'configDiff',
    summary: 'Text and semantic differences between two versions of one file',
    tag: 'config',
    query: DiffQuery,
    answers: {
      '200': json(
        'the differences',
        answers(
          z.looseObject({
            device: z.string(),
            path: z.string(),
            diff: z.string(),
            semantic_changes: z.array(SemanticChangeSchema),
          }),
        ),
      ),
    },
    handler: async ({ query, res, deps }) => {
      res.json(await deps.configHistory.diff(query.from, query.to));
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/config/changes',
    operationId: 'configChanges',
    summary: 'Configuration change events, newest first',
    tag: 'config',
    query: ConfigChangesQuery,
    answers: { '200': wrapped('the events', 'changes', answers(z.array(ConfigChange))) },
    handler: async ({ query: q, res, deps }) => {
      res.json(
        await deps.configHistory.changes({
          since: q.since ? new Date(q.since) : undefined,
          hostname: q.device,
          limit: q.limit,
          includeDiff: q.include_diff,
        }),
      );
    },
  }),
];
