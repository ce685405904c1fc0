import type { FollowedDevice } from '../services/device-follower.ts';
import type { Repositories } from '../store/index.ts';

/** The part of the schedule service the worker needs: polling follows what detection found. */
export interface DeviceSchedules {
  syncDevice(device: FollowedDevice): Promise<void>;
  removeDevice(hostname: string): Promise<void>;
  /** Detects the device's capabilities now rather than at the next daily tick; nothing when it is not polled. */
  detectNow(hostname: string): Promise<void>;
}

export interface ScheduleDeps {
  store: Repositories;
  schedules: DeviceSchedules;
}

/**
 * Brings one device's schedules in line with its stored flag and capabilities (idempotent). Syncs of one
 * device take turns (a transaction-scoped advisory lock) and read the row inside their turn: a detection
 * that read the device before monitoring was turned off must not put back what that change removed.
 */
export async function syncDeviceSchedules(deps: ScheduleDeps, hostname: string): Promise<void> {
  await deps.store.devices.inSchedulingTurn(hostname, async (device) => {
    if (device) await deps.schedules.syncDevice(device);
    else await deps.schedules.removeDevice(hostname);
  });
}

/** Starts detection of one device's capabilities (a retried start detects twice, which is harmless). */
export function startDetection(deps: ScheduleDeps, hostname: string): Promise<void> {
  return deps.schedules.detectNow(hostname);
}
