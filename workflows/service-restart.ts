import { principalRefOf } from '../schema/principal.ts';
import { defineQuery, setHandler, workflowInfo } from '@temporalio/workflow';
import { composeServices, DependencyCycleError, restartOrder } from '../domain/compose/dependency-order.ts';
import { shellQuote } from '../domain/ssh/quote.ts';
import type { ServiceRestartInput, ServiceRestartView } from '../schema/service-restart.ts';
import { runOperationStep } from './child-operation.ts';
import { freshContainers, waitUntilReady } from './container-steps.ts';
import { describeFailure } from './failure.ts';

export const serviceRestartQuery = defineQuery<ServiceRestartView>('serviceRestart');

/**
 * Restarts a compose service, then each service that depends on it (directly or not) in the order
 * `depends_on` gives, waiting for each to run — and be healthy, when it has a healthcheck — before the
 * next. Stops at the first step that fails and says which, leaving the rest untouched.
 */
export async function serviceRestartWorkflow(input: ServiceRestartInput): Promise<ServiceRestartView> {
  // Inputs recorded before principals named the requester by a string.
  input = { ...input, requestedBy: principalRefOf(input.requestedBy) };
  const view: ServiceRestartView = {
    device: input.hostname,
    project: input.project,
    service: input.service,
    phase: 'planning',
    steps: [],
    pending_operation_id: null,
    error: null,
    workflow_id: workflowInfo().workflowId,
  };
  setHandler(serviceRestartQuery, () => view);
  const ops = {
    hostname: input.hostname,
    requestedBy: input.requestedBy,
    trigger: input.trigger,
    correlationId: input.correlationId,
    settings: input.operationSettings,
    workflowPrefix: input.operationWorkflowPrefix,
  };

  try {
    const data = await freshContainers(input);
    const nodes = composeServices(data.containers);
    const projects = [
      ...new Set(
        [...nodes.values()]
          .filter((n) => n.service === input.service && (input.project === null || n.project === input.project))
          .map((n) => n.project),
      ),
    ];
    if (projects.length !== 1) {
      view.phase = 'failed';
      view.error =
        projects.length === 0
          ? {
              code: 'not_found',
              message: `no compose service ${input.service}${input.project ? ` in project ${input.project}` : ''} on ${input.hostname}`,
            }
          : {
              code: 'ambiguous_service',
              message: `service ${input.service} exists in projects ${projects.sort().join(', ')}: name the project`,
            };
      return view;
    }
    view.project = projects[0]!;
    view.steps = restartOrder(nodes, view.project, input.service).map((n) => ({
      service: n.service,
      containers: n.containers,
      state: 'pending',
      operation_ids: [],
      detail: null,
    }));
    view.phase = 'restarting';
    for (const [index, step] of view.steps.entries()) {
      step.state = 'restarting';
      const failure = await restartStep(step);
      if (failure) {
        step.state = 'failed';
        step.detail = failure;
        for (const later of view.steps.slice(index + 1)) later.state = 'skipped';
        view.phase = 'failed';
        view.error = {
          code: 'step_failed',
          message: `${step.service}: ${failure}; ${view.steps.length - index - 1} dependent service(s) not restarted`,
        };
        return view;
      }
      step.state = 'ready';
    }
    view.phase = 'completed';
  } catch (err) {
    view.phase = 'failed';
    view.error =
      err instanceof DependencyCycleError ? { code: 'dependency_cycle', message: err.message } : describeFailure(err);
  }
  view.pending_operation_id = null;
  return view;

  /** Null when every container of the step is back and ready, else why not. */
  async function restartStep(step: ServiceRestartView['steps'][number]): Promise<string | null> {
    const details: string[] = [];
    for (const container of step.containers) {
      const op = await runOperationStep(ops, `docker restart ${shellQuote(container)}`, {
        onStarted: (id) => {
          view.pending_operation_id = id;
          step.operation_ids.push(id);
        },
      });
      view.pending_operation_id = null;
      if (op.state !== 'completed')
        return `restart of ${container} was ${op.state}${op.error ? `: ${op.error.message}` : ''}`;
      if (op.result?.exit_code !== 0)
        return `docker restart ${container} exited ${op.result?.exit_code}: ${op.result?.stderr.trim() ?? ''}`;
      const ready = await waitUntilReady(input, container);
      if (!ready.ok) return `${container} ${ready.detail ?? 'not ready'}`;
      details.push(`${container} ${ready.detail}`);
    }
    step.detail = details.join('; ');
    return null;
  }
}
