import { sql, type Kysely } from 'kysely';
import { createSnapshotTable } from './snapshot-table.ts';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE EXTENSION IF NOT EXISTS pgcrypto`.execute(db);

  await db.schema
    .createTable('devices')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('hostname', 'text', (c) => c.notNull().unique())
    .addColumn('address', 'text', (c) => c.notNull())
    .addColumn('port', 'integer', (c) => c.notNull().defaultTo(22))
    .addColumn('username', 'text', (c) => c.notNull())
    .addColumn('auth_method', 'text', (c) => c.notNull().check(sql`auth_method IN ('key', 'agent')`))
    .addColumn('identity_file', 'text')
    .addColumn('device_type', 'text', (c) => c.notNull().defaultTo('linux'))
    .addColumn('tags', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('location', 'text')
    .addColumn('description', 'text')
    .addColumn('monitoring_enabled', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('unknown'))
    .addColumn('status_detail', 'text')
    .addColumn('last_seen', 'timestamptz')
    .addColumn('host_key_fingerprint', 'text')
    .addColumn('host_key_algorithm', 'text')
    .addColumn('capabilities', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('consecutive_failures', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await createSnapshotTable(db, 'metrics_snapshots')
    .addColumn('cpu_percent', 'double precision')
    .addColumn('memory_used_percent', 'double precision')
    .addColumn('load_1', 'double precision')
    .addColumn('load_5', 'double precision')
    .addColumn('load_15', 'double precision')
    .addColumn('uptime_seconds', 'double precision')
    .addColumn('process_count', 'integer')
    .addColumn('disk_max_used_percent', 'double precision')
    .execute();

  await createSnapshotTable(db, 'containers_snapshots')
    .addColumn('total', 'integer')
    .addColumn('running', 'integer')
    .addColumn('exited', 'integer')
    .addColumn('unhealthy', 'integer')
    .addColumn('docker_available', 'boolean')
    .execute();

  for (const table of ['metrics_snapshots', 'containers_snapshots']) {
    await db.schema.createIndex(`${table}_device_time`).on(table).columns(['device_id', 'collected_at desc']).execute();
  }

  await db.schema
    .createTable('audit_log')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('time', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('device_id', 'uuid', (c) => c.references('devices.id').onDelete('set null'))
    .addColumn('hostname', 'text')
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('data_type', 'text')
    .addColumn('trigger', 'text', (c) => c.notNull())
    .addColumn('cache_hit', 'boolean')
    .addColumn('force_refresh', 'boolean')
    .addColumn('duration_ms', 'integer')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('error_code', 'text')
    .addColumn('error_message', 'text')
    .addColumn('workflow_id', 'text')
    .addColumn('collection_id', 'text', (c) => c.unique())
    .addColumn('snapshot_id', 'bigint')
    .addColumn('correlation_id', 'text')
    .addColumn('details', 'jsonb')
    .execute();
  await db.schema.createIndex('audit_log_time').on('audit_log').column('time desc').execute();
  await db.schema
    .createIndex('audit_log_device_type_time')
    .on('audit_log')
    .columns(['hostname', 'data_type', 'time desc'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of ['audit_log', 'containers_snapshots', 'metrics_snapshots', 'devices']) {
    await db.schema.dropTable(t).ifExists().execute();
  }
}
