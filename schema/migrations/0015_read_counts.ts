import { sql, type Kysely } from 'kysely';

/**
 * Cached reads are audited per minute instead of one row each: one `read` row with `cache_hit` per
 * (minute, device, data type, principal, on_behalf_of, trigger) carries how many reads it stands for
 * (`count`) and their durations (`duration_ms_sum/min/max`; its `duration_ms` stays null). Every other
 * row stands for one event (`count` 1). The unique index is what the API's periodic flushes upsert
 * into, so several flushes and several processes add up in one row. Its nullable keys are compared
 * through coalesce (PostgreSQL before 15 has no NULLS NOT DISTINCT).
 *
 * Existing cached-read rows are folded into that grain here: their correlation and snapshot ids go,
 * their counts and durations stay.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('audit_log')
    .addColumn('count', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('duration_ms_sum', 'double precision')
    .addColumn('duration_ms_min', 'integer')
    .addColumn('duration_ms_max', 'integer')
    .execute();
  await sql`
    with hits as (delete from audit_log where action = 'read' and cache_hit returning *)
    insert into audit_log (time, device_id, hostname, action, data_type, trigger, cache_hit, force_refresh, status, principal, on_behalf_of, count, duration_ms_sum, duration_ms_min, duration_ms_max)
    select date_trunc('minute', time), (array_agg(device_id order by time desc))[1], hostname, 'read', data_type, trigger, true, false, 'success', principal, on_behalf_of,
      count(*), coalesce(sum(duration_ms), 0), min(duration_ms), max(duration_ms)
    from hits
    group by date_trunc('minute', time), hostname, data_type, trigger, principal, on_behalf_of`.execute(db);
  await sql`
    create unique index audit_log_read_minute on audit_log (time, hostname, data_type, coalesce(principal, ''), coalesce(on_behalf_of, ''), trigger)
    where action = 'read' and cache_hit`.execute(db);
}

/** Folded rows cannot be split back into single reads: each stays one row, with its reads' mean duration. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('audit_log_read_minute').ifExists().execute();
  await sql`update audit_log set duration_ms = round(duration_ms_sum / count) where duration_ms is null and duration_ms_sum is not null`.execute(
    db,
  );
  await db.schema
    .alterTable('audit_log')
    .dropColumn('count')
    .dropColumn('duration_ms_sum')
    .dropColumn('duration_ms_min')
    .dropColumn('duration_ms_max')
    .execute();
}
