import { Router } from 'express';
import { z } from 'zod';
import { auditEntry } from '../../services/audit-service.ts';
import { AUDIT_ACTIONS } from '../../schema/database.ts';
import { Hostname } from '../../schema/device.ts';
import type { AuditService } from '../../services/audit-service.ts';
import type { CollectionService } from '../../services/collection-service.ts';
import type { PerformanceService } from '../../services/performance-service.ts';
import { ServiceError } from '../../services/service-error.ts';

export const AuditQuery = z
  .object({
    device: Hostname.optional(),
    data_type: z.string().regex(/^[a-z_]{1,40}$/).optional(),
    action: z.enum(AUDIT_ACTIONS).optional(),
    /** A principal id, e.g. `token:<id>`, `local`, `mcp-session:<id>`, `system`. */
    principal: z.string().regex(/^[A-Za-z0-9:._-]{1,120}$/).optional(),
    /** Rows at or after / at or before these times. */
    since: z.iso.datetime({ offset: true }).optional(),
    until: z.iso.datetime({ offset: true }).optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
  })
  .strict();

export function auditRoutes(audit: AuditService, collection: CollectionService): Router {
  const r = Router();
  r.get('/audit', async (req, res) => {
    const q = AuditQuery.parse(req.query);
    const rows = await audit.entries({
      hostname: q.device,
      dataType: q.data_type,
      action: q.action,
      principal: q.principal,
      since: q.since ? new Date(q.since) : undefined,
      until: q.until ? new Date(q.until) : undefined,
      limit: q.limit,
    });
    res.json({ entries: rows.map(auditEntry) });
  });
  r.get('/cache/stats', async (_req, res) => {
    res.json(await collection.stats());
  });
  return r;
}

export const PerformanceQuery = z
  .object({
    period: z.enum(['minute', 'hour', 'day']).default('hour'),
    since: z.iso.datetime({ offset: true }).optional(),
    until: z.iso.datetime({ offset: true }).optional(),
    device: Hostname.optional(),
  })
  .strict();

/** `GET /api/performance`: reads and collections per period and service (polling, api, mcp, cli), from the audit log. */
export function performanceRoutes(performance: PerformanceService): Router {
  const r = Router();
  r.get('/performance', async (req, res) => {
    const q = PerformanceQuery.parse(req.query);
    const until = q.until ? new Date(q.until) : new Date();
    const since = q.since ? new Date(q.since) : new Date(until.getTime() - 24 * 3600_000);
    if (since >= until) throw new ServiceError('validation_error', 400, 'since must be before until');
    res.json({ period: q.period, since: since.toISOString(), until: until.toISOString(), periods: await performance.rollup({ period: q.period, since, until, hostname: q.device }) });
  });
  return r;
}
