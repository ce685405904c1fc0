import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { ScheduleNotFoundError, WorkflowNotFoundError } from '@temporalio/client';
import proto from '@temporalio/proto';
import { sql } from 'kysely';
import pg from 'pg';
import {
  startFaultSystem,
  startWorkerProcess,
  testDevice,
  type FaultSystem,
  type WorkerProcess,
} from '../support/fault-servers.ts';
import { waitFor, withDeadline } from '../support/poll.ts';
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
  let first: WorkerProcess;
  const workers: WorkerProcess[] = [];
  const startWorker = async () => {
    const w = await startWorkerProcess({
      temporalAddress: sys.temporalAddress,
      databaseUrl: sys.databaseUrl,
      taskQueue: sys.instance,
    });
    workers.push(w);
    return w;
  };

  before(async () => {
    sshd = await startTestSshd(testDir(uniqueName('sshd-slow')));
    flag = testDir(uniqueName('slow-flag'));
    writeFileSync(flag, '', { mode: 0o666 });
    sshd.standIn(
      'df',
      `#!/bin/sh\nif [ -f '${flag}' ]; then echo "df slow $*" >> "$INFRA_TEST_EXEC_LOG"; sleep 3; fi\nexec /bin/df "$@"\n`,
    );
    // No worker in this process: the only one is the OS process this test kills.
    sys = await startFaultSystem({ databaseUrl: await createTestDatabase(), runWorker: false });
    // Registering the device is a workflow too: the worker that is killed later runs it.
    first = await startWorker();
    await sys.devices.create(testDevice('slow', sshd, false), ownerContext('api'));
  });
  after(async () => {
    rmSync(flag, { force: true });
    for (const w of workers) await w.stop();
    await sys?.stop();
    await sshd?.stop();
  });

  test(
    'the collection is run again on the new worker after the workflow task timeout and lands exactly once',
    { timeout: 75_000 },
    async () => {
      const deviceId = (await sys.devices.require('slow')).id;
      const started = Date.now();
      const reading = sys.collection.read('slow', 'metrics', { forceRefresh: true }, ownerContext('api'));
      reading.catch(() => undefined); // observed below, with a deadline

      const slowCalls = await waitFor('the slow df to start', () => sshd.countCalls(/^df slow/), {
        until: (n) => n >= 1,
        intervalMs: 50,
      });
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
      assert.ok(
        Date.now() - killedAt >= 8_000,
        `the retry waited for the workflow task timeout (answered ${Date.now() - killedAt} ms after the kill)`,
      );

      const handle = sys.client.workflow.getHandle(answer.workflow_id!);
      const { runId } = await handle.describe();
      const collectionId = `${answer.workflow_id}/${runId}`;
      const events = (await handle.fetchHistory()).events ?? [];
      assert.equal(
        collectMarkers(events).length,
        1,
        'one collect recorded in the run: the lost attempt left nothing behind',
      );
      const timedOut = events
        .filter((e) => e.workflowTaskTimedOutEventAttributes)
        .map((e) => e.workflowTaskTimedOutEventAttributes!.timeoutType);
      assert.deepEqual(
        timedOut,
        [TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE],
        "the killed worker's workflow task timed out, once",
      );
      const taskWorkers = events
        .filter((e) => e.workflowTaskStartedEventAttributes)
        .map((e) => e.workflowTaskStartedEventAttributes!.identity ?? '');
      assert.match(
        taskWorkers[0] ?? '',
        new RegExp(`^${first.pid}@`),
        'the first workflow task went to the worker that was killed',
      );
      assert.match(
        taskWorkers.at(-1) ?? '',
        new RegExp(`^${second.pid}@`),
        'the collection was recorded by the new worker process',
      );

      const snapshots = await sys.db
        .selectFrom('metrics_snapshots')
        .select(['id', 'collection_id'])
        .where('device_id', '=', deviceId)
        .execute();
      assert.equal(snapshots.length, 1, 'exactly one snapshot for the device');
      assert.equal(snapshots[0]!.collection_id, collectionId, 'the snapshot of this run');
      const audit = await sys.db
        .selectFrom('audit_log')
        .select(['status', 'error_code', 'collection_id', 'snapshot_id'])
        .where('hostname', '=', 'slow')
        .where('action', '=', 'collect')
        .execute();
      assert.deepEqual(
        audit,
        [{ status: 'success', error_code: null, collection_id: collectionId, snapshot_id: snapshots[0]!.id }],
        'exactly one successful collect audit row',
      );
      const device = await sys.db
        .selectFrom('devices')
        .select(['status', 'consecutive_failures'])
        .where('id', '=', deviceId)
        .executeTakeFirstOrThrow();
      assert.deepEqual(device, { status: 'online', consecutive_failures: 0 });
      process.stderr.write(
        `# worker-killed: answered ${elapsed} ms after the request, ${Date.now() - killedAt} ms after the kill\n`,
      );
    },
  );
});

/**
 * Injects: the only worker, a separate OS process, is killed with SIGKILL in the middle of a device
 * registration, exactly between its first step (the device row and its audit row, committed) and the
 * rest (schedules, watcher, detection). Two database sessions of the test pin that moment: one holds
 * the audit table so the row-writing transaction waits inside, the other queues an exclusive lock on
 * the devices table behind that transaction, so that once it commits the next step blocks on its first
 * read. A new worker process is started after the kill.
 * Nothing lost means: the request still answers the device, and it ends up with its polling schedules,
 * a running watcher and its capabilities detected, with one device_create audit row, and no start-up
 * reconcile anywhere (the system starts with none and worker processes never run one).
 */
describe('the worker is killed in the middle of a device registration', { timeout: 150_000 }, () => {
  let sshd: TestSshd;
  let sys: FaultSystem;
  const workers: WorkerProcess[] = [];
  const sessions: pg.Client[] = [];
  const startWorker = async () => {
    const w = await startWorkerProcess({
      temporalAddress: sys.temporalAddress,
      databaseUrl: sys.databaseUrl,
      taskQueue: sys.instance,
      polling: true,
      configWatch: true,
    });
    workers.push(w);
    return w;
  };
  const session = async () => {
    const client = new pg.Client({ connectionString: sys.databaseUrl });
    await client.connect();
    sessions.push(client);
    return client;
  };
  /** Sessions waiting for a lock whose statement starts with `statement` (matched with LIKE). */
  const waitingFor = async (statement: string) =>
    Number(
      (
        await sql<{
          n: string;
        }>`select count(*) as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and query like ${statement}`.execute(
          sys.db,
        )
      ).rows[0]!.n,
    );
  const scheduleExists = (type: 'capabilities' | 'metrics') =>
    sys.client.schedule
      .getHandle(sys.schedules.scheduleId('reg', type))
      .describe()
      .then(
        () => true,
        (e: unknown) => (e instanceof ScheduleNotFoundError ? false : Promise.reject(e)),
      );
  const watcherStatus = () =>
    sys.client.workflow
      .getHandle(sys.watchers.workflowId('reg'))
      .describe()
      .then(
        (d) => d.status.name,
        (e: unknown) => (e instanceof WorkflowNotFoundError ? 'none' : Promise.reject(e)),
      );

  before(async () => {
    sshd = await startTestSshd(testDir(uniqueName('sshd-reg')));
    sys = await startFaultSystem({
      databaseUrl: await createTestDatabase(),
      runWorker: false,
      pollingEnabled: true,
      configWatchEnabled: true,
      reconcileAtStart: false,
    });
  });
  after(async () => {
    for (const s of sessions) await s.end().catch(() => undefined);
    // Its schedules and watcher go with it (bounded: after a failure there may be no worker left to do it).
    await withDeadline(sys.devices.remove('reg', ownerContext('api')), 30_000, 'removing the device').catch(
      () => undefined,
    );
    for (const w of workers) await w.stop();
    await sys?.stop();
    await sshd?.stop();
  });

  test(
    'a new worker finishes the registration: schedules, watcher and detection, with no reconcile',
    { timeout: 140_000 },
    async () => {
      const first = await startWorker();
      const audit = await session();
      const devices = await session();
      await audit.query('begin');
      await audit.query('lock table audit_log in share mode');
      const registering = sys.devices.create(testDevice('reg', sshd, true), ownerContext('api'));
      registering.catch(() => undefined); // observed below, with a deadline

      // The row is inserted and its audit row waits: the transaction holds the new row.
      await waitFor('the registration to wait to write its audit row', () => waitingFor('insert into "audit_log"%'), {
        until: (n) => n === 1,
      });
      const devicesPid = (await devices.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid;
      await devices.query('begin');
      const devicesLocked = devices.query('lock table devices in access exclusive mode');
      await waitFor(
        'the exclusive lock to queue behind the registration',
        async () =>
          (
            await sql<{
              w: string | null;
            }>`select wait_event_type as w from pg_stat_activity where pid = ${devicesPid}`.execute(sys.db)
          ).rows[0]?.w,
        { until: (w) => w === 'Lock', timeoutMs: 10_000 },
      );
      await audit.query('commit');
      await withDeadline(devicesLocked, 10_000, 'the exclusive lock on devices');

      // Committed, and the next step is stuck on its first read of the device.
      await waitFor('the schedule step to wait to read the device', () => waitingFor('select %from "devices"%'), {
        until: (n) => n === 1,
      });
      const registration = sys.client.workflow.getHandle(sys.devices.workflowId('reg'));
      const pending = (await registration.describe()).raw.pendingActivities?.map((a) => a.activityType?.name);
      assert.deepEqual(pending, ['syncDeviceSchedules']);
      assert.equal(
        (await devices.query('select hostname from devices where hostname = $1', ['reg'])).rowCount,
        1,
        'the device row is committed',
      );
      assert.deepEqual(
        [await scheduleExists('capabilities'), await scheduleExists('metrics'), await watcherStatus()],
        [false, false, 'none'],
        'nothing else is set up yet',
      );

      first.kill('SIGKILL');
      assert.equal((await withDeadline(first.exited, 5_000, 'the killed worker exiting')).signal, 'SIGKILL');
      const killedAt = Date.now();
      await devices.query('rollback');
      const second = await startWorker();

      const view = await withDeadline(registering, 100_000, 'the registration after the worker was killed');
      assert.equal(view.hostname, 'reg');
      assert.equal(view.monitoring_enabled, true);
      process.stderr.write(`# worker-killed: registration answered ${Date.now() - killedAt} ms after the kill\n`);
      assert.deepEqual(
        [await scheduleExists('capabilities'), await scheduleExists('metrics')],
        [true, true],
        'the polling schedules exist',
      );
      assert.equal(await watcherStatus(), 'RUNNING', 'the config watcher runs');
      const device = () =>
        sys.db
          .selectFrom('devices')
          .select(['config_watch_mode', 'capabilities'])
          .where('hostname', '=', 'reg')
          .executeTakeFirstOrThrow();
      const settled = await waitFor('inotify watching with capabilities detected', device, {
        until: (d) => d.config_watch_mode === 'inotify' && 'inotifywait' in d.capabilities,
        timeoutMs: 30_000,
      });
      assert.equal(settled.config_watch_mode, 'inotify', 'the watcher holds inotify on the device');
      assert.ok('inotifywait' in settled.capabilities, 'capabilities were detected');

      const events = (await registration.fetchHistory()).events ?? [];
      const attempts = events
        .filter((e) => e.activityTaskStartedEventAttributes)
        .map((e) => e.activityTaskStartedEventAttributes!.attempt);
      // applyDeviceChange once; syncDeviceSchedules on its second attempt (the first died with the worker); then the watcher and detection.
      assert.deepEqual(attempts, [1, 2, 1, 1]);
      const taskWorkers = events
        .filter((e) => e.workflowTaskStartedEventAttributes)
        .map((e) => e.workflowTaskStartedEventAttributes!.identity ?? '');
      assert.match(
        taskWorkers.at(-1) ?? '',
        new RegExp(`^${second.pid}@`),
        'the registration was finished by the new worker process',
      );
      const created = await sys.db
        .selectFrom('audit_log')
        .select('status')
        .where('hostname', '=', 'reg')
        .where('action', '=', 'device_create')
        .execute();
      assert.deepEqual(created, [{ status: 'success' }], 'one device_create audit row');
    },
  );
});
