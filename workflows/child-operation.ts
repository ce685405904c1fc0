import { ParentClosePolicy, startChild, uuid4 } from '@temporalio/workflow';
import type { PrincipalRef } from '../schema/principal.ts';
import type { Trigger } from '../schema/database.ts';
import type { OperationInput, OperationSettings, OperationView } from '../schema/operation.ts';
import {
  DEVICE_ATTRIBUTE,
  OPERATION_STATE_ATTRIBUTE,
  REQUESTER_ATTRIBUTE,
  TRIGGER_ATTRIBUTE,
} from './search-attributes.ts';

/** Who asks and how confirmations behave, carried from the request into every step's operation. */
export interface OperationContext {
  hostname: string;
  requestedBy: PrincipalRef;
  trigger: Trigger;
  correlationId: string | null;
  settings: OperationSettings;
  /** `<instance>-operation-`: the step's operation is confirmed, listed and audited like any other. */
  workflowPrefix: string;
}

/**
 * Runs one command on the device as an operation workflow of its own (assessment, confirmation when
 * destructive or held, exactly-once execution, audit), so a multi-step workflow gets the same
 * protection as a typed command. `onStarted` learns the operation id once its workflow exists (so a
 * caller may ask it for its decision), before it is decided.
 */
export async function runOperationStep(
  ctx: OperationContext,
  command: string,
  opts: { hold?: OperationInput['hold']; onStarted?: (operationId: string) => void } = {},
): Promise<OperationView> {
  const operationId = uuid4();
  const input: OperationInput = {
    operationId,
    hostname: ctx.hostname,
    command,
    requestedBy: ctx.requestedBy,
    trigger: ctx.trigger,
    correlationId: ctx.correlationId,
    ...ctx.settings,
    ...(opts.hold && { hold: opts.hold }),
  };
  const child = await startChild<(i: OperationInput) => Promise<OperationView>>('operationWorkflow', {
    workflowId: `${ctx.workflowPrefix}${operationId}`,
    args: [input],
    // A step already sent to the device must finish and be recorded even if its parent is terminated.
    parentClosePolicy: ParentClosePolicy.ABANDON,
    memo: {
      correlation_id: ctx.correlationId,
      requested_by: ctx.requestedBy.name,
      on_behalf_of: ctx.requestedBy.on_behalf_of,
    },
    typedSearchAttributes: [
      { key: DEVICE_ATTRIBUTE, value: ctx.hostname },
      { key: REQUESTER_ATTRIBUTE, value: ctx.requestedBy.id },
      { key: TRIGGER_ATTRIBUTE, value: ctx.trigger },
      { key: OPERATION_STATE_ATTRIBUTE, value: 'assessing' },
    ],
  });
  opts.onStarted?.(operationId);
  return child.result();
}
