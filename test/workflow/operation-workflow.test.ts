import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { WithStartWorkflowOperation, WorkflowIdConflictPolicy, WorkflowUpdateFailedError } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import type { HeldOperationNotice } from '../../schema/alert.ts';
import type { PrincipalRef } from '../../schema/api-token.ts';
import type { CommandResult, OperationInput, OperationView, RiskAssessment } from '../../schema/operation.ts';
import { cancelUpdate, confirmUpdate, decisionUpdate, operationQuery } from '../../workflows/operation-messages.ts';
import { waitFor } from '../support/poll.ts';
import { uniqueName, workflowBundle } from '../support/stack.ts';
import { useWorkflowServer } from '../support/workflow-server.ts';

const PHRASE = 'STOP 4 CONTAINERS ON nas01';
const ALICE: PrincipalRef = { id: 'token:alice', name: 'alice', on_behalf_of: null };
const BOB: PrincipalRef = { id: 'token:bob', name: 'bob', on_behalf_of: 'bob@laptop' };
const destructiveAssessment: RiskAssessment = {
  destructive: true,
  risk_level: 'HIGH',
  categories: ['container_bulk'],
  reasons: ['stops every running container (4)'],
  affected_count: 4,
  affected_items: [{ kind: 'container', name: 'nginx', critical: true }],
  estimated_downtime: 'until the containers are started again',
  rollback_possible: true,
  safety_warnings: [],
  safer_alternatives: ['docker stop nginx'],
  safety_checklist: [],
  confirmation_phrase: PHRASE,
  blocked_reason: null,
};
const safeAssessment: RiskAssessment = {
  ...destructiveAssessment,
  destructive: false,
  risk_level: 'NONE',
  categories: [],
  confirmation_phrase: null,
};
const result: CommandResult = {
  exit_code: 0,
  signal: null,
  stdout: 'ok\n',
  stderr: '',
  stdout_truncated: false,
  stderr_truncated: false,
  output_limit_bytes: 262144,
  duration_ms: 3,
};

/** Activities stand-ins that count what would reach the device. */
function fakeActivities(assessment: RiskAssessment) {
  const calls = {
    execute: 0,
    records: [] as string[],
    phrasesRecorded: [] as Array<string | null>,
    notices: [] as HeldOperationNotice[],
  };
  return {
    calls,
    /** The phrase the held operation waits for: the assessment's words and the workflow's check number. */
    heldPhrase: () => calls.phrasesRecorded.find((p) => p !== null)!,
    activities: {
      analyseCommand: async () => ({
        destructive: assessment.destructive,
        risk: assessment.risk_level,
        findings: [],
        simpleCommands: [],
      }),
      collect: async () => ({
        hostname: 'nas01',
        dataType: 'containers',
        snapshotId: '1',
        collectedAt: new Date().toISOString(),
        durationMs: 1,
        data: {},
      }),
      assessRisk: async () => assessment,
      recordOperation: async (r: { action: string; phrase: string | null }) => {
        calls.records.push(r.action);
        calls.phrasesRecorded.push(r.phrase);
      },
      enabledChannelIds: async () => ['channel-1'],
      deliverHeldNotice: async ({ notice }: { notice: HeldOperationNotice }) => {
        calls.notices.push(notice);
        return { delivered: 1, refused: 0 };
      },
      executeOperation: async () => {
        calls.execute++;
        return result;
      },
    },
  };
}

describe('operationWorkflow on the real dev server (mocked activities)', () => {
  const server = useWorkflowServer();

  const newWorker = (taskQueue: string, activities: object) =>
    Worker.create({ connection: server.native, taskQueue, workflowBundle: workflowBundle(), activities });

  async function startOperation(taskQueue: string, overrides: Partial<OperationInput> = {}) {
    const operationId = crypto.randomUUID();
    const input: OperationInput = {
      operationId,
      hostname: 'nas01',
      command: 'docker stop $(docker ps -q)',
      requestedBy: ALICE,
      trigger: 'api',
      correlationId: null,
      confirmationTimeoutSeconds: 300,
      maxAttempts: 3,
      requireDistinctConfirmer: false,
      publicUrl: 'https://infra.example',
      ...overrides,
    };
    const workflowId = uniqueName('op');
    const start = new WithStartWorkflowOperation('operationWorkflow', {
      workflowId,
      taskQueue,
      args: [input],
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.FAIL,
    });
    const view: OperationView = await server.client.workflow.executeUpdateWithStart(decisionUpdate, {
      startWorkflowOperation: start,
    });
    return { view, handle: server.client.workflow.getHandle(workflowId) };
  }

  test('a safe command runs at once, once', async () => {
    const fake = fakeActivities(safeAssessment);
    const taskQueue = uniqueName('opq');
    const worker = await newWorker(taskQueue, fake.activities);
    await worker.runUntil(async () => {
      const { view, handle } = await startOperation(taskQueue, { command: 'uptime' });
      assert.equal(view.state, 'completed');
      assert.deepEqual(view.result, result);
      assert.equal((await handle.result()).state, 'completed');
    });
    assert.equal(fake.calls.execute, 1);
    assert.deepEqual(fake.calls.records, ['operation_requested', 'operation_executed']);
  });

  test('a destructive command is held, then the exact phrase (any case/spacing) runs it exactly once', async () => {
    const fake = fakeActivities(destructiveAssessment);
    const taskQueue = uniqueName('opq');
    const worker = await newWorker(taskQueue, fake.activities);
    await worker.runUntil(async () => {
      const { view, handle } = await startOperation(taskQueue);
      assert.equal(view.state, 'awaiting_confirmation');
      // The phrase never leaves the workflow in an answer: the requester may be an agent.
      assert.equal(view.assessment?.confirmation_phrase, null);
      assert.equal((await handle.query(operationQuery)).assessment?.confirmation_phrase, null);
      const phrase = fake.heldPhrase();
      assert.match(phrase, /^STOP 4 CONTAINERS ON nas01 \d{4}$/, "the assessment's words and four random digits");
      assert.ok(!JSON.stringify(view).includes(phrase));
      assert.ok(view.expires_at);
      assert.equal(fake.calls.execute, 0, 'nothing runs before confirmation');
      const outcome = await handle.executeUpdate(confirmUpdate, {
        args: [{ phrase: `  ${phrase.toLowerCase().replace(/ /g, '   ')} `, confirmedBy: BOB }],
      });
      assert.equal(outcome.accepted, true);
      assert.equal(outcome.operation.state, 'completed');
      assert.deepEqual(outcome.operation.confirmed_by, BOB);
      assert.ok(!JSON.stringify(await handle.result()).includes(phrase), 'nor in the workflow result');
      // The held notice is a workflow of its own: wait for it while this worker still runs.
      await waitFor('the held notice', () => fake.calls.notices.length > 0, { timeoutMs: 10_000, intervalMs: 50 });
      // A second confirmation is refused by the validator: the command cannot run twice.
      await assert.rejects(
        handle.executeUpdate(confirmUpdate, { args: [{ phrase: fake.heldPhrase(), confirmedBy: BOB }] }),
        (e) => e instanceof WorkflowUpdateFailedError || e instanceof Error,
      );
      assert.equal((await handle.result()).state, 'completed');
    });
    assert.equal(fake.calls.execute, 1);
    assert.deepEqual(fake.calls.records, [
      'operation_requested',
      'operation_held',
      'operation_confirmed',
      'operation_executed',
    ]);
    // The operations row keeps it for confirmers, and the person is told it with where to confirm.
    const phrase = fake.heldPhrase();
    assert.deepEqual(fake.calls.phrasesRecorded.slice(1), [phrase, phrase, phrase]);
    assert.equal(fake.calls.notices.length, 1);
    assert.equal(fake.calls.notices[0]!.phrase, phrase);
    assert.deepEqual(fake.calls.notices[0]!.requested_by, ALICE);
    assert.match(fake.calls.notices[0]!.confirm.web ?? '', /^https:\/\/infra\.example\/operations\/[0-9a-f-]{36}$/);
  });

  test('three wrong phrases reject the operation; remaining attempts are reported each time', async () => {
    const fake = fakeActivities(destructiveAssessment);
    const taskQueue = uniqueName('opq');
    const worker = await newWorker(taskQueue, fake.activities);
    await worker.runUntil(async () => {
      const { handle } = await startOperation(taskQueue);
      const remaining: number[] = [];
      for (const phrase of ['stop containers', 'STOP 4 CONTAINERS ON nas02', 'yes']) {
        const outcome = await handle.executeUpdate(confirmUpdate, { args: [{ phrase, confirmedBy: BOB }] });
        assert.equal(outcome.accepted, false);
        remaining.push(outcome.attempts_left);
      }
      assert.deepEqual(remaining, [2, 1, 0]);
      const final = await handle.result();
      assert.equal(final.state, 'rejected');
      await assert.rejects(
        handle.executeUpdate(confirmUpdate, { args: [{ phrase: fake.heldPhrase(), confirmedBy: BOB }] }),
      );
    });
    assert.equal(fake.calls.execute, 0);
    assert.ok(fake.calls.records.includes('operation_rejected'));
  });

  test('an unconfirmed operation expires on its durable timer and never runs', async () => {
    const fake = fakeActivities(destructiveAssessment);
    const taskQueue = uniqueName('opq');
    const worker = await newWorker(taskQueue, fake.activities);
    await worker.runUntil(async () => {
      const { handle } = await startOperation(taskQueue, { confirmationTimeoutSeconds: 2 });
      const final = await handle.result();
      assert.equal(final.state, 'expired');
      await assert.rejects(
        handle.executeUpdate(confirmUpdate, { args: [{ phrase: fake.heldPhrase(), confirmedBy: BOB }] }),
      );
    });
    assert.equal(fake.calls.execute, 0);
    assert.equal(fake.calls.records.at(-1), 'operation_expired');
  });

  test('cancel closes a held operation without running it', async () => {
    const fake = fakeActivities(destructiveAssessment);
    const taskQueue = uniqueName('opq');
    const worker = await newWorker(taskQueue, fake.activities);
    await worker.runUntil(async () => {
      const { handle } = await startOperation(taskQueue);
      const cancelled = await handle.executeUpdate(cancelUpdate, { args: [{ cancelledBy: ALICE }] });
      assert.equal(cancelled.state, 'cancelled');
      assert.deepEqual(cancelled.cancelled_by, ALICE);
      assert.equal((await handle.result()).state, 'cancelled');
    });
    assert.equal(fake.calls.execute, 0);
  });

  test('the requester cannot confirm when a distinct confirmer is required', async () => {
    const fake = fakeActivities(destructiveAssessment);
    const taskQueue = uniqueName('opq');
    const worker = await newWorker(taskQueue, fake.activities);
    await worker.runUntil(async () => {
      const { handle } = await startOperation(taskQueue, { requireDistinctConfirmer: true });
      await assert.rejects(
        handle.executeUpdate(confirmUpdate, {
          args: [{ phrase: fake.heldPhrase(), confirmedBy: { ...ALICE, on_behalf_of: 'someone-else' } }],
        }),
        (e: unknown) =>
          e instanceof WorkflowUpdateFailedError &&
          /requester of an operation cannot release it/.test(String((e.cause as Error | undefined)?.message)),
      );
      assert.equal(
        (await handle.query(operationQuery)).attempts_left,
        3,
        'a refused confirmer does not use up attempts',
      );
      const ok = await handle.executeUpdate(confirmUpdate, { args: [{ phrase: fake.heldPhrase(), confirmedBy: BOB }] });
      assert.equal(ok.accepted, true);
    });
    assert.equal(fake.calls.execute, 1);
  });

  test('a confirmation after a worker restart still runs the held command once', async () => {
    const fake = fakeActivities(destructiveAssessment);
    const taskQueue = uniqueName('opq');
    let handle!: Awaited<ReturnType<typeof startOperation>>['handle'];
    const first = await newWorker(taskQueue, fake.activities);
    await first.runUntil(async () => {
      ({ handle } = await startOperation(taskQueue));
    });
    // The first worker is gone; a new one (no workflow cache) picks the operation up from history.
    const second = await newWorker(taskQueue, fake.activities);
    await second.runUntil(async () => {
      assert.equal((await handle.query(operationQuery)).state, 'awaiting_confirmation');
      const outcome = await handle.executeUpdate(confirmUpdate, {
        args: [{ phrase: fake.heldPhrase(), confirmedBy: BOB }],
      });
      assert.equal(outcome.operation.state, 'completed');
    });
    assert.equal(fake.calls.execute, 1);
  });

  test('over MCP the requester never releases its own operation, even where distinct confirmers are not required', async () => {
    const fake = fakeActivities(destructiveAssessment);
    const taskQueue = uniqueName('opq');
    const worker = await newWorker(taskQueue, fake.activities);
    await worker.runUntil(async () => {
      const { handle } = await startOperation(taskQueue, { trigger: 'mcp', requireDistinctConfirmer: false });
      await assert.rejects(
        handle.executeUpdate(confirmUpdate, { args: [{ phrase: fake.heldPhrase(), confirmedBy: ALICE }] }),
        (e: unknown) =>
          e instanceof WorkflowUpdateFailedError &&
          /requester of an operation cannot release it/.test(String((e.cause as Error | undefined)?.message)),
      );
      const ok = await handle.executeUpdate(confirmUpdate, { args: [{ phrase: fake.heldPhrase(), confirmedBy: BOB }] });
      assert.equal(ok.operation.state, 'completed');
    });
    assert.equal(fake.calls.execute, 1);
  });
});
