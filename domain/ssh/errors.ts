/** Device-side failures as typed errors; the taxonomy itself lives in schema/error-codes.ts. */
import { DEVICE_ERROR_CODES, type DeviceErrorCode } from '../../schema/error-codes.ts';

export type SshErrorCode = DeviceErrorCode;

export class SshError extends Error {
  override readonly name = 'SshError';
  readonly retryable: boolean;
  readonly retryAfterMs: number;
  constructor(
    readonly code: SshErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.retryable = DEVICE_ERROR_CODES[code].retryable;
    this.retryAfterMs = DEVICE_ERROR_CODES[code].retryAfterMs;
  }
}

const NODE_ERRNO: Record<string, SshErrorCode> = {
  ECONNREFUSED: 'connection_refused',
  ETIMEDOUT: 'connection_timeout',
  EHOSTUNREACH: 'host_unreachable',
  ENETUNREACH: 'host_unreachable',
  EHOSTDOWN: 'host_unreachable',
  ENOTFOUND: 'dns_failure',
  EAI_AGAIN: 'dns_temporary_failure',
  ECONNRESET: 'connection_lost',
  EPIPE: 'connection_lost',
};

/** Maps an ssh2 / Node socket error to our taxonomy; unknown shapes stay retryable. */
export function classifyConnectionError(err: unknown, target: string): SshError {
  if (err instanceof SshError) return err;
  const e = err as { code?: string; level?: string; message?: string };
  const message = e?.message ?? String(err);
  const byErrno = e?.code ? NODE_ERRNO[e.code] : undefined;
  if (byErrno) return new SshError(byErrno, `${target}: ${describe(byErrno)} (${e.code})`, { cause: err });
  if (e?.level === 'client-authentication' || /All configured authentication methods failed/i.test(message)) {
    return new SshError('auth_failed', `${target}: authentication failed (key or agent rejected)`, { cause: err });
  }
  if (e?.level === 'client-timeout' || /Timed out while waiting for handshake/i.test(message)) {
    return new SshError('connection_timeout', `${target}: timed out waiting for the SSH handshake`, { cause: err });
  }
  if (/Cannot parse privateKey|Encrypted private OpenSSH key detected|Unsupported key format/i.test(message)) {
    return new SshError('key_unreadable', `${target}: the private key cannot be used (${message})`, { cause: err });
  }
  if (/Keepalive timeout|Connection lost|No response from server|socket hang up/i.test(message)) {
    return new SshError('connection_lost', `${target}: connection lost`, { cause: err });
  }
  if (/open failed|Channel open failure|administratively prohibited/i.test(message)) {
    return new SshError('channel_limit', `${target}: the server refused a new channel (MaxSessions?)`, { cause: err });
  }
  return new SshError('unknown', `${target}: ${message}`, { cause: err });
}

function describe(code: SshErrorCode): string {
  return code.replace(/_/g, ' ');
}
