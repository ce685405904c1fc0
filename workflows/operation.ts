import {
  allHandlersFinished,
  condition,
  patched,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import type { AuditAction } from '../schema/database.ts';
import { LOCAL_OWNER, principalRefOf, SYSTEM_PRINCIPAL, type PrincipalRef } from '../schema/principal.ts';
import {
  confirmationRoute,
  FINAL_OPERATION_STATES,
  type CancelRequest,
  type OperationInput,
  type OperationState,
  type OperationView,
  type RiskAssessment,
} from '../schema/operation.ts';
import { NON_RETRYABLE_DEVICE_ERRORS } from '../schema/error-codes.ts';
import { cancelUpdate, confirmUpdate, decisionUpdate, operationQuery } from './operation-messages.ts';
import { startAlertDelivery, startHeldNotice } from './alert-delivery.ts';
import { describeFailure } from './failure.ts';
import { CONFIRMER_ATTRIBUTE, OPERATION_STATE_ATTRIBUTE, RISK_LEVEL_ATTRIBUTE } from './search-attributes.ts';

const { analyseCommand, assessRisk, recordOperation, assessConfigRollback, checkConfigFile } =
  proxyActivities<Activities>({
    startToCloseTimeout: '1 minute',
    retry: { maximumAttempts: 5, maximumInterval: '10 seconds', nonRetryableErrorTypes: NON_RETRYABLE_DEVICE_ERRORS },
  });
const { collect } = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: { maximumAttempts: 3, nonRetryableErrorTypes: NON_RETRYABLE_DEVICE_ERRORS },
});
// Writing a stored version is idempotent (same bytes), so it may be retried like a read.
const { writeConfigVersion, captureConfigChange } = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: { maximumAttempts: 5, maximumInterval: '10 seconds', nonRetryableErrorTypes: NON_RETRYABLE_DEVICE_ERRORS },
});
// Retried only while the command has certainly not been sent (the activity marks the moment it is).
const { executeOperation } = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  retry: { maximumAttempts: 3, nonRetryableErrorTypes: [...NON_RETRYABLE_DEVICE_ERRORS, 'execution_outcome_unknown'] },
});

const DECIDED: readonly OperationState[] = ['awaiting_confirmation', ...FINAL_OPERATION_STATES];
const CONTAINER_CATEGORIES = new Set([
  'container_bulk',
  'container_action',
  'container_prune',
  'volume_removal',
  'compose_down',
]);

/**
 * A phrase names the action, its scope and the device, so it could be guessed from the command; four
 * random digits make it one that only a person shown it can type.
 */
function withCheckNumber(phrase: string): string {
  if (!patched('phrase-check-number')) return phrase;
  // Math.random is seeded per workflow run by Temporal: the same number on every replay.
  return `${phrase} ${1000 + Math.floor(Math.random() * 9000)}`;
}

/** Phrases match after trimming, case-folding and collapsing whitespace: a typo is wrong, spacing is not. */
export function normalisePhrase(phrase: string): string {
  return phrase.trim().toLowerCase().replace(/\s+/g, ' ');
}

/**
 * One requested command on one device. Safe: run at once. Destructive: hold until the phrase is typed
 * (at most `maxAttempts` tries) or the confirmation window closes; then run exactly once.
 */
export async function operationWorkflow(input: OperationInput): Promise<OperationView> {
  // Inputs recorded before principals named the requester by a string.
  input = { ...input, requestedBy: principalRefOf(input.requestedBy) };
  const view: OperationView = {
    operation_id: input.operationId,
    device: input.hostname,
    command: input.command,
    state: 'assessing',
    requested_by: input.requestedBy,
    trigger: input.trigger,
    assessment: null,
    attempts_left: input.maxAttempts,
    expires_at: null,
    confirmed_by: null,
    cancelled_by: null,
    result: null,
    error: null,
    workflow_id: workflowInfo().workflowId,
  };
  let auditSeq = 0;
  /** The state the `operations` row shows: answers wait for it, so a follow-up GET agrees with them. */
  let persistedState: OperationState | null = null;
  /**
   * The phrase lives here and in the operations row, never in the view: every answer, query and the
   * workflow's result go to callers who may be the agent that asked.
   */
  let phrase: string | null = null;
  // An agent asking over MCP never releases its own request, whatever the single-person setting says. The
  // local owner exists only on loopback with no token at all: a single-person setup by nature.
  const distinctConfirmer =
    input.trigger === 'mcp' || (input.requireDistinctConfirmer && input.requestedBy.id !== LOCAL_OWNER.id);
  const record = async (action: AuditAction, actor: PrincipalRef, details: Record<string, unknown> = {}) => {
    const snapshot = { ...view };
    await startAlertDelivery(
      await recordOperation({
        view: snapshot,
        phrase,
        actor,
        action,
        auditKey: `${input.operationId}/${++auditSeq}`,
        correlationId: input.correlationId,
        details,
      }),
    );
    persistedState = snapshot.state;
  };
  const setState = (state: OperationState) => {
    view.state = state;
    upsertSearchAttributes([{ key: OPERATION_STATE_ATTRIBUTE, value: state }]);
  };

  setHandler(operationQuery, () => view);
  setHandler(decisionUpdate, async () => {
    await condition(() => persistedState !== null && DECIDED.includes(persistedState));
    return view;
  });
  setHandler(
    confirmUpdate,
    async ({ phrase: typed, confirmedBy }) => {
      if (normalisePhrase(typed) !== normalisePhrase(phrase!)) {
        view.attempts_left--;
        const exhausted = view.attempts_left === 0;
        if (exhausted) setState('rejected');
        await record('operation_confirm_attempt', confirmedBy, { accepted: false, attempts_left: view.attempts_left });
        return {
          accepted: false,
          attempts_left: view.attempts_left,
          message: exhausted
            ? 'wrong phrase; no attempts left: the operation is rejected'
            : `wrong phrase; ${view.attempts_left} attempt(s) left`,
          operation: view,
        };
      }
      view.confirmed_by = confirmedBy;
      upsertSearchAttributes([{ key: CONFIRMER_ATTRIBUTE, value: confirmedBy.id }]);
      setState('confirmed');
      await condition(() => persistedState !== null && FINAL_OPERATION_STATES.includes(persistedState));
      return { accepted: true, attempts_left: view.attempts_left, message: `operation ${view.state}`, operation: view };
    },
    {
      validator: ({ phrase: typed, confirmedBy }) => {
        if (view.state !== 'awaiting_confirmation')
          throw new Error(`operation is ${view.state}, not awaiting confirmation`);
        if (typeof typed !== 'string' || typed.length === 0 || typed.length > 1000)
          throw new Error('phrase must be a non-empty string');
        if (distinctConfirmer && confirmedBy.id === input.requestedBy.id) {
          throw new Error(
            'the requester of an operation cannot release it: a different person with the confirm scope must',
          );
        }
      },
    },
  );
  setHandler(
    cancelUpdate,
    async ({ cancelledBy }) => {
      view.cancelled_by = cancelledBy;
      setState('cancelled');
      await condition(() => persistedState !== null && FINAL_OPERATION_STATES.includes(persistedState));
      return view;
    },
    {
      validator: (_request: CancelRequest) => {
        if (view.state !== 'awaiting_confirmation')
          throw new Error(`operation is ${view.state}, it can no longer be cancelled`);
      },
    },
  );

  try {
    await run();
  } catch (err) {
    // Analysis or assessment failed for good (device gone, unreadable device state): say so, run nothing.
    view.error = describeFailure(err);
    setState('failed');
    await record('operation_executed', input.requestedBy, { error: view.error, ran: false });
  }
  // Confirm/cancel callers are waiting for their answers: let them have it before the run closes.
  await condition(allHandlersFinished);
  return view;

  async function run(): Promise<void> {
    const requester = input.requestedBy;
    await record('operation_requested', requester);
    const assessment = input.configRollback
      ? await assessConfigRollback({ hostname: input.hostname, ...input.configRollback })
      : await assessCommand();
    phrase = assessment.confirmation_phrase && withCheckNumber(assessment.confirmation_phrase);
    view.assessment = { ...assessment, confirmation_phrase: null };
    upsertSearchAttributes([{ key: RISK_LEVEL_ATTRIBUTE, value: assessment.risk_level }]);

    if (assessment.blocked_reason) {
      setState('blocked');
      await record('operation_blocked', requester, { reason: assessment.blocked_reason });
      return;
    }
    if (assessment.destructive) {
      view.expires_at = new Date(Date.now() + input.confirmationTimeoutSeconds * 1000).toISOString();
      setState('awaiting_confirmation');
      await record('operation_held', requester, { risk_level: assessment.risk_level });
      // Operations held before the notice existed replay without it.
      if (patched('held-notice'))
        await startHeldNotice({
          operation_id: input.operationId,
          device: input.hostname,
          command: input.command,
          risk_level: assessment.risk_level,
          reasons: assessment.reasons,
          requested_by: requester,
          phrase: phrase!,
          expires_at: view.expires_at,
          confirm: confirmationRoute(input.operationId, input.publicUrl),
        });
      // A durable timer: the window survives worker restarts and closes even with no worker watching.
      const decided = await condition(
        () => view.state !== 'awaiting_confirmation',
        input.confirmationTimeoutSeconds * 1000,
      );
      if (!decided) {
        setState('expired');
        await record('operation_expired', SYSTEM_PRINCIPAL);
        return;
      }
      if (view.state === 'cancelled') {
        await record('operation_cancelled', view.cancelled_by!);
        return;
      }
      if (view.state === 'rejected') {
        await record('operation_rejected', SYSTEM_PRINCIPAL);
        return;
      }
      await record('operation_confirmed', view.confirmed_by!);
    }

    setState('executing');
    try {
      if (input.configRollback) await rollBack(input.configRollback);
      else
        view.result = await executeOperation({
          operationId: input.operationId,
          hostname: input.hostname,
          command: input.command,
        });
      setState(view.error ? 'failed' : 'completed');
    } catch (err) {
      view.error = describeFailure(err);
      setState('failed');
    }
    await record('operation_executed', view.confirmed_by ?? requester, {
      exit_code: view.result?.exit_code ?? null,
      error: view.error,
    });
  }

  async function assessCommand() {
    const analysis = await analyseCommand(input.command);
    const touchesContainers = analysis.findings.some((f) => CONTAINER_CATEGORIES.has(f.category));
    let containers: unknown = null;
    if ((analysis.destructive || input.hold) && touchesContainers) {
      // The real container list decides what "all" means and which of them are critical.
      containers = (
        await collect({
          hostname: input.hostname,
          dataType: 'containers',
          trigger: input.trigger,
          forceRefresh: true,
          correlationId: input.correlationId,
          principal: input.requestedBy.id,
        })
      ).data;
    }
    const assessment = await assessRisk({ hostname: input.hostname, command: input.command, analysis, containers });
    if (!input.hold) return assessment;
    // Held anyway: the caller's reason (a stack's downtime or data loss) comes first, the command's own follow.
    if (assessment.destructive) return { ...assessment, reasons: [input.hold.reason, ...assessment.reasons] };
    const raised: RiskAssessment['risk_level'] =
      assessment.risk_level === 'NONE' || assessment.risk_level === 'LOW' ? 'MEDIUM' : assessment.risk_level;
    return {
      ...assessment,
      destructive: true,
      risk_level: raised,
      reasons: [input.hold.reason, ...assessment.reasons],
      confirmation_phrase: input.hold.phrase,
    };
  }

  /**
   * Write the chosen version, check the file, and put the replaced content back when the check fails.
   * The current content is captured first, so what is replaced is always a stored version.
   */
  async function rollBack(target: { path: string; snapshotId: string }) {
    const { hostname } = input;
    await captureConfigChange({
      hostname,
      path: target.path,
      detectedAt: new Date().toISOString(),
      moved: false,
      openingScan: false,
      correlationId: input.correlationId,
    });
    const written = await writeConfigVersion({ hostname, ...target });
    await record('config_rollback_written', view.confirmed_by ?? input.requestedBy, {
      path: target.path,
      snapshot_id: target.snapshotId,
      replaced_snapshot_id: written.replacedSnapshotId,
      sha256: written.sha256,
    });
    const check = await checkConfigFile({ hostname, path: target.path });
    await record('config_rollback_checked', view.confirmed_by ?? input.requestedBy, { path: target.path, ...check });
    // The answer of a rollback is its check: what ran, what it said. A device with no way to check the
    // file is no failure: the version is in place (status 0) and the note says it went unchecked.
    view.result = {
      exit_code: check.exit_code ?? (check.ok ? 0 : null),
      signal: null,
      stdout: check.output,
      stderr: '',
      stdout_truncated: check.output_truncated,
      stderr_truncated: false,
      output_limit_bytes: 64 * 1024,
      duration_ms: check.duration_ms,
      ...(check.note !== null && { note: check.note }),
    };
    if (check.ok) return;
    await writeConfigVersion({ hostname, path: target.path, snapshotId: written.replacedSnapshotId });
    await record('config_rollback_restored', view.confirmed_by ?? input.requestedBy, {
      path: target.path,
      snapshot_id: written.replacedSnapshotId,
    });
    view.error = {
      code: 'health_check_failed',
      message: `${check.command ?? 'the check'} failed after writing version ${target.snapshotId}; the previous content was put back`,
    };
  }
}
