import { randomUUID } from 'node:crypto';
import {
  WithStartWorkflowOperation,
  WorkflowIdConflictPolicy,
  WorkflowUpdateFailedError,
  type Client,
} from '@temporalio/client';
import { scopesAllow, type Principal, type PrincipalRef } from '../schema/api-token.ts';
import type { OperationRow } from '../store/operations.ts';
import {
  FINAL_OPERATION_STATES,
  type ConfirmOutcome,
  type OperationInput,
  type OperationSettings,
  type OperationState,
  type OperationView,
  type StoredOperationView,
} from '../schema/operation.ts';
import { cancelUpdate, confirmUpdate, decisionUpdate } from '../workflows/operation-messages.ts';
import type { operationWorkflow } from '../workflows/operation.ts';
import { OPERATION_STATE_ATTRIBUTE } from '../workflows/search-attributes.ts';
import { requesterOf, type DeviceService, type RequestContext } from './device-service.ts';
import { requestedWorkflowTags } from './requested-workflow.ts';
import { notFound, ServiceError } from './service-error.ts';
import type { Repositories } from '../store/index.ts';

export const DEFAULT_OPERATION_SETTINGS: OperationSettings = {
  confirmationTimeoutSeconds: 300,
  maxAttempts: 3,
  requireDistinctConfirmer: true,
  publicUrl: null,
};

/**
 * Commands on devices, through one operation workflow each: run at once when safe, held for a typed
 * phrase when destructive. The fronts (API, MCP, CLI) call only this.
 */
export class OperationService {
  constructor(
    private readonly store: Pick<Repositories, 'operations'>,
    private readonly client: Client,
    private readonly devices: DeviceService,
    private readonly instance: string,
    private readonly operationSettings: OperationSettings,
  ) {}

  /** Runs a safe command and answers its result, or answers the held operation (state awaiting_confirmation). */
  async exec(
    hostname: string,
    command: string,
    ctx: RequestContext,
    configRollback?: OperationInput['configRollback'],
  ): Promise<OperationView> {
    await this.devices.require(hostname);
    const operationId = randomUUID();
    const requester = requesterOf(ctx);
    const input: OperationInput = {
      operationId,
      hostname,
      command,
      requestedBy: requester,
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
      ...requestedWorkflowTags(hostname, ctx),
      typedSearchAttributes: [
        ...requestedWorkflowTags(hostname, ctx).typedSearchAttributes,
        { key: OPERATION_STATE_ATTRIBUTE, value: 'assessing' },
      ],
    });
    const view = await this.client.workflow.executeUpdateWithStart(decisionUpdate, { startWorkflowOperation: start });
    if (view.state === 'failed' && view.error?.code === 'command_rejected') {
      throw new ServiceError('command_rejected', 400, view.error.message);
    }
    return view;
  }

  /**
   * Releases a held operation with its phrase. Only a principal with the confirm scope may, and never
   * the requester itself (unless REQUIRE_DISTINCT_CONFIRMER=false, and then not for a request made over MCP).
   */
  async confirm(operationId: string, phrase: string, ctx: RequestContext): Promise<ConfirmOutcome> {
    requireConfirmScope(ctx.principal, 'release');
    const row = await this.row(operationId);
    if (FINAL_OPERATION_STATES.includes(row.state)) throw closed(row);
    if (!this.distinctFrom(row, ctx.principal)) throw requesterRefused('release');
    try {
      return await this.client.workflow
        .getHandle(this.workflowId(operationId))
        .executeUpdate(confirmUpdate, { args: [{ phrase, confirmedBy: requesterOf(ctx) }] });
    } catch (err) {
      throw await this.updateRefused(operationId, err);
    }
  }

  /** Withdraws a held operation: its requester may, and so may any principal with the confirm scope. */
  async cancel(operationId: string, ctx: RequestContext): Promise<OperationView> {
    const row = await this.row(operationId);
    if (row.requested_by !== ctx.principal.id) requireConfirmScope(ctx.principal, 'cancel');
    if (FINAL_OPERATION_STATES.includes(row.state)) throw closed(row);
    try {
      return await this.client.workflow
        .getHandle(this.workflowId(operationId))
        .executeUpdate(cancelUpdate, { args: [{ cancelledBy: requesterOf(ctx) }] });
    } catch (err) {
      throw await this.updateRefused(operationId, err);
    }
  }

  /** The operation as stored; while it is held, a principal allowed to release it also gets its phrase. */
  async get(operationId: string, principal: Principal): Promise<StoredOperationView> {
    const row = await this.row(operationId);
    const view = viewOf(row);
    if (row.state === 'awaiting_confirmation' && row.confirmation_phrase && this.mayConfirm(row, principal)) {
      view.confirmation_phrase = row.confirmation_phrase;
    }
    return view;
  }

  /** Operations newest first, without phrases (a confirmer reads one operation to get its phrase). */
  async list(q: { state?: OperationState; hostname?: string; limit: number }): Promise<StoredOperationView[]> {
    return (await this.store.operations.list(q)).map(viewOf);
  }

  /** Whether this principal may see the phrase of, and release, this operation. */
  private mayConfirm(row: OperationRow, principal: Principal): boolean {
    return scopesAllow(principal.scopes, 'confirm') && this.distinctFrom(row, principal);
  }

  /** Mirrors the workflow's rule: the local owner and REQUIRE_DISTINCT_CONFIRMER=false may release their own, never over MCP. */
  private distinctFrom(row: OperationRow, principal: Principal): boolean {
    if (row.requested_by !== principal.id) return true;
    if (row.trigger === 'mcp') return false;
    return principal.kind === 'local_owner' || !this.operationSettings.requireDistinctConfirmer;
  }

  private async row(operationId: string): Promise<OperationRow> {
    const row = await this.store.operations.find(operationId);
    if (!row) throw notFound(`operation ${operationId}`);
    return row;
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

  /** Why the workflow refused an update: closed in the meantime, or the validator's reason. */
  private async updateRefused(operationId: string, err: unknown): Promise<ServiceError> {
    const row = await this.row(operationId).catch(() => null);
    if (row && FINAL_OPERATION_STATES.includes(row.state)) return closed(row);
    if (err instanceof WorkflowUpdateFailedError) {
      return new ServiceError('confirmation_refused', 409, err.cause?.message ?? err.message);
    }
    if (err instanceof Error && /workflow execution already completed/i.test(err.message)) {
      return new ServiceError('operation_closed', 409, 'operation is closed');
    }
    throw err;
  }
}

function closed(row: OperationRow): ServiceError {
  if (row.state === 'expired')
    return new ServiceError('operation_expired', 410, `operation expired at ${row.expires_at?.toISOString()}`, {
      state: row.state,
    });
  return new ServiceError('operation_closed', 409, `operation is ${row.state}`, { state: row.state });
}

function requireConfirmScope(principal: Principal, what: 'release' | 'cancel'): void {
  if (scopesAllow(principal.scopes, 'confirm')) return;
  throw new ServiceError(
    'forbidden',
    403,
    `only a person with the confirm scope may ${what} a held operation; ${principal.name} has ${principal.scopes.join(', ')}. A person confirms with \`infra confirm <operation_id>\`, in the web console, or through their MCP client when it asks them`,
  );
}

function requesterRefused(what: 'release'): ServiceError {
  return new ServiceError(
    'requester_cannot_confirm',
    403,
    `the requester of an operation cannot ${what} it: a different person with the confirm scope must`,
  );
}

function principalRefOf(id: string | null, name: string | null, onBehalfOf: string | null = null): PrincipalRef | null {
  return id === null ? null : { id, name: name ?? id, on_behalf_of: onBehalfOf };
}

function viewOf(row: OperationRow): StoredOperationView {
  return {
    operation_id: row.id,
    device: row.hostname,
    command: row.command,
    state: row.state,
    requested_by: principalRefOf(row.requested_by, row.requested_by_name, row.on_behalf_of)!,
    trigger: row.trigger,
    assessment: row.assessment && { ...row.assessment, confirmation_phrase: null },
    attempts_left: row.attempts_left,
    expires_at: row.expires_at?.toISOString() ?? null,
    confirmed_by: principalRefOf(row.confirmed_by, row.confirmed_by_name, row.confirmed_on_behalf_of),
    cancelled_by: principalRefOf(row.cancelled_by, row.cancelled_by_name),
    result: row.result,
    error: row.error,
    workflow_id: row.workflow_id,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}
