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
 * and collection is in it (trigger, cache hit, duration, status, error code), so nothing is counted
 * twice and no separate writer can drift from it. A row may stand for several events (`count`: the
 * cached reads of a minute, with their duration total, shortest and longest): totals, the cache hit
 * ratio, the mean, the shortest and the longest are exact. p95 is the nearest rank over every event, a
 * counted row's reads all taken at its longest: for cached reads an upper bound.
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
        select date_trunc(${period}, time) as t, trigger, action, status, cache_hit, error_code, count as n,
          coalesce(duration_ms_sum, duration_ms) as duration_sum,
          coalesce(duration_ms_min, duration_ms) as duration_min,
          coalesce(duration_ms_max, duration_ms) as duration_max
        from audit_log where action in ('read', 'collect') and time >= ${q.since} and time < ${q.until} ${device}
      ), errs as (
        select t, trigger, action, jsonb_object_agg(error_code, n) as errors
        from (select t, trigger, action, error_code, sum(n) as n from base where status = 'error' and error_code is not null group by 1, 2, 3, 4) counted
        group by 1, 2, 3
      ), p95 as (
        select distinct on (t, trigger, action) t, trigger, action, duration_max as p95_ms
        from (
          select t, trigger, action, duration_max,
            sum(n) over (partition by t, trigger, action order by duration_max rows unbounded preceding) as running,
            sum(n) over (partition by t, trigger, action) as timed
          from base where duration_max is not null
        ) ranked
        where running >= 0.95 * timed
        order by t, trigger, action, duration_max
      )
      select b.t as time, b.trigger, b.action,
        sum(b.n) as total,
        coalesce(sum(b.n) filter (where b.status = 'error'), 0) as failed,
        coalesce(sum(b.n) filter (where b.cache_hit), 0) as cached,
        (sum(b.duration_sum) / nullif(sum(b.n) filter (where b.duration_sum is not null), 0))::float8 as avg_ms,
        p.p95_ms::float8 as p95_ms,
        min(b.duration_min) as min_ms, max(b.duration_max) as max_ms,
        e.errors
      from base b
      left join errs e on e.t = b.t and e.trigger = b.trigger and e.action = b.action
      left join p95 p on p.t = b.t and p.trigger = b.trigger and p.action = b.action
      group by b.t, b.trigger, b.action, e.errors, p.p95_ms
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
