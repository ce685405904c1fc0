import { sql, type Kysely } from 'kysely';

/** One chunk per week: a small fleet's week of any type is a few MB, a large one's still fits memory. */
const CHUNK_INTERVAL = '7 days';
/** Reads and deltas look at the last hours; charts at most a few days back. Older chunks are compressed. */
const COMPRESS_AFTER = '7 days';

/**
 * With TimescaleDB (the temporal-compose.yml database image) the snapshot tables are hypertables on
 * collected_at, compressed per device after a week. Without it (the embedded PostgreSQL, a plain server)
 * this does nothing and they stay plain tables: every query the app runs works on both.
 *
 * Run after the migrations with every snapshot table the collector registry names (platform/db.ts), so a
 * data type's migration only creates its table; a table that is a hypertable already is left alone.
 * Retention is not a TimescaleDB policy: see 0012_timescale.ts. Answers the tables it converted.
 */
export async function ensureHypertables(db: Kysely<unknown>, tables: readonly string[]): Promise<string[]> {
  if (!(await timescaleUsable(db))) return [];
  await sql`CREATE EXTENSION IF NOT EXISTS timescaledb`.execute(db);
  const existing = await sql<{ name: string }>`
    select hypertable_name as name from timescaledb_information.hypertables
    where hypertable_schema = current_schema() and hypertable_name = any(${[...tables]})`.execute(db);
  const converted = new Set(existing.rows.map((r) => r.name));
  const missing = tables.filter((table) => !converted.has(table));
  for (const table of missing) await makeHypertable(db, table);
  return missing;
}

/**
 * Detected once per run: the extension must be installed on the server (pg_available_extensions) and
 * loaded at server start (shared_preload_libraries), else CREATE EXTENSION fails; a server that only
 * has the files installed keeps plain tables rather than failing the migration.
 */
export async function timescaleUsable(db: Kysely<unknown>): Promise<boolean> {
  const available = await sql`select 1 from pg_available_extensions where name = 'timescaledb'`.execute(db);
  if (available.rows.length === 0) return false;
  const preload = await sql<{
    libraries: string;
  }>`select current_setting('shared_preload_libraries') as libraries`.execute(db);
  return (preload.rows[0]?.libraries ?? '').split(',').some((lib) => lib.trim() === 'timescaledb');
}

/**
 * One snapshot table as a compressed hypertable. A hypertable's unique keys must contain its time
 * column, so the conversion changes two keys:
 * - the primary key `id` becomes (id, collected_at): ids still come from the table's sequence, so they
 *   stay unique, and lookups by id still use the key's index;
 * - the unique `collection_id` is dropped. It guarded against a retried collection storing twice;
 *   (collection_id, collected_at) would not, since each attempt has its own collected_at. That guard is
 *   audit_log's unique collection_id instead (store/snapshots.ts), on plain tables too.
 * Compression orders by (collected_at, id) so the primary key stays enforceable on compressed chunks.
 */
async function makeHypertable(db: Kysely<unknown>, table: string): Promise<void> {
  const keys = await sql<{ conname: string }>`
    select conname from pg_constraint
    where conrelid = ${table}::regclass and contype in ('p', 'u')`.execute(db);
  for (const { conname } of keys.rows) {
    await sql`ALTER TABLE ${sql.table(table)} DROP CONSTRAINT ${sql.id(conname)}`.execute(db);
  }
  await sql`ALTER TABLE ${sql.table(table)} ADD PRIMARY KEY (id, collected_at)`.execute(db);
  await sql`SELECT create_hypertable(${table}::regclass, by_range('collected_at', ${sql.lit(CHUNK_INTERVAL)}::interval), migrate_data => true)`.execute(
    db,
  );
  await sql`ALTER TABLE ${sql.table(table)} SET (
    timescaledb.compress,
    timescaledb.compress_segmentby = 'device_id',
    timescaledb.compress_orderby = 'collected_at DESC, id DESC')`.execute(db);
  await sql`SELECT add_compression_policy(${table}::regclass, ${sql.lit(COMPRESS_AFTER)}::interval)`.execute(db);
}
