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

export interface StackServiceView {
  name: string;
  image: string | null;
  /** The image id the container runs (compose's `com.docker.compose.image` label). */
  image_id: string | null;
  containers: Array<{ name: string; state: string; health: string | null; status: string }>;
  ports: string[];
}

export interface StackSummary {
  name: string;
  /** Running or stopped containers carry the project's labels; a file without containers is `files_only`. */
  source: 'containers' | 'files' | 'containers_and_files';
  working_dir: string | null;
  config_files: string[];
  state: 'running' | 'partial' | 'stopped' | 'not_deployed';
  services: StackServiceView[];
}

export interface StackDetail extends StackSummary {
  /** The first compose file as the config history has it (or as read now), secrets redacted. */
  file: { path: string; content: string | null; parsed: unknown } | null;
  /** Keys of each env file next to the stack (values are never read out). */
  env_files: Array<{ path: string; keys: string[] }>;
  /** Image ids and the registry digests the device knows for them. */
  digests: Record<string, string[]>;
}

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

export type StackPhase =
  'planning' | 'refused' | 'applying' | 'waiting' | 'reverting' | 'completed' | 'reverted' | 'failed' | 'cancelled';

export interface StackServiceReadiness {
  service: string;
  ok: boolean;
  detail: string | null;
}

export interface StackOperationView {
  action: StackAction;
  device: string;
  stack: string;
  phase: StackPhase;
  file: string | null;
  diff: { text: string; added: number; removed: number } | null;
  impact: { risk_level: string; reasons: string[]; affected_services: string[] } | null;
  port_conflicts: Array<{ service: string; port: number; protocol: string; host_ip: string | null; held_by: string }>;
  /** Image per service before and after (update, pull), `repo@sha256:...` where the device knows it. */
  digests: { before: Record<string, string>; after: Record<string, string> } | null;
  services: StackServiceReadiness[];
  /** Every device step, each an operation of its own (assessed, held when destructive, audited). */
  operation_ids: string[];
  pending_operation_id: string | null;
  /** Why it failed and, when a service did not come up, its last log lines. */
  error: { code: string; message: string; logs?: string } | null;
  workflow_id: string;
}
