import type { Kysely } from 'kysely';
import { createSnapshotTable } from './snapshot-table.ts';

/**
 * Top processes, per-disk I/O rates, temperatures and fans, and GPUs (domain/collectors/processes.ts,
 * disk-io.ts, sensors.ts, gpu.ts): one snapshot table each (hypertables where TimescaleDB is in use:
 * hypertables.ts, after the migrations).
 */
const TABLES = ['processes_snapshots', 'disk_io_snapshots', 'sensors_snapshots', 'gpu_snapshots'] as const;

export async function up(db: Kysely<unknown>): Promise<void> {
  await createSnapshotTable(db, 'processes_snapshots')
    .addColumn('top_cpu_percent', 'real')
    .addColumn('top_cpu_name', 'text')
    .addColumn('top_rss_bytes', 'bigint')
    .addColumn('top_rss_name', 'text')
    .execute();
  await createSnapshotTable(db, 'disk_io_snapshots')
    .addColumn('max_utilization_percent', 'real')
    .addColumn('read_bytes_per_second', 'double precision')
    .addColumn('write_bytes_per_second', 'double precision')
    .addColumn('iops', 'real')
    .execute();
  await createSnapshotTable(db, 'sensors_snapshots')
    .addColumn('max_temperature_celsius', 'real')
    .addColumn('temperature_count', 'integer')
    .addColumn('fan_count', 'integer')
    .addColumn('min_fan_rpm', 'integer')
    .execute();
  await createSnapshotTable(db, 'gpu_snapshots')
    .addColumn('gpu_count', 'integer')
    .addColumn('max_utilization_percent', 'real')
    .addColumn('max_temperature_celsius', 'real')
    .addColumn('memory_used_bytes', 'bigint')
    .addColumn('power_draw_watts', 'real')
    .execute();
  for (const table of TABLES) {
    await db.schema.createIndex(`${table}_device_time`).on(table).columns(['device_id', 'collected_at desc']).execute();
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of TABLES) await db.schema.dropTable(table).ifExists().execute();
}
