import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { ParentClosePolicy, proxyActivities, startChild, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import type { AlertTransition, HeldOperationNotice } from '../schema/alert.ts';

// A receiver that is down for a while still gets the notification: retried for about two hours.
const { deliverAlerts } = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes', maximumAttempts: 20 },
});

/** Delivers alert transitions to every channel, on its own: a slow webhook never delays a collection. */
export async function alertDeliveryWorkflow(
  transitions: AlertTransition[],
): Promise<{ delivered: number; refused: number }> {
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

/**
 * Tells every channel that a destructive operation waits for a person, with its phrase and where to type
 * it: each channel on its own (one that is down is retried without resending to the others), and only
 * while the operation can still be confirmed.
 */
export async function heldNoticeWorkflow(notice: HeldOperationNotice): Promise<{ delivered: number; refused: number }> {
  const { enabledChannelIds } = proxyActivities<Activities>({
    startToCloseTimeout: '30 seconds',
    retry: { maximumAttempts: 5 },
  });
  const windowMs = Math.max(1_000, Date.parse(notice.expires_at) - Date.now());
  const { deliverHeldNotice } = proxyActivities<Activities>({
    scheduleToCloseTimeout: windowMs,
    startToCloseTimeout: '30 seconds',
    retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '30 seconds' },
  });
  const outcomes = await Promise.allSettled(
    (await enabledChannelIds()).map((channelId) => deliverHeldNotice({ notice, channelId })),
  );
  const sent = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
  return { delivered: sent.reduce((n, o) => n + o.delivered, 0), refused: sent.reduce((n, o) => n + o.refused, 0) };
}

/** Starts the held notice as an independent child: a slow receiver never delays the hold. */
export async function startHeldNotice(notice: HeldOperationNotice): Promise<void> {
  try {
    await startChild(heldNoticeWorkflow, {
      workflowId: `${workflowInfo().workflowId}/held-notice`,
      args: [notice],
      parentClosePolicy: ParentClosePolicy.ABANDON,
    });
  } catch (err) {
    // A reset operation workflow finds its notice already sent: that is the notice it meant.
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
}
