import { Router } from 'express';
import { z } from 'zod';
import { queryAudit } from '../../activities/store/audit.ts';
import type { Kysely } from 'kysely';
import type { Database } from '../../schema/database.ts';
import { Hostname } from '../../schema/device.ts';
import type { CollectionService } from '../../services/collection-service.ts';

const AuditQuery = z
  .object({
    device: Hostname.optional(),
    data_type: z.string().regex(/^[a-z_]{1,40}$/).optional(),
    action: z.enum(['collect', 'read', 'device_create', 'device_update', 'device_delete', 'device_import']).optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
  })
  .strict();

export function auditRoutes(db: Kysely<Database>, collection: CollectionService): Router {
  const r = Router();
  r.get('/audit', async (req, res) => {
    const q = AuditQuery.parse(req.query);
    const rows = await queryAudit(db, { hostname: q.device, dataType: q.data_type, action: q.action, limit: q.limit });
    res.json({ entries: rows.map((row) => ({ ...row, time: row.time.toISOString() })) });
  });
  r.get('/cache/stats', async (_req, res) => {
    res.json(await collection.stats());
  });
  return r;
}
