import { randomUUID } from 'node:crypto';
import {
  WithStartWorkflowOperation,
  WorkflowIdConflictPolicy,
  WorkflowUpdateFailedError,
  type Client,
} from '@temporalio/client';
import type { Kysely } from 'kysely';
import type { Database } from '../schema/database.ts';
import { FINAL_OPERATION_STATES, type ConfirmOutcome, type OperationInput, type OperationSettings, type OperationView } from '../schema/operation.ts';
import { cancelUpdate, confirmUpdate, decisionUpdate } from '../workflows/operation-messages.ts';
import type { operationWorkflow } from '../workflows/operation.ts';
import { DEVICE_ATTRIBUTE, OPERATION_STATE_ATTRIBUTE, REQUESTER_ATTRIBUTE, TRIGGER_ATTRIBUTE } from '../workflows/search-attributes.ts';
import type { DeviceService, RequestContext } from './device-service.ts';
import { notFound, ServiceError } from './service-error.ts';

export const DEFAULT_OPERATION_SETTINGS: OperationSettings = { confirmationTimeoutSeconds: 300, maxAttempts: 3, requireDistinctConfirmer: false };

/**
 * Commands on devices, through one operation workflow each: run at once when safe, held for a typed
 * phrase when destructive. The fronts (API, MCP, CLI) call only this.
 */
export class OperationService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly client: Client,
    private readonly devices: DeviceService,
    private readonly instance: string,
    private readonly operationSettings: OperationSettings,
  ) {}

  /** Runs a safe command and answers its result, or answers the held operation (state awaiting_confirmation). */
  async exec(hostname: string, command: string, requestedBy: string, ctx: RequestContext, configRollback?: OperationInput['configRollback']): Promise<OperationView> {
    await this.devices.require(hostname);
    const operationId = randomUUID();
    const input: OperationInput = {
      operationId,
      hostname,
      command,
      requestedBy,
      trigger: ctx.trigger,
      correlationId: ctx.correlationId,
      ...this.operationSettings,
      ...(configRollback && { configRollback }),
    };
    const start = new WithStartWorkflowOperation<typeof operationWorkflow>('operationWorkflow', {
      workflowId: this.workflowId(operationId),
      taskQueue: this.instance,
      args: [input],
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.FAIL,
      typedSearchAttributes: [
        { key: DEVICE_ATTRIBUTE, value: hostname },
        { key: REQUESTER_ATTRIBUTE, value: requestedBy },
        { key: TRIGGER_ATTRIBUTE, value: ctx.trigger },
        { key: OPERATION_STATE_ATTRIBUTE, value: 'assessing' },
      ],
      memo: { correlation_id: ctx.correlationId },
    });
    const view = await this.client.workflow.executeUpdateWithStart(decisionUpdate, { startWorkflowOperation: start });
    if (view.state === 'failed' && view.error?.code === 'command_rejected') {
      throw new ServiceError('command_rejected', 400, view.error.message);
    }
    return view;
  }

  async confirm(operationId: string, phrase: string, confirmedBy: string): Promise<ConfirmOutcome> {
    await this.requireOpen(operationId);
    try {
      return await this.client.workflow.getHandle(this.workflowId(operationId)).executeUpdate(confirmUpdate, { args: [{ phrase, confirmedBy }] });
    } catch (err) {
      throw await this.updateRefused(operationId, err);
    }
  }

  async cancel(operationId: string, cancelledBy: string): Promise<OperationView> {
    await this.requireOpen(operationId);
    try {
      return await this.client.workflow.getHandle(this.workflowId(operationId)).executeUpdate(cancelUpdate, { args: [{ cancelledBy }] });
    } catch (err) {
      throw await this.updateRefused(operationId, err);
    }
  }

  async get(operationId: string): Promise<OperationView> {
    const row = await this.db.selectFrom('operations').selectAll().where('id', '=', operationId).executeTakeFirst();
    if (!row) throw notFound(`operation ${operationId}`);
    return {
      operation_id: row.id,
      device: row.hostname,
      command: row.command,
      state: row.state,
      requested_by: row.requested_by,
      trigger: row.trigger,
      assessment: row.assessment,
      attempts_left: row.attempts_left,
      expires_at: row.expires_at?.toISOString() ?? null,
      confirmed_by: row.confirmed_by,
      result: row.result,
      error: row.error,
      workflow_id: row.workflow_id,
    };
  }

  /** Workflows that run steps as operations name them the same way, so confirm/cancel/get find them. */
  get workflowPrefix(): string {
    return `${this.instance}-operation-`;
  }

  get settings(): OperationSettings {
    return this.operationSettings;
  }

  /** Waits until the operation ran or is held/blocked (the same answer `exec` gives). */
  decision(operationId: string): Promise<OperationView> {
    return this.client.workflow.getHandle(this.workflowId(operationId)).executeUpdate(decisionUpdate);
  }

  private workflowId(operationId: string): string {
    return `${this.workflowPrefix}${operationId}`;
  }

  private async requireOpen(operationId: string): Promise<void> {
    const view = await this.get(operationId);
    if (FINAL_OPERATION_STATES.includes(view.state)) throw closed(view);
  }

  /** Why the workflow refused an update: closed in the meantime, or the validator's reason. */
  private async updateRefused(operationId: string, err: unknown): Promise<ServiceError> {
    const view = await this.get(operationId).catch(() => null);
    if (view && FINAL_OPERATION_STATES.includes(view.state)) return closed(view);
    if (err instanceof WorkflowUpdateFailedError) {
      return new ServiceError('confirmation_refused', 409, err.cause?.message ?? err.message);
    }
    if (err instanceof Error && /workflow execution already completed/i.test(err.message)) {
      return new ServiceError('operation_closed', 409, 'operation is closed');
    }
    throw err;
  }
}

function closed(view: OperationView): ServiceError {
  if (view.state === 'expired') return new ServiceError('operation_expired', 410, `operation expired at ${view.expires_at}`, { state: view.state });
  return new ServiceError('operation_closed', 409, `operation is ${view.state}`, { state: view.state });
}
