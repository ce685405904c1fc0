import type { PrincipalRef } from './api-token.ts';
import type { Trigger } from './database.ts';
import type { OperationView } from './operation-view.ts';

/**
 * A command someone asked to run on a device. Safe ones run at once; destructive ones wait for a typed
 * confirmation phrase, expire, and allow a few attempts. The workflow is the source of truth; the
 * `operations` table mirrors it for listing and history.
 */
export const OPERATION_STATES = [
  'assessing',
  'awaiting_confirmation',
  'confirmed',
  'executing',
  /** The command ran; its exit code says how it went. */
  'completed',
  /** The command could not be run (device unreachable, outcome unknown...). */
  'failed',
  'cancelled',
  'expired',
  'rejected',
  'blocked',
] as const;
export type OperationState = (typeof OPERATION_STATES)[number];

export const FINAL_OPERATION_STATES: readonly OperationState[] = [
  'completed',
  'failed',
  'cancelled',
  'expired',
  'rejected',
  'blocked',
];

export type RiskLevel = 'NONE' | 'LOW' | 'MEDIUM' | 'HIGH' | 'CRITICAL';

/** How confirmations behave; the same for every operation of one running system. */
export interface OperationSettings {
  /** 300 in production; tests shorten it instead of waiting five minutes. */
  confirmationTimeoutSeconds: number;
  maxAttempts: number;
  /** The confirmer must be another principal than the requester; always so for operations asked over MCP. */
  requireDistinctConfirmer: boolean;
  /** Where the web console is reached (PUBLIC_URL), for the link in held answers and notifications. */
  publicUrl: string | null;
}

export interface OperationInput extends OperationSettings {
  operationId: string;
  hostname: string;
  command: string;
  requestedBy: PrincipalRef;
  trigger: Trigger;
  correlationId: string | null;
  /** Set when the operation puts a stored config version back instead of running `command`. */
  configRollback?: { path: string; snapshotId: string };
  /**
   * Hold for confirmation even when the command alone would run at once: a workflow that stops a set of
   * containers as one step (entering maintenance) is destructive as a whole.
   */
  hold?: { reason: string; phrase: string };
}

export type {
  AffectedItem,
  CommandResult,
  OperationView,
  RiskAssessment,
  StoredOperationView,
} from './operation-view.ts';

export interface ConfirmRequest {
  phrase: string;
  confirmedBy: PrincipalRef;
}

export interface CancelRequest {
  cancelledBy: PrincipalRef;
}

/** Where and how a person releases a held operation: everything a held answer says instead of the phrase. */
export interface ConfirmationRoute {
  who: string;
  cli: string;
  api: string;
  web: string | null;
}

export function confirmationRoute(operationId: string, publicUrl: string | null): ConfirmationRoute {
  return {
    who: 'a person whose token has the confirm scope, other than the requester (always so for a request made over MCP)',
    cli: `infra confirm ${operationId}`,
    api: `GET /api/operations/${operationId} (shows the phrase to a confirmer), then POST /api/operations/${operationId}/confirm {"phrase": "…"}`,
    web: publicUrl ? `${publicUrl.replace(/\/+$/, '')}/operations/${operationId}` : null,
  };
}

export interface ConfirmOutcome {
  accepted: boolean;
  attempts_left: number;
  message: string;
  operation: OperationView;
}
