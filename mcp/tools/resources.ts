import {
  McpError,
  ErrorCode,
  SubscribeRequestSchema,
  UnsubscribeRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { ResourceTemplate, type McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Variables } from '@modelcontextprotocol/sdk/shared/uriTemplate.js';
import { z } from 'zod';
import { collectorFor, DATA_TYPES, isDataType } from '../../domain/collectors/registry.ts';
import type { ZfsData } from '../../domain/collectors/zfs/schema.ts';
import { Hostname } from '../../schema/device.ts';
import { DEFAULT_LOG_LINES, UnitName } from '../../schema/log-request.ts';
import type { CollectionService } from '../../services/collection-service.ts';
import type { DeviceActionService } from '../../services/device-action-service.ts';
import type { DeviceService } from '../../services/device-service.ts';
import type { EventService, InfraEvent } from '../../services/event-service.ts';
import type { StackService } from '../../services/stack-service.ts';
import type { ToolKit } from './operational-workflows.ts';

export interface ResourceDeps {
  devices: DeviceService;
  collection: CollectionService;
  actions: DeviceActionService;
  events: EventService;
  stacks: StackService;
}

const JSON_TYPE = 'application/json';
/** Audit actions that add or take devices from the list. */
const DEVICE_LIST_ACTIONS = new Set(['device_create', 'device_delete', 'device_import']);

const json = (uri: URL, body: unknown) => ({
  contents: [{ uri: uri.href, mimeType: JSON_TYPE, text: JSON.stringify(body, null, 2) }],
});

/** One variable of a matched URI template, checked like the same value on HTTP. */
function variable(vars: Variables, name: string, schema: z.ZodType<string>): string {
  const value = vars[name];
  try {
    return schema.parse(Array.isArray(value) ? value.join(',') : value);
  } catch {
    throw new McpError(ErrorCode.InvalidParams, `${name}: ${JSON.stringify(value)} is not valid`);
  }
}

/**
 * Resources by URI: the device list, any data type of a device, its ZFS pools, listening ports, compose
 * stacks and a unit's journal, each
 * read through the same services as the tools (a data read is a cached, audited read; a journal read an
 * audited operation). Templates list what exists so clients can enumerate. Clients hear when the device
 * list changes, and — for the URIs they subscribed to — when a new collection of that data lands (the
 * event service's live events, i.e. PostgreSQL NOTIFY from whichever process wrote the row).
 */
export function registerResources(server: McpServer, deps: ResourceDeps, kit: ToolKit): void {
  server.registerResource(
    'devices',
    'infra://devices',
    {
      title: 'Devices',
      description: 'Every registered device with its status, last contact and capabilities.',
      mimeType: JSON_TYPE,
    },
    async (uri) => json(uri, { devices: await deps.devices.list() }),
  );

  server.registerResource(
    'device-data',
    new ResourceTemplate('infra://devices/{hostname}/{data_type}', {
      // A type whose capability the device is known to lack is not listed (reading it still answers "not available").
      list: async () => ({
        resources: (await deps.devices.list()).flatMap((d) =>
          DATA_TYPES.filter((t) => {
            const needs = collectorFor(t).requiredCapability;
            return needs === undefined || d.capabilities[needs] !== false;
          }).map((t) => ({
            uri: `infra://devices/${d.hostname}/${t}`,
            name: `${d.hostname} ${t}`,
            mimeType: JSON_TYPE,
          })),
        ),
      }),
      complete: { hostname: hostnames(deps), data_type: (value) => DATA_TYPES.filter((t) => t.startsWith(value)) },
    }),
    {
      title: 'Device data',
      description: `One data type of one device (${DATA_TYPES.join(', ')}), read through the cache like the get_* tools: data, insights, collected_at, age_seconds.`,
      mimeType: JSON_TYPE,
    },
    async (uri, vars) => {
      const hostname = variable(vars, 'hostname', Hostname);
      const dataType = variable(vars, 'data_type', z.string().refine(isDataType));
      return json(uri, await deps.collection.read(hostname, dataType, { forceRefresh: false }, kit.ctx()));
    },
  );

  server.registerResource(
    'zfs-pools',
    new ResourceTemplate('zfs://{hostname}/pools', {
      list: async () => ({
        resources: (await deps.devices.list())
          .filter((d) => d.capabilities.zfs)
          .map((d) => ({ uri: `zfs://${d.hostname}/pools`, name: `${d.hostname} ZFS pools`, mimeType: JSON_TYPE })),
      }),
      complete: { hostname: hostnames(deps) },
    }),
    {
      title: 'ZFS pools',
      description:
        'The ZFS pools of a device: health, capacity, vdev tree with errors, scrub/resilver, and the problems found.',
      mimeType: JSON_TYPE,
    },
    async (uri, vars) => {
      const hostname = variable(vars, 'hostname', Hostname);
      const answer = await deps.collection.read(hostname, 'zfs', { forceRefresh: false }, kit.ctx());
      const data = answer.data as ZfsData;
      return json(uri, {
        device: hostname,
        collected_at: answer.collected_at,
        age_seconds: answer.age_seconds,
        zfs_available: data.zfs_available,
        ...(data.reason !== undefined && { reason: data.reason }),
        summary: data.summary,
        problems: data.problems,
        pools: data.pools,
      });
    },
  );

  server.registerResource(
    'listening-ports',
    new ResourceTemplate('ports://{hostname}', {
      list: async () => ({
        resources: (await deps.devices.list()).map((d) => ({
          uri: `ports://${d.hostname}`,
          name: `${d.hostname} listening ports`,
          mimeType: JSON_TYPE,
        })),
      }),
      complete: { hostname: hostnames(deps) },
    }),
    {
      title: 'Listening ports',
      description:
        'The TCP and UDP sockets a device listens on (ss -tulpnH) with the owning process and the container that publishes each, read through the cache like get_ports.',
      mimeType: JSON_TYPE,
    },
    async (uri, vars) =>
      json(
        uri,
        await deps.collection.read(variable(vars, 'hostname', Hostname), 'ports', { forceRefresh: false }, kit.ctx()),
      ),
  );

  server.registerResource(
    'compose-stacks',
    new ResourceTemplate('docker://{hostname}/stacks', {
      list: async () => ({
        resources: (await deps.devices.list())
          .filter((d) => d.capabilities.docker)
          .map((d) => ({
            uri: `docker://${d.hostname}/stacks`,
            name: `${d.hostname} compose stacks`,
            mimeType: JSON_TYPE,
          })),
      }),
      complete: { hostname: hostnames(deps) },
    }),
    {
      title: 'Compose stacks',
      description:
        'The compose stacks of a device, as list_stacks answers: each with its services, images, digests, state and ports.',
      mimeType: JSON_TYPE,
    },
    async (uri, vars) =>
      json(uri, await deps.stacks.list(variable(vars, 'hostname', Hostname), { forceRefresh: false }, kit.ctx())),
  );

  server.registerResource(
    'unit-logs',
    // Units are not listed: knowing them means collecting services on every device.
    new ResourceTemplate('logs://{hostname}/{unit}', { list: undefined, complete: { hostname: hostnames(deps) } }),
    {
      title: 'Unit journal',
      description: `The newest ${DEFAULT_LOG_LINES} journal lines of a systemd unit (journalctl), as get_logs reads them.`,
      mimeType: 'text/plain',
    },
    async (uri, vars) => {
      const hostname = variable(vars, 'hostname', Hostname);
      const unit = variable(vars, 'unit', UnitName);
      const view = await deps.actions.unitLogs(hostname, unit, { tail: DEFAULT_LOG_LINES }, kit.ctx());
      if (view.result === null || view.result.exit_code !== 0) {
        const why = view.error?.message ?? view.result?.stderr.trim() ?? `the read ended ${view.state}`;
        throw new McpError(ErrorCode.InternalError, `journal of ${unit} on ${hostname} could not be read: ${why}`);
      }
      return { contents: [{ uri: uri.href, mimeType: 'text/plain', text: view.result.stdout }] };
    },
  );

  notifyChanges(server, deps.events);
}

function hostnames(deps: ResourceDeps): (value: string) => Promise<string[]> {
  return async (value) => (await deps.devices.list()).map((d) => d.hostname).filter((h) => h.startsWith(value));
}

/** The resource URIs an event changes the content of. */
function updatedUris(e: InfraEvent): string[] {
  if (e.kind === 'device_status') return ['infra://devices'];
  if (e.action === 'collect' && e.status === 'success' && e.device && typeof e.data_type === 'string') {
    const derived: Record<string, string> = {
      zfs: `zfs://${e.device}/pools`,
      ports: `ports://${e.device}`,
      containers: `docker://${e.device}/stacks`,
    };
    return [`infra://devices/${e.device}/${e.data_type}`, ...(derived[e.data_type] ? [derived[e.data_type]!] : [])];
  }
  if (typeof e.action === 'string' && e.action.startsWith('device_')) return ['infra://devices'];
  if (e.action === 'config_change') return ['config://changes'];
  return [];
}

/**
 * resources/list_changed when a device comes or goes, and resources/updated for the URIs this session
 * subscribed to. Listens for as long as the session lives.
 */
function notifyChanges(server: McpServer, events: EventService): void {
  const subscribed = new Set<string>();
  server.server.registerCapabilities({ resources: { subscribe: true, listChanged: true } });
  server.server.setRequestHandler(SubscribeRequestSchema, (request) => {
    subscribed.add(request.params.uri);
    return {};
  });
  server.server.setRequestHandler(UnsubscribeRequestSchema, (request) => {
    subscribed.delete(request.params.uri);
    return {};
  });
  const unsubscribe = events.subscribe((e) => {
    if (!server.isConnected()) return;
    if (e.kind === 'audit' && DEVICE_LIST_ACTIONS.has(String(e.action))) server.sendResourceListChanged();
    // A notification to a session whose stream just ended has nobody to reach: nothing to do about it.
    for (const uri of updatedUris(e))
      if (subscribed.has(uri)) void server.server.sendResourceUpdated({ uri }).catch(() => undefined);
  });
  server.server.onclose = unsubscribe;
}
