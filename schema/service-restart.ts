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

export type RestartStepState = 'pending' | 'restarting' | 'ready' | 'failed' | 'skipped';

export interface RestartStep {
  service: string;
  containers: string[];
  state: RestartStepState;
  operation_ids: string[];
  detail: string | null;
}

export type ServiceRestartPhase = 'planning' | 'restarting' | 'completed' | 'failed';

export interface ServiceRestartView {
  device: string;
  project: string | null;
  service: string;
  phase: ServiceRestartPhase;
  steps: RestartStep[];
  /** The operation of the step under way (it may be held for confirmation). */
  pending_operation_id: string | null;
  error: { code: string; message: string } | null;
  workflow_id: string;
}

/** What a person or agent asks for. */
export const ServiceRestartRequest = z
  .object({
    service: z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$/, 'a compose service name'),
    project: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,127}$/, 'a compose project name (lower case, digits, - and _)').optional(),
  })
  .strict();
export type ServiceRestartRequest = z.infer<typeof ServiceRestartRequest>;
