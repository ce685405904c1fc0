import { sql, type Kysely } from 'kysely';
import type {
  ConfigWatchMode,
  Database,
  Device,
  DeviceStatus,
  DeviceUpdate,
  NewAuditRow,
  NewDevice,
} from '../schema/database.ts';
import type { DeviceMaintenance } from '../schema/device.ts';
import type { DeviceView } from '../schema/device.ts';
import type { HostKeyIdentity } from '../domain/ssh/host-key.ts';
import type { HostKeyPinStore, SshTarget } from '../activities/ssh/pool.ts';
import type { DeviceErrorCode } from '../schema/error-codes.ts';
import { AuditRepository } from './audit.ts';

/** What polling schedules and config watchers follow of each device. */
export type FollowedDeviceRow = Pick<Device, 'hostname' | 'monitoring_enabled' | 'capabilities' | 'maintenance'>;

/** What one device change may do inside its transaction. */
export interface DeviceChangeTx {
  /** The device by the change's hostname, locked (FOR UPDATE) until the transaction ends. */
  device: Device | undefined;
  /** Whether this run's audit row exists: an earlier attempt committed the change. */
  appliedByRun(run: { workflowId: string; runId: string }): Promise<boolean>;
  insert(values: NewDevice): Promise<Device>;
  update(id: string, set: DeviceUpdate): Promise<Device>;
  remove(id: string): Promise<void>;
  audit(row: NewAuditRow): Promise<void>;
}

/** Devices: registration rows, status, capabilities, maintenance marks, host-key pins. */
export class DeviceRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  findByHostname(hostname: string): Promise<Device | undefined> {
    return this.#db.selectFrom('devices').selectAll().where('hostname', '=', hostname).executeTakeFirst();
  }

  list(): Promise<Device[]> {
    return this.#db.selectFrom('devices').selectAll().orderBy('hostname').execute();
  }

  listFollowed(): Promise<FollowedDeviceRow[]> {
    return this.#db
      .selectFrom('devices')
      .select(['hostname', 'monitoring_enabled', 'capabilities', 'maintenance'])
      .execute();
  }

  /**
   * Runs `fn` in a transaction that holds the device's scheduling turn (a transaction-scoped advisory
   * lock) and gives it the device as read inside that turn (undefined when it is gone).
   */
  async inSchedulingTurn(
    hostname: string,
    fn: (device: FollowedDeviceRow | undefined) => Promise<void>,
  ): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      await sql`select pg_advisory_xact_lock(hashtext(${`schedules:${hostname}`}))`.execute(trx);
      const device = await trx
        .selectFrom('devices')
        .select(['hostname', 'monitoring_enabled', 'capabilities', 'maintenance'])
        .where('hostname', '=', hostname)
        .executeTakeFirst();
      await fn(device);
    });
  }

  /** Runs one device change in one transaction, with the device's row locked. */
  inChange<T>(hostname: string, fn: (tx: DeviceChangeTx) => Promise<T>): Promise<T> {
    return this.#db.transaction().execute(async (trx) => {
      const device = await trx
        .selectFrom('devices')
        .selectAll()
        .where('hostname', '=', hostname)
        .forUpdate()
        .executeTakeFirst();
      return fn({
        device,
        async appliedByRun(run) {
          const row = await trx
            .selectFrom('audit_log')
            .select('id')
            .where('hostname', '=', hostname)
            .where('workflow_id', '=', run.workflowId)
            .where(sql<string>`details->>'run_id'`, '=', run.runId)
            .executeTakeFirst();
          return row !== undefined;
        },
        insert: (values) => trx.insertInto('devices').values(values).returningAll().executeTakeFirstOrThrow(),
        update: (id, set) =>
          trx.updateTable('devices').set(set).where('id', '=', id).returningAll().executeTakeFirstOrThrow(),
        async remove(id) {
          await trx.deleteFrom('devices').where('id', '=', id).execute();
        },
        audit: (row) => new AuditRepository(trx).write(row),
      });
    });
  }

  /** Marks the device in maintenance (or clears the mark) and writes its audit row, in one transaction. */
  async setMaintenanceWithAudit(
    deviceId: string,
    maintenance: DeviceMaintenance | null,
    audit: NewAuditRow,
  ): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      await trx
        .updateTable('devices')
        .set({ maintenance: maintenance === null ? null : JSON.stringify(maintenance), updated_at: new Date() })
        .where('id', '=', deviceId)
        .execute();
      await new AuditRepository(trx).write(audit);
    });
  }

  /** Merges newly detected capabilities into the stored ones, in the database (no read-modify-write). */
  async mergeCapabilities(deviceId: string, capabilities: Record<string, boolean>): Promise<void> {
    await this.#db
      .updateTable('devices')
      .set({ capabilities: sql`capabilities || ${JSON.stringify(capabilities)}::jsonb` })
      .where('id', '=', deviceId)
      .execute();
  }

  async setConfigWatchMode(deviceId: string, mode: ConfigWatchMode, detail: string | null): Promise<void> {
    await this.#db
      .updateTable('devices')
      .set({ config_watch_mode: mode, config_watch_detail: detail })
      .where('id', '=', deviceId)
      .execute();
  }

  /** How many devices are in each status. */
  async countsByStatus(): Promise<Record<string, number>> {
    const rows = await this.#db
      .selectFrom('devices')
      .select(['status', sql<string>`count(*)`.as('n')])
      .groupBy('status')
      .execute();
    return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
  }

  /** Trust on first use, atomically: the first key seen is stored; later keys are compared with it. */
  hostKeyPins(): HostKeyPinStore {
    const db = this.#db;
    return {
      async pinIfUnset(deviceId: string, identity: HostKeyIdentity): Promise<string> {
        await db
          .updateTable('devices')
          .set({
            host_key_fingerprint: identity.fingerprint,
            host_key_algorithm: identity.algorithm,
            updated_at: new Date(),
          })
          .where('id', '=', deviceId)
          .where('host_key_fingerprint', 'is', null)
          .execute();
        const row = await db
          .selectFrom('devices')
          .select('host_key_fingerprint')
          .where('id', '=', deviceId)
          .executeTakeFirstOrThrow();
        return row.host_key_fingerprint ?? identity.fingerprint;
      },
    };
  }

  async markFailure(deviceId: string, code: DeviceErrorCode, message: string): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      const row = await trx
        .updateTable('devices')
        .set((eb) => ({ consecutive_failures: eb('consecutive_failures', '+', 1), updated_at: new Date() }))
        .where('id', '=', deviceId)
        .returning(['consecutive_failures', 'status'])
        .executeTakeFirst();
      if (!row) return;
      await trx
        .updateTable('devices')
        .set({
          status: statusAfterFailure(code, row.consecutive_failures, row.status),
          status_detail: `${code}: ${message}`,
        })
        .where('id', '=', deviceId)
        .execute();
    });
  }
}

/** What the fronts show of a stored device. */
export function deviceView(d: Device): DeviceView {
  return {
    id: d.id,
    hostname: d.hostname,
    address: d.address,
    port: d.port,
    username: d.username,
    auth_method: d.auth_method,
    device_type: d.device_type,
    tags: d.tags,
    location: d.location,
    description: d.description,
    monitoring_enabled: d.monitoring_enabled,
    status: d.status,
    status_detail: d.status_detail,
    last_seen: d.last_seen?.toISOString() ?? null,
    host_key_fingerprint: d.host_key_fingerprint,
    host_key_algorithm: d.host_key_algorithm,
    capabilities: d.capabilities,
    config_watch_mode: d.config_watch_mode,
    config_watch_detail: d.config_watch_detail,
    maintenance: d.maintenance,
    stacks_dir: d.stacks_dir,
    created_at: d.created_at.toISOString(),
    updated_at: d.updated_at.toISOString(),
  };
}

export function sshTargetOf(device: Device): SshTarget {
  return {
    deviceId: device.id,
    hostname: device.hostname,
    address: device.address,
    port: device.port,
    username: device.username,
    authMethod: device.auth_method,
    identityFile: device.identity_file,
    pinnedFingerprint: device.host_key_fingerprint,
  };
}

/** After this many failed collections in a row a device is shown as unreachable (as the earlier system did). */
const FAILURES_BEFORE_UNREACHABLE = 3;

/**
 * Status a failure puts the device in: identity and credential problems show at once, and so does a
 * refused connection, which the device answered through a collection's retries; timeouts and lost
 * connections may be a passing blip, so they count.
 */
function statusAfterFailure(code: DeviceErrorCode, consecutiveFailures: number, current: DeviceStatus): DeviceStatus {
  if (code === 'host_key_mismatch') return 'host_key_mismatch';
  if (code === 'auth_failed' || code === 'key_missing' || code === 'key_unreadable') return 'auth_failed';
  if (code === 'connection_refused') return 'unreachable';
  if (code === 'parse_error' || code === 'command_not_found' || code === 'permission_denied') return current;
  return consecutiveFailures >= FAILURES_BEFORE_UNREACHABLE ? 'unreachable' : current;
}
