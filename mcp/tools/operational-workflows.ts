import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { CallToolResult, ServerNotification, ServerRequest } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { ContainerName } from '../../schema/container-action.ts';
import { Hostname } from '../../schema/device.ts';
import { MaintenanceRequest } from '../../schema/maintenance-request.ts';
import type { OperationView } from '../../schema/operation.ts';
import { ServiceRestartRequest } from '../../schema/service-restart.ts';
import type { RequestContext } from '../../services/device-service.ts';
import type { DiagnosisService } from '../../services/diagnosis-service.ts';
import type { IncidentService } from '../../services/incident-service.ts';
import type { MaintenanceService } from '../../services/maintenance-service.ts';
import type { ServiceRestartService } from '../../services/service-restart-service.ts';
import { maintenanceAnswer, serviceRestartAnswer } from '../../services/workflow-answers.ts';

export interface OperationalWorkflowDeps {
  maintenance: MaintenanceService;
  restarts: ServiceRestartService;
  incidents: IncidentService;
  diagnosis: DiagnosisService;
}

/** What the server lends its tools: error shaping, the session's request context, and asking its person. */
export interface ToolKit {
  answer(body: () => Promise<unknown>): Promise<CallToolResult>;
  ctx(): RequestContext;
  askWhenHeld(
    view: OperationView,
    answerBody: Record<string, unknown>,
    extra: RequestHandlerExtra<ServerRequest, ServerNotification>,
  ): unknown;
  publicUrl: string | null;
}

const Focus = z.enum(['performance', 'storage', 'containers', 'all']);

/** Tools that do a whole job as a durable workflow: diagnosis, maintenance mode, ordered restarts, disk incidents. */
export function registerOperationalWorkflowTools(server: McpServer, deps: OperationalWorkflowDeps, kit: ToolKit): void {
  server.registerTool(
    'diagnose',
    {
      title: 'Diagnose a device or the fleet',
      description:
        'Collects fresh data for the focus (performance: metrics; storage: filesystems, SMART, ZFS; containers; all) and ' +
        'returns ranked findings with evidence and a recommendation each: high CPU/memory/load, filesystems nearly full and ' +
        'days until full from their growth, failing drives, degraded pools, restarting/unhealthy/exited containers, failed ' +
        'units, pending security updates — and config changes made shortly before a problem began. Omit device for the ' +
        'whole fleet. It never changes anything.',
      inputSchema: {
        device: Hostname.optional().describe('Device hostname; omit for every monitored device'),
        focus: Focus.optional(),
      },
      annotations: { readOnlyHint: true, openWorldHint: true },
    },
    ({ device, focus }) => kit.answer(() => deps.diagnosis.diagnose(device ?? null, focus ?? 'all', kit.ctx())),
  );

  server.registerTool(
    'maintenance_mode',
    {
      title: 'Maintenance mode',
      description:
        'enable: plans from the live containers and stops the non-critical ones in dependency order (databases, proxies, ' +
        'identity, DNS, VPN and containers labelled infrastructor.critical=true are kept unless listed in include), lowers ' +
        'polling to every 30 min and marks the device so alerts are muted. Entering is held until a person releases it ' +
        'with its phrase. disable: starts exactly the containers entering stopped (dependencies first, each waited for until ' +
        'running/healthy) and restores polling. Survives restarts of infrastructor; the device may stay in maintenance for days.',
      inputSchema: {
        device: Hostname.describe('Device hostname'),
        enable: z.boolean().describe('true to enter maintenance, false to leave it'),
        include: z.array(ContainerName).max(200).optional().describe('critical containers to stop anyway'),
        keep: z.array(ContainerName).max(200).optional().describe('other containers to leave running'),
        reason: z.string().max(500).optional().describe('why, shown on the device and in the audit'),
      },
      annotations: { readOnlyHint: false, destructiveHint: true, openWorldHint: true },
    },
    ({ device, ...args }, extra) =>
      kit.answer(async () => {
        const request = MaintenanceRequest.parse(args);
        if (!request.enable) return { maintenance: await deps.maintenance.leave(device, kit.ctx()) };
        const outcome = await deps.maintenance.enter(device, request, kit.ctx());
        const body = maintenanceAnswer(outcome, kit.publicUrl).body;
        return outcome.operation ? kit.askWhenHeld(outcome.operation, body, extra) : body;
      }),
  );

  server.registerTool(
    'restart_service',
    {
      title: 'Restart a compose service and its dependents',
      description:
        'Restarts a Docker Compose service, then every service that depends on it (directly or not) in the order depends_on ' +
        'gives, waiting for each to be running — and healthy, when it has a healthcheck — before the next. Reports each step; ' +
        'stops at the first failure and says which services were not restarted. Dependencies are read from the labels ' +
        'Compose puts on the containers.',
      inputSchema: {
        device: Hostname.describe('Device hostname'),
        service: z.string().describe('Compose service name (not the container name)'),
        project: z.string().optional().describe('Compose project; needed only when several projects have that service'),
      },
      annotations: { readOnlyHint: false, destructiveHint: false, openWorldHint: true },
    },
    ({ device, service, project }, extra) =>
      kit.answer(async () => {
        const request = ServiceRestartRequest.parse({ service, ...(project === undefined ? {} : { project }) });
        const outcome = await deps.restarts.restart(device, request, kit.ctx());
        const body = serviceRestartAnswer(outcome, kit.publicUrl).body;
        return outcome.held_operation ? kit.askWhenHeld(outcome.held_operation, body, extra) : body;
      }),
  );

  server.registerTool(
    'list_incidents',
    {
      title: 'Drive and pool incidents',
      description:
        'Failed drives and degraded pools, each followed by the disk-replacement runbook: awaiting_replacement (a human must ' +
        'swap the disk, then call disk_replaced), rebuilding (resilver followed to completion), closed — with the timeline.',
      inputSchema: {
        device: Hostname.optional(),
        state: z.enum(['awaiting_replacement', 'rebuilding', 'closed']).optional(),
      },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    ({ device, state }) =>
      kit.answer(async () => ({ incidents: await deps.incidents.list({ hostname: device, state, limit: 100 }) })),
  );

  server.registerTool(
    'disk_replaced',
    {
      title: 'Report a disk replaced',
      description:
        'Tells the runbook of an incident that the disk was physically replaced (and, for a pool, that `zpool replace` was ' +
        'started). The runbook then follows the resilver until the pool is ONLINE and closes the incident. It changes nothing on the device.',
      inputSchema: {
        incident_id: z.string().uuid(),
        note: z.string().max(1000).optional().describe("e.g. the new disk's serial"),
      },
      annotations: { readOnlyHint: false, destructiveHint: false, openWorldHint: false },
    },
    ({ incident_id, note }) => kit.answer(() => deps.incidents.replaced(incident_id, kit.ctx(), note ?? null)),
  );

  server.registerPrompt(
    'health_check',
    {
      title: 'Fleet health check',
      description: 'Check every device and report what needs attention, most urgent first.',
      argsSchema: { focus: Focus.optional() },
    },
    ({ focus }) => ({
      messages: [
        {
          role: 'user',
          content: {
            type: 'text',
            text:
              `Run a health check of my infrastructure. Call diagnose without a device (focus ${focus ?? 'all'}), then list_incidents ` +
              'with state awaiting_replacement. Report the critical findings first, then warnings, each with its device, the evidence ' +
              'and the recommendation. Mention any device that could not be checked. Do not run any command that changes a device; ' +
              'propose the next steps instead.',
          },
        },
      ],
    }),
  );

  server.registerPrompt(
    'troubleshoot_device',
    {
      title: 'Troubleshoot a device',
      description: 'Find out what is wrong with one device, step by step, without changing it.',
      argsSchema: { device: Hostname, symptom: z.string().max(500).optional() },
    },
    ({ device, symptom }) => ({
      messages: [
        {
          role: 'user',
          content: {
            type: 'text',
            text:
              `Troubleshoot ${device}${symptom ? `; the symptom: ${symptom}` : ''}. Start with diagnose for ${device} (focus all). ` +
              'For each finding, look closer with the read-only tools: get_containers and get_logs for containers, get_services and ' +
              'get_logs with a unit for failed units, get_drive_health and get_zfs_status for storage, config_history and config_diff ' +
              'when a config change came shortly before the problem. Explain the likely cause with its evidence. Propose fixes ' +
              '(restart_service, rollback_config, maintenance_mode...) but do not run them until I say so; destructive ones will ask ' +
              'me for a confirmation phrase.',
          },
        },
      ],
    }),
  );
}
