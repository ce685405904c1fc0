import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DATA_TYPES } from '../../activities/collectors/registry.ts';
import { registerFleet } from '../../bench/fleet/register.ts';
import { type Fleet, startFleet } from '../../bench/fleet/simulator.ts';
import { startTestSystem, testDir, uniqueName } from '../support/stack.ts';

/** The simulated fleet as the real system sees it: registered through the API, collected by the worker. */
describe('fleet simulator with the real system', () => {
  let fleet: Fleet;
  let sys: Awaited<ReturnType<typeof startTestSystem>>;
  let api: string;

  const http = async (method: string, route: string) => {
    const res = await fetch(`${api}${route}`, { method });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  before(async () => {
    fleet = await startFleet({ count: 6, seed: 9, host: '127.0.0.1', firstPort: 0, dir: testDir(uniqueName('fleet')) });
    sys = await startTestSystem();
    api = sys.apiUrl ?? '';
  });
  after(async () => {
    await sys?.stop();
    await fleet?.stop();
  });

  test('registers every device, collects every data type from each, and pins the simulator host keys', async () => {
    assert.deepEqual(await registerFleet(api, fleet), { created: 6, updated: 0, failed: [] });
    for (const device of fleet.devices) {
      for (const type of DATA_TYPES) {
        const answer = await http('GET', `/api/devices/${device.hostname}/${type}?force_refresh=true`);
        assert.equal(answer.status, 200, `${device.hostname} ${type}: ${JSON.stringify(answer.body)}`);
      }
      const view = (await http('GET', `/api/devices/${device.hostname}`)).body;
      assert.equal(view.host_key_fingerprint, device.hostKeyFingerprint, device.hostname);
      assert.deepEqual(view.capabilities, device.profile.capabilities, device.hostname);
    }
    assert.equal(fleet.stats().connections, 6, 'the worker kept one connection per device');
  });

  test('registering the fleet again updates the devices in place', async () => {
    assert.deepEqual(await registerFleet(api, fleet), { created: 0, updated: 6, failed: [] });
    const [device] = fleet.devices;
    assert.ok(device);
    assert.equal((await http('GET', `/api/devices/${device.hostname}`)).body.host_key_fingerprint, device.hostKeyFingerprint);
  });

  test('a refusing device fails its collection and recovers when the fault is cleared', async () => {
    const device = fleet.devices.find((d) => d.profile.role === 'docker');
    assert.ok(device);
    fleet.setFault(device.hostname, { kind: 'refuse' });
    const refused = await http('GET', `/api/devices/${device.hostname}/containers?force_refresh=true`);
    assert.ok(refused.status >= 400, `status ${refused.status}`);
    fleet.setFault(device.hostname, null);
    // The pool backs off after a failed connect; its longest first wait is well under this.
    const deadline = Date.now() + 30_000;
    let status = 0;
    while (status !== 200 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      status = (await http('GET', `/api/devices/${device.hostname}/containers?force_refresh=true`)).status;
    }
    assert.equal(status, 200);
  });
});
