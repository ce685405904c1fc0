import { defineQuery, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import { shellQuote } from '../domain/ssh/quote.ts';
import { principalRefOf } from '../schema/principal.ts';
import { NON_RETRYABLE_DEVICE_ERRORS } from '../schema/error-codes.ts';
import type { ZfsReplicationInput, ZfsReplicationView } from '../schema/zfs-replication.ts';
import { runOperationStep } from './child-operation.ts';
import { describeFailure } from './failure.ts';

export const zfsReplicationQuery = defineQuery<ZfsReplicationView>('zfsReplication');

const { planZfsReplication, recordZfsReplication } = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: {
    maximumAttempts: 3,
    nonRetryableErrorTypes: [
      ...NON_RETRYABLE_DEVICE_ERRORS,
      'validation_error',
      'unknown_dataset',
      'unknown_snapshot',
      'no_common_snapshot',
      'parse_error',
      'zfs_unavailable',
    ],
  },
});
// A dropped connection fails the attempt; the next one resumes from the target's receive_resume_token.
// No heartbeat for a minute means the stream stalled (or the worker died): that attempt is given up too.
const { transferZfsSnapshot } = proxyActivities<Activities>({
  startToCloseTimeout: '24 hours',
  heartbeatTimeout: '1 minute',
  retry: {
    initialInterval: '1 second',
    maximumInterval: '1 minute',
    maximumAttempts: 10,
    nonRetryableErrorTypes: [...NON_RETRYABLE_DEVICE_ERRORS, 'target_modified', 'validation_error', 'parse_error'],
  },
});

/**
 * Replicates a dataset's snapshot from one device to another: plans from both sides' snapshots (full,
 * incremental from the newest common one, or nothing to do), holds a forced receive — which rolls the
 * target back and loses what changed there — for a person (a `zfs rollback -r` operation on the target),
 * then streams `zfs send | zfs receive -s` through the worker, resuming after dropped connections.
 */
export async function zfsReplicationWorkflow(input: ZfsReplicationInput): Promise<ZfsReplicationView> {
  input = { ...input, requestedBy: principalRefOf(input.requestedBy) };
  const view: ZfsReplicationView = {
    replication_id: input.replicationId,
    source: input.source,
    target: input.target,
    phase: 'planning',
    plan: null,
    pending_operation_id: null,
    result: null,
    error: null,
    workflow_id: workflowInfo().workflowId,
  };
  setHandler(zfsReplicationQuery, () => view);
  const audit = (action: 'zfs_replication_started' | 'zfs_replication_finished', details: Record<string, unknown>) =>
    recordZfsReplication({
      action,
      replicationId: input.replicationId,
      source: input.source,
      target: input.target,
      principal: input.requestedBy,
      trigger: input.trigger,
      workflowId: view.workflow_id,
      correlationId: input.correlationId,
      error: view.error,
      details,
    });

  try {
    const plan = await planZfsReplication({ source: input.source, target: input.target, snapshot: input.snapshot });
    view.plan = plan;
    await audit('zfs_replication_started', { plan, force: input.force, intermediates: input.intermediates });
    if (plan.mode === 'up_to_date' && !plan.resume_token) {
      view.phase = 'up_to_date';
      await audit('zfs_replication_finished', { phase: view.phase });
      return view;
    }
    const force = input.force && plan.mode === 'incremental';
    // An incremental receive lands only on the common snapshot: newer target snapshots must go first.
    if (plan.mode === 'incremental' && !force && plan.target_snapshots_after_common.length > 0 && !plan.resume_token) {
      view.phase = 'failed';
      view.error = {
        code: 'target_diverged',
        message: `${input.target.hostname} has snapshots newer than the common ${plan.target_common}: ${plan.target_snapshots_after_common.join(', ')}. Replicate with force to roll the target back (held for a person), or receive into a new dataset`,
      };
      await audit('zfs_replication_finished', { phase: view.phase });
      return view;
    }
    if (force) {
      view.phase = 'awaiting_confirmation';
      const rollback = await runOperationStep(
        {
          hostname: input.target.hostname,
          requestedBy: input.requestedBy,
          trigger: input.trigger,
          correlationId: input.correlationId,
          settings: input.operationSettings,
          workflowPrefix: input.operationWorkflowPrefix,
        },
        `zfs rollback -r ${shellQuote(plan.target_common!)}`,
        { onStarted: (id) => (view.pending_operation_id = id) },
      );
      view.pending_operation_id = null;
      if (rollback.state !== 'completed' || rollback.result?.exit_code !== 0) {
        const decided = ['cancelled', 'expired', 'rejected'].includes(rollback.state);
        view.phase = decided ? 'cancelled' : 'failed';
        view.error = decided
          ? {
              code: `rollback_${rollback.state}`,
              message: `the forced receive needs the target rolled back to ${plan.target_common}; that was ${rollback.state}: nothing was sent`,
            }
          : {
              code: 'rollback_failed',
              message:
                rollback.error?.message ??
                `zfs rollback exited ${rollback.result?.exit_code}: ${rollback.result?.stderr.trim() ?? ''}`,
            };
        await audit('zfs_replication_finished', { phase: view.phase, rollback_operation_id: rollback.operation_id });
        return view;
      }
    }
    view.phase = 'transferring';
    view.result = await transferZfsSnapshot({
      source: input.source,
      target: input.target,
      plan,
      intermediates: input.intermediates,
      force,
    });
    view.phase = 'completed';
  } catch (err) {
    view.phase = 'failed';
    view.pending_operation_id = null;
    view.error = describeFailure(err);
  }
  await audit('zfs_replication_finished', { phase: view.phase, result: view.result });
  return view;
}
