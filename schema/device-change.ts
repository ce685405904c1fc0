import type { PrincipalRef } from './api-token.ts';
import type { Trigger } from './database.ts';
import type { DeviceCreate, DevicePatch, DeviceView } from './device.ts';

/** One change of the device list, as its workflow carries it. */
export type DeviceChange =
  | { kind: 'create'; device: DeviceCreate }
  | { kind: 'update'; hostname: string; patch: DevicePatch }
  | { kind: 'remove'; hostname: string };

export interface DeviceChangeInput {
  change: DeviceChange;
  requestedBy: PrincipalRef;
  trigger: Trigger;
  correlationId: string | null;
}

/** What the change did (the device as stored, null once removed), or why it was refused, as the fronts answer it. */
export type DeviceChangeResult =
  | { outcome: 'applied'; device: DeviceView | null }
  | { outcome: 'refused'; code: string; httpStatus: number; message: string };

export function hostnameOf(change: DeviceChange): string {
  return change.kind === 'create' ? change.device.hostname : change.hostname;
}

/** Fields that decide where and as whom the device is reached: a change of any is a new connection. */
const CONNECTION_FIELDS = ['address', 'port', 'username', 'auth_method', 'identity_file', 'reset_host_key'] as const;

/** The change points the device somewhere else (or forgets its host key): its watcher must connect again. */
export function reconnects(change: DeviceChange): boolean {
  return change.kind === 'update' && CONNECTION_FIELDS.some((field) => change.patch[field] !== undefined);
}

/**
 * Capabilities are detected at once (not at the daily tick) for a new device, when monitoring is turned
 * on, and when the device is reached differently, since that may be another machine.
 */
export function detectsCapabilities(change: DeviceChange): boolean {
  if (change.kind === 'create') return change.device.monitoring_enabled;
  return change.kind === 'update' && (change.patch.monitoring_enabled === true || reconnects(change));
}
