import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { WorkflowFailedError, WorkflowIdConflictPolicy } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import type { CollectionFailure, CollectionInput, CollectionResult } from '../../schema/collection.ts';
import { uniqueName, workflowBundle } from '../support/stack.ts';
import { useWorkflowServer } from '../support/workflow-server.ts';

const input: CollectionInput = {
  hostname: 'nas01',
  dataType: 'metrics',
  trigger: 'api',
  forceRefresh: true,
  correlationId: 'c-1',
};
const result: CollectionResult = {
  hostname: 'nas01',
  dataType: 'metrics',
  snapshotId: '7',
  collectedAt: '2026-11-25T10:00:00.000Z',
  durationMs: 12,
  data: { ok: true },
  capabilitiesChanged: false,
};

describe('collectWorkflow on the real dev server (mocked activities)', () => {
  const server = useWorkflowServer();

  async function withWorker<T>(activities: object, fn: (taskQueue: string) => Promise<T>): Promise<T> {
    const taskQueue = uniqueName('wf');
    const worker = await Worker.create({
      connection: server.native,
      taskQueue,
      workflowBundle: workflowBundle(),
      activities,
    });
    return worker.runUntil(fn(taskQueue));
  }

  test('returns the activity result and records no failure', async () => {
    const failures: CollectionFailure[] = [];
    const synced: string[] = [];
    const out = await withWorker(
      {
        collect: async () => result,
        recordCollectionFailure: async (f: CollectionFailure) => void failures.push(f),
        syncDeviceSchedules: async (hostname: string) => void synced.push(hostname),
      },
      (taskQueue) =>
        server.client.workflow.execute('collectWorkflow', {
          taskQueue,
          workflowId: uniqueName('collect'),
          args: [input],
        }),
    );
    assert.deepEqual(out, result);
    assert.equal(failures.length, 0);
    assert.deepEqual(synced, [], 'capabilities unchanged: schedules left alone');
  });

  test("an answer that changes the device's capabilities re-syncs its schedules", async () => {
    const synced: string[] = [];
    const changed = { ...result, dataType: 'capabilities', capabilitiesChanged: true };
    const out = await withWorker(
      {
        collect: async () => changed,
        recordCollectionFailure: async () => assert.fail('no failure expected'),
        syncDeviceSchedules: async (hostname: string) => void synced.push(hostname),
      },
      (taskQueue) =>
        server.client.workflow.execute('collectWorkflow', {
          taskQueue,
          workflowId: uniqueName('collect'),
          args: [{ ...input, dataType: 'capabilities' }],
        }),
    );
    assert.deepEqual(out, changed);
    assert.deepEqual(synced, ['nas01']);
  });

  test('a non-retryable device error is not retried, is recorded once, and fails the workflow with its code', async () => {
    let calls = 0;
    const failures: CollectionFailure[] = [];
    await withWorker(
      {
        collect: async () => {
          calls++;
          throw ApplicationFailure.create({
            type: 'host_key_mismatch',
            message: 'host key changed',
            nonRetryable: true,
          });
        },
        recordCollectionFailure: async (f: CollectionFailure) => void failures.push(f),
      },
      async (taskQueue) => {
        const err = await server.client.workflow
          .execute('collectWorkflow', { taskQueue, workflowId: uniqueName('collect'), args: [input] })
          .catch((e: unknown) => e);
        assert.ok(err instanceof WorkflowFailedError);
        assert.ok(err.cause instanceof ApplicationFailure);
        assert.equal(err.cause.type, 'host_key_mismatch');
      },
    );
    assert.equal(calls, 1);
    assert.equal(failures.length, 1);
    assert.equal(failures[0]!.errorCode, 'host_key_mismatch');
    assert.deepEqual(failures[0]!.input, input);
  });

  test('a failure that cannot be recorded (the database stayed away) still fails the workflow with its code, saying so', async () => {
    const err = await withWorker(
      {
        collect: async () => {
          throw ApplicationFailure.create({
            type: 'host_key_mismatch',
            message: 'host key changed',
            nonRetryable: true,
          });
        },
        // Non-retryable here only to skip the ten attempts the real policy makes.
        recordCollectionFailure: async () => {
          throw ApplicationFailure.create({
            type: 'internal_error',
            message: 'connect ECONNREFUSED 127.0.0.1:5432',
            nonRetryable: true,
          });
        },
      },
      (taskQueue) =>
        server.client.workflow
          .execute('collectWorkflow', { taskQueue, workflowId: uniqueName('collect'), args: [input] })
          .catch((e: unknown) => e),
    );
    assert.ok(err instanceof WorkflowFailedError);
    assert.ok(err.cause instanceof ApplicationFailure);
    assert.equal(err.cause.type, 'host_key_mismatch');
    assert.equal(
      err.cause.message,
      'host key changed (not recorded in the audit log: connect ECONNREFUSED 127.0.0.1:5432)',
    );
  });

  test('a retryable error is retried with its own backoff and the collection then succeeds', async () => {
    let calls = 0;
    const out = await withWorker(
      {
        collect: async () => {
          calls++;
          if (calls < 3)
            throw ApplicationFailure.create({
              type: 'connection_lost',
              message: 'reset',
              nonRetryable: false,
              nextRetryDelay: 50,
            });
          return result;
        },
        recordCollectionFailure: async () => assert.fail('no failure expected'),
      },
      (taskQueue) =>
        server.client.workflow.execute('collectWorkflow', {
          taskQueue,
          workflowId: uniqueName('collect'),
          args: [input],
        }),
    );
    assert.equal(calls, 3);
    assert.deepEqual(out, result);
  });

  test('a second start with the same id joins the running collection', async () => {
    let calls = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    await withWorker(
      {
        collect: async () => {
          calls++;
          await gate;
          return result;
        },
        recordCollectionFailure: async () => undefined,
      },
      async (taskQueue) => {
        const workflowId = uniqueName('collect');
        const opts = {
          taskQueue,
          workflowId,
          args: [input] as [CollectionInput],
          workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
        };
        const first = await server.client.workflow.start('collectWorkflow', opts);
        const second = await server.client.workflow.start('collectWorkflow', opts);
        assert.equal(second.firstExecutionRunId, first.firstExecutionRunId);
        release();
        assert.deepEqual(await second.result(), result);
      },
    );
    assert.equal(calls, 1);
  });
});
