import type { MaintenanceOutcome } from './maintenance-service.ts';
import { execAnswer } from './operation-answers.ts';
import type { ServiceRestartOutcome } from './service-restart-service.ts';
import { errorBodyOf } from './service-error.ts';

/** Both fronts answer multi-step workflows the same way: 409 while a step is held, else the workflow's view. */
export function maintenanceAnswer(
  outcome: MaintenanceOutcome,
  publicUrl: string | null,
): { httpStatus: number; body: Record<string, unknown> } {
  const { maintenance, operation } = outcome;
  if (operation?.state === 'awaiting_confirmation' || operation?.state === 'blocked') {
    const held = execAnswer(operation, publicUrl);
    return { httpStatus: held.httpStatus, body: { ...held.body, maintenance } };
  }
  if (maintenance.phase === 'failed' || maintenance.phase === 'abandoned') {
    const error = maintenance.error ?? {
      code: `maintenance_${maintenance.phase}`,
      message: `maintenance ${maintenance.phase}`,
    };
    return { httpStatus: 502, body: errorBodyOf(error.code, error.message, { maintenance }) };
  }
  return { httpStatus: 200, body: { maintenance } };
}

export function serviceRestartAnswer(
  outcome: ServiceRestartOutcome,
  publicUrl: string | null,
): { httpStatus: number; body: Record<string, unknown> } {
  const { restart, held_operation } = outcome;
  if (held_operation) {
    const held = execAnswer(held_operation, publicUrl);
    return { httpStatus: held.httpStatus, body: { ...held.body, restart } };
  }
  if (restart.phase === 'failed') {
    const error = restart.error ?? { code: 'restart_failed', message: 'the restart failed' };
    return { httpStatus: 502, body: errorBodyOf(error.code, error.message, { restart }) };
  }
  return { httpStatus: 200, body: { restart } };
}
