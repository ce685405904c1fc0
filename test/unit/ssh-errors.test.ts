import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classifyConnectionError, SshError } from '../../domain/ssh/errors.ts';
import { NON_RETRYABLE_DEVICE_ERRORS } from '../../schema/error-codes.ts';

const errno = (code: string) => Object.assign(new Error(`connect ${code} 10.0.0.5:22`), { code });

test('socket errors map to retryable network classes with backoff', () => {
  const cases: Array<[Error, string, boolean]> = [
    [errno('ECONNREFUSED'), 'connection_refused', true],
    [errno('ETIMEDOUT'), 'connection_timeout', true],
    [errno('EHOSTUNREACH'), 'host_unreachable', true],
    [errno('ENETUNREACH'), 'host_unreachable', true],
    [errno('ENOTFOUND'), 'dns_failure', false],
    [errno('EAI_AGAIN'), 'dns_temporary_failure', true],
    [errno('ECONNRESET'), 'connection_lost', true],
  ];
  for (const [err, code, retryable] of cases) {
    const c = classifyConnectionError(err, 'nas01');
    assert.equal(c.code, code, err.message);
    assert.equal(c.retryable, retryable, code);
    assert.equal(c.retryAfterMs > 0, retryable, `${code} backoff`);
    assert.match(c.message, /^nas01: /);
  }
});

test('ssh2 protocol-level errors are classified by level and message', () => {
  const auth = Object.assign(new Error('All configured authentication methods failed'), {
    level: 'client-authentication',
  });
  assert.equal(classifyConnectionError(auth, 'd').code, 'auth_failed');
  assert.equal(classifyConnectionError(auth, 'd').retryable, false);
  const timeout = Object.assign(new Error('Timed out while waiting for handshake'), { level: 'client-timeout' });
  assert.equal(classifyConnectionError(timeout, 'd').code, 'connection_timeout');
  assert.equal(
    classifyConnectionError(new Error('Cannot parse privateKey: Unsupported key format'), 'd').code,
    'key_unreadable',
  );
  assert.equal(classifyConnectionError(new Error('Keepalive timeout'), 'd').code, 'connection_lost');
  assert.equal(
    classifyConnectionError(new Error('(SSH) Channel open failure: open failed'), 'd').code,
    'channel_limit',
  );
  assert.equal(classifyConnectionError(new Error('something new'), 'd').code, 'unknown');
});

test('an already classified error passes through unchanged', () => {
  const e = new SshError('host_key_mismatch', 'changed');
  assert.equal(classifyConnectionError(e, 'd'), e);
});

test('identity and credential failures are never retried', () => {
  for (const code of [
    'host_key_mismatch',
    'auth_failed',
    'key_missing',
    'key_unreadable',
    'parse_error',
    'device_not_found',
  ] as const) {
    assert.ok(NON_RETRYABLE_DEVICE_ERRORS.includes(code), code);
  }
  for (const code of ['connection_refused', 'connection_lost', 'command_timeout'] as const) {
    assert.ok(!NON_RETRYABLE_DEVICE_ERRORS.includes(code), code);
  }
});
