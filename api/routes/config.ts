import { Router } from 'express';
import { z } from 'zod';
import { ConfigChangesQuery, DevicePath, SnapshotId, WatchPathRequest } from '../../schema/config-request.ts';
import { Hostname } from '../../schema/device.ts';
import type { ConfigHistoryService } from '../../services/config-history-service.ts';
import { execAnswer } from '../../services/operation-answers.ts';
import { requestContext } from '../request-context.ts';

export const HistoryQuery = z.object({ path: DevicePath, limit: z.coerce.number().int().min(1).max(1000).default(100) }).strict();
export const DiffQuery = z.object({ from: SnapshotId, to: SnapshotId }).strict();
/** `raw=true`: the stored bytes with their secrets (admin only); otherwise secret values are hidden. */
export const SnapshotQuery = z.object({ raw: z.enum(['true', 'false']).default('false').transform((v) => v === 'true') }).strict();

/** Configuration history: watched files, versions, diffs and change events. */
export function configRoutes(history: ConfigHistoryService, publicUrl: string | null): Router {
  const r = Router();
  r.get('/devices/:hostname/config/files', async (req, res) => {
    res.json(await history.files(Hostname.parse(req.params.hostname)));
  });
  r.post('/devices/:hostname/config/watch-paths', async (req, res) => {
    const { path } = WatchPathRequest.parse(req.body ?? {});
    res.status(201).json(await history.addWatchPath(Hostname.parse(req.params.hostname), path));
  });
  r.delete('/devices/:hostname/config/watch-paths', async (req, res) => {
    const { path } = WatchPathRequest.parse(req.query);
    res.json(await history.removeWatchPath(Hostname.parse(req.params.hostname), path));
  });
  r.get('/devices/:hostname/config/history', async (req, res) => {
    const query = HistoryQuery.parse(req.query);
    res.json(await history.history(Hostname.parse(req.params.hostname), query.path, query.limit));
  });
  r.get('/config/snapshots/:id', async (req, res) => {
    const { raw } = SnapshotQuery.parse(req.query);
    res.json(await history.snapshot(SnapshotId.parse(req.params.id), { raw, principal: requestContext(req).principal }));
  });
  r.post('/config/snapshots/:id/rollback', async (req, res) => {
    const ctx = requestContext(req);
    const view = await history.rollback(SnapshotId.parse(req.params.id), ctx);
    const answer = execAnswer(view, publicUrl);
    res.status(answer.httpStatus).json(answer.body);
  });
  r.get('/config/diff', async (req, res) => {
    const { from, to } = DiffQuery.parse(req.query);
    res.json(await history.diff(from, to));
  });
  r.get('/config/changes', async (req, res) => {
    const q = ConfigChangesQuery.parse(req.query);
    res.json(await history.changes({ since: q.since ? new Date(q.since) : undefined, hostname: q.device, limit: q.limit, includeDiff: q.include_diff }));
  });
  return r;
}
