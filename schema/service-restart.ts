import { z } from 'zod';
import type { PrincipalRef } from './api-token.ts';
import type { Trigger } from './database.ts';
import type { OperationSettings } from './operation.ts';

/** A compose service restarted together with everything that depends on it, in `depends_on` order. */
export interface ServiceRestartInput {
  hostname: string;
  /** The compose project; may be left out when only one project has a service of that name. */
  project: string | null;
  service: string;
  requestedBy: PrincipalRef;
  trigger: Trigger;
  correlationId: string | null;
  operationSettings: OperationSettings;
  operationWorkflowPrefix: string;
}

const RestartStepState = z.enum(['pending', 'restarting', 'ready', 'failed', 'skipped']);
export type RestartStepState = z.infer<typeof RestartStepState>;

const RestartStep = z.object({
  service: z.string(),
  containers: z.array(z.string()),
  state: RestartStepState,
  operation_ids: z.array(z.string()),
  detail: z.string().nullable(),
});
export type RestartStep = z.infer<typeof RestartStep>;

const ServiceRestartPhase = z.enum(['planning', 'restarting', 'completed', 'failed']);
export type ServiceRestartPhase = z.infer<typeof ServiceRestartPhase>;

/** What a restart answers, and what its workflow's query returns. */
export const ServiceRestartView = z.object({
  device: z.string(),
  project: z.string().nullable(),
  service: z.string(),
  phase: ServiceRestartPhase,
  steps: z.array(RestartStep),
  /** The operation of the step under way (it may be held for confirmation). */
  pending_operation_id: z.string().nullable(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  workflow_id: z.string(),
});
export type ServiceRestartView = z.infer<typeof ServiceRestartView>;

/** What a person or agent asks for. */
export const ServiceRestartRequest = z
  .object({
    service: z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$/, 'a compose service name'),
    project: z
      .string()
      .regex(/^[a-z0-9][a-z0-9_-]{0,127}$/, 'a compose project name (lower case, digits, - and _)')
      .optional(),
  })
  .strict();
export type ServiceRestartRequest = z.infer<typeof ServiceRestartRequest>;
