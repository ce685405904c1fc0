import { Context } from '@temporalio/activity';
import type { Device } from '../schema/database.ts';
import { hostnameOf, type DeviceChangeInput, type DeviceChangeResult } from '../schema/device-change.ts';
import type { FollowedDevice } from '../services/device-follower.ts';
import { deviceView } from '../store/devices.ts';
import type { Repositories } from '../store/index.ts';

/** The part of the config watch service the worker needs: a device's watcher follows the device. */
export interface DeviceWatchers {
  syncDevice(device: FollowedDevice): Promise<void>;
  removeDevice(hostname: string): Promise<void>;
  /** A new watch replaces the running one once it is in place (make before break). */
  rewatch(hostname: string, opts: { waitUntilWatching: boolean }): Promise<unknown>;
}

export interface DeviceChangeDeps {
  store: Repositories;
  watchers: DeviceWatchers;
}

/**
 * Writes the device row and its audit row in one transaction, once per change: an attempt whose worker
 * died after the commit is retried, finds the audit row of its own run, and answers what was applied
 * instead of refusing a device that it created itself.
 */
export async function applyDeviceChange(
  deps: Pick<DeviceChangeDeps, 'store'>,
  input: DeviceChangeInput,
): Promise<DeviceChangeResult> {
  const run = Context.current().info.workflowExecution;
  if (!run) throw new Error('a device change runs only inside its workflow');
  const hostname = hostnameOf(input.change);
  return deps.store.devices.inChange(hostname, async (tx) => {
    const { device } = tx;
    if (await tx.appliedByRun(run)) return { outcome: 'applied', device: device ? deviceView(device) : null };
    const audit = (
      action: 'device_create' | 'device_update' | 'device_delete',
      row: Device,
      details: Record<string, unknown>,
    ) =>
      tx.audit({
        device_id: action === 'device_delete' ? null : row.id,
        hostname,
        action,
        trigger: input.trigger,
        status: 'success',
        correlation_id: input.correlationId,
        principal: input.requestedBy.id,
        on_behalf_of: input.requestedBy.on_behalf_of,
        workflow_id: run.workflowId,
        details: JSON.stringify({ ...details, run_id: run.runId }),
      });
    const { change } = input;
    switch (change.kind) {
      case 'create': {
        if (device) return refused('conflict', 409, `device ${hostname} already exists`);
        const d = change.device;
        const inserted = await tx.insert({
          hostname: d.hostname,
          address: d.address,
          port: d.port,
          username: d.username,
          auth_method: d.auth_method,
          identity_file: d.identity_file,
          device_type: d.device_type,
          tags: JSON.stringify(d.tags),
          location: d.location,
          description: d.description,
          monitoring_enabled: d.monitoring_enabled,
          host_key_fingerprint: null,
          host_key_algorithm: null,
          status_detail: null,
          last_seen: null,
          capabilities: '{}',
          config_watch_mode: null,
          config_watch_detail: null,
          maintenance: null,
          updated_at: new Date(),
        });
        await audit('device_create', inserted, { address: inserted.address, port: inserted.port });
        return { outcome: 'applied', device: deviceView(inserted) };
      }
      case 'update': {
        if (!device) return refused('not_found', 404, `device ${hostname} not found`);
        const { reset_host_key, tags, ...fields } = change.patch;
        const next = { ...device, ...fields };
        if (next.auth_method === 'key' && !next.identity_file) {
          return refused('validation_error', 400, 'identity_file is required when auth_method is "key"');
        }
        const updated = await tx.update(device.id, {
          ...fields,
          ...(tags ? { tags: JSON.stringify(tags) } : {}),
          ...(reset_host_key
            ? {
                host_key_fingerprint: null,
                host_key_algorithm: null,
                status: 'unknown' as const,
                status_detail: 'host key reset; the next connection pins a new one',
              }
            : {}),
          updated_at: new Date(),
        });
        await audit('device_update', updated, { changed: Object.keys(change.patch) });
        return { outcome: 'applied', device: deviceView(updated) };
      }
      case 'remove': {
        if (!device) return refused('not_found', 404, `device ${hostname} not found`);
        await audit('device_delete', device, {});
        await tx.remove(device.id);
        return { outcome: 'applied', device: null };
      }
    }
  });
}

function refused(code: string, httpStatus: number, message: string): DeviceChangeResult {
  return { outcome: 'refused', code, httpStatus, message };
}

export interface SyncWatcherInput {
  hostname: string;
  /** The device is now reached differently: a running watcher connects again. */
  reconnect: boolean;
}

/** Starts the device's watcher, or stops it (device removed, monitoring off); idempotent. */
export async function syncConfigWatcher(deps: DeviceChangeDeps, input: SyncWatcherInput): Promise<void> {
  const device = await deps.store.devices.findByHostname(input.hostname);
  if (!device) return deps.watchers.removeDevice(input.hostname);
  await deps.watchers.syncDevice(device);
  // Not waited for: the device's answer does not hang on a new address that does not answer yet.
  if (input.reconnect && device.monitoring_enabled)
    await deps.watchers.rewatch(input.hostname, { waitUntilWatching: false });
}
