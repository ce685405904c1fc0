import { sql, type Kysely } from 'kysely';
import type { AuditAction, AuditRow, Database, NewAuditRow, Trigger } from '../schema/database.ts';

export interface AuditQuery {
  hostname?: string;
  dataType?: string;
  action?: AuditAction;
  /** Any of these actions. */
  actions?: readonly AuditAction[];
  principal?: string;
  since?: Date;
  until?: Date;
  limit: number;
  /** Oldest first (catching up on events since a time) instead of newest first. */
  oldestFirst?: boolean;
}

/** Cached reads of one minute by one caller, counted in memory and added to their row by `addReadCounts`. */
export interface ReadCount {
  /** The minute's start. */
  time: Date;
  deviceId: string;
  hostname: string;
  dataType: string;
  trigger: Trigger;
  principal: string;
  onBehalfOf: string | null;
  count: number;
  durationMsSum: number;
  durationMsMin: number;
  durationMsMax: number;
}

interface QueuedRow {
  row: NewAuditRow;
  done: (err?: unknown) => void;
}

/**
 * The audit log: its one writer (single rows, or grouped reads), its queries, read counts, the
 * performance rollup and retention. Other repositories write their rows inside their own transactions
 * through an AuditRepository bound to that transaction.
 */
export class AuditRepository {
  private queue: QueuedRow[] = [];
  private flushing = false;

  readonly #db: Kysely<Database>;

  constructor(
    db: Kysely<Database>,
    private readonly maxBatch = 500,
  ) {
    this.#db = db;
  }

  /** Writes one audit row; a row keyed by collection id is written at most once. */
  async write(row: NewAuditRow): Promise<void> {
    await this.insert([row]);
  }

  /**
   * Group commit for read audit rows: rows that arrive while an INSERT is in flight go together in the
   * next one. Each caller still waits until its own row is committed, so nothing is acknowledged before
   * it is on disk, but 200 concurrent reads cost a few INSERTs instead of 200.
   */
  writeGrouped(row: NewAuditRow): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ row, done: (err) => (err ? reject(err) : resolve()) });
      if (!this.flushing) void this.flush();
    });
  }

  /** The one insert of audit rows, single or grouped: a row keyed by collection id is written at most once. */
  private async insert(rows: NewAuditRow[]): Promise<void> {
    await this.#db
      .insertInto('audit_log')
      .values(rows)
      .onConflict((oc) => oc.column('collection_id').doNothing())
      .execute();
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.maxBatch);
        try {
          await this.insert(batch.map((b) => b.row));
          for (const b of batch) b.done();
        } catch (err) {
          for (const b of batch) b.done(err);
        }
      }
    } finally {
      this.flushing = false;
    }
  }

  query(q: AuditQuery): Promise<AuditRow[]> {
    const order = q.oldestFirst ? 'asc' : 'desc';
    let query = this.#db.selectFrom('audit_log').selectAll().orderBy('time', order).orderBy('id', order).limit(q.limit);
    if (q.hostname) query = query.where('hostname', '=', q.hostname);
    if (q.dataType) query = query.where('data_type', '=', q.dataType);
    if (q.action) query = query.where('action', '=', q.action);
    if (q.actions?.length) query = query.where('action', 'in', q.actions);
    if (q.principal) query = query.where('principal', '=', q.principal);
    if (q.since) query = query.where('time', '>=', q.since);
    if (q.until) query = query.where('time', '<=', q.until);
    return query.execute();
  }

  /**
   * Adds counts to their minute's `read` row (migration 0015), creating it the first time: every flush
   * of every process lands in the same row. A device removed since its reads keeps its hostname only.
   */
  async addReadCounts(counts: ReadCount[]): Promise<void> {
    if (counts.length === 0) return;
    const rows = counts.map((c) => ({
      time: c.time.toISOString(),
      device_id: c.deviceId,
      hostname: c.hostname,
      data_type: c.dataType,
      trigger: c.trigger,
      principal: c.principal,
      on_behalf_of: c.onBehalfOf,
      count: c.count,
      duration_ms_sum: c.durationMsSum,
      duration_ms_min: Math.round(c.durationMsMin),
      duration_ms_max: Math.round(c.durationMsMax),
    }));
    await sql`
      insert into audit_log (time, device_id, hostname, action, data_type, trigger, cache_hit, force_refresh, status, principal, on_behalf_of, count, duration_ms_sum, duration_ms_min, duration_ms_max)
      select r.time, d.id, r.hostname, 'read', r.data_type, r.trigger, true, false, 'success', r.principal, r.on_behalf_of, r.count, r.duration_ms_sum, r.duration_ms_min, r.duration_ms_max
      from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as r(
        time timestamptz, device_id uuid, hostname text, data_type text, trigger text, principal text, on_behalf_of text,
        count integer, duration_ms_sum double precision, duration_ms_min integer, duration_ms_max integer)
      left join devices d on d.id = r.device_id
      on conflict (time, hostname, data_type, coalesce(principal, ''), coalesce(on_behalf_of, ''), trigger) where action = 'read' and cache_hit
      do update set
        count = audit_log.count + excluded.count,
        duration_ms_sum = audit_log.duration_ms_sum + excluded.duration_ms_sum,
        duration_ms_min = least(audit_log.duration_ms_min, excluded.duration_ms_min),
        duration_ms_max = greatest(audit_log.duration_ms_max, excluded.duration_ms_max),
        device_id = coalesce(excluded.device_id, audit_log.device_id)`.execute(this.#db);
  }

  /** Deletes up to `limit` audit rows older than `cutoff`; answers how many it deleted. */
  async deleteBefore(cutoff: Date, limit: number): Promise<number> {
    const result =
      await sql`delete from audit_log where id in (select id from audit_log where time < ${cutoff} limit ${limit})`.execute(
        this.#db,
      );
    return Number(result.numAffectedRows ?? 0n);
  }

  /**
   * Reads and collections per period, trigger and action, rolled up from the audit log (counted rows
   * weigh their count): totals, failures, cache hits, mean, nearest-rank p95, shortest, longest, and the
   * error codes; newest period first.
   */
  async rollup(q: { period: 'minute' | 'hour' | 'day'; since: Date; until: Date; hostname?: string }) {
    const device = q.hostname ? sql`and hostname = ${q.hostname}` : sql``;
    // A literal: date_trunc's unit is a keyword-like text, validated by the route.
    const period = sql.lit(q.period);
    const { rows } = await sql<{
      time: Date;
      trigger: string;
      action: string;
      total: string;
      failed: string;
      cached: string;
      avg_ms: number | null;
      p95_ms: number | null;
      min_ms: number | null;
      max_ms: number | null;
      errors: Record<string, number> | null;
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
      order by 1 desc, 2, 3`.execute(this.#db);
    return rows;
  }
}
