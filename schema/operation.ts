import type { Trigger } from './database.ts';

/**
 * A command someone asked to run on a device. Safe ones run at once; destructive ones wait for a typed
 * confirmation phrase, expire, and allow a few attempts. The workflow is the source of truth; the
 * `operations` table mirrors it for listing and history.
 */
export type OperationState =
  | 'assessing'
  | 'awaiting_confirmation'
  | 'confirmed'
  | 'executing'
  /** The command ran; its exit code says how it went. */
  | 'completed'
  /** The command could not be run (device unreachable, outcome unknown...). */
  | 'failed'
  | 'cancelled'
  | 'expired'
  | 'rejected'
  | 'blocked';

export const FINAL_OPERATION_STATES: readonly OperationState[] = ['completed', 'failed', 'cancelled', 'expired', 'rejected', 'blocked'];

export type RiskLevel = 'NONE' | 'LOW' | 'MEDIUM' | 'HIGH' | 'CRITICAL';

/** How confirmations behave; the same for every operation of one running system. */
export interface OperationSettings {
  /** 300 in production; tests shorten it instead of waiting five minutes. */
  confirmationTimeoutSeconds: number;
  maxAttempts: number;
  requireDistinctConfirmer: boolean;
}

export interface OperationInput extends OperationSettings {
  operationId: string;
  hostname: string;
  command: string;
  requestedBy: string;
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

export interface AffectedItem {
  kind: 'container' | 'path' | 'zfs' | 'service' | 'package' | 'process' | 'disk' | 'interface' | 'device' | 'other';
  name: string;
  critical: boolean;
  detail?: string;
}

export interface RiskAssessment {
  destructive: boolean;
  risk_level: RiskLevel;
  categories: string[];
  /** One line per finding: what would happen and why it matters. */
  reasons: string[];
  affected_count: number;
  affected_items: AffectedItem[];
  estimated_downtime: string | null;
  rollback_possible: boolean;
  safety_warnings: string[];
  safer_alternatives: string[];
  safety_checklist: string[];
  /** The phrase a human types to release the command; names the action, its scope and the device. */
  confirmation_phrase: string | null;
  /** A device rule forbids the command right now (e.g. Unraid parity check running). */
  blocked_reason: string | null;
}

export interface CommandResult {
  exit_code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  stdout_truncated: boolean;
  stderr_truncated: boolean;
  /** Byte limit per stream; output past it is dropped and the flag above says so. */
  output_limit_bytes: number;
  duration_ms: number;
}

export interface OperationView {
  operation_id: string;
  device: string;
  command: string;
  state: OperationState;
  requested_by: string;
  trigger: Trigger;
  assessment: RiskAssessment | null;
  attempts_left: number;
  expires_at: string | null;
  confirmed_by: string | null;
  result: CommandResult | null;
  error: { code: string; message: string } | null;
  workflow_id: string;
}

export interface ConfirmRequest {
  phrase: string;
  confirmedBy: string;
}

export interface ConfirmOutcome {
  accepted: boolean;
  attempts_left: number;
  message: string;
  operation: OperationView;
}
