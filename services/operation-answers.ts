import { confirmationRoute, type OperationView } from '../schema/operation.ts';
import type { ContainerActionOutcome, GuestActionOutcome } from './device-action-service.ts';
import { errorBodyOf } from './service-error.ts';

/**
 * The answers both fronts give for an exec request (ARCHITECTURE.md, "Commands"). A held answer goes to
 * the requester, who may be an agent: it says what is held and where a person releases it, never the
 * phrase (`publicUrl`, when set, adds the web console's page for it).
 */
export function execAnswer(
  view: OperationView,
  publicUrl: string | null,
): { httpStatus: number; body: Record<string, unknown> } {
  const a = view.assessment;
  if (view.state === 'awaiting_confirmation' && a) {
    return {
      httpStatus: 409,
      body: {
        status: 'DESTRUCTIVE_ACTION_BLOCKED',
        operation_id: view.operation_id,
        device: view.device,
        command: view.command,
        risk_assessment: {
          risk_level: a.risk_level,
          categories: a.categories,
          reasons: a.reasons,
          safety_warnings: a.safety_warnings,
          rollback_possible: a.rollback_possible,
        },
        impact_details: {
          affected_count: a.affected_count,
          affected_items: a.affected_items,
          estimated_downtime: a.estimated_downtime,
        },
        confirmation_required: {
          expires_at: view.expires_at,
          attempts_left: view.attempts_left,
          ...confirmationRoute(view.operation_id, publicUrl),
        },
        safer_alternatives: a.safer_alternatives,
        safety_checklist: a.safety_checklist,
        workflow_id: view.workflow_id,
      },
    };
  }
  if (view.state === 'blocked' && a) {
    return {
      httpStatus: 409,
      body: {
        status: 'BLOCKED_BY_DEVICE_RULE',
        operation_id: view.operation_id,
        device: view.device,
        reason: a.blocked_reason,
        risk_assessment: {
          risk_level: a.risk_level,
          categories: a.categories,
          reasons: a.reasons,
          safety_warnings: a.safety_warnings,
        },
        safer_alternatives: a.safer_alternatives,
        workflow_id: view.workflow_id,
      },
    };
  }
  if (view.state === 'completed' && view.result) {
    return {
      httpStatus: 200,
      body: { operation_id: view.operation_id, device: view.device, ...view.result, workflow_id: view.workflow_id },
    };
  }
  const error = view.error ?? { code: 'operation_failed', message: `operation ended in state ${view.state}` };
  return {
    httpStatus: error.code === 'device_not_found' ? 404 : 502,
    body: errorBodyOf(error.code, error.message, { operation_id: view.operation_id, state: view.state }),
  };
}

/** The exec answer of the operation, with what the action did to the containers. */
export function containerAnswer(
  action: string,
  containers: readonly string[],
  outcome: ContainerActionOutcome,
  publicUrl: string | null,
) {
  const answer = execAnswer(outcome.operation, publicUrl);
  return {
    httpStatus: answer.httpStatus,
    body: {
      action,
      containers,
      ...answer.body,
      ...(outcome.after && { after: outcome.after }),
      ...(outcome.inspect !== undefined && { inspect: outcome.inspect }),
    },
  };
}

/** The exec answer of the operation, with the guest it acted on and its state afterwards. */
export function guestAnswer(action: string, outcome: GuestActionOutcome, publicUrl: string | null) {
  const answer = execAnswer(outcome.operation, publicUrl);
  return {
    httpStatus: answer.httpStatus,
    body: {
      action,
      guest: outcome.guest,
      ...answer.body,
      ...(outcome.after !== undefined && { after: outcome.after }),
    },
  };
}
