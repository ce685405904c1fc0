import { ApplicationFailure } from '@temporalio/activity';
import type { Trigger } from '../../schema/database.ts';
import type { DeviceMaintenance } from '../../schema/device.ts';
import type { ContainersData } from '../../domain/collectors/containers.ts';
import { syncDeviceSchedules, type DeviceSchedules } from '../schedules.ts';
import {
  planMaintenance,
  MaintenanceRequestError,
  type MaintenancePlan,
  type MaintenanceRequest,
} from '../../domain/maintenance/plan.ts';
import type { Repositories } from '../../store/index.ts';

export interface MaintenanceDeps {
  store: Repositories;
  schedules: DeviceSchedules;
}

export interface PlanMaintenanceInput extends MaintenanceRequest {
  hostname: string;
  /** A fresh `containers` collection. */
  containers: unknown;
}

/** The plan for this device's type and live containers; naming a container it does not have is refused. */
export async function planDeviceMaintenance(
  deps: MaintenanceDeps,
  input: PlanMaintenanceInput,
): Promise<MaintenancePlan> {
  const device = await deps.store.devices.findByHostname(input.hostname);
  if (!device)
    throw ApplicationFailure.create({
      type: 'device_not_found',
      message: `no device named ${input.hostname}`,
      nonRetryable: true,
    });
  return planForDeviceType(input, device.device_type);
}

/** The planning itself, with a bad request turned into a non-retryable `validation_error`. */
export function planForDeviceType(input: PlanMaintenanceInput, deviceType: string): MaintenancePlan {
  const data = input.containers as ContainersData;
  if (!data.docker_available) return { stop: [], kept: [], not_running: [] };
  try {
    return planMaintenance(data.containers, deviceType, input);
  } catch (err) {
    if (err instanceof MaintenanceRequestError)
      throw ApplicationFailure.create({ type: 'validation_error', message: err.message, nonRetryable: true });
    throw err;
  }
}

export interface SetMaintenanceInput {
  hostname: string;
  maintenance: DeviceMaintenance | null;
  trigger: Trigger;
  correlationId: string | null;
  workflowId: string;
  /** Audit details: for leaving, what was restored. */
  details: Record<string, unknown>;
}

/**
 * Marks the device (or clears the mark) with its audit row in one transaction, then brings its
 * schedules in line: lowered in maintenance, the types' own intervals again afterwards. Idempotent.
 */
export async function setDeviceMaintenance(deps: MaintenanceDeps, input: SetMaintenanceInput): Promise<void> {
  const device = await deps.store.devices.findByHostname(input.hostname);
  if (!device)
    throw ApplicationFailure.create({
      type: 'device_not_found',
      message: `no device named ${input.hostname}`,
      nonRetryable: true,
    });
  const entering = input.maintenance !== null;
  const already = entering ? device.maintenance?.workflow_id === input.workflowId : device.maintenance === null;
  if (!already) {
    await deps.store.devices.setMaintenanceWithAudit(device.id, input.maintenance, {
      device_id: device.id,
      hostname: device.hostname,
      action: entering ? 'maintenance_entered' : 'maintenance_left',
      data_type: null,
      trigger: input.trigger,
      status: 'success',
      workflow_id: input.workflowId,
      correlation_id: input.correlationId,
      details: JSON.stringify(entering ? { ...input.maintenance, ...input.details } : input.details),
    });
  }
  await syncDeviceSchedules(deps, input.hostname);
}
