import type { Kysely } from 'kysely';
import { createSnapshotTable } from './snapshot-table.ts';

/**
 * Listening sockets (activities/collectors/ports.ts), Docker networks (docker-networks.ts), and the
 * directory each device keeps its compose stacks in (null: /opt/stacks).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await createSnapshotTable(db, 'ports_snapshots')
    .addColumn('total', 'integer')
    .addColumn('tcp', 'integer')
    .addColumn('udp', 'integer')
    .execute();
  await db.schema
    .createIndex('ports_snapshots_device_time')
    .on('ports_snapshots')
    .columns(['device_id', 'collected_at desc'])
    .execute();
  await createSnapshotTable(db, 'docker_networks_snapshots')
    .addColumn('total', 'integer')
    .addColumn('with_containers', 'integer')
    .addColumn('docker_available', 'boolean')
    .execute();
  await db.schema
    .createIndex('docker_networks_snapshots_device_time')
    .on('docker_networks_snapshots')
    .columns(['device_id', 'collected_at desc'])
    .execute();
  await db.schema.alterTable('devices').addColumn('stacks_dir', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('devices').dropColumn('stacks_dir').execute();
  await db.schema.dropTable('docker_networks_snapshots').ifExists().execute();
  await db.schema.dropTable('ports_snapshots').ifExists().execute();
}
