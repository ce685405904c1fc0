import { Router } from 'express';
import { z } from 'zod';
import { Hostname } from '../../schema/device.ts';
import { ZfsCloneRequest, ZfsEventsQuery, ZfsPropertiesQuery, ZfsPropertySetRequest, ZfsPruneRequest, ZfsReplicationRequest, ZfsScrubRequest, ZfsSnapshotListQuery } from '../../schema/zfs-request.ts';
import { execAnswer } from '../../services/operation-answers.ts';
import { pruneAnswer, replicationAnswer } from '../../services/zfs-answers.ts';
import type { ZfsService } from '../../services/zfs-service.ts';
import { requestContext } from '../request-context.ts';

export const ReplicationId = z.uuid();
export const PoolParam = z.string().min(1).max(255);

/**
 * ZFS operations under `/api/devices/{hostname}/zfs/...` and replications under `/api/zfs/replications`.
 * Changes are operations: safe ones answer at once, destructive ones 409 with where a person confirms.
 */
export function zfsRoutes(zfs: ZfsService, publicUrl: string | null): Router {
  const r = Router();

  r.get('/devices/:hostname/zfs/snapshots', async (req, res) => {
    res.json(await zfs.listSnapshots(Hostname.parse(req.params.hostname), ZfsSnapshotListQuery.parse(req.query), requestContext(req)));
  });

  r.post('/devices/:hostname/zfs/snapshots/prune', async (req, res) => {
    const outcome = await zfs.prune(Hostname.parse(req.params.hostname), ZfsPruneRequest.parse(req.body ?? {}), requestContext(req));
    const answer = pruneAnswer(outcome, publicUrl);
    res.status(answer.httpStatus).json(answer.body);
  });

  r.post('/devices/:hostname/zfs/clones', async (req, res) => {
    const request = ZfsCloneRequest.parse(req.body ?? {});
    const answer = execAnswer(await zfs.clone(Hostname.parse(req.params.hostname), request, requestContext(req)), publicUrl);
    res.status(answer.httpStatus === 200 ? 201 : answer.httpStatus).json({ clone: request.target, origin: request.snapshot, ...answer.body });
  });

  r.get('/devices/:hostname/zfs/properties', async (req, res) => {
    const { dataset, properties } = ZfsPropertiesQuery.parse(req.query);
    res.json(await zfs.properties(Hostname.parse(req.params.hostname), dataset, properties?.split(',').filter(Boolean) ?? [], requestContext(req)));
  });

  r.patch('/devices/:hostname/zfs/properties', async (req, res) => {
    const request = ZfsPropertySetRequest.parse(req.body ?? {});
    const answer = execAnswer(await zfs.setProperty(Hostname.parse(req.params.hostname), request, requestContext(req)), publicUrl);
    res.status(answer.httpStatus).json({ ...request, ...answer.body });
  });

  r.post('/devices/:hostname/zfs/pools/:pool/scrub', async (req, res) => {
    const { action } = ZfsScrubRequest.parse(req.body ?? {});
    const pool = PoolParam.parse(req.params.pool);
    const answer = execAnswer(await zfs.scrub(Hostname.parse(req.params.hostname), pool, action, requestContext(req)), publicUrl);
    res.status(answer.httpStatus).json({ pool, action, ...answer.body });
  });

  r.get('/devices/:hostname/zfs/events', async (req, res) => {
    const query = ZfsEventsQuery.parse(req.query);
    res.json(await zfs.events(Hostname.parse(req.params.hostname), query.pool ?? null, query.limit, requestContext(req)));
  });

  r.post('/zfs/replications', async (req, res) => {
    const answer = replicationAnswer(await zfs.replicate(ZfsReplicationRequest.parse(req.body ?? {}), requestContext(req)), publicUrl);
    res.status(answer.httpStatus).json(answer.body);
  });

  r.get('/zfs/replications/:id', async (req, res) => {
    res.json({ replication: await zfs.replication(ReplicationId.parse(req.params.id)) });
  });
  return r;
}
