import { sql, type Kysely } from 'kysely';

/**
 * Principals (issue 17): a token holds a set of scopes, and `confirm` is a scope of its own that no
 * existing token gets by this migration; operations and audit rows name the authenticated principal,
 * with what the caller said about itself kept apart as `on_behalf_of`; live events carry the principal.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('api_tokens')
    .addColumn('scopes', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'::text[]`))
    .execute();
  await sql`update api_tokens set scopes = array[scope]`.execute(db);
  await db.schema.alterTable('api_tokens').dropColumn('scope').addColumn('expires_at', 'timestamptz').execute();

  await db.schema
    .alterTable('operations')
    .addColumn('requested_by_name', 'text')
    .addColumn('on_behalf_of', 'text')
    .addColumn('confirmed_by_name', 'text')
    .addColumn('confirmed_on_behalf_of', 'text')
    .addColumn('cancelled_by', 'text')
    .addColumn('cancelled_by_name', 'text')
    // Kept out of `assessment`, which every reader of operations gets: only confirmers are shown it.
    .addColumn('confirmation_phrase', 'text')
    .execute();
  // Only an operation still held needs its phrase; every stored assessment loses it.
  await sql`update operations set confirmation_phrase = case when state = 'awaiting_confirmation' then assessment->>'confirmation_phrase' end, assessment = jsonb_set(assessment, '{confirmation_phrase}', 'null') where assessment ? 'confirmation_phrase'`.execute(
    db,
  );
  // Older rows named the caller as it named itself: that text is all there is to show.
  await sql`update operations set requested_by_name = requested_by, confirmed_by_name = confirmed_by`.execute(db);

  await db.schema.alterTable('audit_log').addColumn('principal', 'text').addColumn('on_behalf_of', 'text').execute();
  await db.schema.createIndex('audit_log_principal_time').on('audit_log').columns(['principal', 'time']).execute();

  await sql`
    create or replace function infra_notify_audit() returns trigger language plpgsql as $$
    begin
      perform pg_notify('infra_events', json_build_object(
        'kind', 'audit', 'audit_id', NEW.id, 'time', NEW.time, 'action', NEW.action, 'device', NEW.hostname,
        'data_type', NEW.data_type, 'trigger', NEW.trigger, 'status', NEW.status, 'error_code', NEW.error_code,
        'workflow_id', NEW.workflow_id, 'principal', NEW.principal)::text);
      return NEW;
    end $$`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    create or replace function infra_notify_audit() returns trigger language plpgsql as $$
    begin
      perform pg_notify('infra_events', json_build_object(
        'kind', 'audit', 'audit_id', NEW.id, 'time', NEW.time, 'action', NEW.action, 'device', NEW.hostname,
        'data_type', NEW.data_type, 'trigger', NEW.trigger, 'status', NEW.status, 'error_code', NEW.error_code,
        'workflow_id', NEW.workflow_id)::text);
      return NEW;
    end $$`.execute(db);
  await db.schema.dropIndex('audit_log_principal_time').ifExists().execute();
  await db.schema.alterTable('audit_log').dropColumn('principal').dropColumn('on_behalf_of').execute();
  await db.schema
    .alterTable('operations')
    .dropColumn('requested_by_name')
    .dropColumn('on_behalf_of')
    .dropColumn('confirmed_by_name')
    .dropColumn('confirmed_on_behalf_of')
    .dropColumn('cancelled_by')
    .dropColumn('cancelled_by_name')
    .dropColumn('confirmation_phrase')
    .execute();
  await db.schema.alterTable('api_tokens').addColumn('scope', 'text').execute();
  // Only the broadest of the older scopes fits back; confirm has no older equivalent.
  await sql`update api_tokens set scope = case when 'admin' = any(scopes) then 'admin' when 'operate' = any(scopes) then 'operate' else 'read' end`.execute(
    db,
  );
  await sql`alter table api_tokens alter column scope set not null`.execute(db);
  await db.schema.alterTable('api_tokens').dropColumn('scopes').dropColumn('expires_at').execute();
}
