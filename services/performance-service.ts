import { sql, type Kysely } from 'kysely';
import type { Database } from '../schema/database.ts';

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
 * and collection already has its row (trigger, cache hit, duration, status, error code), so nothing is
 * counted twice and no separate writer can drift from it.
 */
export class PerformanceService {
  constructor(private readonly db: Kysely<Database>) {}

  async rollup(q: { period: 'minute' | 'hour' | 'day'; since: Date; until: Date; hostname?: string }): Promise<PerformancePeriod[]> {
    const device = q.hostname ? sql`and hostname = ${q.hostname}` : sql``;
    // A literal: date_trunc's unit is a keyword-like text, validated by the route.
    const period = sql.lit(q.period);
    const { rows } = await sql<{
      time: Date; trigger: string; action: string; total: string; failed: string; cached: string;
      avg_ms: number | null; p95_ms: number | null; min_ms: number | null; max_ms: number | null; errors: Record<string, number> | null;
    }>`
      with base as (
        select date_trunc(${period}, time) as t, trigger, action, status, cache_hit, duration_ms, error_code
        from audit_log where action in ('read', 'collect') and time >= ${q.since} and time < ${q.until} ${device}
      ), errs as (
        select t, trigger, action, jsonb_object_agg(error_code, n) as errors
        from (select t, trigger, action, error_code, count(*) as n from base where status = 'error' and error_code is not null group by 1, 2, 3, 4) counted
        group by 1, 2, 3
      )
      select b.t as time, b.trigger, b.action,
        count(*) as total,
        count(*) filter (where b.status = 'error') as failed,
        count(*) filter (where b.cache_hit) as cached,
        avg(b.duration_ms)::float8 as avg_ms,
        percentile_cont(0.95) within group (order by b.duration_ms)::float8 as p95_ms,
        min(b.duration_ms) as min_ms, max(b.duration_ms) as max_ms,
        e.errors
      from base b left join errs e on e.t = b.t and e.trigger = b.trigger and e.action = b.action
      group by b.t, b.trigger, b.action, e.errors
      order by 1 desc, 2, 3`.execute(this.db);
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
