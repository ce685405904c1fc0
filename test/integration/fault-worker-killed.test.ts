import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import proto from '@temporalio/proto';
import { startFaultSystem, startWorkerProcess, testDevice, until, withDeadline, type FaultSystem, type WorkerProcess } from '../support/fault-servers.ts';
import { startTestSshd, type TestSshd } from '../support/sshd.ts';
import { createTestDatabase, testDir, uniqueName } from '../support/stack.ts';
import { collectMarkers } from '../support/collect-evidence.ts';
import { ownerContext } from '../../services/device-service.ts';

const { TimeoutType } = proto.temporal.api.enums.v1;

/**
 * Injects: the only worker, a separate OS process, is killed with SIGKILL while a metrics collection's
 * command is running on the device (the device's `df` sleeps 3 s while a flag file exists, so the
 * command is certainly in flight). A new worker process is started right after.
 * Nothing lost means: the collection the caller is waiting for still answers, because Temporal notices
 * the dead worker by its workflow task timing out (10 s; `collect` is a local activity of that task)
 * and hands the task to the new worker, which runs the collection again; and it lands exactly once:
 * one snapshot row and one successful `collect` audit row for the device, both naming that run's
 * collection id, and no error row.
 */
describe('the worker is killed in the middle of a collection', { timeout: 90_000 }, () => {
  let sshd: TestSshd;
  let sys: FaultSystem;
  let flag: string;
  const workers: WorkerProcess[] = [];
  const startWorker = async () => {
    const w = await startWorkerProcess({ temporalAddress: sys.temporalAddress, databaseUrl: sys.databaseUrl, taskQueue: sys.instance });
    workers.push(w);
    return w;
  };

  before(async () => {
    sshd = await startTestSshd(testDir(uniqueName('sshd-slow')));
    flag = testDir(uniqueName('slow-flag'));
    writeFileSync(flag, '', { mode: 0o666 });
    sshd.standIn('df', `#!/bin/sh\nif [ -f '${flag}' ]; then echo "df slow $*" >> "$INFRA_TEST_EXEC_LOG"; sleep 3; fi\nexec /bin/df "$@"\n`);
    // No worker in this process: the only one is the OS process this test kills.
    sys = await startFaultSystem({ databaseUrl: await createTestDatabase(), runWorker: false });
    await sys.devices.create(testDevice('slow', sshd, false), ownerContext('api'));
  });
  after(async () => {
    rmSync(flag, { force: true });
    for (const w of workers) await w.stop();
    await sys?.stop();
    await sshd?.stop();
  });

  test('the collection is run again on the new worker after the workflow task timeout and lands exactly once', { timeout: 75_000 }, async () => {
    const first = await startWorker();
    const deviceId = (await sys.devices.require('slow')).id;
    const started = Date.now();
    const reading = sys.collection.read('slow', 'metrics', { forceRefresh: true }, ownerContext('api'));
    reading.catch(() => undefined); // observed below, with a deadline

    const slowCalls = await until(() => sshd.countCalls(/^df slow/), (n) => n >= 1, 20_000, 50);
    assert.equal(slowCalls, 1, 'the device-side command started on the first worker');
    first.kill('SIGKILL');
    const { signal } = await withDeadline(first.exited, 5_000, 'the killed worker exiting');
    assert.equal(signal, 'SIGKILL');
    const killedAt = Date.now();
    // From here on the device answers at once: only the lost attempt was slow.
    rmSync(flag, { force: true });
    const second = await startWorker();

    const answer = await withDeadline(reading, 45_000, 'the collection after the worker was killed');
    const elapsed = Date.now() - started;
    assert.equal(answer.from_cache, false);
    assert.ok(Date.now() - killedAt >= 8_000, `the retry waited for the workflow task timeout (answered ${Date.now() - killedAt} ms after the kill)`);

    const handle = sys.client.workflow.getHandle(answer.workflow_id!);
    const { runId } = await handle.describe();
    const collectionId = `${answer.workflow_id}/${runId}`;
    const events = (await handle.fetchHistory()).events ?? [];
    assert.equal(collectMarkers(events).length, 1, 'one collect recorded in the run: the lost attempt left nothing behind');
    const timedOut = events.filter((e) => e.workflowTaskTimedOutEventAttributes).map((e) => e.workflowTaskTimedOutEventAttributes!.timeoutType);
    assert.deepEqual(timedOut, [TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE], 'the killed worker\'s workflow task timed out, once');
    const taskWorkers = events.filter((e) => e.workflowTaskStartedEventAttributes).map((e) => e.workflowTaskStartedEventAttributes!.identity ?? '');
    assert.match(taskWorkers[0] ?? '', new RegExp(`^${first.pid}@`), 'the first workflow task went to the worker that was killed');
    assert.match(taskWorkers.at(-1) ?? '', new RegExp(`^${second.pid}@`), 'the collection was recorded by the new worker process');

    const snapshots = await sys.db.selectFrom('metrics_snapshots').select(['id', 'collection_id']).where('device_id', '=', deviceId).execute();
    assert.equal(snapshots.length, 1, 'exactly one snapshot for the device');
    assert.equal(snapshots[0]!.collection_id, collectionId, 'the snapshot of this run');
    const audit = await sys.db.selectFrom('audit_log').select(['status', 'error_code', 'collection_id', 'snapshot_id']).where('hostname', '=', 'slow').where('action', '=', 'collect').execute();
    assert.deepEqual(audit, [{ status: 'success', error_code: null, collection_id: collectionId, snapshot_id: snapshots[0]!.id }], 'exactly one successful collect audit row');
    const device = await sys.db.selectFrom('devices').select(['status', 'consecutive_failures']).where('id', '=', deviceId).executeTakeFirstOrThrow();
    assert.deepEqual(device, { status: 'online', consecutive_failures: 0 });
    process.stderr.write(`# worker-killed: answered ${elapsed} ms after the request, ${Date.now() - killedAt} ms after the kill\n`);
  });
});
