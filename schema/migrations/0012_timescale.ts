import { sql, type Kysely } from 'kysely';
import { ensureHypertables } from './hypertables.ts';

/** Every per-type snapshot table (createSnapshotTable): the time series worth compressing. */
const SNAPSHOT_TABLES = [
  'metrics_snapshots',
  'containers_snapshots',
  'network_snapshots',
  'services_snapshots',
  'drives_snapshots',
  'zfs_snapshots',
  'updates_snapshots',
  'guests_snapshots',
  'capabilities_snapshots',
] as const;

/**
 * With TimescaleDB the snapshot tables that existed then become hypertables (hypertables.ts). After the
 * migrations, platform/db.ts converts every snapshot table the registry names the same way, later ones included.
 *
 * Retention stays the app's own purge (retentionWorkflow, every 6 h), which deletes from hypertables
 * like from tables: it follows RETENTION_DAYS as set at each start and keeps every device's newest
 * snapshot whatever its age. A TimescaleDB retention policy would drop whole chunks by a fixed age
 * chosen here, losing both.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await ensureHypertables(db, SNAPSHOT_TABLES);
}

/** Hypertables cannot be turned back into tables in place: going below this needs a dump and restore. */
export async function down(db: Kysely<unknown>): Promise<void> {
  const installed = await sql`select 1 from pg_extension where extname = 'timescaledb'`.execute(db);
  if (installed.rows.length === 0) return;
  const converted = await sql`
    select 1 from timescaledb_information.hypertables
    where hypertable_schema = current_schema() and hypertable_name = any(${[...SNAPSHOT_TABLES]})`.execute(db);
  if (converted.rows.length > 0) {
    throw new Error(
      '0012_timescale: the snapshot tables are TimescaleDB hypertables, which cannot be reverted in place; dump the data and restore it into a fresh database instead',
    );
  }
}
