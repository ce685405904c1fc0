import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { DevicePatch, DeviceView, Hostname, Tag } from '../../schema/device.ts';
import { ImportRequest, ImportResult } from '../../schema/device-import.ts';
import { DEVICE_TYPES } from '../../schema/device-types.ts';
import type { DeviceService } from '../../services/device-service.ts';
import { FleetDevice, type FleetService } from '../../services/fleet-service.ts';
import type { ToolKit } from './operational-workflows.ts';

export interface DeviceToolDeps {
  devices: DeviceService;
  fleet: FleetService;
}

/**
 * Managing the device list — the tools `add_device` has beside it on HTTP and the CLI: read one, edit,
 * remove, import an ssh config. Each changes what is managed, so mcp/tool-scopes.ts asks `admin` for them,
 * as the HTTP API does for the same routes.
 */
export function registerDeviceTools(server: McpServer, deps: DeviceToolDeps, kit: ToolKit): void {
  server.registerTool(
    'get_device',
    {
      title: 'Get a device',
      description:
        'One registered device: address, port, user, type, tags, status and its detail, last contact, pinned host key fingerprint, capabilities, config watch mode and maintenance.',
      inputSchema: { device: Hostname.describe('Device hostname') },
      outputSchema: DeviceView,
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    ({ device }) => kit.answer(() => deps.devices.get(device)),
  );

  server.registerTool(
    'update_device',
    {
      title: 'Edit a device',
      description:
        'Changes how a registered device is reached or followed: address, port, username, identity_file, device_type, tags, location, ' +
        'description, monitoring_enabled (off stops its schedules), or reset_host_key: true to forget the pinned host key so the next ' +
        'connection pins the new one (after a reinstall). Answers the device as it is now.',
      inputSchema: {
        device: Hostname.describe('Device hostname'),
        address: z.string().optional().describe('DNS name or IP'),
        port: z.number().int().optional(),
        username: z.string().optional(),
        identity_file: z
          .string()
          .nullable()
          .optional()
          .describe('Path of the private key on the worker; null to use the ssh-agent'),
        auth_method: z.enum(['key', 'agent']).optional(),
        device_type: z.enum(DEVICE_TYPES).optional(),
        tags: z.array(Tag).optional().describe('Replaces the tags'),
        location: z.string().nullable().optional(),
        description: z.string().nullable().optional(),
        monitoring_enabled: z.boolean().optional(),
        reset_host_key: z.literal(true).optional().describe('Forget the pinned host key'),
      },
      outputSchema: DeviceView,
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    ({ device, ...patch }) => kit.answer(() => deps.devices.update(device, DevicePatch.parse(patch), kit.ctx())),
  );

  server.registerTool(
    'remove_device',
    {
      title: 'Remove a device',
      description:
        'Stops managing a device: its schedules and config watcher end and it leaves the device list. Nothing on the device itself ' +
        'changes. Its stored collections and config history go with it; the audit log keeps its hostname.',
      inputSchema: { device: Hostname.describe('Device hostname') },
      outputSchema: { removed: z.string().describe('The hostname removed') },
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
    },
    ({ device }) =>
      kit.answer(async () => {
        await deps.devices.remove(device, kit.ctx());
        return { removed: device };
      }),
  );

  server.registerTool(
    'import_ssh_config',
    {
      title: 'Import devices from an ssh config',
      description:
        'Registers the hosts of an OpenSSH client config (Host blocks with HostName, Port, User, IdentityFile; wildcards skipped). ' +
        'dry_run: true answers would_create, existing and skipped and changes nothing; run it first. Hosts already registered are never changed.',
      inputSchema: {
        config: ImportRequest.shape.config.describe('The text of an ssh config file'),
        dry_run: z.boolean().describe('true: only report what would be created'),
        defaults: ImportRequest.shape.defaults
          .optional()
          .describe('username, identity_file, device_type and tags for hosts that do not say'),
      },
      outputSchema: ImportResult,
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    (args) =>
      kit.answer(() => {
        const request = ImportRequest.parse(args);
        return deps.devices.importSshConfig(
          request.config,
          { dryRun: request.dry_run, defaults: request.defaults },
          kit.ctx(),
        );
      }),
  );

  server.registerTool(
    'fleet_overview',
    {
      title: 'Fleet overview',
      description:
        'Every device with its newest stored metrics (CPU %, memory %, fullest disk %, load), container counts and firing alerts, ' +
        'in one answer. Reads what is stored and never collects: a device never collected has null figures.',
      inputSchema: {},
      outputSchema: { devices: z.array(FleetDevice) },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    () => kit.answer(() => deps.fleet.summary()),
  );
}
