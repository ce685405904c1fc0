import type { Kysely } from 'kysely';
import { createSnapshotTable } from './snapshot-table.ts';

/** Proxmox VE guests per node (domain/collectors/guests.ts). */
export async function up(db: Kysely<unknown>): Promise<void> {
  await createSnapshotTable(db, 'guests_snapshots')
    .addColumn('guests_total', 'integer')
    .addColumn('guests_running', 'integer')
    .addColumn('qemu_total', 'integer')
    .addColumn('lxc_total', 'integer')
    .addColumn('cpu_percent_total', 'real')
    .addColumn('memory_used_bytes', 'bigint')
    .execute();
  await db.schema
    .createIndex('guests_snapshots_device_time')
    .on('guests_snapshots')
    .columns(['device_id', 'collected_at desc'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('guests_snapshots').ifExists().execute();
}
