import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ScheduleNotFoundError } from '@temporalio/client';
import { collectors } from '../../activities/collectors/registry.ts';
import type { RunningSystem } from '../../platform/system.ts';
import { installDockerStandIn } from '../support/docker-stand-in.ts';
import { startTestSshd, type TestSshd } from '../support/sshd.ts';
import { startTestSystem, testDir, uniqueName } from '../support/stack.ts';

describe('polling with Temporal Schedules', () => {
  let sshd: TestSshd;
  let sys: RunningSystem;

  before(async () => {
    sshd = await startTestSshd(testDir(uniqueName('sshd')));
    installDockerStandIn(sshd);
    sys = await startTestSystem({ pollingEnabled: true });
  });
  after(async () => {
    await sys?.stop();
    await sshd?.stop();
  });

  /** Which of a device's schedules exist (describe is consistent; listing is eventually consistent). */
  const scheduleIds = async (hostname: string) => {
    const ids: string[] = [];
    for (const type of ['containers', 'metrics'] as const) {
      const id = sys.schedules.scheduleId(hostname, type);
      if (await sys.client.schedule.getHandle(id).describe().then(() => true, (e: unknown) => (e instanceof ScheduleNotFoundError ? false : Promise.reject(e)))) ids.push(id);
    }
    return ids;
  };

  test('schedules follow the device list and its monitoring flag, at the registry intervals', async () => {
    const device = { hostname: 'poll-a', address: '127.0.0.1', port: sshd.port, username: sshd.username, identity_file: sshd.clientKeyPath };
    await sys.devices.create({ ...device, auth_method: 'key', device_type: 'linux', tags: [], location: null, description: null, monitoring_enabled: true }, { trigger: 'api', correlationId: null });
    assert.deepEqual(await scheduleIds('poll-a'), [sys.schedules.scheduleId('poll-a', 'containers'), sys.schedules.scheduleId('poll-a', 'metrics')]);
    for (const type of ['metrics', 'containers'] as const) {
      const described = await sys.client.schedule.getHandle(sys.schedules.scheduleId('poll-a', type)).describe();
      assert.equal(described.spec.intervals?.[0]?.every, collectors[type].pollIntervalSeconds * 1000);
    }
    await sys.devices.update('poll-a', { monitoring_enabled: false }, { trigger: 'api', correlationId: null });
    assert.deepEqual(await scheduleIds('poll-a'), []);
    await sys.devices.update('poll-a', { monitoring_enabled: true }, { trigger: 'api', correlationId: null });
    assert.equal((await scheduleIds('poll-a')).length, 2);

    // A restart reconciles: a schedule whose device is gone is deleted (once listing shows it).
    await sys.db.deleteFrom('devices').where('hostname', '=', 'poll-a').execute();
    const listed = async () => {
      let n = 0;
      for await (const s of sys.client.schedule.list()) if (s.scheduleId.startsWith(sys.schedules.scheduleId('poll-a', 'metrics').slice(0, -'metrics'.length))) n++;
      return n;
    };
    const deadline = Date.now() + 15_000;
    while ((await listed()) < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    await sys.schedules.reconcile([]);
    assert.deepEqual(await scheduleIds('poll-a'), []);
  });

  test('a schedule firing stores a snapshot and an audit row with trigger "schedule"', async () => {
    const device = { hostname: 'poll-b', address: '127.0.0.1', port: sshd.port, username: sshd.username, identity_file: sshd.clientKeyPath };
    const created = await sys.devices.create({ ...device, auth_method: 'key', device_type: 'linux', tags: [], location: null, description: null, monitoring_enabled: true }, { trigger: 'api', correlationId: null });
    await sys.client.schedule.getHandle(sys.schedules.scheduleId('poll-b', 'containers')).trigger();
    const deadline = Date.now() + 30_000;
    let snapshots: Array<{ collection_id: string }> = [];
    while (Date.now() < deadline) {
      snapshots = await sys.db.selectFrom('containers_snapshots').select('collection_id').where('device_id', '=', created.id).execute();
      if (snapshots.length > 0) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(snapshots.length, 1);
    assert.match(snapshots[0]!.collection_id, /-scheduled-poll-b-containers/);
    const audit = await sys.db.selectFrom('audit_log').selectAll().where('hostname', '=', 'poll-b').where('action', '=', 'collect').execute();
    assert.equal(audit.length, 1);
    assert.equal(audit[0]!.trigger, 'schedule');
    assert.equal(audit[0]!.status, 'success');
  });
});
