import { randomUUID } from 'node:crypto';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { withCorrelationId, currentCorrelationId } from '../platform/logger.ts';
import { DEVICE_TYPES, DeviceCreate, Hostname, Tag } from '../schema/device.ts';
import type { CollectionService } from '../services/collection-service.ts';
import type { DeviceService, RequestContext } from '../services/device-service.ts';
import type { HealthService } from '../services/health-service.ts';
import { ServiceError } from '../services/service-error.ts';

export interface McpDeps {
  devices: DeviceService;
  collection: CollectionService;
  health: HealthService;
}

const readOnly = { readOnlyHint: true, openWorldHint: true } as const;

/** The MCP front: the same services as the HTTP API, with trigger `mcp` on every audit row. */
export function buildServer(deps: McpDeps): McpServer {
  const server = new McpServer({ name: 'infrastructor', version: '0.1.0' });

  server.registerTool(
    'list_devices',
    { title: 'List devices', description: 'Every registered device with its status, last contact and capabilities.', inputSchema: {}, annotations: { readOnlyHint: true } },
    () => answer(async () => ({ devices: await deps.devices.list() })),
  );

  server.registerTool(
    'add_device',
    {
      title: 'Add a device',
      description: 'Register a Linux device reachable over SSH. The host key is pinned on the first connection. Use identity_file (a private key path on the worker) or omit it to use the ssh-agent.',
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
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false },
    },
    (args) =>
      answer(async () => {
        const input = DeviceCreate.parse(args);
        return deps.devices.create(input, ctx());
      }),
  );

  const dataTool = (name: string, dataType: string, title: string, description: string) =>
    server.registerTool(
      name,
      {
        title,
        description,
        inputSchema: {
          device: Hostname.describe('Device hostname'),
          force_refresh: z.boolean().optional().describe('Collect now even if the stored data is fresh'),
        },
        annotations: readOnly,
      },
      ({ device, force_refresh }) => answer(() => deps.collection.read(device, dataType, { forceRefresh: force_refresh ?? false }, ctx())),
    );
  dataTool('get_metrics', 'metrics', 'System metrics', 'CPU % (from /proc/stat deltas), memory, filesystems, load, uptime, network counters and process count. Cached for up to 300 s.');
  dataTool('get_containers', 'containers', 'Containers', 'Every Docker container with state, image, ports, restart count, health and CPU/memory/network/block I/O. Cached for up to 30 s.');

  server.registerTool(
    'infrastructure_health',
    { title: 'Infrastructure health', description: 'Health of Temporal, the database, the worker, and devices by status.', inputSchema: {}, annotations: { readOnlyHint: true } },
    () => answer(() => deps.health.report()),
  );

  return server;
}

function ctx(): RequestContext {
  return { trigger: 'mcp', correlationId: currentCorrelationId() ?? null };
}

/** Runs a tool body under a correlation id; errors become `isError` results in the API's error shape. */
async function answer(body: () => Promise<unknown>): Promise<CallToolResult> {
  return withCorrelationId(randomUUID(), async () => {
    try {
      const result = await body();
      return { content: [{ type: 'text', text: JSON.stringify(result, null, 2) }] };
    } catch (err) {
      const error =
        err instanceof ServiceError
          ? { code: err.code, message: err.message, details: err.details }
          : err instanceof z.ZodError
            ? { code: 'validation_error', message: 'arguments are invalid', details: err.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) }
            : { code: 'internal_error', message: err instanceof Error ? err.message : String(err) };
      return { isError: true, content: [{ type: 'text', text: JSON.stringify({ error: { ...error, correlation_id: currentCorrelationId() } }) }] };
    }
  });
}
