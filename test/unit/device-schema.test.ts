import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DeviceCreate, DevicePatch } from '../../schema/device.ts';
import { loadConfig } from '../../platform/config.ts';

test('a minimal device gets defaults: address from hostname, agent auth, port 22, root', () => {
  const d = DeviceCreate.parse({ hostname: 'nas01' });
  assert.equal(d.address, 'nas01');
  assert.equal(d.auth_method, 'agent');
  assert.equal(d.port, 22);
  assert.equal(d.username, 'root');
  assert.equal(d.monitoring_enabled, true);
});

test('an identity file implies key auth; key auth needs one', () => {
  assert.equal(DeviceCreate.parse({ hostname: 'a', identity_file: '/keys/id' }).auth_method, 'key');
  assert.equal(DeviceCreate.safeParse({ hostname: 'a', auth_method: 'key' }).success, false);
});

test('hostile names and unknown fields are refused', () => {
  for (const hostname of ['', '-rf', 'a b', 'a;reboot', '$(id)', 'a/b', 'x'.repeat(64), '../etc']) {
    assert.equal(DeviceCreate.safeParse({ hostname }).success, false, hostname);
  }
  assert.equal(DeviceCreate.safeParse({ hostname: 'a', address: 'h; id' }).success, false);
  assert.equal(DeviceCreate.safeParse({ hostname: 'a', username: '-oProxyCommand=x' }).success, false);
  assert.equal(DeviceCreate.safeParse({ hostname: 'a', port: 70000 }).success, false);
  assert.equal(DeviceCreate.safeParse({ hostname: 'a', password: 'x' }).success, false);
  assert.equal(DeviceCreate.safeParse({ hostname: 'a', identity_file: 'relative/key' }).success, false);
  assert.equal(DevicePatch.safeParse({}).success, false);
});

test('settings are validated with a message naming the bad one', () => {
  assert.equal(loadConfig({}).API_PORT, 9101);
  assert.equal(loadConfig({}).MCP_PORT, 9102);
  assert.throws(() => loadConfig({ API_PORT: 'http' }), /API_PORT/);
  assert.throws(() => loadConfig({ DATABASE_URL: 'mysql://x' }), /DATABASE_URL/);
  assert.throws(() => loadConfig({ LOG_LEVEL: 'loud' }), /LOG_LEVEL/);
});
