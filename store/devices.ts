import type { Kysely } from 'kysely';
import type { Database, Device, DeviceStatus } from '../schema/database.ts';
import type { DeviceView } from '../schema/device.ts';
import type { HostKeyIdentity } from '../domain/ssh/host-key.ts';
import type { HostKeyPinStore, SshTarget } from '../activities/ssh/pool.ts';
import type { DeviceErrorCode } from '../schema/error-codes.ts';

export function findDeviceByHostname(db: Kysely<Database>, hostname: string): Promise<Device | undefined> {
  return db.selectFrom('devices').selectAll().where('hostname', '=', hostname).executeTakeFirst();
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

/** Trust on first use, atomically: the first key seen is stored; later keys are compared with it. */
export function hostKeyPinStore(db: Kysely<Database>): HostKeyPinStore {
  return {
    async pinIfUnset(deviceId: string, identity: HostKeyIdentity): Promise<string> {
      await db
        .updateTable('devices')
        .set({ host_key_fingerprint: identity.fingerprint, host_key_algorithm: identity.algorithm, updated_at: new Date() })
        .where('id', '=', deviceId)
        .where('host_key_fingerprint', 'is', null)
        .execute();
      const row = await db.selectFrom('devices').select('host_key_fingerprint').where('id', '=', deviceId).executeTakeFirstOrThrow();
      return row.host_key_fingerprint ?? identity.fingerprint;
    },
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

export async function markDeviceFailure(db: Kysely<Database>, deviceId: string, code: DeviceErrorCode, message: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const row = await trx
      .updateTable('devices')
      .set((eb) => ({ consecutive_failures: eb('consecutive_failures', '+', 1), updated_at: new Date() }))
      .where('id', '=', deviceId)
      .returning(['consecutive_failures', 'status'])
      .executeTakeFirst();
    if (!row) return;
    await trx
      .updateTable('devices')
      .set({ status: statusAfterFailure(code, row.consecutive_failures, row.status), status_detail: `${code}: ${message}` })
      .where('id', '=', deviceId)
      .execute();
  });
}
