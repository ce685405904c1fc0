import type { Kysely } from 'kysely';

const snapshotTable = (db: Kysely<unknown>, name: string) =>
  db.schema
    .createTable(name)
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('device_id', 'uuid', (c) => c.notNull().references('devices.id').onDelete('cascade'))
    .addColumn('collected_at', 'timestamptz', (c) => c.notNull())
    .addColumn('collection_id', 'text', (c) => c.notNull().unique())
    .addColumn('duration_ms', 'integer', (c) => c.notNull())
    .addColumn('data', 'jsonb', (c) => c.notNull());

export async function up(db: Kysely<unknown>): Promise<void> {
  await snapshotTable(db, 'network_snapshots')
    .addColumn('interfaces_total', 'integer')
    .addColumn('interfaces_up', 'integer')
    .addColumn('interfaces_down', 'integer')
    .addColumn('rx_bytes_total', 'bigint')
    .addColumn('tx_bytes_total', 'bigint')
    .execute();
  await snapshotTable(db, 'services_snapshots')
    .addColumn('total', 'integer')
    .addColumn('active', 'integer')
    .addColumn('failed', 'integer')
    .addColumn('systemd_available', 'boolean')
    .execute();
  for (const table of ['network_snapshots', 'services_snapshots']) {
    await db.schema.createIndex(`${table}_device_time`).on(table).columns(['device_id', 'collected_at desc']).execute();
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('services_snapshots').ifExists().execute();
  await db.schema.dropTable('network_snapshots').ifExists().execute();
}
