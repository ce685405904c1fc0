import type { Kysely } from 'kysely';
import { createSnapshotTable } from './snapshot-table.ts';

export async function up(db: Kysely<unknown>): Promise<void> {
  await createSnapshotTable(db, 'network_snapshots')
    .addColumn('interfaces_total', 'integer')
    .addColumn('interfaces_up', 'integer')
    .addColumn('interfaces_down', 'integer')
    .addColumn('rx_bytes_total', 'bigint')
    .addColumn('tx_bytes_total', 'bigint')
    .execute();
  await createSnapshotTable(db, 'services_snapshots')
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
