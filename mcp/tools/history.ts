import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { auditEntry } from '../../services/audit-service.ts';
import { AlertRuleCreate, AlertRuleView, AlertView } from '../../schema/alert.ts';
import { AuditEntry } from '../../schema/audit.ts';
import { OperationId } from '../../schema/command-request.ts';
import { ConfigChange, ConfigSnapshotView } from '../../schema/config-change.ts';
import { SnapshotId } from '../../schema/config-request.ts';
import { AUDIT_ACTIONS } from '../../schema/database.ts';
import { Hostname } from '../../schema/device.ts';
import { IncidentView } from '../../schema/incident.ts';
import { MaintenanceView } from '../../schema/maintenance-view.ts';
import { OPERATION_STATES } from '../../schema/operation.ts';
import { StoredOperationView } from '../../schema/operation-view.ts';
import type { AlertService } from '../../services/alert-service.ts';
import { CacheStats, HistoryAnswer, type CollectionService } from '../../services/collection-service.ts';
import type { ConfigHistoryService } from '../../services/config-history-service.ts';
import type { IncidentService } from '../../services/incident-service.ts';
import type { MaintenanceService } from '../../services/maintenance-service.ts';
import type { OperationService } from '../../services/operation-service.ts';
import { PerformancePeriod, type PerformanceService } from '../../services/performance-service.ts';
import type { AuditService } from '../../services/audit-service.ts';
import { ServiceError } from '../../services/service-error.ts';
import type { ToolKit } from './operational-workflows.ts';

export interface HistoryToolDeps {
  audit: AuditService;
  performance: PerformanceService;
  collection: CollectionService;
  configHistory: ConfigHistoryService;
  incidents: IncidentService;
  operations: OperationService;
  maintenance: MaintenanceService;
  alerts: AlertService;
}

const Time = z.iso.datetime({ offset: true });
const DataType = z.string().regex(/^[a-z_]{1,40}$/, 'data type: lowercase letters and underscores');
const DAY_MS = 86_400_000;

/** The range a history question covers, as the HTTP API reads it: since alone runs to now, until alone is the day before it. */
function timeRange(
  since: string | undefined,
  until: string | undefined,
  defaultSpanMs: number,
): { since: Date; until: Date } {
  const end = until ? new Date(until) : new Date();
  const start = since ? new Date(since) : new Date(end.getTime() - defaultSpanMs);
  if (start >= end) throw new ServiceError('validation_error', 400, 'since must be before until');
  return { since: start, until: end };
}

/**
 * What happened and what was stored, over MCP as over HTTP: the time series of any data type, the audit
 * log, events since a time, alerts and their rules, incidents, operations, the fleet-wide config change
 * list, maintenance status and the read/collection performance. Reads only, except the alert-rule tools
 * (admin, like `/api/alerts/rules`).
 */
export function registerHistoryTools(server: McpServer, deps: HistoryToolDeps, kit: ToolKit): void {
  const readOnly = { readOnlyHint: true, openWorldHint: false } as const;

  server.registerTool(
    'get_history',
    {
      title: 'History of a data type',
      description:
        'The stored collections of one data type (metrics, containers, zfs, drives, ...) of a device over a time range, oldest first: ' +
        'each with collected_at and, for metrics, the chart figures (cpu_percent, memory_used_percent, disk_max_used_percent, load). ' +
        'include_data adds each full snapshot. since alone runs to now; until alone covers the day before it; neither: the last 24 h. ' +
        'truncated: true means limit cut the series; ask again from the last collected_at. Never collects.',
      inputSchema: {
        device: Hostname.describe('Device hostname'),
        data_type: DataType.describe('e.g. metrics, containers, zfs, drives, services, network, updates'),
        since: Time.optional().describe('ISO time, e.g. 2026-12-01T00:00:00Z'),
        until: Time.optional(),
        limit: z.number().int().min(1).max(10_000).optional().describe('At most this many points (default 1000)'),
        include_data: z.boolean().optional().describe('Also each full snapshot (large)'),
      },
      outputSchema: HistoryAnswer,
      annotations: readOnly,
    },
    ({ device, data_type, since, until, limit, include_data }) =>
      kit.answer(() =>
        deps.collection.history(device, data_type, {
          ...timeRange(since, until, DAY_MS),
          limit: limit ?? 1000,
          includeData: include_data ?? false,
        }),
      ),
  );

  server.registerTool(
    'query_audit',
    {
      title: 'Audit log',
      description:
        'Audit rows, newest first: every collection and read (cached reads counted per minute), device change, operation step ' +
        '(requested, held, confirmed, executed, cancelled...), config change and rollback, maintenance, incident and alert — with who ' +
        'asked (principal), through what (trigger: api, mcp, cli, polling, system) and the outcome. Filter by device, data_type, action, principal and time.',
      inputSchema: {
        device: Hostname.optional(),
        data_type: DataType.optional(),
        action: z.enum(AUDIT_ACTIONS).optional(),
        principal: z
          .string()
          .regex(/^[A-Za-z0-9:._-]{1,120}$/)
          .optional()
          .describe('e.g. token:<id>, local, mcp-session:<id>, system'),
        since: Time.optional(),
        until: Time.optional(),
        limit: z.number().int().min(1).max(1000).optional().describe('default 100'),
      },
      outputSchema: { entries: z.array(AuditEntry) },
      annotations: readOnly,
    },
    (q) =>
      kit.answer(async () => ({
        entries: (
          await deps.audit.entries({
            hostname: q.device,
            dataType: q.data_type,
            action: q.action,
            principal: q.principal,
            since: q.since ? new Date(q.since) : undefined,
            until: q.until ? new Date(q.until) : undefined,
            limit: q.limit ?? 100,
          })
        ).map(auditEntry),
      })),
  );

  server.registerTool(
    'list_events',
    {
      title: 'Events since a time',
      description:
        'What happened since a time, oldest first: the audit events the live stream (GET /api/events) sends — collections, ' +
        "device changes, operation steps, config changes, maintenance, incidents, alerts. Poll with since set to the previous answer's " +
        'next_since to follow along (an event at exactly that time comes again). Filter by device and actions.',
      inputSchema: {
        since: Time.describe('ISO time; events at or after it'),
        device: Hostname.optional(),
        actions: z
          .array(z.enum(AUDIT_ACTIONS))
          .max(AUDIT_ACTIONS.length)
          .optional()
          .describe('Only these kinds, e.g. ["config_change","operation_held"]'),
        limit: z.number().int().min(1).max(1000).optional().describe('default 200'),
      },
      outputSchema: {
        events: z.array(AuditEntry),
        next_since: z.string().nullable().describe("The newest event's time, to ask from next; null when none"),
      },
      annotations: readOnly,
    },
    ({ since, device, actions, limit }) =>
      kit.answer(async () => {
        const events = (
          await deps.audit.entries({
            since: new Date(since),
            hostname: device,
            actions,
            limit: limit ?? 200,
            oldestFirst: true,
          })
        ).map(auditEntry);
        return { events, next_since: events.at(-1)?.time ?? null };
      }),
  );

  server.registerTool(
    'list_alerts',
    {
      title: 'Alerts',
      description:
        'Alerts, newest first: rule, device, subject, severity, state (pending, firing, resolved), message with evidence, first seen and resolved times.',
      inputSchema: {
        device: Hostname.optional(),
        state: z.enum(['pending', 'firing', 'resolved']).optional(),
        limit: z.number().int().min(1).max(1000).optional().describe('default 100'),
      },
      outputSchema: {
        alerts: z.array(AlertView),
      },
      annotations: readOnly,
    },
    ({ device, state, limit }) =>
      kit.answer(async () => ({ alerts: await deps.alerts.alerts({ hostname: device, state, limit: limit ?? 100 }) })),
  );

  server.registerTool(
    'list_alert_rules',
    {
      title: 'Alert rules',
      description:
        'Every alert rule: its source (insight, device_status, config_change, operation), what it matches, how long a condition must hold (for_seconds) and whether it is enabled.',
      inputSchema: {},
      outputSchema: { rules: z.array(AlertRuleView) },
      annotations: readOnly,
    },
    () => kit.answer(async () => ({ rules: await deps.alerts.rules() })),
  );

  server.registerTool(
    'create_alert_rule',
    {
      title: 'Create an alert rule',
      description:
        'Adds an alert rule. source insight matches min_severity and/or codes (e.g. filesystem_full, pool_degraded); device_status ' +
        'matches states; config_change min_risk; operation operation_states. A condition must hold for_seconds before it fires.',
      inputSchema: AlertRuleCreate.shape,
      outputSchema: AlertRuleView,
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
    },
    (args) => kit.answer(() => deps.alerts.createRule(AlertRuleCreate.parse(args))),
  );

  server.registerTool(
    'set_alert_rule_enabled',
    {
      title: 'Enable or disable an alert rule',
      description: 'Turns an alert rule on or off; answers the rule.',
      inputSchema: { rule_id: z.string().uuid(), enabled: z.boolean() },
      outputSchema: AlertRuleView,
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    ({ rule_id, enabled }) => kit.answer(() => deps.alerts.setRuleEnabled(rule_id, enabled)),
  );

  server.registerTool(
    'delete_alert_rule',
    {
      title: 'Delete an alert rule',
      description: 'Deletes an alert rule and the alerts it raised.',
      inputSchema: { rule_id: z.string().uuid() },
      outputSchema: { deleted: z.string() },
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
    },
    ({ rule_id }) =>
      kit.answer(async () => {
        await deps.alerts.deleteRule(rule_id);
        return { deleted: rule_id };
      }),
  );

  server.registerTool(
    'get_incident',
    {
      title: 'One incident',
      description:
        'A drive or pool incident with its whole runbook timeline (opened, awaiting replacement, disk replaced, rebuilding, closed).',
      inputSchema: { incident_id: z.string().uuid() },
      outputSchema: IncidentView,
      annotations: readOnly,
    },
    ({ incident_id }) => kit.answer(() => deps.incidents.get(incident_id)),
  );

  server.registerTool(
    'list_operations',
    {
      title: 'Operations',
      description:
        'Commands and actions asked of devices, newest first, with state (awaiting_confirmation, completed, failed, cancelled, ' +
        'expired, rejected, blocked...), the risk assessment, who asked and the result. Filter by state and device.',
      inputSchema: {
        state: z.enum(OPERATION_STATES).optional(),
        device: Hostname.optional(),
        limit: z.number().int().min(1).max(500).optional().describe('default 100'),
      },
      outputSchema: { operations: z.array(StoredOperationView) },
      annotations: readOnly,
    },
    ({ state, device, limit }) =>
      kit.answer(async () => ({
        operations: await deps.operations.list({ state, hostname: device, limit: limit ?? 100 }),
      })),
  );

  server.registerTool(
    'get_operation',
    {
      title: 'One operation',
      description:
        'An operation by id: its state (has a held one been confirmed, cancelled or expired?), risk assessment and result (exit code, stdout, stderr).',
      inputSchema: { operation_id: OperationId },
      outputSchema: StoredOperationView,
      annotations: readOnly,
    },
    ({ operation_id }) => kit.answer(() => deps.operations.get(operation_id, kit.ctx().principal)),
  );

  server.registerTool(
    'config_changes',
    {
      title: 'Configuration changes, fleet-wide',
      description:
        'Change events on every device (or one), newest first: file, change type, risk level, reasons, semantic changes and affected ' +
        'services; include_diff adds each unified diff.' +
        ' first_capture marks the version found when watching began.',
      inputSchema: {
        since: Time.optional(),
        device: Hostname.optional(),
        limit: z.number().int().min(1).max(1000).optional().describe('default 100'),
        include_diff: z.boolean().optional(),
      },
      outputSchema: { changes: z.array(ConfigChange) },
      annotations: readOnly,
    },
    ({ since, device, limit, include_diff }) =>
      kit.answer(() =>
        deps.configHistory.changes({
          since: since ? new Date(since) : undefined,
          hostname: device,
          limit: limit ?? 100,
          includeDiff: include_diff ?? false,
        }),
      ),
  );

  server.registerTool(
    'get_config_snapshot',
    {
      title: 'One stored configuration version',
      description:
        'A stored version of a watched file (snapshot id from config_history or config_changes): its content with secret values hidden, and its parsed meaning.',
      inputSchema: { snapshot_id: SnapshotId },
      outputSchema: ConfigSnapshotView,
      annotations: readOnly,
    },
    ({ snapshot_id }) =>
      kit.answer(() => deps.configHistory.snapshot(snapshot_id, { raw: false, principal: kit.ctx().principal })),
  );

  server.registerTool(
    'maintenance_status',
    {
      title: 'Maintenance status',
      description:
        'Whether a device is in maintenance mode, and its maintenance: phase, reason, who asked, the plan, what was stopped and restored.',
      inputSchema: { device: Hostname.describe('Device hostname') },
      outputSchema: {
        device: z.string(),
        in_maintenance: z.boolean(),
        maintenance: MaintenanceView.nullable(),
      },
      annotations: readOnly,
    },
    ({ device }) =>
      kit.answer(async () => {
        const view = await deps.maintenance.status(device);
        return { device, in_maintenance: view?.phase === 'active', maintenance: view };
      }),
  );

  server.registerTool(
    'get_performance',
    {
      title: 'Read and collection performance',
      description:
        'Reads and collections per period (minute, hour, day) and service (polling, api, mcp, cli, system) from the audit log: totals, ' +
        'failures by error, cache hit ratio, mean/p95/min/max duration. Default: the last 24 h by hour.',
      inputSchema: {
        period: z.enum(['minute', 'hour', 'day']).optional(),
        since: Time.optional(),
        until: Time.optional(),
        device: Hostname.optional(),
      },
      outputSchema: {
        period: z.string(),
        since: z.string(),
        until: z.string(),
        periods: z.array(PerformancePeriod),
      },
      annotations: readOnly,
    },
    ({ period, since, until, device }) =>
      kit.answer(async () => {
        const range = timeRange(since, until, DAY_MS);
        const p = period ?? 'hour';
        const periods = await deps.performance.rollup({ period: p, ...range, hostname: device });
        return { period: p, since: range.since.toISOString(), until: range.until.toISOString(), periods };
      }),
  );

  server.registerTool(
    'cache_stats',
    {
      title: 'Cache statistics',
      description:
        'Per data type: freshness threshold, poll interval and stored snapshots; reads since start with cache hits and collections started.',
      inputSchema: {},
      outputSchema: CacheStats,
      annotations: readOnly,
    },
    () => kit.answer(() => deps.collection.stats()),
  );
}
