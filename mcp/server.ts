import { randomUUID } from 'node:crypto';
import { McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { CallToolResult, ServerNotification, ServerRequest } from '@modelcontextprotocol/sdk/types.js';
import { scopesAllow, type Principal, type TokenScope } from '../schema/api-token.ts';
import { z } from 'zod';
import { collectorFor, DATA_TYPES } from '../domain/collectors/registry.ts';
import { databaseUnreachable } from '../platform/db.ts';
import { withCorrelationId, currentCorrelationId } from '../platform/logger.ts';
import { DeviceCreate, Hostname, Tag } from '../schema/device.ts';
import { DEVICE_TYPES } from '../schema/device-types.ts';
import { ContainerActionRequest, CONTAINER_ACTIONS, ContainerName } from '../schema/container-action.ts';
import { GUEST_ACTIONS, GuestActionRequest, Vmid } from '../schema/guest-action.ts';
import { LogSince, MAX_LOG_LINES, UnitName } from '../schema/log-request.ts';
import type { CollectionService } from '../services/collection-service.ts';
import type { ConfigHistoryService } from '../services/config-history-service.ts';
import { DevicePath, SnapshotId } from '../schema/config-request.ts';
import { dataAnswerShapeOf } from '../schema/data-answer.ts';
import type { DeviceActionService } from '../services/device-action-service.ts';
import type { DeviceService, RequestContext } from '../services/device-service.ts';
import type { HealthService } from '../services/health-service.ts';
import { containerAnswer, execAnswer, guestAnswer } from '../services/operation-answers.ts';
import type { OperationService } from '../services/operation-service.ts';
import { Command, OperationId } from '../schema/command-request.ts';
import type { OperationView } from '../schema/operation.ts';
import { databaseUnavailable, ServiceError } from '../services/service-error.ts';
import { nulPath } from '../schema/nul-character.ts';
import { registerFleetTools, type FleetToolDeps } from './tools/fleet.ts';
import {
  registerOperationalWorkflowTools,
  type OperationalWorkflowDeps,
  type ToolKit,
} from './tools/operational-workflows.ts';
import { registerProxyConfTools, type ProxyConfToolDeps } from './tools/proxy-confs.ts';
import { registerDeviceTools, type DeviceToolDeps } from './tools/devices.ts';
import { registerHistoryTools, type HistoryToolDeps } from './tools/history.ts';
import { registerPrompts } from './tools/prompts.ts';
import { registerResources, type ResourceDeps } from './tools/resources.ts';
import { registerStackTools, type StackToolDeps } from './tools/stacks.ts';
import { registerZfsTools, type ZfsToolDeps } from './tools/zfs.ts';

/**
 * One MCP session: its principal (the token it authenticated with, or on an open loopback setup an
 * agent principal of its own) and its id. Tool calls act as this principal; the client's reported name
 * is kept as `on_behalf_of` only.
 */
export interface McpSession {
  id: string;
  principal: Principal;
}

/** Scopes of an MCP session on an open setup (no tokens): everything but releasing held operations. */
const OPEN_AGENT_SCOPES: readonly TokenScope[] = ['read', 'operate', 'admin'];

/** A session with no token behind it (loopback with no token yet, or stdio): an agent, never a confirmer. */
export function openAgentSession(id: string = randomUUID()): McpSession {
  // Its own random id: the transport's session id is a bearer secret and stays out of audit rows and events.
  const principalId = randomUUID();
  return {
    id,
    principal: {
      id: `mcp-session:${principalId}`,
      name: `MCP session ${principalId.slice(0, 8)}`,
      kind: 'mcp_session',
      scopes: OPEN_AGENT_SCOPES,
    },
  };
}

/**
 * The person at the session's client, asked through elicitation: the phrase goes to them in the
 * elicitation request, and what they type comes back to us without passing through the model. Whether
 * a person (not the agent itself) answers is up to the client program, so it is asked only of sessions
 * whose token holds `confirm`: giving that scope to an MCP client is trusting it to show its prompts to
 * a person. Agent sessions (operate-only tokens, no token, stdio) are never asked.
 */
function elicitedPerson(personId: string, clientName: string | null): Principal {
  return {
    id: `mcp-elicitation:${personId}`,
    name: `person at ${clientName ?? 'the MCP client'} (elicitation)`,
    kind: 'mcp_elicitation',
    scopes: ['confirm'],
  };
}

export interface McpDeps
  extends
    OperationalWorkflowDeps,
    ProxyConfToolDeps,
    FleetToolDeps,
    DeviceToolDeps,
    HistoryToolDeps,
    ResourceDeps,
    StackToolDeps,
    ZfsToolDeps {
  devices: DeviceService;
  collection: CollectionService;
  health: HealthService;
  operations: OperationService;
  actions: DeviceActionService;
  configHistory: ConfigHistoryService;
}

const readOnly = { readOnlyHint: true, openWorldHint: true } as const;

/** The MCP front: the same services as the HTTP API, with trigger `mcp` and the session's principal on every audit row. */
export function buildServer(deps: McpDeps, session: McpSession): McpServer {
  const server = new McpServer({ name: 'infrastructor', version: '0.1.0' });
  refuseNulArguments(server);
  const { publicUrl } = deps.operations.settings;
  // Client-reported, so only a note: control characters go (they could rewrite what a confirmer's terminal shows).
  const clientName = () =>
    server.server
      .getClientVersion()
      ?.name?.replace(/[\p{Cc}\p{Cf}]/gu, '')
      .trim()
      .slice(0, 100) || null;
  const elicitedPersonId = randomUUID();
  const ctx = (principal: Principal = session.principal): RequestContext => ({
    trigger: 'mcp',
    correlationId: currentCorrelationId() ?? null,
    principal,
    onBehalfOf: clientName(),
  });

  server.registerTool(
    'list_devices',
    {
      title: 'List devices',
      description: 'Every registered device with its status, last contact and capabilities.',
      inputSchema: {},
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    () => answer(async () => ({ devices: await deps.devices.list() })),
  );

  server.registerTool(
    'add_device',
    {
      title: 'Add a device',
      description:
        'Register a Linux device reachable over SSH. The host key is pinned on the first connection. Use identity_file (a private key path on the worker) or omit it to use the ssh-agent.',
      inputSchema: {
        hostname: Hostname.describe('Unique name of the device'),
        address: z.string().optional().describe('DNS name or IP; defaults to hostname'),
        port: z.number().int().optional(),
        username: z.string().optional(),
        identity_file: z.string().optional().describe('Path of the private key on the worker machine'),
        device_type: z.enum(DEVICE_TYPES).optional(),
        tags: z.array(Tag).optional(),
        location: z.string().optional(),
        monitoring_enabled: z.boolean().optional(),
      },
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
    },
    (args) =>
      answer(async () => {
        const input = DeviceCreate.parse(args);
        return deps.devices.create(input, ctx());
      }),
  );

  for (const dataType of DATA_TYPES) {
    const collector = collectorFor(dataType);
    server.registerTool(
      collector.tool.name,
      {
        title: collector.tool.title,
        description: collector.tool.description,
        inputSchema: {
          device: Hostname.describe('Device hostname'),
          force_refresh: z.boolean().optional().describe('Collect now even if the stored data is fresh'),
        },
        outputSchema: dataAnswerShapeOf(collector),
        annotations: readOnly,
      },
      ({ device, force_refresh }) =>
        answer(() => deps.collection.read(device, dataType, { forceRefresh: force_refresh ?? false }, ctx())),
    );
  }

  server.registerTool(
    'infrastructure_health',
    {
      title: 'Infrastructure health',
      description: 'Health of Temporal, the database, the worker, and devices by status.',
      inputSchema: {},
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    () => answer(() => deps.health.report()),
  );

  /** A held operation's answer, or — when the client can ask its person — the outcome of asking them for the phrase. */
  const askWhenHeld = (view: OperationView, answerBody: Record<string, unknown>, extra: ToolExtra) =>
    view.state === 'awaiting_confirmation' &&
    server.server.getClientCapabilities()?.elicitation &&
    scopesAllow(session.principal.scopes, 'confirm')
      ? elicitConfirmation(
          server,
          deps.operations,
          view.operation_id,
          answerBody,
          ctx(elicitedPerson(elicitedPersonId, clientName())),
          extra,
        )
      : answerBody;

  const kit: ToolKit = { answer, ctx: () => ctx(), askWhenHeld, publicUrl };
  registerOperationalWorkflowTools(server, deps, kit);
  registerProxyConfTools(server, deps, kit);
  registerFleetTools(server, deps, kit);
  registerDeviceTools(server, deps, kit);
  registerHistoryTools(server, deps, kit);
  registerStackTools(server, deps, kit);
  registerResources(server, deps, kit);
  registerZfsTools(server, deps, kit);
  registerPrompts(server);

  server.registerTool(
    'run_command',
    {
      title: 'Run a shell command on a device',
      description:
        'Runs a command over SSH. Safe commands run at once and return exit code, stdout and stderr. Destructive ones ' +
        '(bulk container actions, deletions, disk/ZFS changes, reboot, stopping critical services, cutting the network, ...) ' +
        'are NOT run: they are held with a risk assessment until a person releases them by typing a confirmation phrase. ' +
        'You never see the phrase and cannot release your own request: when the client supports elicitation and its token holds ' +
        "the confirm scope, the person is asked directly and you get only the outcome; otherwise tell the person where to confirm (the answer's " +
        'confirmation_required: `infra confirm <id>`, the API, or the web console). Held operations expire after 5 minutes.',
      inputSchema: {
        device: Hostname.describe('Device hostname'),
        command: Command.describe('Shell command, as typed at a prompt'),
      },
      annotations: { readOnlyHint: false, destructiveHint: true, openWorldHint: true },
    },
    ({ device, command }, extra) =>
      answer(async () => {
        const view = await deps.operations.exec(device, command, ctx());
        return askWhenHeld(view, execAnswer(view, publicUrl).body, extra);
      }),
  );

  server.registerTool(
    'manage_containers',
    {
      title: 'Manage containers',
      description:
        'start, stop, restart, remove (optionally with volumes), inspect, logs or exec on named Docker containers of a device. ' +
        "Names are checked against the device's real container list. Every action is audited; bulk and destructive ones " +
        '(several containers, removing volumes) are held until a person releases them (see run_command). logs and exec take one container.',
      inputSchema: {
        device: Hostname.describe('Device hostname'),
        action: z.enum(CONTAINER_ACTIONS),
        containers: z.array(ContainerName).min(1).max(100).describe('Container names or ids'),
        force: z.boolean().optional().describe('remove: also running containers'),
        volumes: z.boolean().optional().describe('remove: also delete their anonymous volumes (data loss)'),
        timeout_seconds: z
          .number()
          .int()
          .min(0)
          .max(600)
          .optional()
          .describe('stop/restart: seconds before docker kills'),
        command: Command.optional().describe('exec: command run by sh -c in the container'),
        tail: z.number().int().min(1).max(MAX_LOG_LINES).optional().describe('logs: newest lines (default 200)'),
        since: LogSince.optional().describe('logs: 15m, 2h, 7d or an ISO time'),
        timestamps: z.boolean().optional().describe('logs: prefix each line with its time'),
      },
      annotations: { readOnlyHint: false, destructiveHint: true, openWorldHint: true },
    },
    ({ device, ...args }, extra) =>
      answer(async () => {
        const request = ContainerActionRequest.parse(args);
        const outcome = await deps.actions.containers(device, request, ctx());
        return askWhenHeld(
          outcome.operation,
          containerAnswer(request.action, request.containers, outcome, publicUrl).body,
          extra,
        );
      }),
  );

  server.registerTool(
    'manage_guests',
    {
      title: 'Manage Proxmox guests',
      description:
        'start, stop (hard power-off), shutdown (clean), reboot, suspend or resume (VMs only) one Proxmox VE guest by VMID. ' +
        "The VMID is checked against the node's real guest list (get_guests), which also gives the type (qm or pct). Every action is audited; " +
        'stop, shutdown and reboot take a whole machine down and are held until a person releases them (see run_command).',
      inputSchema: {
        device: Hostname.describe('Device hostname (the Proxmox node)'),
        vmid: Vmid.describe('Guest id, e.g. 101'),
        action: z.enum(GUEST_ACTIONS),
      },
      annotations: { readOnlyHint: false, destructiveHint: true, openWorldHint: true },
    },
    ({ device, ...args }, extra) =>
      answer(async () => {
        const request = GuestActionRequest.parse(args);
        const outcome = await deps.actions.guestAction(device, request, ctx());
        return askWhenHeld(outcome.operation, guestAnswer(request.action, outcome, publicUrl).body, extra);
      }),
  );

  server.registerTool(
    'create_zfs_snapshot',
    {
      title: 'Create a ZFS snapshot',
      description:
        'zfs snapshot [-r] dataset@name on a dataset the device has (checked against its real dataset list). Audited; loses nothing.',
      inputSchema: {
        device: Hostname.describe('Device hostname'),
        dataset: z.string().min(1).max(255).describe('e.g. tank/media'),
        name: z.string().min(1).max(255).describe('Snapshot name, e.g. before-upgrade-2026-11-26'),
        recursive: z.boolean().optional().describe('Also every descendant dataset, atomically'),
      },
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
    },
    ({ device, dataset, name, recursive }) =>
      answer(async () => {
        const view = await deps.actions.zfsSnapshot(device, { dataset, name, recursive: recursive ?? false }, ctx());
        return { snapshot: `${dataset}@${name}`, ...execAnswer(view, publicUrl).body };
      }),
  );

  server.registerTool(
    'get_logs',
    {
      title: 'Read logs',
      description:
        'The newest log lines of one container (docker logs) or one systemd unit (journalctl), bounded by tail (default 200, at most 10000) and since.',
      inputSchema: {
        device: Hostname.describe('Device hostname'),
        container: ContainerName.optional().describe('Container name or id'),
        unit: UnitName.optional().describe('systemd unit, e.g. nginx.service'),
        tail: z.number().int().min(1).max(MAX_LOG_LINES).optional(),
        since: LogSince.optional().describe('15m, 2h, 7d or an ISO time'),
      },
      annotations: readOnly,
    },
    ({ device, container, unit, tail, since }) =>
      answer(async () => {
        if ((container === undefined) === (unit === undefined))
          throw new ServiceError('validation_error', 400, 'give either container or unit');
        const window = { tail: tail ?? 200, ...(since !== undefined && { since }) };
        if (container !== undefined) {
          const request = ContainerActionRequest.parse({ action: 'logs', containers: [container], ...window });
          return containerAnswer('logs', [container], await deps.actions.containers(device, request, ctx()), publicUrl)
            .body;
        }
        return execAnswer(await deps.actions.unitLogs(device, unit ?? '', window, ctx()), publicUrl).body;
      }),
  );

  server.registerTool(
    'config_history',
    {
      title: 'Configuration history',
      description:
        'Without path: every watched configuration file of the device (compose, nginx/SWAG, systemd) with its newest version and how it is watched. ' +
        'With path: every stored version of that file, newest first, with change type, risk level, reasons and affected services.',
      inputSchema: {
        device: Hostname.describe('Device hostname'),
        path: DevicePath.optional().describe('Absolute path of a watched file'),
        limit: z.number().int().min(1).max(1000).optional(),
      },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    ({ device, path, limit }) =>
      answer(() =>
        path === undefined ? deps.configHistory.files(device) : deps.configHistory.history(device, path, limit ?? 50),
      ),
  );

  server.registerTool(
    'config_watch',
    {
      title: 'Change what is watched',
      description:
        'Adds (or with remove: true, removes) a file or directory to the configuration files watched on a device, besides what is discovered (compose files, SWAG/nginx confs, systemd units). Answers the watched set.',
      inputSchema: {
        device: Hostname.describe('Device hostname'),
        path: DevicePath.describe('Absolute path of a file or directory'),
        remove: z.boolean().optional(),
      },
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
    },
    ({ device, path, remove }) =>
      answer(() =>
        remove ? deps.configHistory.removeWatchPath(device, path) : deps.configHistory.addWatchPath(device, path),
      ),
  );

  server.registerTool(
    'config_diff',
    {
      title: 'Diff two configuration versions',
      description:
        'Unified diff and semantic changes (e.g. "service web: image 1.2 → 1.3", "upstream changed", "port 8080 removed") between two stored versions (snapshot ids from config_history) of the same file.',
      inputSchema: { from: SnapshotId.describe('Older snapshot id'), to: SnapshotId.describe('Newer snapshot id') },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    ({ from, to }) => answer(() => deps.configHistory.diff(from, to)),
  );

  server.registerTool(
    'rollback_config',
    {
      title: 'Roll a configuration file back',
      description:
        'Puts a stored version (snapshot id from config_history) of a file back on its device. Always held until a person releases it with a confirmation phrase; ' +
        'then written atomically and checked (nginx -t, docker compose config, systemd-analyze verify); if the check fails, the previous content is restored.',
      inputSchema: { snapshot_id: SnapshotId.describe('The version to restore') },
      annotations: { readOnlyHint: false, destructiveHint: true, openWorldHint: true },
    },
    ({ snapshot_id }, extra) =>
      answer(async () => {
        const view = await deps.configHistory.rollback(snapshot_id, ctx());
        return askWhenHeld(view, execAnswer(view, publicUrl).body, extra);
      }),
  );

  server.registerResource(
    'config-changes',
    'config://changes',
    {
      title: 'Recent configuration changes',
      description: 'The 100 newest change events on all devices, with risk, reasons and semantic changes.',
      mimeType: 'application/json',
    },
    async (uri) => ({
      contents: [
        {
          uri: uri.href,
          mimeType: 'application/json',
          text: JSON.stringify(await deps.configHistory.changes({ limit: 100, includeDiff: false }), null, 2),
        },
      ],
    }),
  );
  const deviceResources = (kind: 'nginx' | 'compose', name: string, template: string, title: string) =>
    server.registerResource(
      name,
      new ResourceTemplate(template, {
        list: async () => ({
          resources: (await deps.devices.list()).map((d) => ({
            uri: template.replace('{device}', d.hostname),
            name: `${title}: ${d.hostname}`,
            mimeType: 'application/json',
          })),
        }),
      }),
      {
        title,
        description: `${title} of one device: current content and parsed meaning of each file.`,
        mimeType: 'application/json',
      },
      async (uri, { device }) => ({
        contents: [
          {
            uri: uri.href,
            mimeType: 'application/json',
            text: JSON.stringify(await deps.configHistory.current(Hostname.parse(String(device)), kind), null, 2),
          },
        ],
      }),
    );
  deviceResources('nginx', 'proxy-configs', 'config://proxy-configs/{device}', 'Proxy configurations');
  deviceResources('compose', 'docker-compose', 'config://docker-compose/{device}', 'Docker compose files');

  server.registerTool(
    'confirm_operation',
    {
      title: 'Confirm a held operation',
      description:
        "For a person's session only: releases a held destructive operation with its confirmation phrase (three wrong attempts reject it). " +
        'It answers forbidden for a session whose token lacks the confirm scope (every agent token), and is refused for the ' +
        "operation's own requester even with that scope. An agent must not call it: the person confirms with `infra confirm <id>`, " +
        'in the web console, or when their MCP client asks them.',
      inputSchema: { operation_id: OperationId, phrase: z.string().min(1).max(1000) },
      annotations: { readOnlyHint: false, destructiveHint: true, openWorldHint: true },
    },
    ({ operation_id, phrase }) =>
      answer(async () => {
        const outcome = await deps.operations.confirm(operation_id, phrase, ctx());
        return outcome.accepted
          ? execAnswer(outcome.operation, publicUrl).body
          : { accepted: false, message: outcome.message, attempts_left: outcome.attempts_left };
      }),
  );

  server.registerTool(
    'cancel_operation',
    {
      title: 'Cancel a held operation',
      description:
        'Cancels a destructive operation that is waiting for confirmation; nothing runs. Its requester may withdraw it; anyone else needs the confirm scope.',
      inputSchema: { operation_id: OperationId },
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    ({ operation_id }) => answer(() => deps.operations.cancel(operation_id, ctx())),
  );

  return server;
}

type ToolExtra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/**
 * Asks the person at the client for the phrase (MCP elicitation) and confirms with what they type, as
 * the elicited person. The phrase is in the elicitation request only: the tool result the model gets
 * says what happened (ran, rejected, cancelled, expired), never the phrase. Declining cancels; wrong
 * phrases are asked again while attempts remain.
 */
async function elicitConfirmation(
  server: McpServer,
  operations: OperationService,
  operationId: string,
  held: Record<string, unknown>,
  person: RequestContext,
  extra: ToolExtra,
): Promise<unknown> {
  const risk = held.risk_assessment as { risk_level: string; reasons: string[] };
  let note = '';
  for (;;) {
    const operation = await operations.get(operationId, person.principal);
    if (operation.state !== 'awaiting_confirmation' || !operation.confirmation_phrase)
      return { outcome: operation.state, operation };
    const reply = await server.server.elicitInput(
      {
        mode: 'form',
        message:
          `${note}Destructive command held on ${operation.device} (risk ${risk.risk_level}): ${operation.command}\n${risk.reasons.join('; ')}\n` +
          `To run it, type exactly: ${operation.confirmation_phrase}\n(expires ${operation.expires_at}; decline to cancel)`,
        requestedSchema: {
          type: 'object',
          properties: { phrase: { type: 'string', title: 'Confirmation phrase' } },
          required: ['phrase'],
        },
      },
      // The person has until the operation expires, not the SDK's default minute.
      {
        relatedRequestId: extra.requestId,
        timeout: Math.max(1_000, Date.parse(operation.expires_at ?? '') - Date.now() || 0),
      },
    );
    if (reply.action !== 'accept' || typeof reply.content?.phrase !== 'string') {
      return { outcome: 'cancelled', cancelled_by_user: true, operation: await operations.cancel(operationId, person) };
    }
    const outcome = await operations.confirm(operationId, reply.content.phrase, person);
    if (outcome.accepted)
      return {
        outcome: outcome.operation.state === 'completed' ? 'ran' : outcome.operation.state,
        ...execAnswer(outcome.operation, null).body,
      };
    if (outcome.attempts_left === 0)
      return { outcome: 'rejected', accepted: false, message: outcome.message, attempts_left: 0 };
    note = `${outcome.message}. `;
  }
}

/**
 * Every tool's arguments are checked for NUL characters before its handler runs (see
 * schema/nul-character.ts): the same refusal the HTTP API gives, as a tool error.
 */
function refuseNulArguments(server: McpServer): void {
  const register = server.registerTool.bind(server) as (
    name: string,
    config: unknown,
    handler: (...args: unknown[]) => unknown,
  ) => unknown;
  (server as { registerTool: typeof register }).registerTool = (name, config, handler) =>
    register(name, config, (...args: unknown[]) => {
      const where = nulPath(args[0], 'arguments');
      if (where === null) return handler(...args);
      return answer(() =>
        Promise.reject(
          new ServiceError('validation_error', 400, 'arguments are invalid', [
            { path: where, message: 'must not contain a NUL character' },
          ]),
        ),
      );
    });
}

/** Runs a tool body under a correlation id; errors become `isError` results in the API's error shape. */
async function answer(body: () => Promise<unknown>): Promise<CallToolResult> {
  return withCorrelationId(randomUUID(), async () => {
    try {
      const text = JSON.stringify(await body(), null, 2);
      // The same answer as structured content (as JSON would carry it: dates as strings), checked against the tool's outputSchema.
      const structured: unknown = text === undefined ? undefined : JSON.parse(text);
      const isObject = typeof structured === 'object' && structured !== null && !Array.isArray(structured);
      return {
        content: [{ type: 'text', text: text ?? 'null' }],
        ...(isObject && { structuredContent: structured as Record<string, unknown> }),
      };
    } catch (thrown) {
      const err = databaseUnreachable(thrown) === null ? thrown : databaseUnavailable();
      const error =
        err instanceof ServiceError
          ? { code: err.code, message: err.message, details: err.details }
          : err instanceof z.ZodError
            ? {
                code: 'validation_error',
                message: 'arguments are invalid',
                details: err.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
              }
            : { code: 'internal_error', message: err instanceof Error ? err.message : String(err) };
      return {
        isError: true,
        content: [
          { type: 'text', text: JSON.stringify({ error: { ...error, correlation_id: currentCorrelationId() } }) },
        ],
      };
    }
  });
}
