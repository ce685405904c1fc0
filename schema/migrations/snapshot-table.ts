import type { Kysely } from 'kysely';

/** The columns every per-type snapshot table starts with; each migration adds the type's own. */
export function createSnapshotTable(db: Kysely<unknown>, name: string) {
  return db.schema
    .createTable(name)
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('device_id', 'uuid', (c) => c.notNull().references('devices.id').onDelete('cascade'))
    .addColumn('collected_at', 'timestamptz', (c) => c.notNull())
    .addColumn('collection_id', 'text', (c) => c.notNull().unique())
    .addColumn('duration_ms', 'integer', (c) => c.notNull())
    .addColumn('data', 'jsonb', (c) => c.notNull());
}
