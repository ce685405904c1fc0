/**
 * Every classified way a collection or an action on a device can fail, with whether trying again can
 * help and how long to wait first. Shared by activities (which throw them), workflows (whose retry
 * policies list the non-retryable ones) and the fronts (which map them to HTTP statuses).
 */
export const DEVICE_ERROR_CODES = {
  // Nothing listens on the SSH port: tried again soon (an sshd restarting), so that a collection's
  // retries (4 attempts) end within a few seconds and a closed port is reported as fast as it answers.
  connection_refused: { retryable: true, retryAfterMs: 1_000 },
  connection_timeout: { retryable: true, retryAfterMs: 10_000 },
  host_unreachable: { retryable: true, retryAfterMs: 30_000 },
  dns_failure: { retryable: false, retryAfterMs: 0 },
  dns_temporary_failure: { retryable: true, retryAfterMs: 10_000 },
  connection_lost: { retryable: true, retryAfterMs: 2_000 },
  auth_failed: { retryable: false, retryAfterMs: 0 },
  key_missing: { retryable: false, retryAfterMs: 0 },
  key_unreadable: { retryable: false, retryAfterMs: 0 },
  host_key_mismatch: { retryable: false, retryAfterMs: 0 },
  channel_limit: { retryable: true, retryAfterMs: 1_000 },
  permission_denied: { retryable: false, retryAfterMs: 0 },
  command_not_found: { retryable: false, retryAfterMs: 0 },
  command_timeout: { retryable: true, retryAfterMs: 5_000 },
  output_too_large: { retryable: false, retryAfterMs: 0 },
  parse_error: { retryable: false, retryAfterMs: 0 },
  device_not_found: { retryable: false, retryAfterMs: 0 },
  unknown: { retryable: true, retryAfterMs: 5_000 },
} as const satisfies Record<string, { retryable: boolean; retryAfterMs: number }>;

export type DeviceErrorCode = keyof typeof DEVICE_ERROR_CODES;

export const NON_RETRYABLE_DEVICE_ERRORS: DeviceErrorCode[] = (
  Object.keys(DEVICE_ERROR_CODES) as DeviceErrorCode[]
).filter((code) => !DEVICE_ERROR_CODES[code].retryable);

export function isDeviceErrorCode(value: string): value is DeviceErrorCode {
  return Object.hasOwn(DEVICE_ERROR_CODES, value);
}
