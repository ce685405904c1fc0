import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { CancelRequest, ConfirmOutcome, ConfirmRequest, OperationView } from '../schema/operation.ts';

/** Waits until the operation ran (safe command) or is held/blocked, and answers its view. */
export const decisionUpdate = defineUpdate<OperationView>('decision');
/** A typed phrase; a correct one runs the command and answers once it has run. */
export const confirmUpdate = defineUpdate<ConfirmOutcome, [ConfirmRequest]>('confirm');
export const cancelUpdate = defineUpdate<OperationView, [CancelRequest]>('cancel');
export const operationQuery = defineQuery<OperationView>('operation');
