import { z } from 'zod';
import { PrincipalRefSchema } from './api-token.ts';
import type { MaintenancePhase } from './maintenance.ts';

/*
 * Maintenance mode as the workflow holds it and the API answers it. Apart from maintenance.ts because
 * workflows import that module's values and must not load zod; maintenance.ts re-exports these types.
 */

/** One container started again on leaving maintenance, by its own operation. */
export const ContainerRestore = z.looseObject({
  container: z.string(),
  operation_id: z.string(),
  state: z.string().nullable(),
  ok: z.boolean(),
  detail: z.string().nullable(),
});
export type ContainerRestore = z.output<typeof ContainerRestore>;

export const MaintenanceView = z.looseObject({
  device: z.string(),
  phase: z.enum([
    'planning',
    'awaiting_confirmation',
    'entering',
    'active',
    'leaving',
    'left',
    'abandoned',
    'failed',
  ] satisfies MaintenancePhase[]),
  reason: z.string().nullable(),
  requested_by: PrincipalRefSchema,
  plan: z
    .looseObject({
      /** In the order to stop them; leaving maintenance starts them in reverse. */
      stop: z.array(z.string()),
      kept: z.array(z.looseObject({ name: z.string(), reason: z.string() })),
      /** Containers already not running: left alone, and not started on leaving. */
      not_running: z.array(z.string()),
    })
    .nullable(),
  /** The held stop command's operation: confirm it like any operation. */
  operation_id: z.string().nullable(),
  /** What entering really stopped (checked on the device afterwards); leaving starts exactly these. */
  stopped: z.array(z.string()),
  since: z.iso.datetime().nullable(),
  left_at: z.iso.datetime().nullable(),
  left_by: PrincipalRefSchema.nullable(),
  restored: z.array(ContainerRestore),
  error: z.looseObject({ code: z.string(), message: z.string() }).nullable(),
  workflow_id: z.string(),
});
export type MaintenanceView = z.output<typeof MaintenanceView>;
