import { z } from 'zod';
import { auditEntry } from '../../services/audit-service.ts';
import { AuditEntry } from '../../schema/audit.ts';
import { AUDIT_ACTIONS } from '../../schema/database.ts';
import { Hostname } from '../../schema/device.ts';
import { CacheStats } from '../../services/collection-service.ts';
import { PerformancePeriod } from '../../services/performance-service.ts';
import { ServiceError } from '../../services/service-error.ts';
import { answers, json, Time, wrapped } from '../answers.ts';
import { defineRoute } from '../route.ts';

const AuditQuery = z
  .object({
    device: Hostname.optional(),
    data_type: z
      .string()
      .regex(/^[a-z_]{1,40}$/)
      .optional(),
    action: z.enum(AUDIT_ACTIONS).optional(),
    /** A principal id, e.g. `token:<id>`, `local`, `mcp-session:<id>`, `system`. */
    principal: z
      .string()
      .regex(/^[A-Za-z0-9:._-]{1,120}$/)
      .optional(),
    /** Rows at or after / at or before these times. */
    since: z.iso.datetime({ offset: true }).optional(),
    until: z.iso.datetime({ offset: true }).optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
  })
  .strict();

const PerformanceQuery = z
  .object({
    period: z.enum(['minute', 'hour', 'day']).default('hour'),
    since: z.iso.datetime({ offset: true }).optional(),
    until: z.iso.datetime({ offset: true }).optional(),
    device: Hostname.optional(),
  })
  .strict();

/** The audit log (`GET /api/audit`), what it says about performance (`GET /api/performance`), and the cache's statistics. */
export const auditRoutes = [
  defineRoute({
    method: 'get',
    path: '/api/audit',
    operationId: 'audit',
    summary: 'Audit rows, newest first; cached reads as one row per minute and caller with their count',
    tag: 'audit',
    query: AuditQuery,
    answers: { '200': wrapped('the rows', 'entries', answers(z.array(AuditEntry))) },
    handler: async ({ query: q, res, deps }) => {
      const rows = await deps.audit.entries({
        hostname: q.device,
        dataType: q.data_type,
        action: q.action,
        principal: q.principal,
        since: q.since ? new Date(q.since) : undefined,
        until: q.until ? new Date(q.until) : undefined,
        limit: q.limit,
      });
      res.json({ entries: rows.map(auditEntry) });
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/cache/stats',
    operationId: 'cacheStats',
    summary: 'Freshness, snapshot counts and cache hit rate per data type',
    tag: 'data',
    answers: { '200': json('the statistics', answers(CacheStats)) },
    handler: async ({ res, deps }) => {
      res.json(await deps.collection.stats());
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/performance',
    operationId: 'performance',
    summary: 'Reads and collections per period and service (polling, api, mcp, cli), from the audit log',
    tag: 'audit',
    query: PerformanceQuery,
    answers: {
      '200': json(
        'the periods, newest first',
        answers(
          z.object({
            period: z.string(),
            since: Time,
            until: Time,
            periods: z.array(PerformancePeriod),
          }),
        ),
      ),
    },
    handler: async ({ query: q, res, deps }) => {
      const until = q.until ? new Date(q.until) : new Date();
      const since = q.since ? new Date(q.since) : new Date(until.getTime() - 24 * 3600_000);
      if (since >= until) throw new ServiceError('validation_error', 400, 'since must be before until');
      res.json({
        period: q.period,
        since: since.toISOString(),
        until: until.toISOString(),
        periods: await deps.performance.rollup({ period: q.period, since, until, hostname: q.device }),
      });
    },
  }),
];
