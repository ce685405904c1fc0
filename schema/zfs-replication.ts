import type { PrincipalRef } from './api-token.ts';
import type { Trigger } from './database.ts';
import type { OperationSettings } from './operation.ts';

export interface ZfsEndpoint {
  hostname: string;
  dataset: string;
}

/** What a replication sends, decided from both sides' snapshots (matched by guid, not by name). */
export interface ZfsReplicationPlan {
  /** Full name on the source of the snapshot the target ends at. */
  snapshot: string;
  /** full: the target has no such dataset; incremental: from the newest snapshot both have; up_to_date: nothing to send. */
  mode: 'full' | 'incremental' | 'up_to_date';
  /** Source name of the newest common snapshot (incremental). */
  from: string | null;
  /** The same snapshot's name on the target (what a forced receive rolls back to). */
  target_common: string | null;
  target_exists: boolean;
  /** Target snapshots newer than the common one: a forced receive (-F) destroys them. */
  target_snapshots_after_common: string[];
  /** An interrupted receive left on the target: the transfer resumes from it. */
  resume_token: string | null;
}

export interface ZfsTransferResult {
  /** Bytes piped from source to target by the attempt that completed. */
  bytes: number;
  /** Bytes piped by every attempt together; above `bytes` only when an attempt was interrupted. */
  bytes_all_attempts: number;
  attempts: number;
  /** The completing attempt continued an interrupted receive (zfs send -t). */
  resumed: boolean;
  /** The snapshot as the target lists it afterwards. */
  received_snapshot: string;
  duration_ms: number;
}

export interface ZfsReplicationInput {
  replicationId: string;
  source: ZfsEndpoint;
  target: ZfsEndpoint;
  /** Snapshot name (after `@`) to send; null = the source's newest. */
  snapshot: string | null;
  /** Send intermediate snapshots too (-I) rather than only the last (-i). */
  intermediates: boolean;
  /** Roll the target back to the common snapshot (receive -F): held for a person. */
  force: boolean;
  requestedBy: PrincipalRef;
  trigger: Trigger;
  correlationId: string | null;
  operationSettings: OperationSettings;
  operationWorkflowPrefix: string;
}

export type ZfsReplicationPhase =
  'planning' | 'awaiting_confirmation' | 'transferring' | 'completed' | 'up_to_date' | 'failed' | 'cancelled';

export interface ZfsReplicationView {
  replication_id: string;
  source: ZfsEndpoint;
  target: ZfsEndpoint;
  phase: ZfsReplicationPhase;
  plan: ZfsReplicationPlan | null;
  /** The held rollback of the target (force), while a person has to release it. */
  pending_operation_id: string | null;
  result: ZfsTransferResult | null;
  error: { code: string; message: string } | null;
  workflow_id: string;
}
