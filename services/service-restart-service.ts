import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy, type Client } from '@temporalio/client';
import { setTimeout as delay } from 'node:timers/promises';
import type { OperationView } from '../schema/operation.ts';
import type { ServiceRestartInput, ServiceRestartRequest, ServiceRestartView } from '../schema/service-restart.ts';
import { serviceRestartQuery, type serviceRestartWorkflow } from '../workflows/service-restart.ts';
import { requesterOf, type DeviceService, type RequestContext } from './device-service.ts';
import type { OperationService } from './operation-service.ts';
import { requestedWorkflowTags } from './requested-workflow.ts';
import { ServiceError } from './service-error.ts';

export interface ServiceRestartOutcome {
  restart: ServiceRestartView;
  /** Set when a step's restart is held for its confirmation phrase; the workflow goes on once confirmed. */
  held_operation: OperationView | null;
}

/** How often the answer looks whether a step is held while waiting for the restart to finish. */
const HELD_CHECK_MS = 250;

/** Dependency-ordered restarts of compose services, one workflow per request. */
export class ServiceRestartService {
  constructor(
    private readonly client: Client,
    private readonly devices: DeviceService,
    private readonly operations: OperationService,
    private readonly instance: string,
  ) {}

  async restart(hostname: string, request: ServiceRestartRequest, ctx: RequestContext): Promise<ServiceRestartOutcome> {
    await this.devices.require(hostname);
    const input: ServiceRestartInput = {
      hostname,
      project: request.project ?? null,
      service: request.service,
      requestedBy: requesterOf(ctx),
      trigger: ctx.trigger,
      correlationId: ctx.correlationId,
      operationSettings: this.operations.settings,
      operationWorkflowPrefix: this.operations.workflowPrefix,
    };
    const handle = await this.client.workflow.start<typeof serviceRestartWorkflow>('serviceRestartWorkflow', {
      // Restarting the same service twice at once would interleave; the second request joins the first.
      workflowId: `${this.instance}-restart-${hostname}-${request.project ?? '_'}-${request.service}`,
      taskQueue: this.instance,
      args: [input],
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
      ...requestedWorkflowTags(hostname, ctx),
    });
    const result = handle.result();
    // Answered as soon as a step is held; the run goes on (and may fail) without this caller.
    void result.catch(() => undefined);
    for (;;) {
      const finished = await Promise.race([result, delay(HELD_CHECK_MS).then(() => null)]);
      if (finished) return { restart: checked(finished), held_operation: null };
      const view = await handle.query(serviceRestartQuery);
      if (view.pending_operation_id === null) continue;
      const operation = await this.operations.get(view.pending_operation_id, ctx.principal).catch(() => null);
      if (operation?.state === 'awaiting_confirmation') return { restart: view, held_operation: operation };
    }
  }
}

/** A service the device does not have is the caller's mistake, not a failed restart. */
function checked(view: ServiceRestartView): ServiceRestartView {
  const code = view.error?.code;
  if (code === 'not_found') throw new ServiceError('not_found', 404, view.error!.message);
  if (code === 'ambiguous_service') throw new ServiceError('ambiguous_service', 400, view.error!.message);
  return view;
}
