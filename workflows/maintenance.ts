import { principalRefOf, type PrincipalRef } from '../schema/principal.ts';
import { allHandlersFinished, condition, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import type { ContainerInfo } from '../domain/collectors/containers.ts';
import { shellQuote } from '../domain/ssh/quote.ts';
import {
  FINAL_MAINTENANCE_PHASES,
  type MaintenanceInput,
  type MaintenancePhase,
  type MaintenanceView,
} from '../schema/maintenance.ts';
import { runOperationStep, type OperationContext } from './child-operation.ts';
import { freshContainers, waitUntilReady } from './container-steps.ts';
import { describeFailure } from './failure.ts';
import {
  leaveMaintenanceUpdate,
  maintenancePlannedUpdate,
  maintenanceQuery,
  maintenanceSettledUpdate,
} from './maintenance-messages.ts';

const { planDeviceMaintenance, setDeviceMaintenance } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  // Marking the device must happen even if the database is away for a while: retried without end.
  retry: { maximumInterval: '1 minute', nonRetryableErrorTypes: ['device_not_found', 'validation_error'] },
});

const SETTLED: readonly MaintenancePhase[] = ['active', ...FINAL_MAINTENANCE_PHASES];

/**
 * One stay of one device in maintenance: plan from the live containers, stop the non-critical ones in
 * dependency order once a person confirms, mark the device (polling lowered, alerts muted), wait — days
 * if need be — to be asked to leave, then start exactly what was stopped, dependencies first.
 */
export async function maintenanceWorkflow(input: MaintenanceInput): Promise<MaintenanceView> {
  // Inputs recorded before principals named the requester by a string.
  input = { ...input, requestedBy: principalRefOf(input.requestedBy) };
  const view: MaintenanceView = {
    device: input.hostname,
    phase: 'planning',
    reason: input.reason,
    requested_by: input.requestedBy,
    plan: null,
    operation_id: null,
    stopped: [],
    since: null,
    left_at: null,
    left_by: null,
    restored: [],
    error: null,
    workflow_id: workflowInfo().workflowId,
  };
  const ops: OperationContext = {
    hostname: input.hostname,
    requestedBy: input.requestedBy,
    trigger: input.trigger,
    correlationId: input.correlationId,
    settings: input.operationSettings,
    workflowPrefix: input.operationWorkflowPrefix,
  };
  let leaveRequestedBy: PrincipalRef | null = null;

  setHandler(maintenanceQuery, () => view);
  setHandler(maintenancePlannedUpdate, async () => {
    await condition(() => view.operation_id !== null || view.phase !== 'planning');
    return view;
  });
  setHandler(maintenanceSettledUpdate, async () => {
    await condition(() => SETTLED.includes(view.phase));
    return view;
  });
  setHandler(
    leaveMaintenanceUpdate,
    async ({ requestedBy }) => {
      leaveRequestedBy = requestedBy;
      await condition(() => FINAL_MAINTENANCE_PHASES.includes(view.phase));
      return view;
    },
    {
      validator: (_request: { requestedBy: PrincipalRef }) => {
        if (view.phase !== 'active') throw new Error(`the device is not in maintenance (phase ${view.phase})`);
        if (leaveRequestedBy !== null) throw new Error('leaving maintenance is already under way');
      },
    },
  );

  try {
    await enter();
    if (view.phase === 'active') {
      await condition(() => leaveRequestedBy !== null);
      await leave();
    }
  } catch (err) {
    view.error = describeFailure(err);
    view.phase = 'failed';
  }
  await condition(allHandlersFinished);
  return view;

  async function enter(): Promise<void> {
    const plan = await planDeviceMaintenance({
      hostname: input.hostname,
      containers: await freshContainers(input),
      include: input.include,
      keep: input.keep,
    });
    view.plan = plan;
    if (plan.stop.length > 0) {
      const op = await runOperationStep(ops, plan.stop.map((name) => `docker stop ${shellQuote(name)}`).join(' && '), {
        hold: {
          reason: `entering maintenance stops ${plan.stop.length} container(s) in dependency order: ${plan.stop.join(', ')}`,
          phrase: `enter maintenance on ${input.hostname}`,
        },
        onStarted: (id) => {
          view.operation_id = id;
          view.phase = 'awaiting_confirmation';
        },
      });
      if (op.state !== 'completed') {
        view.phase = op.state === 'failed' ? 'failed' : 'abandoned';
        view.error = op.error ?? {
          code: `operation_${op.state}`,
          message: `the stop command was ${op.state}; nothing was stopped`,
        };
        return;
      }
      view.phase = 'entering';
      // What really stopped is what leaving must start, also when the chain broke off part-way. If the
      // device cannot be asked now, leaving starts every planned one (starting a running one is harmless).
      try {
        const after = await freshContainers(input);
        view.stopped = plan.stop.filter((name) => !isUp(after.containers.find((c) => c.name === name)));
      } catch {
        view.stopped = plan.stop;
      }
      if (op.result?.exit_code !== 0) {
        view.error = {
          code: 'partially_stopped',
          message: `the stop command exited ${op.result?.exit_code}; stopped: ${view.stopped.join(', ') || 'none'}`,
        };
      }
    }
    view.since = new Date().toISOString();
    await setDeviceMaintenance({
      hostname: input.hostname,
      maintenance: {
        since: view.since,
        workflow_id: view.workflow_id,
        requested_by: input.requestedBy,
        reason: input.reason,
        stopped: view.stopped,
        kept: plan.kept,
      },
      trigger: input.trigger,
      correlationId: input.correlationId,
      workflowId: view.workflow_id,
      details: { operation_id: view.operation_id },
    });
    view.phase = 'active';
  }

  async function leave(): Promise<void> {
    view.phase = 'leaving';
    view.left_by = leaveRequestedBy;
    // Dependencies first: the reverse of the stop order. Each start waits for the one before to run.
    for (const name of [...view.stopped].reverse()) {
      const op = await runOperationStep({ ...ops, requestedBy: leaveRequestedBy! }, `docker start ${shellQuote(name)}`);
      const ready = op.state === 'completed' && op.result?.exit_code === 0 ? await waitUntilReady(input, name) : null;
      view.restored.push({
        container: name,
        operation_id: op.operation_id,
        state: ready?.state ?? null,
        ok: ready?.ok ?? false,
        detail: ready ? ready.detail : (op.error?.message ?? (op.result?.stderr.trim() || `start ${op.state}`)),
      });
    }
    view.left_at = new Date().toISOString();
    await setDeviceMaintenance({
      hostname: input.hostname,
      maintenance: null,
      trigger: input.trigger,
      correlationId: input.correlationId,
      workflowId: view.workflow_id,
      details: { left_by: leaveRequestedBy, restored: view.restored },
    });
    const failed = view.restored.filter((r) => !r.ok);
    if (failed.length > 0)
      view.error = {
        code: 'restore_incomplete',
        message: `not running again: ${failed.map((r) => `${r.container} (${r.detail})`).join('; ')}`,
      };
    view.phase = 'left';
  }
}

function isUp(container: ContainerInfo | undefined): boolean {
  return (
    container !== undefined &&
    (container.state === 'running' || container.state === 'restarting' || container.state === 'paused')
  );
}
