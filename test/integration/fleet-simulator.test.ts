import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { ContainersData } from '../../domain/collectors/containers.ts';
import { DATA_TYPES } from '../../domain/collectors/registry.ts';
import { configFiles, nextConfigEdit } from '../../simulator/config-files.ts';
import { registerFleet } from '../../simulator/register.ts';
import { type Fleet, type SimulatedDevice, startFleet } from '../../simulator/simulator.ts';
import { ownerContext } from '../../services/device-service.ts';
import { apiClient } from '../support/http.ts';
import { waitFor } from '../support/poll.ts';
import { startTestSystem, testDir, uniqueName } from '../support/stack.ts';

/** The simulated fleet as the real system sees it: registered through the API, collected by the worker. */
describe('fleet simulator with the real system', () => {
  let fleet: Fleet;
  let sys: Awaited<ReturnType<typeof startTestSystem>>;
  let api: string;

  const http = apiClient(() => api);

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

  test("the demo's held docker stop $(docker ps -q) runs once confirmed: the containers stop and docker ps shows them stopped", async () => {
    const device = fleet.devices.find((d) => d.profile.role === 'docker');
    assert.ok(device);
    // As the demo does: asked through the operation service, released by the local owner with its phrase.
    const owner = ownerContext('cli');
    const held = await sys.operations.exec(device.hostname, 'docker stop $(docker ps -q)', owner);
    assert.equal(held.state, 'awaiting_confirmation', JSON.stringify(held));
    const phrase = (await sys.operations.get(held.operation_id, owner.principal)).confirmation_phrase ?? '';
    const { operation } = await sys.operations.confirm(held.operation_id, phrase, owner);
    assert.deepEqual(
      [operation.state, operation.result?.exit_code, operation.result?.stderr],
      ['completed', 0, ''],
      JSON.stringify(operation),
    );
    const stoppedIds = (operation.result?.stdout ?? '').split('\n').filter(Boolean);
    assert.equal(stoppedIds.length, held.assessment?.affected_count);

    const ps = await sys.operations.exec(device.hostname, 'docker ps -a', owner);
    assert.equal(ps.state, 'completed', JSON.stringify(ps));
    const rows = (ps.result?.stdout ?? '').split('\n').filter(Boolean).slice(1);
    for (const id of stoppedIds)
      assert.match(rows.find((row) => row.startsWith(id)) ?? `${id} not listed`, /Exited \(0\)/);
    const containers = (await http('GET', `/api/devices/${device.hostname}/containers?force_refresh=true`)).body as {
      data: ContainersData;
    };
    assert.deepEqual(
      containers.data.containers.filter((c) => c.state !== 'exited').map((c) => c.name),
      [],
    );
  });

  test('registering the fleet again updates the devices in place', async () => {
    assert.deepEqual(await registerFleet(api, fleet), { created: 0, updated: 6, failed: [] });
    const [device] = fleet.devices;
    assert.ok(device);
    assert.equal(
      (await http('GET', `/api/devices/${device.hostname}`)).body.host_key_fingerprint,
      device.hostKeyFingerprint,
    );
  });

  test('a refusing device fails its collection and recovers when the fault is cleared', async () => {
    const device = fleet.devices.find((d) => d.profile.role === 'docker');
    assert.ok(device);
    fleet.setFault(device.hostname, { kind: 'refuse' });
    const refused = await http('GET', `/api/devices/${device.hostname}/containers?force_refresh=true`);
    assert.ok(refused.status >= 400, `status ${refused.status}`);
    fleet.setFault(device.hostname, null);
    // The pool backs off after a failed connect; its longest first wait is well under this.
    await waitFor(
      `${device.hostname} to answer again`,
      async () => (await http('GET', `/api/devices/${device.hostname}/containers?force_refresh=true`)).status,
      {
        until: (status) => status === 200,
        timeoutMs: 30_000,
        intervalMs: 500,
      },
    );
  });
});

/** Config watching of simulated devices: inotify streams on one, hash polling on another, both through the real watcher. */
describe('fleet simulator with config watching', () => {
  let fleet: Fleet;
  let sys: Awaited<ReturnType<typeof startTestSystem>>;
  let api: string;
  // The devices' clock: real time plus what the test adds to pass their edits.
  let offsetMs = 0;
  const deviceTime = () => (Date.now() + offsetMs) / 1000;
  /** Moves the device clock just past the device's next edit; returns that edit. */
  const passNextEdit = (device: SimulatedDevice) => {
    const edit = nextConfigEdit(device.profile, deviceTime());
    assert.ok(edit, `${device.hostname} edits files`);
    offsetMs += (edit.at + 1 - deviceTime()) * 1000;
    return edit;
  };
  const http = apiClient(() => api);
  const get = async <T>(route: string): Promise<T> => {
    const res = await http('GET', route);
    assert.equal(res.status, 200, route);
    return res.body as T;
  };
  type Files = {
    watch: { mode: string | null };
    files: Array<{ path: string; sha256: string | null; last_change: string }>;
  };
  type Changes = { changes: Array<{ path: string; change_type: string; semantic_changes: unknown[] }> };
  const modified = (device: SimulatedDevice, path: string) =>
    waitFor(
      `MODIFY of ${path} on ${device.hostname}`,
      async () => {
        const { changes } = await get<Changes>(`/api/config/changes?device=${device.hostname}`);
        return changes.find((c) => c.path === path && c.change_type === 'MODIFY');
      },
      { intervalMs: 200 },
    );

  before(async () => {
    fleet = await startFleet({
      count: 4,
      seed: 9,
      host: '127.0.0.1',
      firstPort: 0,
      dir: testDir(uniqueName('fleet-config')),
      clock: () => Date.now() + offsetMs,
    });
    sys = await startTestSystem({ configWatchEnabled: true, watchSettings: { debounceMs: 100, pollIntervalMs: 500 } });
    api = sys.apiUrl ?? '';
  });
  after(async () => {
    await sys?.stop();
    await fleet?.stop();
  });

  test('stores every simulated file as a version, then a MODIFY when the device clock passes an edit', async () => {
    const nas = fleet.devices.find((d) => d.profile.role === 'nas');
    const pi = fleet.devices.find((d) => d.profile.role === 'pi');
    assert.ok(nas?.profile.capabilities.inotifywait && pi && !pi.profile.capabilities.inotifywait);
    // Right after an edit, so none happens (at real speed) while the first versions are stored.
    passNextEdit(nas);
    assert.deepEqual(await registerFleet(api, fleet), { created: 4, updated: 0, failed: [] });

    const expected = configFiles(nas.profile, deviceTime());
    const stored = await waitFor(
      'the first versions of the nas files',
      () => get<Files>(`/api/devices/${nas.hostname}/config/files`),
      {
        until: (view) => view.watch.mode === 'inotify' && view.files.length === expected.size,
        intervalMs: 200,
      },
    );
    const sha = (text: string) => createHash('sha256').update(text).digest('hex');
    assert.deepEqual(
      stored.files.map((f) => [f.path, f.sha256, f.last_change]),
      [...expected].sort(([a], [b]) => (a < b ? -1 : 1)).map(([path, content]) => [path, sha(content), 'CREATE']),
    );

    const edit = passNextEdit(nas);
    const change = await modified(nas, edit.path);
    assert.ok(change.semantic_changes.length > 0, JSON.stringify(change));
    const rows = await sys.db
      .selectFrom('config_snapshots')
      .select(['content'])
      .where('hostname', '=', nas.hostname)
      .where('path', '=', edit.path)
      .orderBy('id', 'desc')
      .execute();
    assert.equal(rows[0]?.content, configFiles(nas.profile, deviceTime()).get(edit.path));

    // Without inotifywait the device is watched by comparing hashes.
    const piFiles = configFiles(pi.profile, deviceTime()).size;
    await waitFor('the pi watched by polling', () => get<Files>(`/api/devices/${pi.hostname}/config/files`), {
      until: (view) => view.watch.mode === 'polling' && view.files.length === piFiles,
      intervalMs: 200,
    });
    await modified(pi, passNextEdit(pi).path);
  });
});
