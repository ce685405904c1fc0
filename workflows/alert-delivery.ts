import { ParentClosePolicy, proxyActivities, startChild, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import type { AlertTransition, HeldOperationNotice } from '../schema/alert.ts';

// A receiver that is down for a while still gets the notification: retried for about two hours.
const { deliverAlerts, deliverHeldNotice } = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes', maximumAttempts: 20 },
});

/** Delivers alert transitions to every channel, on its own: a slow webhook never delays a collection. */
export async function alertDeliveryWorkflow(transitions: AlertTransition[]): Promise<{ delivered: number; refused: number }> {
  return deliverAlerts(transitions);
}

/** Starts the delivery as an independent child (it outlives the caller) when there is something to send. */
export async function startAlertDelivery(transitions: AlertTransition[] | undefined): Promise<void> {
  if (!transitions || transitions.length === 0) return;
  const { workflowId, runId } = workflowInfo();
  await startChild(alertDeliveryWorkflow, {
    workflowId: `${workflowId}/alerts/${runId}`,
    args: [transitions],
    parentClosePolicy: ParentClosePolicy.ABANDON,
  });
}

/** Tells every channel that a destructive operation waits for a person, with its phrase and where to type it. */
export async function heldNoticeWorkflow(notice: HeldOperationNotice): Promise<{ delivered: number; refused: number }> {
  return deliverHeldNotice(notice);
}

/** Starts the held notice as an independent child: a slow receiver never delays the hold. */
export async function startHeldNotice(notice: HeldOperationNotice): Promise<void> {
  await startChild(heldNoticeWorkflow, {
    workflowId: `${workflowInfo().workflowId}/held-notice`,
    args: [notice],
    parentClosePolicy: ParentClosePolicy.ABANDON,
  });
}
