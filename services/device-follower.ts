import type { DeviceMaintenance } from '../schema/device.ts';

/** The parts of a device that decide what runs for it in the background. */
export interface FollowedDevice {
  hostname: string;
  monitoring_enabled: boolean;
  /** As last detected; a capability not yet known counts as present until detection says otherwise. */
  capabilities: Record<string, boolean>;
  /** In maintenance mode, polling is lowered (and alerts are muted). */
  maintenance: DeviceMaintenance | null;
}

/** Something kept in step with the device list: polling schedules, config watchers. */
export interface DeviceFollower {
  syncDevice(device: FollowedDevice): Promise<void>;
  removeDevice(hostname: string): Promise<void>;
  /** At start-up: bring everything in line with the stored devices, removing what belongs to none. */
  reconcile(devices: FollowedDevice[]): Promise<void>;
}
