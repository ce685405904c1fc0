import { sql, type Kysely } from 'kysely';

/**
 * Configuration monitoring: what is watched per device, every version of every watched file (never
 * purged), and one change event per stored version.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // How the device's config files are watched right now: inotify, polling (and why), or not at all.
  await db.schema
    .alterTable('devices')
    .addColumn('config_watch_mode', 'text')
    .addColumn('config_watch_detail', 'text')
    .execute();
  await db.schema
    .createTable('config_watch_paths')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('device_id', 'uuid', (c) => c.notNull().references('devices.id').onDelete('cascade'))
    // A directory watched recursively or one file; globs are expanded on the device at each scan.
    .addColumn('path', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('enabled', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('config_watch_paths_device_path', ['device_id', 'path'])
    .execute();

  await db.schema
    .createTable('config_snapshots')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    // Kept when the device is deleted: history outlives the registry entry.
    .addColumn('device_id', 'uuid', (c) => c.references('devices.id').onDelete('set null'))
    .addColumn('hostname', 'text', (c) => c.notNull())
    .addColumn('path', 'text', (c) => c.notNull())
    .addColumn('change_type', 'text', (c) => c.notNull())
    // Null for a deletion; otherwise the file's bytes (utf8) and their sha256.
    .addColumn('content', 'text')
    .addColumn('content_sha256', 'text')
    .addColumn('size_bytes', 'integer')
    .addColumn('previous_sha256', 'text')
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('parsed', 'jsonb')
    .addColumn('parse_error', 'jsonb')
    .addColumn('detected_at', 'timestamptz', (c) => c.notNull())
    .addColumn('stored_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('detection_latency_ms', 'integer')
    // Idempotency key of the storing activity: a retry stores nothing twice.
    .addColumn('capture_id', 'text', (c) => c.notNull().unique())
    .execute();
  await db.schema
    .createIndex('config_snapshots_path_time')
    .on('config_snapshots')
    .columns(['hostname', 'path', 'id desc'])
    .execute();

  await db.schema
    .createTable('config_change_events')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('snapshot_id', 'bigint', (c) => c.notNull().unique().references('config_snapshots.id'))
    .addColumn('previous_snapshot_id', 'bigint', (c) => c.references('config_snapshots.id'))
    .addColumn('device_id', 'uuid', (c) => c.references('devices.id').onDelete('set null'))
    .addColumn('hostname', 'text', (c) => c.notNull())
    .addColumn('path', 'text', (c) => c.notNull())
    .addColumn('change_type', 'text', (c) => c.notNull())
    .addColumn('diff', 'text', (c) => c.notNull())
    .addColumn('semantic_changes', 'jsonb', (c) => c.notNull())
    .addColumn('risk_level', 'text', (c) => c.notNull())
    .addColumn('reasons', 'jsonb', (c) => c.notNull())
    .addColumn('affected_services', 'jsonb', (c) => c.notNull())
    .addColumn('restart_required', 'boolean', (c) => c.notNull())
    .addColumn('restart_hint', 'text')
    .addColumn('detected_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('config_change_events_time')
    .on('config_change_events')
    .columns(['detected_at desc'])
    .execute();
  await db.schema
    .createIndex('config_change_events_device_time')
    .on('config_change_events')
    .columns(['hostname', 'detected_at desc'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('config_change_events').ifExists().execute();
  await db.schema.dropTable('config_snapshots').ifExists().execute();
  await db.schema.dropTable('config_watch_paths').ifExists().execute();
  await db.schema.alterTable('devices').dropColumn('config_watch_mode').dropColumn('config_watch_detail').execute();
}
