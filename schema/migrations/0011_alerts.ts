import { sql, type Kysely } from 'kysely';

/**
 * Alert rules, delivery channels and alerts (their history: resolved ones are kept). At most one open
 * alert per rule, device and subject, so a condition that persists notifies once, and once more when it
 * recovers. Default rules are created here; people add their own through the API.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('alert_rules')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('match', 'jsonb', (c) => c.notNull())
    .addColumn('for_seconds', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('enabled', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createTable('alert_channels')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('secret', 'text')
    .addColumn('enabled', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createTable('alerts')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('rule_id', 'uuid', (c) => c.notNull().references('alert_rules.id').onDelete('cascade'))
    .addColumn('hostname', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('severity', 'text', (c) => c.notNull())
    .addColumn('message', 'text', (c) => c.notNull())
    .addColumn('evidence', 'jsonb', (c) => c.notNull())
    .addColumn('muted', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('first_seen', 'timestamptz', (c) => c.notNull())
    .addColumn('fired_at', 'timestamptz')
    .addColumn('resolved_at', 'timestamptz')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`create unique index alerts_open_once on alerts (rule_id, hostname, subject) where state <> 'resolved'`.execute(
    db,
  );
  await db.schema.createIndex('alerts_host_time').on('alerts').columns(['hostname', 'first_seen desc']).execute();
  const rules = [
    ['critical problems', 'insight', { min_severity: 'critical' }, 0],
    ['lasting warnings', 'insight', { min_severity: 'warning' }, 300],
    ['device unreachable', 'device_status', { states: ['unreachable', 'auth_failed', 'host_key_mismatch'] }, 0],
    ['risky config change', 'config_change', { min_risk: 'HIGH' }, 0],
    ['operation blocked or confirmed', 'operation', { operation_states: ['blocked', 'confirmed'] }, 0],
  ] as const;
  for (const [name, source, match, forSeconds] of rules) {
    await sql`insert into alert_rules (name, source, match, for_seconds) values (${name}, ${source}, ${JSON.stringify(match)}::jsonb, ${forSeconds})`.execute(
      db,
    );
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of ['alerts', 'alert_channels', 'alert_rules']) await db.schema.dropTable(t).ifExists().execute();
}
