import type { PrincipalRef } from '../schema/principal.ts';
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { MaintenanceView } from '../schema/maintenance.ts';

export const maintenanceQuery = defineQuery<MaintenanceView>('maintenance');
/** Answers once the plan exists and its stop command is started (held, or already run). */
export const maintenancePlannedUpdate = defineUpdate<MaintenanceView>('maintenancePlanned');
/** Answers once the device is in maintenance, or the attempt to enter it ended. */
export const maintenanceSettledUpdate = defineUpdate<MaintenanceView>('maintenanceSettled');
/** Starts exactly what entering stopped, restores polling, and answers when done. */
export const leaveMaintenanceUpdate = defineUpdate<MaintenanceView, [{ requestedBy: PrincipalRef }]>(
  'leaveMaintenance',
);
