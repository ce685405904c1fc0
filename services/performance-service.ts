import { z } from 'zod';
import type { Repositories } from '../store/index.ts';

/** One period's reads or collections of one service (`GET /api/performance`, MCP `get_performance`). */
export const PerformancePeriod = z.looseObject({
  time: z.iso.datetime(),
  /** As the design document names them: `polling` (schedules), `api`, `mcp`, `cli`, `system`. */
  service_name: z.string(),
  /** `read` (answered to a caller, from cache or not) or `collect` (an SSH collection). */
  action: z.string(),
  operations_total: z.int(),
  operations_successful: z.int(),
  operations_failed: z.int(),
  operations_cached: z.int(),
  cache_hit_ratio: z.number().nullable(),
  avg_duration_ms: z.number().nullable(),
  p95_duration_ms: z.number().nullable(),
  min_duration_ms: z.number().nullable(),
  max_duration_ms: z.number().nullable(),
  error_types: z.record(z.string(), z.number()),
});
export type PerformancePeriod = z.output<typeof PerformancePeriod>;

/**
 * The design document's service_performance_metrics, rolled up from the audit log on demand: every read
 * and collection is in it (trigger, cache hit, duration, status, error code), so nothing is counted
 * twice and no separate writer can drift from it. A row may stand for several events (`count`: the
 * cached reads of a minute, with their duration total, shortest and longest): totals, the cache hit
 * ratio, the mean, the shortest and the longest are exact. p95 is the nearest rank over every event, a
 * counted row's reads all taken at its longest: for cached reads an upper bound.
 */
export class PerformanceService {
  constructor(private readonly store: Pick<Repositories, 'audit'>) {}

  async rollup(q: {
    period: 'minute' | 'hour' | 'day';
    since: Date;
    until: Date;
    hostname?: string;
  }): Promise<PerformancePeriod[]> {
    const rows = await this.store.audit.rollup(q);
    return rows.map((r) => {
      const total = Number(r.total);
      const cached = Number(r.cached);
      return {
        time: new Date(r.time).toISOString(),
        service_name: r.trigger === 'schedule' ? 'polling' : r.trigger,
        action: r.action,
        operations_total: total,
        operations_successful: total - Number(r.failed),
        operations_failed: Number(r.failed),
        operations_cached: cached,
        cache_hit_ratio: r.action === 'read' && total > 0 ? Math.round((cached / total) * 10_000) / 100 : null,
        avg_duration_ms: r.avg_ms === null ? null : Math.round(r.avg_ms * 100) / 100,
        p95_duration_ms: r.p95_ms === null ? null : Math.round(r.p95_ms * 100) / 100,
        min_duration_ms: r.min_ms,
        max_duration_ms: r.max_ms,
        error_types: r.errors ?? {},
      };
    });
  }
}
