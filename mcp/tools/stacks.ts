import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { Hostname } from '../../schema/device.ts';
import {
  StackDeployRequest,
  StackDetail,
  StackName,
  StackOperationView,
  StackPatch,
  StackSummary,
  StackUpdateRequest,
} from '../../schema/stack.ts';
import { stackAnswer, type StackOutcome, type StackService } from '../../services/stack-service.ts';
import type { ToolKit } from './operational-workflows.ts';

export interface StackToolDeps {
  stacks: StackService;
}

/** A stack change: its view, and while a step waits for a person the held operation's answer beside it. */
const changeOutput = z.looseObject({
  stack: StackOperationView.optional(),
  operation_id: z.string().optional(),
  confirmation_required: z.unknown().optional(),
  error: z.looseObject({ code: z.string(), message: z.string() }).optional(),
});

const device = Hostname.describe('Device hostname');
const deadline = z
  .number()
  .int()
  .min(5)
  .max(1800)
  .optional()
  .describe('Seconds services may take to run and be healthy (default 120)');

/** Compose stacks as managed, reversible changes (their ports and networks tools follow from the registry). */
export function registerStackTools(server: McpServer, deps: StackToolDeps, kit: ToolKit): void {
  const change = (outcome: StackOutcome, extra: Parameters<ToolKit['askWhenHeld']>[2]) => {
    const body = stackAnswer(outcome, kit.publicUrl).body;
    return (outcome.held_operation ? kit.askWhenHeld(outcome.held_operation, body, extra) : body) as Record<
      string,
      unknown
    >;
  };

  server.registerTool(
    'list_stacks',
    {
      title: 'Compose stacks of a device',
      description:
        'Docker Compose stacks of a device: from the labels of its containers (project, service, working dir, compose files) and from ' +
        'the compose files the config history watches; per service its image, image id, containers with state and health, and published ports.',
      inputSchema: {
        device,
        force_refresh: z.boolean().optional().describe('Read the containers now even if the stored list is fresh'),
      },
      outputSchema: z.looseObject({ device: z.string(), stacks: z.array(StackSummary) }),
      annotations: { readOnlyHint: true, openWorldHint: true },
    },
    ({ device: hostname, force_refresh }) =>
      kit.answer(() => deps.stacks.list(hostname, { forceRefresh: force_refresh ?? false }, kit.ctx())),
  );

  server.registerTool(
    'get_stack',
    {
      title: 'One compose stack',
      description:
        'A stack with its compose file (secrets redacted) and parsed form, the KEYS of its env files (never values), and the registry digests of its images.',
      inputSchema: { device, name: StackName.describe('Stack (compose project) name') },
      outputSchema: z.looseObject({ stack: StackDetail }),
      annotations: { readOnlyHint: true, openWorldHint: true },
    },
    ({ device: hostname, name }) =>
      kit.answer(async () => ({ stack: await deps.stacks.get(hostname, name, kit.ctx()) })),
  );

  server.registerTool(
    'deploy_stack',
    {
      title: 'Deploy a compose stack',
      description:
        "Creates a stack from a compose file in the device's stacks directory (default /opt/stacks/<name>/compose.yaml): refuses it before " +
        'writing anything when a host port is taken (checked against a fresh ports collection), the file is unsafe (names, .. paths, YAML ' +
        'bombs) or `docker compose config` rejects it; then pulls, `up -d`, and waits until every service runs (and is healthy). When a ' +
        "service does not come up, what the deploy created is removed and the answer carries that service's logs.",
      inputSchema: {
        device,
        name: StackName.describe('Stack (compose project) name'),
        compose: z.string().min(1).describe('The whole compose file (YAML)'),
        deadline_seconds: deadline,
      },
      outputSchema: changeOutput,
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
    },
    ({ device: hostname, name, compose, deadline_seconds }, extra) =>
      kit.answer(async () =>
        change(
          await deps.stacks.deploy(hostname, StackDeployRequest.parse({ name, compose, deadline_seconds }), kit.ctx()),
          extra,
        ),
      ),
  );

  server.registerTool(
    'update_stack',
    {
      title: 'Update a compose stack',
      description:
        'Changes a stack: the whole file, or a patch per service (image or tag, ports, environment, volumes, labels). Answers the diff and ' +
        'its impact; a change rated HIGH (removing services, ports, volumes...) is held until a person confirms it. Validates, pulls, ' +
        'recreates and waits until every service runs (and is healthy); when one does not, the previous file AND the previous image ' +
        "digests are restored and the stack brought back up, and the answer explains why with the failing service's logs.",
      inputSchema: {
        device,
        name: StackName.describe('Stack (compose project) name'),
        compose: z.string().min(1).optional().describe('The whole new compose file'),
        patch: StackPatch.optional().describe('Or: per service changes, e.g. {"services": {"web": {"tag": "1.27"}}}'),
        deadline_seconds: deadline,
      },
      outputSchema: changeOutput,
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
    },
    ({ device: hostname, name, compose, patch, deadline_seconds }, extra) =>
      kit.answer(async () =>
        change(
          await deps.stacks.update(
            hostname,
            name,
            StackUpdateRequest.parse({ compose, patch, deadline_seconds }),
            kit.ctx(),
          ),
          extra,
        ),
      ),
  );

  server.registerTool(
    'pull_stack',
    {
      title: "Pull a stack's newest images",
      description:
        "Pulls the newest images for the stack's tags and recreates its containers on them, answering each service's digest before and " +
        'after; when a service does not come up again, the previous digests are pinned back.',
      inputSchema: { device, name: StackName.describe('Stack (compose project) name'), deadline_seconds: deadline },
      outputSchema: changeOutput,
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
    },
    ({ device: hostname, name, deadline_seconds }, extra) =>
      kit.answer(async () =>
        change(
          await deps.stacks.act(
            hostname,
            name,
            'pull',
            { ...(deadline_seconds !== undefined && { deadlineSeconds: deadline_seconds }) },
            kit.ctx(),
          ),
          extra,
        ),
      ),
  );

  server.registerTool(
    'remove_stack',
    {
      title: 'Remove a compose stack',
      description:
        'Takes a stack down and deletes its directory (its last file stays in the config history). Always held until a person confirms: ' +
        'its services stop. Named volumes are deleted only with volumes=true — their data is gone for good — which is held as HIGH.',
      inputSchema: {
        device,
        name: StackName.describe('Stack (compose project) name'),
        volumes: z.boolean().optional().describe('Also delete the named volumes and their data'),
      },
      outputSchema: changeOutput,
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
    },
    ({ device: hostname, name, volumes }, extra) =>
      kit.answer(async () =>
        change(await deps.stacks.act(hostname, name, 'remove', { volumes: volumes ?? false }, kit.ctx()), extra),
      ),
  );
}
