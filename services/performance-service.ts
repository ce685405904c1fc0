import type { Repositories } from '../store/index.ts';

export interface PerformancePeriod {
  time: string;
  /** As the design document names them: `polling` (schedules), `api`, `mcp`, `cli`, `system`. */
  service_name: string;
  /** `read` (answered to a caller, from cache or not) or `collect` (an SSH collection). */
  action: string;
  operations_total: number;
  operations_successful: number;
  operations_failed: number;
  operations_cached: number;
  cache_hit_ratio: number | null;
  avg_duration_ms: number | null;
  p95_duration_ms: number | null;
  min_duration_ms: number | null;
  max_duration_ms: number | null;
  error_types: Record<string, number>;
}

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
