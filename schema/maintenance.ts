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

export type { ContainerRestore, MaintenanceView } from './maintenance-view.ts';

export const FINAL_MAINTENANCE_PHASES: readonly MaintenancePhase[] = ['left', 'abandoned', 'failed'];
