import { sql, type Kysely } from 'kysely';

/**
 * Marks the first stored version of a file that the watcher found already there when it began watching
 * it: a CREATE event in the history, but no change, so a diagnosis never cites it as one. Rows stored
 * before this migration count as such when they were the device's opening scan (the earliest events of
 * the device, which one scan stores with one time).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('config_change_events')
    .addColumn('first_capture', 'boolean', (c) => c.notNull().defaultTo(false))
    .execute();
  await sql`
    update config_change_events e set first_capture = true
    where e.change_type = 'CREATE' and e.previous_snapshot_id is null
      and e.detected_at = (select min(f.detected_at) from config_change_events f where f.hostname = e.hostname)`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('config_change_events').dropColumn('first_capture').execute();
}
