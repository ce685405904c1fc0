import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import pg from 'pg';
import { applyDeviceChange } from '../../activities/device-change.ts';
import type { DeviceChangeInput, DeviceChangeResult } from '../../schema/device-change.ts';
import { SYSTEM_PRINCIPAL } from '../../schema/api-token.ts';
import { testDevice } from '../support/fault-servers.ts';
import { apiClient } from '../support/http.ts';
import { waitFor } from '../support/poll.ts';
import { startTestSshd, type TestSshd } from '../support/sshd.ts';
import { startTestSystem, testDir, uniqueName } from '../support/stack.ts';

describe('adding, changing and removing a device runs as one workflow per change', () => {
  let sshd: TestSshd;
  let sys: Awaited<ReturnType<typeof startTestSystem>>;
  const http = apiClient(() => sys.apiUrl!);

  before(async () => {
    sshd = await startTestSshd(testDir(uniqueName('sshd')));
    sys = await startTestSystem();
  });
  after(async () => {
    await sys?.stop();
    await sshd?.stop();
  });

  test('the API answers as before: 201 with the device, 409 for a duplicate, 400 and 404 for bad edits, 204 once removed', async () => {
    const created = await http('POST', '/api/devices', testDevice('reg-api', sshd, false));
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.hostname, 'reg-api');
    assert.equal(created.body.identity_file, undefined, 'the key path is never answered');
    assert.equal((await http('POST', '/api/devices', testDevice('reg-api', sshd, false))).body.error.code, 'conflict');

    const edited = await http('PATCH', '/api/devices/reg-api', { location: 'rack 2' });
    assert.equal(edited.status, 200);
    assert.equal(edited.body.location, 'rack 2');
    const keyless = await http('PATCH', '/api/devices/reg-api', { identity_file: null });
    assert.deepEqual([keyless.status, keyless.body.error.code], [400, 'validation_error']);
    assert.equal((await http('PATCH', '/api/devices/reg-missing', { location: 'x' })).status, 404);

    assert.equal((await http('DELETE', '/api/devices/reg-api')).status, 204);
    assert.equal((await http('DELETE', '/api/devices/reg-api')).status, 404);
    const audit = await sys.db
      .selectFrom('audit_log')
      .select(['action', 'workflow_id'])
      .where('hostname', '=', 'reg-api')
      .orderBy('id')
      .execute();
    assert.deepEqual(
      audit.map((a) => a.action),
      ['device_create', 'device_update', 'device_delete'],
    );
    assert.ok(
      audit.every((a) => a.workflow_id === sys.devices.workflowId('reg-api')),
      'each row names the change workflow',
    );
  });

  test('a second change of a device while one is under way is refused with 409', async () => {
    // The first change is held inside its transaction by a lock on the audit table.
    const lock = new pg.Client({ connectionString: sys.databaseUrl });
    await lock.connect();
    try {
      await lock.query('begin');
      await lock.query('lock table audit_log in share mode');
      const first = http('POST', '/api/devices', testDevice('reg-busy', sshd, false));
      await waitFor(
        'the first change to run',
        async () =>
          (
            await sys.client.workflow
              .getHandle(sys.devices.workflowId('reg-busy'))
              .describe()
              .catch(() => null)
          )?.status.name,
        { until: (status) => status === 'RUNNING', timeoutMs: 10_000 },
      );
      const second = await http('PATCH', '/api/devices/reg-busy', { location: 'rack 3' });
      assert.deepEqual([second.status, second.body.error.code], [409, 'device_change_in_progress']);
      await lock.query('commit');
      assert.equal((await first).status, 201);
    } finally {
      await lock.end();
    }
    assert.equal(
      (await http('PATCH', '/api/devices/reg-busy', { location: 'rack 3' })).status,
      200,
      'the next change goes through',
    );
  });

  test('the row-writing step retried after its commit answers what it applied, once', async () => {
    const input: DeviceChangeInput = {
      change: { kind: 'create', device: testDevice('reg-retry', sshd, false) },
      requestedBy: SYSTEM_PRINCIPAL,
      trigger: 'system',
      correlationId: null,
    };
    const run = { workflowId: sys.devices.workflowId('reg-retry'), runId: uniqueName('run') };
    const attempt = (runId: string): Promise<DeviceChangeResult> =>
      new MockActivityEnvironment({ workflowExecution: { ...run, runId } }).run(() =>
        applyDeviceChange({ store: sys.store }, input),
      );
    const first = await attempt(run.runId);
    const retried = await attempt(run.runId);
    assert.equal(first.outcome, 'applied');
    assert.deepEqual(retried, first, 'the retry finds its own audit row and answers the same device');
    const audit = await sys.db.selectFrom('audit_log').select('action').where('hostname', '=', 'reg-retry').execute();
    assert.equal(audit.length, 1, 'one audit row');
    const another = await attempt(uniqueName('run'));
    assert.deepEqual(
      another,
      { outcome: 'refused', code: 'conflict', httpStatus: 409, message: 'device reg-retry already exists' },
      'another change is refused',
    );
  });
});
