import type { PrincipalRef } from '../../schema/api-token.ts';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Worker } from '@temporalio/worker';
import type { ZfsData } from '../../domain/collectors/zfs/schema.ts';
import type { IncidentInput, IncidentView } from '../../schema/incident.ts';
import type { MaintenanceInput, MaintenanceView } from '../../schema/maintenance.ts';
import type { OperationView } from '../../schema/operation.ts';
import type { ServiceRestartInput, ServiceRestartView } from '../../schema/service-restart.ts';
import { incidentQuery, replacedUpdate } from '../../workflows/incident-messages.ts';
import {
  leaveMaintenanceUpdate,
  maintenancePlannedUpdate,
  maintenanceQuery,
  maintenanceSettledUpdate,
} from '../../workflows/maintenance-messages.ts';
import { confirmUpdate, decisionUpdate } from '../../workflows/operation-messages.ts';
import { composeDevice, composeDeviceActivities, type ComposeDevice } from '../support/compose-device.ts';
import { waitFor } from '../support/poll.ts';
import { uniqueName, workflowBundle } from '../support/stack.ts';
import { useWorkflowServer } from '../support/workflow-server.ts';

const settings = { confirmationTimeoutSeconds: 300, maxAttempts: 3, requireDistinctConfirmer: true, publicUrl: null };
const person = (name: string): PrincipalRef => ({ id: `token:${name}`, name, on_behalf_of: null });
const states = (device: ComposeDevice) => Object.fromEntries(device.containers.map((c) => [c.name, c.state]));

describe('operational workflows on the real dev server (device and database stood in for)', () => {
  const server = useWorkflowServer();

  const newWorker = (taskQueue: string, activities: object) =>
    Worker.create({ connection: server.native, taskQueue, workflowBundle: workflowBundle(), activities });
  const opPrefix = (taskQueue: string) => `${taskQueue}-operation-`;

  function maintenanceInput(taskQueue: string, overrides: Partial<MaintenanceInput> = {}): MaintenanceInput {
    return {
      hostname: 'nas01',
      requestedBy: person('alice'),
      trigger: 'api',
      correlationId: null,
      include: [],
      keep: [],
      reason: 'disk swap',
      operationSettings: settings,
      operationWorkflowPrefix: opPrefix(taskQueue),
      ...overrides,
    };
  }

  test('maintenance: held until the phrase, stops non-critical containers dependents-first, leaving restores exactly the prior state — across a worker restart', async () => {
    const device = composeDevice();
    const before = states(device);
    const taskQueue = uniqueName('mq');
    const workflowId = uniqueName('maintenance');
    let fake = composeDeviceActivities(device);

    // Worker 1: plan and hold.
    let operationId: string;
    let phrase = '';
    let worker = await newWorker(taskQueue, fake.activities);
    await worker.runUntil(async () => {
      const handle = await server.client.workflow.start('maintenanceWorkflow', {
        workflowId,
        taskQueue,
        args: [maintenanceInput(taskQueue)],
      });
      const planned: MaintenanceView = await handle.executeUpdate(maintenancePlannedUpdate);
      assert.deepEqual(planned.plan?.stop, ['grafana', 'nextcloud-imaginary', 'nextcloud-cron', 'nextcloud-app']);
      assert.deepEqual(
        planned.plan?.kept.map((k) => k.name),
        ['nextcloud-db', 'nextcloud-redis', 'swag'],
      );
      assert.deepEqual(planned.plan?.not_running, ['old-backup']);
      operationId = planned.operation_id!;
      const op: OperationView = await server.client.workflow
        .getHandle(`${opPrefix(taskQueue)}${operationId}`)
        .executeUpdate(decisionUpdate);
      assert.equal(op.state, 'awaiting_confirmation', 'entering is held even though each stop alone would run at once');
      assert.equal(op.assessment?.confirmation_phrase, null, 'the phrase is not in the answer');
      // The person learns it from the held notice, delivered by a workflow of its own.
      phrase =
        (await waitFor('the held notice', () => fake.calls.notices.at(-1), { timeoutMs: 10_000, intervalMs: 50 }))
          .phrase ?? '';
      assert.match(phrase, /^enter maintenance on nas01 \d{4}$/);
      assert.deepEqual(device.log, [], 'nothing reached the device before confirmation');
    });

    // Worker 2 (the first one is gone): the confirmation releases the stop chain.
    fake = composeDeviceActivities(device);
    worker = await newWorker(taskQueue, fake.activities);
    await worker.runUntil(async () => {
      const outcome = await server.client.workflow
        .getHandle(`${opPrefix(taskQueue)}${operationId}`)
        .executeUpdate(confirmUpdate, { args: [{ phrase: phrase.toUpperCase(), confirmedBy: person('bob') }] });
      assert.equal(outcome.operation.state, 'completed');
      const active: MaintenanceView = await server.client.workflow
        .getHandle(workflowId)
        .executeUpdate(maintenanceSettledUpdate);
      assert.equal(active.phase, 'active');
      assert.deepEqual(active.stopped, ['grafana', 'nextcloud-imaginary', 'nextcloud-cron', 'nextcloud-app']);
    });
    assert.deepEqual(device.log, [
      'stop grafana',
      'stop nextcloud-imaginary',
      'stop nextcloud-cron',
      'stop nextcloud-app',
    ]);
    assert.equal(states(device)['nextcloud-db'], 'running');
    assert.equal(states(device).swag, 'running');
    assert.equal((fake.calls.maintenance[0] as { stopped: string[] }).stopped.length, 4);

    // Worker 3, after the stay: leave starts exactly what was stopped, dependencies first.
    device.log.length = 0;
    fake = composeDeviceActivities(device);
    worker = await newWorker(taskQueue, fake.activities);
    await worker.runUntil(async () => {
      const handle = server.client.workflow.getHandle(workflowId);
      assert.equal((await handle.query(maintenanceQuery)).phase, 'active');
      const left: MaintenanceView = await handle.executeUpdate(leaveMaintenanceUpdate, {
        args: [{ requestedBy: person('carol') }],
      });
      assert.equal(left.phase, 'left');
      assert.equal(left.error, null);
      assert.deepEqual(
        left.restored.map((r) => [r.container, r.ok]),
        [
          ['nextcloud-app', true],
          ['nextcloud-cron', true],
          ['nextcloud-imaginary', true],
          ['grafana', true],
        ],
      );
      await handle.result();
    });
    assert.deepEqual(device.log, [
      'start nextcloud-app',
      'start nextcloud-cron',
      'start nextcloud-imaginary',
      'start grafana',
    ]);
    assert.deepEqual(states(device), before, 'every container is back in the state it had');
    assert.deepEqual(fake.calls.maintenance, [null], 'the device mark is cleared');
  });

  test('maintenance: a wrong phrase three times abandons it and stops nothing', async () => {
    const device = composeDevice();
    const taskQueue = uniqueName('mq');
    const fake = composeDeviceActivities(device);
    const worker = await newWorker(taskQueue, fake.activities);
    await worker.runUntil(async () => {
      const handle = await server.client.workflow.start('maintenanceWorkflow', {
        workflowId: uniqueName('maintenance'),
        taskQueue,
        args: [maintenanceInput(taskQueue, { keep: ['grafana'], include: ['nextcloud-redis'] })],
      });
      const planned: MaintenanceView = await handle.executeUpdate(maintenancePlannedUpdate);
      assert.deepEqual(
        planned.plan?.stop,
        ['nextcloud-imaginary', 'nextcloud-cron', 'nextcloud-app', 'nextcloud-redis'],
        'include stops a critical one (after its dependents); keep spares another',
      );
      const op = server.client.workflow.getHandle(`${opPrefix(taskQueue)}${planned.operation_id}`);
      await op.executeUpdate(decisionUpdate);
      for (let i = 0; i < 3; i++)
        await op.executeUpdate(confirmUpdate, { args: [{ phrase: 'enter maintenance', confirmedBy: person('bob') }] });
      const view: MaintenanceView = await handle.result();
      assert.equal(view.phase, 'abandoned');
      assert.equal(view.error?.code, 'operation_rejected');
    });
    assert.deepEqual(device.log, []);
    assert.deepEqual(fake.calls.maintenance, [], 'the device was never marked');
  });

  test('maintenance: naming a container the device does not have fails planning and changes nothing', async () => {
    const device = composeDevice();
    const taskQueue = uniqueName('mq');
    const fake = composeDeviceActivities(device);
    const worker = await newWorker(taskQueue, fake.activities);
    await worker.runUntil(async () => {
      const handle = await server.client.workflow.start('maintenanceWorkflow', {
        workflowId: uniqueName('maintenance'),
        taskQueue,
        args: [maintenanceInput(taskQueue, { keep: ['no-such'] })],
      });
      const view: MaintenanceView = await handle.result();
      assert.equal(view.phase, 'failed');
      assert.equal(view.error?.code, 'validation_error');
      assert.match(view.error!.message, /no-such/);
    });
    assert.deepEqual(device.log, []);
  });

  function restartInput(taskQueue: string, service: string, project: string | null = null): ServiceRestartInput {
    return {
      hostname: 'nas01',
      project,
      service,
      requestedBy: person('alice'),
      trigger: 'api',
      correlationId: null,
      operationSettings: settings,
      operationWorkflowPrefix: opPrefix(taskQueue),
    };
  }

  test('restart_service: the service, then its dependents in depends_on order, each once ready', async () => {
    const device = composeDevice();
    const taskQueue = uniqueName('rq');
    const worker = await newWorker(taskQueue, composeDeviceActivities(device).activities);
    await worker.runUntil(async () => {
      const view: ServiceRestartView = await server.client.workflow.execute('serviceRestartWorkflow', {
        workflowId: uniqueName('restart'),
        taskQueue,
        args: [restartInput(taskQueue, 'db')],
      });
      assert.equal(view.phase, 'completed');
      assert.equal(view.project, 'nextcloud');
      assert.deepEqual(
        view.steps.map((s) => [s.service, s.state]),
        [
          ['db', 'ready'],
          ['app', 'ready'],
          ['cron', 'ready'],
          ['imaginary', 'ready'],
        ],
      );
    });
    assert.deepEqual(
      device.log,
      ['restart nextcloud-db', 'restart nextcloud-app', 'restart nextcloud-cron', 'restart nextcloud-imaginary'],
      'redis does not depend on db: untouched',
    );
  });

  test('restart_service: stops at the first service that does not come back and reports the rest as skipped', async () => {
    const device = composeDevice();
    device.crashing.add('nextcloud-app');
    const taskQueue = uniqueName('rq');
    const worker = await newWorker(taskQueue, composeDeviceActivities(device).activities);
    await worker.runUntil(async () => {
      const view: ServiceRestartView = await server.client.workflow.execute('serviceRestartWorkflow', {
        workflowId: uniqueName('restart'),
        taskQueue,
        args: [restartInput(taskQueue, 'db', 'nextcloud')],
      });
      assert.equal(view.phase, 'failed');
      assert.deepEqual(
        view.steps.map((s) => s.state),
        ['ready', 'failed', 'skipped', 'skipped'],
      );
      assert.match(view.steps[1]!.detail!, /nextcloud-app exited with code 1/);
      assert.equal(view.error?.code, 'step_failed');
      const unknown: ServiceRestartView = await server.client.workflow.execute('serviceRestartWorkflow', {
        workflowId: uniqueName('restart'),
        taskQueue,
        args: [restartInput(taskQueue, 'nope')],
      });
      assert.equal(unknown.error?.code, 'not_found');
    });
    assert.deepEqual(device.log, ['restart nextcloud-db', 'restart nextcloud-app']);
  });

  test('disk incident: recorded at once, waits for "replaced", follows the resilver and closes with a timeline', async () => {
    const pool = (health: string, scan: Partial<ZfsData['pools'][number]['scan']>) =>
      ({
        zfs_available: true,
        pools: [
          {
            name: 'tank',
            health,
            scan: {
              kind: 'resilver',
              state: 'in_progress',
              percent_done: null,
              time_left_seconds: null,
              duration_seconds: null,
              errors: null,
              ...scan,
            },
          },
        ],
      }) as unknown as ZfsData;
    const answers = [
      pool('DEGRADED', { percent_done: 18.5, time_left_seconds: 7000 }),
      pool('DEGRADED', { percent_done: 64.2, time_left_seconds: 2400 }),
      pool('ONLINE', { state: 'finished', percent_done: 100, errors: 0, duration_seconds: 9000 }),
    ];
    const recorded: IncidentView[] = [];
    let checks = 0;
    const taskQueue = uniqueName('iq');
    const worker = await newWorker(taskQueue, {
      collect: async () => ({
        hostname: 'nas01',
        dataType: 'zfs',
        snapshotId: '1',
        collectedAt: new Date().toISOString(),
        durationMs: 1,
        data: answers[Math.min(checks++, answers.length - 1)],
        capabilitiesChanged: false,
      }),
      recordIncident: async (input: { view: IncidentView }) => void recorded.push(input.view),
    });
    const input: IncidentInput = {
      incidentId: crypto.randomUUID(),
      hostname: 'nas01',
      kind: 'pool_degraded',
      subject: 'tank',
      summary: 'pool tank is DEGRADED: ata-WDC_WD80EFAX_VAGK1234 FAULTED (too many errors)',
      correlationId: null,
      checkIntervalSeconds: 1,
    };
    await worker.runUntil(async () => {
      const handle = await server.client.workflow.start('diskIncidentWorkflow', {
        workflowId: uniqueName('incident'),
        taskQueue,
        args: [input],
      });
      // Days may pass here; nothing is checked before a person says the disk was replaced. Once the task after
      // the opening record has completed, the workflow waits: a check to come would have started a timer there.
      const history = await waitFor('the workflow to wait after recording the opening', async () => {
        const events = (await handle.fetchHistory()).events ?? [];
        const recordedAt = events.findIndex((e) => e.activityTaskCompletedEventAttributes);
        return recordedAt >= 0 && events.slice(recordedAt).some((e) => e.workflowTaskCompletedEventAttributes)
          ? events
          : undefined;
      });
      assert.ok(!history.some((e) => e.timerStartedEventAttributes), 'no check is scheduled before the replacement');
      assert.equal((await handle.query(incidentQuery)).state, 'awaiting_replacement');
      assert.equal(checks, 0);
      const replaced: IncidentView = await handle.executeUpdate(replacedUpdate, {
        args: [{ by: 'alice', note: 'new disk WD-NEW123, zpool replace started' }],
      });
      assert.equal(replaced.state, 'rebuilding');
      const closed: IncidentView = await handle.result();
      assert.equal(closed.state, 'closed');
      assert.deepEqual(
        closed.timeline.map((e) => e.event),
        ['opened', 'replaced', 'progress', 'progress', 'closed'],
      );
      assert.match(closed.timeline[2]!.detail, /resilver 18.5 % done, ~1.9 h left/);
      assert.match(closed.timeline.at(-1)!.detail, /pool tank is ONLINE; last resilver finished with 0 error/);
      assert.ok(closed.closed_at);
    });
    assert.deepEqual(
      recorded.map((v) => v.state),
      ['awaiting_replacement', 'rebuilding', 'rebuilding', 'rebuilding', 'closed'],
    );
  });
});
