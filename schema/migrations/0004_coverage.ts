import type { Kysely } from 'kysely';
import { createSnapshotTable } from './snapshot-table.ts';

const TABLES = ['drives_snapshots', 'zfs_snapshots', 'updates_snapshots', 'capabilities_snapshots'];

export async function up(db: Kysely<unknown>): Promise<void> {
  await createSnapshotTable(db, 'drives_snapshots')
    .addColumn('drives_total', 'integer')
    .addColumn('drives_passed', 'integer')
    .addColumn('drives_warning', 'integer')
    .addColumn('drives_failed', 'integer')
    .addColumn('max_temperature_c', 'real')
    .addColumn('smartctl_available', 'boolean')
    .execute();
  await createSnapshotTable(db, 'zfs_snapshots')
    .addColumn('zfs_available', 'boolean')
    .addColumn('pools_total', 'integer')
    .addColumn('pools_unhealthy', 'integer')
    .addColumn('max_capacity_percent', 'real')
    .addColumn('datasets_total', 'integer')
    .addColumn('snapshots_total', 'integer')
    .addColumn('arc_size_bytes', 'bigint')
    .execute();
  await createSnapshotTable(db, 'updates_snapshots')
    .addColumn('package_manager', 'text')
    .addColumn('upgradable', 'integer')
    .addColumn('security', 'integer')
    .addColumn('reboot_required', 'boolean')
    .execute();
  await createSnapshotTable(db, 'capabilities_snapshots')
    .addColumn('os_id', 'text')
    .addColumn('kernel', 'text')
    .addColumn('arch', 'text')
    .execute();
  for (const table of TABLES) {
    await db.schema.createIndex(`${table}_device_time`).on(table).columns(['device_id', 'collected_at desc']).execute();
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [...TABLES].reverse()) await db.schema.dropTable(table).ifExists().execute();
}
