import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Worker } from '@temporalio/worker';
import type { SyncWatcherInput } from '../../activities/device-change.ts';
import { SYSTEM_PRINCIPAL } from '../../schema/api-token.ts';
import type { DeviceChange, DeviceChangeInput, DeviceChangeResult } from '../../schema/device-change.ts';
import type { DeviceView } from '../../schema/device.ts';
import { uniqueName, workflowBundle } from '../support/stack.ts';
import { useWorkflowServer } from '../support/workflow-server.ts';

const view = { hostname: 'nas01', monitoring_enabled: true } as DeviceView;

describe('deviceChangeWorkflow on the real dev server (mocked activities)', () => {
  const server = useWorkflowServer();

  /** Runs one change with activities that record their calls, in order; the row-writing step answers `applied`. */
  async function run(change: DeviceChange, applied: DeviceChangeResult) {
    const steps: string[] = [];
    const taskQueue = uniqueName('device-change');
    const worker = await Worker.create({
      connection: server.native,
      taskQueue,
      workflowBundle: workflowBundle(),
      activities: {
        applyDeviceChange: async (input: DeviceChangeInput) => {
          steps.push(`apply ${input.change.kind}`);
          return applied;
        },
        syncDeviceSchedules: async (hostname: string) => void steps.push(`schedules ${hostname}`),
        syncConfigWatcher: async (input: SyncWatcherInput) =>
          void steps.push(`watcher ${input.hostname}${input.reconnect ? ' reconnect' : ''}`),
        startDetection: async (hostname: string) => void steps.push(`detect ${hostname}`),
      },
    });
    const input: DeviceChangeInput = { change, requestedBy: SYSTEM_PRINCIPAL, trigger: 'system', correlationId: null };
    const result = await worker.runUntil(
      server.client.workflow.execute('deviceChangeWorkflow', {
        taskQueue,
        workflowId: uniqueName('device-change'),
        args: [input],
      }),
    );
    return { result, steps };
  }

  const device = {
    hostname: 'nas01',
    address: '10.0.0.5',
    port: 22,
    username: 'root',
    auth_method: 'agent' as const,
    identity_file: null,
    device_type: 'linux' as const,
    tags: [],
    location: null,
    description: null,
    monitoring_enabled: true,
  };

  test('a new device: the row, then its schedules, its watcher and detection, in that order', async () => {
    const { result, steps } = await run({ kind: 'create', device }, { outcome: 'applied', device: view });
    assert.deepEqual(result, { outcome: 'applied', device: view });
    assert.deepEqual(steps, ['apply create', 'schedules nas01', 'watcher nas01', 'detect nas01']);
  });

  test('a refused change does nothing else', async () => {
    const refused: DeviceChangeResult = {
      outcome: 'refused',
      code: 'conflict',
      httpStatus: 409,
      message: 'device nas01 already exists',
    };
    const { result, steps } = await run({ kind: 'create', device }, refused);
    assert.deepEqual(result, refused);
    assert.deepEqual(steps, ['apply create']);
  });

  test('an edit detects again and reconnects the watcher only when the device is reached differently', async () => {
    const located = await run(
      { kind: 'update', hostname: 'nas01', patch: { location: 'rack 2' } },
      { outcome: 'applied', device: view },
    );
    assert.deepEqual(located.steps, ['apply update', 'schedules nas01', 'watcher nas01']);
    const moved = await run(
      { kind: 'update', hostname: 'nas01', patch: { address: '10.0.0.6' } },
      { outcome: 'applied', device: view },
    );
    assert.deepEqual(moved.steps, ['apply update', 'schedules nas01', 'watcher nas01 reconnect', 'detect nas01']);
  });

  test('a removal takes the schedules and the watcher away and detects nothing', async () => {
    const { result, steps } = await run({ kind: 'remove', hostname: 'nas01' }, { outcome: 'applied', device: null });
    assert.deepEqual(result, { outcome: 'applied', device: null });
    assert.deepEqual(steps, ['apply remove', 'schedules nas01', 'watcher nas01']);
  });
});
