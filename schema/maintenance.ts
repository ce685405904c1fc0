import type { MaintenancePlan } from '../domain/maintenance/plan.ts';
import type { PrincipalRef } from './api-token.ts';
import type { Trigger } from './database.ts';
import type { OperationSettings } from './operation.ts';

/**
 * Maintenance mode of one device: the containers it stopped, polling lowered, alerts muted. One
 * workflow per stay in maintenance holds this; the device row mirrors it for schedules and alerts.
 */
export type MaintenancePhase =
  | 'planning'
  /** The stop command is held for its confirmation phrase. */
  | 'awaiting_confirmation'
  | 'entering'
  | 'active'
  | 'leaving'
  | 'left'
  /** Confirmation refused, cancelled or expired: nothing was stopped. */
  | 'abandoned'
  | 'failed';

export interface MaintenanceInput {
  hostname: string;
  requestedBy: PrincipalRef;
  trigger: Trigger;
  correlationId: string | null;
  include: string[];
  keep: string[];
  reason: string | null;
  operationSettings: OperationSettings;
  /** Child operation workflows are named like the ones the operation service starts. */
  operationWorkflowPrefix: string;
}

export interface ContainerRestore {
  container: string;
  operation_id: string;
  state: string | null;
  ok: boolean;
  detail: string | null;
}

export interface MaintenanceView {
  device: string;
  phase: MaintenancePhase;
  reason: string | null;
  requested_by: PrincipalRef;
  plan: MaintenancePlan | null;
  /** The held stop command's operation: confirm it like any operation. */
  operation_id: string | null;
  /** What entering really stopped (checked on the device afterwards); leaving starts exactly these. */
  stopped: string[];
  since: string | null;
  left_at: string | null;
  left_by: PrincipalRef | null;
  restored: ContainerRestore[];
  error: { code: string; message: string } | null;
  workflow_id: string;
}

export const FINAL_MAINTENANCE_PHASES: readonly MaintenancePhase[] = ['left', 'abandoned', 'failed'];
