import { sql, type Kysely } from 'kysely';

/**
 * Live events for `GET /api/events`: every audit row except plain reads, and every device status change,
 * announced with NOTIFY on channel `infra_events`, whichever process wrote them (worker, API, another
 * replica). Payloads stay small (NOTIFY caps them at 8000 bytes): details are fetched by id if needed.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create function infra_notify_audit() returns trigger language plpgsql as $$
    begin
      perform pg_notify('infra_events', json_build_object(
        'kind', 'audit', 'audit_id', NEW.id, 'time', NEW.time, 'action', NEW.action, 'device', NEW.hostname,
        'data_type', NEW.data_type, 'trigger', NEW.trigger, 'status', NEW.status, 'error_code', NEW.error_code,
        'workflow_id', NEW.workflow_id)::text);
      return NEW;
    end $$`.execute(db);
  await sql`create trigger audit_log_notify after insert on audit_log for each row when (NEW.action <> 'read') execute function infra_notify_audit()`.execute(
    db,
  );
  await sql`
    create function infra_notify_device_status() returns trigger language plpgsql as $$
    begin
      perform pg_notify('infra_events', json_build_object(
        'kind', 'device_status', 'time', now(), 'device', NEW.hostname, 'status', NEW.status,
        'previous_status', OLD.status, 'detail', left(NEW.status_detail, 500))::text);
      return NEW;
    end $$`.execute(db);
  await sql`create trigger devices_status_notify after update of status on devices for each row when (OLD.status is distinct from NEW.status) execute function infra_notify_device_status()`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop trigger if exists devices_status_notify on devices`.execute(db);
  await sql`drop function if exists infra_notify_device_status()`.execute(db);
  await sql`drop trigger if exists audit_log_notify on audit_log`.execute(db);
  await sql`drop function if exists infra_notify_audit()`.execute(db);
}
