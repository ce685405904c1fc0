import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowIdConflictPolicy,
  WorkflowIdReusePolicy,
  WorkflowNotFoundError,
  type Client,
} from '@temporalio/client';
import type { MaintenanceInput, MaintenanceView } from '../schema/maintenance.ts';
import type { MaintenanceRequest } from '../schema/maintenance-request.ts';
import type { OperationView } from '../schema/operation.ts';
import {
  leaveMaintenanceUpdate,
  maintenancePlannedUpdate,
  maintenanceQuery,
  maintenanceSettledUpdate,
} from '../workflows/maintenance-messages.ts';
import type { maintenanceWorkflow } from '../workflows/maintenance.ts';
import { requesterOf, type DeviceService, type RequestContext } from './device-service.ts';
import type { OperationService } from './operation-service.ts';
import { requestedWorkflowTags } from './requested-workflow.ts';
import { ServiceError } from './service-error.ts';

export interface MaintenanceOutcome {
  maintenance: MaintenanceView;
  /** The stop command's operation: held for its phrase when entering (see execAnswer). */
  operation: OperationView | null;
}

/** Maintenance mode through its workflow: one per stay, named after the device. */
export class MaintenanceService {
  constructor(
    private readonly client: Client,
    private readonly devices: DeviceService,
    private readonly operations: OperationService,
    private readonly instance: string,
  ) {}

  workflowId(hostname: string): string {
    return `${this.instance}-maintenance-${hostname}`;
  }

  /** Plans and holds the stop command for confirmation; answers the plan and the held operation. */
  async enter(hostname: string, request: MaintenanceRequest, ctx: RequestContext): Promise<MaintenanceOutcome> {
    const device = await this.devices.require(hostname);
    if (device.maintenance)
      throw new ServiceError(
        'already_in_maintenance',
        409,
        `${hostname} is in maintenance since ${device.maintenance.since}`,
        { workflow_id: device.maintenance.workflow_id },
      );
    const input: MaintenanceInput = {
      hostname,
      requestedBy: requesterOf(ctx),
      trigger: ctx.trigger,
      correlationId: ctx.correlationId,
      include: request.include,
      keep: request.keep,
      reason: request.reason ?? null,
      operationSettings: this.operations.settings,
      operationWorkflowPrefix: this.operations.workflowPrefix,
    };
    let handle;
    try {
      handle = await this.client.workflow.start<typeof maintenanceWorkflow>('maintenanceWorkflow', {
        workflowId: this.workflowId(hostname),
        taskQueue: this.instance,
        args: [input],
        // One stay at a time; a finished one does not stop the next.
        workflowIdConflictPolicy: WorkflowIdConflictPolicy.FAIL,
        workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
        ...requestedWorkflowTags(hostname, ctx),
      });
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError)
        throw new ServiceError(
          'maintenance_in_progress',
          409,
          `entering or leaving maintenance on ${hostname} is already under way`,
        );
      throw err;
    }
    const planned = await handle.executeUpdate(maintenancePlannedUpdate);
    if (planned.phase === 'failed') throw failureOf(planned);
    if (planned.operation_id === null) return { maintenance: await this.settled(planned.workflow_id), operation: null };
    const operation = await this.operations.decision(planned.operation_id);
    if (operation.state === 'awaiting_confirmation')
      return { maintenance: await handle.query(maintenanceQuery), operation };
    return { maintenance: await this.settled(planned.workflow_id), operation };
  }

  /** Starts what entering stopped, dependencies first, and restores polling. */
  async leave(hostname: string, ctx: RequestContext): Promise<MaintenanceView> {
    const device = await this.devices.require(hostname);
    if (!device.maintenance) throw new ServiceError('not_in_maintenance', 409, `${hostname} is not in maintenance`);
    try {
      return await this.client.workflow
        .getHandle(device.maintenance.workflow_id)
        .executeUpdate(leaveMaintenanceUpdate, { args: [{ requestedBy: requesterOf(ctx) }] });
    } catch (err) {
      if (err instanceof WorkflowNotFoundError)
        throw new ServiceError(
          'maintenance_workflow_missing',
          409,
          `the maintenance workflow ${device.maintenance.workflow_id} of ${hostname} is gone`,
        );
      const message =
        err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err);
      throw new ServiceError('maintenance_refused', 409, message);
    }
  }

  async status(hostname: string): Promise<MaintenanceView | null> {
    await this.devices.require(hostname);
    try {
      return await this.client.workflow.getHandle(this.workflowId(hostname)).query(maintenanceQuery);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return null;
      throw err;
    }
  }

  /** In maintenance, or the attempt ended (then the workflow has closed and its result says how). */
  private async settled(workflowId: string): Promise<MaintenanceView> {
    const handle = this.client.workflow.getHandle<typeof maintenanceWorkflow>(workflowId);
    try {
      return await handle.executeUpdate(maintenanceSettledUpdate);
    } catch (err) {
      if ((await handle.describe()).status.name === 'RUNNING') throw err;
      return handle.result();
    }
  }
}

/** Why planning failed, as the error a front answers: bad names are the caller's, the rest the device's. */
function failureOf(view: MaintenanceView): ServiceError {
  const error = view.error ?? { code: 'maintenance_failed', message: 'planning failed' };
  if (error.code === 'validation_error') return new ServiceError('validation_error', 400, error.message);
  if (error.code === 'device_not_found') return new ServiceError('device_not_found', 404, error.message);
  return new ServiceError(error.code, 502, error.message);
}
