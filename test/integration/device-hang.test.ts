import assert from 'node:assert/strict';
import { chmodSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ApplicationFailure, WorkflowFailedError } from '@temporalio/client';
import { collectors } from '../../domain/collectors/registry.ts';
import type { CollectionInput } from '../../schema/collection.ts';
import { waitFor } from '../support/poll.ts';
import { startTestSshd, type TestSshd } from '../support/sshd.ts';
import { startTestSystem, testDir, uniqueName } from '../support/stack.ts';
import { collectMarkers, failedCollectAttempts, localActivityAttempt } from '../support/collect-evidence.ts';
import { ownerContext } from '../../services/device-service.ts';

/**
 * Injects: `df` on one device hangs (what a dead NFS mount does) for the first metrics collection.
 * Nothing lost means: the hung attempt is classified `command_timeout`, its connection is replaced,
 * the retry stores the snapshot, and the other device answers meanwhile as if nothing happened.
 */
describe('a device hanging on a command', () => {
  let hanging: TestSshd;
  let healthy: TestSshd;
  let sys: Awaited<ReturnType<typeof startTestSystem>>;
  let flag: string;

  before(async () => {
    hanging = await startTestSshd(testDir(uniqueName('sshd-hang')));
    healthy = await startTestSshd(testDir(uniqueName('sshd-ok')));
    flag = path.join(testDir(uniqueName('hang-flag')));
    // The device user empties the flag as it hangs, so only the first call hangs and a retry finds a working df.
    writeFileSync(flag, '');
    chmodSync(flag, 0o666);
    hanging.standIn(
      'df',
      `#!/bin/sh\necho "df $*" >> '${hanging.execLog}'\nif [ -s '${flag}' ]; then : > '${flag}'; sleep 60; fi\nexec /bin/df "$@"\n`,
    );
    sys = await startTestSystem();
    for (const [hostname, sshd] of [
      ['stuck', hanging],
      ['fine', healthy],
    ] as const) {
      await sys.devices.create(
        {
          hostname,
          address: '127.0.0.1',
          port: sshd.port,
          username: sshd.username,
          identity_file: sshd.clientKeyPath,
          auth_method: 'key',
          device_type: 'linux',
          tags: [],
          location: null,
          description: null,
          monitoring_enabled: false,
        },
        ownerContext('api'),
      );
    }
  });
  after(async () => {
    rmSync(flag, { force: true });
    await sys?.stop();
    await hanging?.stop();
    await healthy?.stop();
  });

  test('times out, is classified, recycles its connection, retries and lands; the other device is unaffected', async () => {
    const ctx = ownerContext('api');
    const stuckId = (await sys.devices.require('stuck')).id;
    writeFileSync(flag, 'hang');
    const stuckRead = sys.collection.read('stuck', 'metrics', { forceRefresh: true }, ctx);

    // While the first device hangs, the other answers at its usual speed.
    await waitFor('df to hang on the stuck device', () => hanging.countCalls(/^df/) >= 1, { intervalMs: 50 });
    const started = performance.now();
    const fine = await sys.collection.read('fine', 'metrics', { forceRefresh: true }, ctx);
    assert.equal(fine.from_cache, false);
    assert.ok(
      performance.now() - started < collectors.metrics.commandTimeoutMs / 2,
      'the healthy device did not wait for the hanging one',
    );

    const connectsBefore = sys.worker!.pool.stats().connectsByDevice[stuckId] ?? 0;
    const timeoutsBefore = await failedCollectAttempts('metrics', 'command_timeout');
    const answer = await stuckRead;
    assert.equal(answer.from_cache, false);
    assert.ok(
      sys.worker!.pool.stats().connectsByDevice[stuckId]! > connectsBefore,
      'a new connection after the timeout',
    );

    const history = await sys.client.workflow.getHandle(answer.workflow_id!).fetchHistory();
    const markers = collectMarkers(history.events);
    assert.equal(markers.length, 1);
    assert.equal(localActivityAttempt(markers[0]!), 2, 'the collection landed on its second attempt');
    assert.equal(
      (await failedCollectAttempts('metrics', 'command_timeout')) - timeoutsBefore,
      1,
      'the first attempt failed as command_timeout',
    );
    const snapshots = await sys.db
      .selectFrom('metrics_snapshots')
      .select('id')
      .where('device_id', '=', stuckId)
      .execute();
    assert.equal(snapshots.length, 1, 'exactly one snapshot');
    const audit = await sys.db
      .selectFrom('audit_log')
      .select(['status', 'error_code'])
      .where('hostname', '=', 'stuck')
      .where('action', '=', 'collect')
      .execute();
    assert.deepEqual(audit, [{ status: 'success', error_code: null }]);
  });

  test('a polled run on the hanging device gives up before its next run is due, with one failure row', async () => {
    writeFileSync(flag, 'hang');
    const stuckId = (await sys.devices.require('stuck')).id;
    const snapshotsBefore = (
      await sys.db.selectFrom('metrics_snapshots').select('id').where('device_id', '=', stuckId).execute()
    ).length;
    // What a schedule every 6 s starts (its interval is far shorter than metrics' 15 s command timeout).
    const input: CollectionInput = {
      hostname: 'stuck',
      dataType: 'metrics',
      trigger: 'schedule',
      forceRefresh: false,
      correlationId: null,
      intervalSeconds: 6,
    };
    const started = Date.now();
    const handle = await sys.client.workflow.start('collectWorkflow', {
      taskQueue: sys.instance,
      workflowId: uniqueName('polled-stuck'),
      args: [input],
    });
    const err = await handle.result().catch((e: unknown) => e);
    const elapsed = Date.now() - started;
    assert.ok(err instanceof WorkflowFailedError && err.cause instanceof ApplicationFailure);
    assert.equal(err.cause.type, 'command_timeout');
    assert.ok(elapsed < 6_000 + 1_500, `the run ended ${elapsed} ms after it started, past its next one`);

    const history = await handle.fetchHistory();
    const markers = collectMarkers(history.events);
    assert.equal(markers.length, 1);
    assert.equal(
      localActivityAttempt(markers[0]!),
      1,
      'not retried: a retry would have started after the next run was due',
    );
    const audit = await sys.db
      .selectFrom('audit_log')
      .select(['status', 'error_code', 'trigger'])
      .where('collection_id', 'like', `${handle.workflowId}/%`)
      .execute();
    assert.deepEqual(audit, [{ status: 'error', error_code: 'command_timeout', trigger: 'schedule' }]);
    const snapshots = await sys.db
      .selectFrom('metrics_snapshots')
      .select('id')
      .where('device_id', '=', stuckId)
      .execute();
    assert.equal(snapshots.length, snapshotsBefore, 'no snapshot from the abandoned command');
  });
});
