import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database, Trigger } from '../schema/database.ts';
import type { Collector, SnapshotTableName } from '../domain/collectors/collector.ts';
import { AuditRepository } from './audit.ts';

export interface StoredSnapshot<T = unknown> {
  id: string;
  collectedAt: Date;
  collectionId: string;
  durationMs: number;
  data: T;
}

export interface SnapshotPoint {
  id: string;
  collectedAt: Date;
  /** The type's scalar columns (cpu_percent, running, failed, ...), for charts. */
  values: Record<string, unknown>;
  data: unknown;
}

export interface CollectionRecord<T> {
  collector: Collector<T>;
  deviceId: string;
  hostname: string;
  data: T;
  collectedAt: Date;
  durationMs: number;
  collectionId: string;
  workflowId: string;
  trigger: Trigger;
  forceRefresh: boolean;
  correlationId: string | null;
  principal: string;
  warnings: string[];
}

/**
 * The duplicate check goes through audit_log's unique collection_id, not the snapshot table's: on
 * TimescaleDB the snapshot tables are hypertables (migration 0008), whose unique keys must include
 * collected_at, which differs between attempts. A transaction lock on the collection id serialises two
 * attempts that overlap (one presumed lost but still running), so the check and the insert are one step.
 */
async function insertSnapshot<T>(
  trx: Transaction<Database>,
  r: CollectionRecord<T>,
): Promise<{ id: string; reused: boolean }> {
  await sql`select pg_advisory_xact_lock(hashtextextended(${r.collectionId}, 0))`.execute(trx);
  const earlier = await trx
    .selectFrom('audit_log')
    .select('snapshot_id')
    .where('collection_id', '=', r.collectionId)
    .where('snapshot_id', 'is not', null)
    .executeTakeFirst();
  if (earlier?.snapshot_id) return { id: earlier.snapshot_id, reused: true };
  const inserted = await trx
    .insertInto(r.collector.table)
    .values({
      device_id: r.deviceId,
      collected_at: r.collectedAt,
      collection_id: r.collectionId,
      duration_ms: Math.round(r.durationMs),
      data: JSON.stringify(r.data),
      ...r.collector.columns(r.data),
    } as never)
    .returning('id')
    .executeTakeFirstOrThrow();
  return { id: inserted.id, reused: false };
}

/** Stored collections: one table per data type (the collector names it). */
export class SnapshotRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /**
   * The device's newest snapshot of the collector's type, its payload read with the type's schema: one
   * stored by an older version, whose payload no longer has today's shape, is as good as none (callers
   * collect anew, or take their own sample instead of a delta).
   */
  async latest<T>(
    collector: Pick<Collector<T>, 'table' | 'schema'>,
    deviceId: string,
  ): Promise<StoredSnapshot<T> | undefined> {
    const row = await this.#db
      .selectFrom(collector.table)
      .select(['id', 'collected_at', 'collection_id', 'duration_ms', 'data'])
      .where('device_id', '=', deviceId)
      .orderBy('collected_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    const payload = row && collector.schema.safeParse(row.data);
    return row && payload?.success
      ? {
          id: row.id,
          collectedAt: row.collected_at,
          collectionId: row.collection_id,
          durationMs: row.duration_ms,
          data: payload.data,
        }
      : undefined;
  }

  /** Snapshots of one device and type in [since, until], oldest first. */
  async between(
    table: SnapshotTableName,
    deviceId: string,
    range: { since: Date; until: Date; limit: number },
  ): Promise<SnapshotPoint[]> {
    const rows = await this.#db
      .selectFrom(table)
      .selectAll()
      .where('device_id', '=', deviceId)
      .where('collected_at', '>=', range.since)
      .where('collected_at', '<=', range.until)
      .orderBy('collected_at', 'asc')
      .limit(range.limit)
      .execute();
    return rows.map((row) => {
      // Everything but the bookkeeping columns is a value of the series.
      const { id, collected_at, data, device_id, collection_id, duration_ms, ...values } = row;
      return { id, collectedAt: collected_at, values, data };
    });
  }

  /**
   * Snapshot, audit row and device status in one transaction. Keyed by collection id, so an activity
   * retried after its commit stores nothing twice and returns the snapshot it stored the first time:
   * the audit row naming the collection and its snapshot commits with the snapshot, and insertSnapshot
   * looks for it first.
   */
  async storeCollection<T>(r: CollectionRecord<T>): Promise<StoredSnapshot<T>> {
    return this.#db.transaction().execute(async (trx) => {
      const { id: snapshotId, reused } = await insertSnapshot(trx, r);
      await new AuditRepository(trx).write({
        device_id: r.deviceId,
        hostname: r.hostname,
        action: 'collect',
        data_type: r.collector.dataType,
        trigger: r.trigger,
        cache_hit: false,
        force_refresh: r.forceRefresh,
        duration_ms: Math.round(r.durationMs),
        status: 'success',
        workflow_id: r.workflowId,
        collection_id: r.collectionId,
        snapshot_id: snapshotId,
        correlation_id: r.correlationId,
        principal: r.principal,
        details: JSON.stringify({ ssh_commands: 1, warnings: r.warnings }),
      });
      await trx
        .updateTable('devices')
        .set({
          status: 'online',
          status_detail: null,
          last_seen: r.collectedAt,
          consecutive_failures: 0,
          updated_at: new Date(),
        })
        .where('id', '=', r.deviceId)
        .execute();
      if (!reused)
        return {
          id: snapshotId,
          collectedAt: r.collectedAt,
          collectionId: r.collectionId,
          durationMs: Math.round(r.durationMs),
          data: r.data,
        };
      // A retried attempt answers with what the first one stored.
      const stored = await trx
        .selectFrom(r.collector.table)
        .select(['id', 'collected_at', 'collection_id', 'duration_ms', 'data'])
        .where('id', '=', snapshotId)
        .executeTakeFirstOrThrow();
      return {
        id: stored.id,
        collectedAt: stored.collected_at,
        collectionId: stored.collection_id,
        durationMs: stored.duration_ms,
        data: stored.data as T,
      };
    });
  }

  /** Count of snapshots, for cache statistics. */
  async count(table: SnapshotTableName): Promise<number> {
    const row = await this.#db
      .selectFrom(table)
      .select(sql<string>`count(*)`.as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /**
   * Deletes up to `limit` snapshots older than `cutoff`, never a device's newest (what reads and deltas
   * start from); answers how many it deleted.
   */
  async deleteBefore(table: SnapshotTableName, cutoff: Date, limit: number): Promise<number> {
    const result = await sql`
      delete from ${sql.table(table)} where id in (
        select s.id from ${sql.table(table)} s
        where s.collected_at < ${cutoff}
          and s.collected_at < (select max(n.collected_at) from ${sql.table(table)} n where n.device_id = s.device_id)
        limit ${limit}
      )`.execute(this.#db);
    return Number(result.numAffectedRows ?? 0n);
  }
}
