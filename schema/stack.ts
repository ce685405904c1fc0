import { z } from 'zod';
import type { PrincipalRef } from './api-token.ts';
import type { Trigger } from './database.ts';
import type { OperationSettings } from './operation.ts';

/** Compose's rule for project names (it also keeps them safe in paths, workflow ids and shells). */
export const StackName = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9_-]{0,62}$/,
    'stack name: 1-63 lowercase letters, digits, dash or underscore, starting with a letter or digit',
  );

const ComposeText = z
  .string()
  .min(1)
  .max(1024 * 1024)
  .describe('The whole compose file (YAML)');

/** Seconds every service has to run (and be healthy, when it has a healthcheck) after `up`. */
const DeadlineSeconds = z
  .number()
  .int()
  .min(5)
  .max(1800)
  .optional()
  .describe('How long services may take to run and be healthy (default 120 s)');

const KeyedValues = z.record(z.string().max(255), z.string().max(8192).nullable());

export const StackServicePatch = z
  .object({
    image: z.string().max(300).optional().describe('A whole image reference'),
    tag: z.string().max(128).optional().describe("A new tag for the service's image"),
    ports: z
      .array(z.string().max(100))
      .max(100)
      .optional()
      .describe('Replaces the port list: [ip:][host:]container[/protocol]'),
    environment: KeyedValues.optional().describe('Variables to set; null removes one'),
    volumes: z
      .array(z.string().max(600))
      .max(100)
      .optional()
      .describe('Replaces the volume list: source:/target[:mode]'),
    labels: KeyedValues.optional().describe('Labels to set; null removes one'),
  })
  .strict()
  .refine((p) => Object.keys(p).length > 0, 'a service patch changes at least one thing')
  .refine((p) => p.image === undefined || p.tag === undefined, 'give image or tag, not both');

export const StackPatch = z.object({ services: z.record(z.string().max(63), StackServicePatch) }).strict();
export type StackPatch = z.output<typeof StackPatch>;

export const StackDeployRequest = z
  .object({ name: StackName, compose: ComposeText, deadline_seconds: DeadlineSeconds })
  .strict();
export type StackDeployRequest = z.output<typeof StackDeployRequest>;

export const StackUpdateRequest = z
  .object({ compose: ComposeText.optional(), patch: StackPatch.optional(), deadline_seconds: DeadlineSeconds })
  .strict()
  .refine(
    (r) => (r.compose === undefined) !== (r.patch === undefined),
    'give either compose (the whole file) or patch',
  );
export type StackUpdateRequest = z.output<typeof StackUpdateRequest>;

export const StackRemoveRequest = z
  .object({ volumes: z.boolean().default(false).describe("Also delete the stack's named volumes and their data") })
  .strict();

export const STACK_ACTIONS = ['deploy', 'update', 'pull', 'restart', 'down', 'remove'] as const;
export type StackAction = (typeof STACK_ACTIONS)[number];

/** A stack as `GET /api/devices/{hostname}/stacks` and MCP `list_stacks` answer it. */
export const StackSummary = z.looseObject({
  name: z.string(),
  source: z.enum(['containers', 'files', 'containers_and_files']),
  working_dir: z.string().nullable(),
  config_files: z.array(z.string()),
  state: z.enum(['running', 'partial', 'stopped', 'not_deployed']),
  services: z.array(
    z.looseObject({
      name: z.string(),
      image: z.string().nullable(),
      image_id: z.string().nullable(),
      containers: z.array(
        z.looseObject({ name: z.string(), state: z.string(), health: z.string().nullable(), status: z.string() }),
      ),
      ports: z.array(z.string()),
    }),
  ),
});
export type StackSummary = z.output<typeof StackSummary>;

/** One stack (`GET .../stacks/{name}`, MCP `get_stack`): its file, env keys and image digests beside the summary. */
export const StackDetail = StackSummary.extend({
  file: z.looseObject({ path: z.string(), content: z.string().nullable(), parsed: z.unknown() }).nullable(),
  env_files: z.array(z.looseObject({ path: z.string(), keys: z.array(z.string()) })),
  digests: z.record(z.string(), z.array(z.string())),
});
export type StackDetail = z.output<typeof StackDetail>;

export interface StackOperationInput {
  action: StackAction;
  hostname: string;
  name: string;
  /** The device's stacks directory (where a new stack goes, or a stopped one is looked for). */
  stacksDir: string;
  compose?: string;
  patch?: StackPatch;
  volumes?: boolean;
  deadlineSeconds: number;
  requestedBy: PrincipalRef;
  trigger: Trigger;
  correlationId: string | null;
  operationSettings: OperationSettings;
  operationWorkflowPrefix: string;
}

/** A stack change as the workflow holds it and the fronts answer it. */
export const StackOperationView = z.looseObject({
  action: z.enum(STACK_ACTIONS),
  device: z.string(),
  stack: z.string(),
  phase: z.enum([
    'planning',
    'refused',
    'applying',
    'waiting',
    'reverting',
    'completed',
    'reverted',
    'failed',
    'cancelled',
  ]),
  file: z.string().nullable(),
  diff: z.looseObject({ text: z.string(), added: z.int(), removed: z.int() }).nullable(),
  impact: z
    .looseObject({ risk_level: z.string(), reasons: z.array(z.string()), affected_services: z.array(z.string()) })
    .nullable(),
  port_conflicts: z.array(
    z.looseObject({
      service: z.string(),
      port: z.int(),
      protocol: z.string(),
      host_ip: z.string().nullable(),
      held_by: z.string(),
    }),
  ),
  digests: z
    .looseObject({ before: z.record(z.string(), z.string()), after: z.record(z.string(), z.string()) })
    .nullable(),
  services: z.array(z.looseObject({ service: z.string(), ok: z.boolean(), detail: z.string().nullable() })),
  operation_ids: z.array(z.string()),
  pending_operation_id: z.string().nullable(),
  error: z.looseObject({ code: z.string(), message: z.string(), logs: z.string().optional() }).nullable(),
  workflow_id: z.string(),
});
export type StackOperationView = z.output<typeof StackOperationView>;
