import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ScheduleNotFoundError, ScheduleOverlapPolicy } from '@temporalio/client';
import { existsSync } from 'node:fs';
import { collectors, DATA_TYPES } from '../../domain/collectors/registry.ts';
import { createLogger } from '../../platform/logger.ts';
import type { CollectionInput } from '../../schema/collection.ts';
import { ScheduleService } from '../../services/schedule-service.ts';
import { installDockerStandIn } from '../support/docker-stand-in.ts';
import { waitFor } from '../support/poll.ts';
import { startTestSshd, type TestSshd } from '../support/sshd.ts';
import { startTestSystem, testDir, uniqueName } from '../support/stack.ts';
import { ownerContext } from '../../services/device-service.ts';

describe('polling with Temporal Schedules', () => {
  let sshd: TestSshd;
  let sys: Awaited<ReturnType<typeof startTestSystem>>;

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
      if (
        await sys.client.schedule
          .getHandle(id)
          .describe()
          .then(
            () => true,
            (e: unknown) => (e instanceof ScheduleNotFoundError ? false : Promise.reject(e)),
          )
      )
        ids.push(id);
    }
    return ids;
  };

  test('schedules follow the device list and its monitoring flag, at the registry intervals', async () => {
    const device = {
      hostname: 'poll-a',
      address: '127.0.0.1',
      port: sshd.port,
      username: sshd.username,
      identity_file: sshd.clientKeyPath,
    };
    await sys.devices.create(
      {
        ...device,
        auth_method: 'key',
        device_type: 'linux',
        tags: [],
        location: null,
        description: null,
        monitoring_enabled: true,
      },
      ownerContext('api'),
    );
    assert.deepEqual(await scheduleIds('poll-a'), [
      sys.schedules.scheduleId('poll-a', 'containers'),
      sys.schedules.scheduleId('poll-a', 'metrics'),
    ]);
    for (const type of ['metrics', 'containers'] as const) {
      const described = await sys.client.schedule.getHandle(sys.schedules.scheduleId('poll-a', type)).describe();
      assert.equal(described.spec.intervals?.[0]?.every, collectors[type].pollIntervalSeconds * 1000);
      // Runs may overlap; each gives up when the next is due, which it learns from its input.
      assert.equal(described.policies.overlap, ScheduleOverlapPolicy.ALLOW_ALL);
      assert.equal(
        described.policies.catchupWindow,
        Math.min(collectors[type].pollIntervalSeconds, 60) * 1000,
        'a missed tick is made up only until the next is due',
      );
      assert.equal(
        described.action.type === 'startWorkflow' && (described.action.args?.[0] as CollectionInput).intervalSeconds,
        collectors[type].pollIntervalSeconds,
      );
    }
    await sys.devices.update('poll-a', { monitoring_enabled: false }, ownerContext('api'));
    assert.deepEqual(await scheduleIds('poll-a'), []);
    await sys.devices.update('poll-a', { monitoring_enabled: true }, ownerContext('api'));
    assert.equal((await scheduleIds('poll-a')).length, 2);

    // A restart reconciles: a schedule whose device is gone is deleted (once listing shows it).
    await sys.db.deleteFrom('devices').where('hostname', '=', 'poll-a').execute();
    const listed = async () => {
      let n = 0;
      for await (const s of sys.client.schedule.list())
        if (s.scheduleId.startsWith(sys.schedules.scheduleId('poll-a', 'metrics').slice(0, -'metrics'.length))) n++;
      return n;
    };
    await waitFor('the listing to show both schedules', listed, {
      until: (n) => n >= 2,
      timeoutMs: 15_000,
      intervalMs: 200,
    });
    await sys.schedules.reconcile([]);
    assert.deepEqual(await scheduleIds('poll-a'), []);
  });

  test('a re-sync right after creating the schedules asks the server nothing; another process checks and repairs', async () => {
    const device = {
      hostname: 'poll-sync',
      address: '127.0.0.1',
      port: sshd.port,
      username: sshd.username,
      identity_file: sshd.clientKeyPath,
    };
    await sys.devices.create(
      {
        ...device,
        auth_method: 'key',
        device_type: 'linux',
        tags: [],
        location: null,
        description: null,
        monitoring_enabled: true,
      },
      ownerContext('api'),
    );
    const followed = { hostname: 'poll-sync', monitoring_enabled: true, capabilities: {}, maintenance: null };
    // Describes are counted on the real client: each one is a query on the schedule's workflow.
    const scheduleClient = sys.client.schedule;
    const getHandle = scheduleClient.getHandle.bind(scheduleClient);
    let describes = 0;
    scheduleClient.getHandle = (id: string) => {
      const handle = getHandle(id);
      const describe = handle.describe.bind(handle);
      handle.describe = () => {
        describes++;
        return describe();
      };
      return handle;
    };
    try {
      await sys.schedules.syncDevice(followed);
      assert.equal(describes, 0);
      // Changed behind this process's back (the Web UI, an earlier version that skipped overlaps and
      // gave runs no interval): a service that did not set it describes it and puts it right.
      const metrics = sys.schedules.scheduleId('poll-sync', 'metrics');
      await getHandle(metrics).update((prev) => ({
        ...prev,
        spec: { intervals: [{ every: '999s' }] },
        action: {
          ...prev.action,
          args: [
            {
              hostname: 'poll-sync',
              dataType: 'metrics',
              trigger: 'schedule',
              forceRefresh: false,
              correlationId: null,
            },
          ],
        },
        policies: { ...prev.policies, overlap: ScheduleOverlapPolicy.SKIP },
      }));
      await new ScheduleService(sys.client, sys.instance, createLogger('error', 'test'), true).syncDevice(followed);
      assert.ok(describes > 0);
    } finally {
      scheduleClient.getHandle = getHandle;
    }
    const repaired = await sys.client.schedule.getHandle(sys.schedules.scheduleId('poll-sync', 'metrics')).describe();
    assert.equal(repaired.spec.intervals?.[0]?.every, collectors.metrics.pollIntervalSeconds * 1000);
    assert.equal(repaired.policies.overlap, ScheduleOverlapPolicy.ALLOW_ALL);
    assert.equal(
      repaired.action.type === 'startWorkflow' && (repaired.action.args?.[0] as CollectionInput).intervalSeconds,
      collectors.metrics.pollIntervalSeconds,
    );
  });

  test('a schedule firing stores a snapshot and an audit row with trigger "schedule"', async () => {
    const device = {
      hostname: 'poll-b',
      address: '127.0.0.1',
      port: sshd.port,
      username: sshd.username,
      identity_file: sshd.clientKeyPath,
    };
    const created = await sys.devices.create(
      {
        ...device,
        auth_method: 'key',
        device_type: 'linux',
        tags: [],
        location: null,
        description: null,
        monitoring_enabled: true,
      },
      ownerContext('api'),
    );
    await sys.client.schedule.getHandle(sys.schedules.scheduleId('poll-b', 'containers')).trigger();
    const snapshots = await waitFor(
      'a snapshot from the triggered schedule',
      () =>
        sys.db.selectFrom('containers_snapshots').select('collection_id').where('device_id', '=', created.id).execute(),
      { until: (rows) => rows.length > 0, timeoutMs: 30_000, intervalMs: 200 },
    );
    assert.equal(snapshots.length, 1);
    assert.match(snapshots[0]!.collection_id, /-scheduled-poll-b-containers/);
    const audit = await sys.db
      .selectFrom('audit_log')
      .selectAll()
      .where('hostname', '=', 'poll-b')
      .where('action', '=', 'collect')
      .where('data_type', '=', 'containers')
      .execute();
    assert.equal(audit.length, 1);
    assert.equal(audit[0]!.trigger, 'schedule');
    assert.equal(audit[0]!.status, 'success');
  });

  test('a new device is examined at once, and types whose capability it lacks are not polled', async () => {
    const device = {
      hostname: 'poll-c',
      address: '127.0.0.1',
      port: sshd.port,
      username: sshd.username,
      identity_file: sshd.clientKeyPath,
    };
    await sys.devices.create(
      {
        ...device,
        auth_method: 'key',
        device_type: 'linux',
        tags: [],
        location: null,
        description: null,
        monitoring_enabled: true,
      },
      ownerContext('api'),
    );
    // Until detection answers, every type is scheduled (unknown counts as present).
    const exists = (type: (typeof DATA_TYPES)[number]) =>
      sys.client.schedule
        .getHandle(sys.schedules.scheduleId('poll-c', type))
        .describe()
        .then(
          () => true,
          (e: unknown) => (e instanceof ScheduleNotFoundError ? false : Promise.reject(e)),
        );

    const capabilities: Record<string, boolean> = await waitFor(
      'capabilities to be detected',
      async () =>
        (
          await sys.db
            .selectFrom('devices')
            .select('capabilities')
            .where('hostname', '=', 'poll-c')
            .executeTakeFirstOrThrow()
        ).capabilities,
      { until: (found) => 'docker' in found, timeoutMs: 30_000, intervalMs: 200 },
    );
    // The test device is this machine behind sshd, with the docker stand-in on its PATH.
    assert.equal(capabilities.docker, true);
    assert.equal(capabilities.systemd, existsSync('/run/systemd/system'));
    assert.equal(capabilities.inotifywait, true);
    const audit = await sys.db
      .selectFrom('audit_log')
      .select(['trigger', 'status'])
      .where('hostname', '=', 'poll-c')
      .where('data_type', '=', 'capabilities')
      .execute();
    assert.deepEqual(audit, [{ trigger: 'schedule', status: 'success' }]);

    // The workflow re-syncs the schedules right after storing; wait for it to settle.
    const wanted = (type: (typeof DATA_TYPES)[number]) => {
      const capability = collectors[type].requiredCapability;
      return capability === undefined || capabilities[capability] !== false;
    };
    const expected = Object.fromEntries(DATA_TYPES.map((t) => [t, wanted(t)]));
    const actual = await waitFor(
      'the schedules to follow the capabilities',
      async (): Promise<Record<string, boolean>> =>
        Object.fromEntries(await Promise.all(DATA_TYPES.map(async (t) => [t, await exists(t)] as const))),
      { until: (found) => JSON.stringify(found) === JSON.stringify(expected), timeoutMs: 30_000, intervalMs: 200 },
    );
    assert.deepEqual(actual, expected);
    assert.equal(actual.containers, true);
    assert.equal(actual.services, existsSync('/run/systemd/system'));
  });

  test('retention applies per type and keeps the newest snapshot of every device', async () => {
    const created = await sys.devices.create(
      {
        hostname: 'poll-d',
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
    const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000);
    const row = (table: string, days: number) => ({
      device_id: created.id,
      collected_at: daysAgo(days),
      collection_id: `${table}-${days}-${uniqueName('c')}`,
      duration_ms: 1,
      data: '{}',
    });
    // metrics: 40 and 35 days old are purged at 30 days; 2 days old stays. services (90 days) keeps its 40-day-old row.
    await sys.db
      .insertInto('metrics_snapshots')
      .values([row('m', 40), row('m', 35), row('m', 2)])
      .execute();
    await sys.db
      .insertInto('services_snapshots')
      .values([row('s', 40), row('s', 1)])
      .execute();
    // A device whose only snapshot is ancient keeps it: it is still its latest answer.
    const lonely = await sys.devices.create(
      {
        hostname: 'poll-e',
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
    await sys.db
      .insertInto('metrics_snapshots')
      .values({ ...row('m', 400), device_id: lonely.id })
      .execute();

    const described = await sys.client.schedule.getHandle(`${sys.instance}-retention`).describe();
    assert.equal(described.spec.intervals?.[0]?.every, 6 * 3600 * 1000);
    const results = await sys.client.workflow.execute('retentionWorkflow', {
      taskQueue: sys.instance,
      workflowId: uniqueName(`${sys.instance}-retention-test`),
      args: [{ retentionDays: sys.schedules.retentionDays({ metrics: 30 }) }],
    });
    assert.ok(Array.isArray(results.snapshots));
    assert.equal(results.audit, null, 'no audit retention asked for');
    const ages = async (table: 'metrics_snapshots' | 'services_snapshots', deviceId: string) =>
      (
        await sys.db
          .selectFrom(table)
          .select('collected_at')
          .where('device_id', '=', deviceId)
          .orderBy('collected_at')
          .execute()
      ).map((r) => Math.round((Date.now() - r.collected_at.getTime()) / 86_400_000));
    assert.deepEqual(await ages('metrics_snapshots', created.id), [2]);
    assert.deepEqual(await ages('services_snapshots', created.id), [40, 1]);
    assert.deepEqual(await ages('metrics_snapshots', lonely.id), [400]);
    const audit = await sys.db
      .selectFrom('audit_log')
      .select(['data_type', 'details'])
      .where('action', '=', 'retention_purge')
      .execute();
    const metricsPurge = audit.find((a) => a.data_type === 'metrics');
    assert.equal((metricsPurge?.details as { deleted?: number } | null)?.deleted, 2);
  });
});
