import { z } from 'zod';
import pkg from '../package.json' with { type: 'json' };
import { collectorFor, DATA_TYPES } from '../domain/collectors/registry.ts';
import type { SemanticChange } from '../domain/config/config-diff.ts';
import { AlertChannelCreate, AlertRuleCreate } from '../schema/alert.ts';
import { TokenCreate, TOKEN_SCOPES, type PrincipalKind, type TokenView } from '../schema/api-token.ts';
import { ConfirmBody, ExecRequest, OperationId, OperationListQuery } from '../schema/command-request.ts';
import { ConfigChangesQuery, SnapshotId, WatchPathRequest } from '../schema/config-request.ts';
import { ContainerActionRequest, ContainerName } from '../schema/container-action.ts';
import { dataAnswerShapeOf } from '../schema/data-answer.ts';
import { DeviceCreate, DevicePatch, Hostname, type DeviceView } from '../schema/device.ts';
import { GUEST_ACTIONS, VmidParam } from '../schema/guest-action.ts';
import type { IncidentView } from '../schema/incident.ts';
import { LogWindow, UnitName } from '../schema/log-request.ts';
import { MaintenanceRequest } from '../schema/maintenance-request.ts';
import type { DeviceMaintenance, MaintenanceView } from '../schema/maintenance.ts';
import type { AffectedItem, CommandResult, OperationView, RiskAssessment, StoredOperationView } from '../schema/operation.ts';
import { fleetContainersAnswerShape, FleetContainersQuery } from '../schema/fleet-containers.ts';
import { ProxyConfFileName, ProxyConfList, ProxyConfQuery, ProxyConfRequest, ProxyConfView } from '../schema/proxy-conf.ts';
import { ServiceRestartRequest, type ServiceRestartView } from '../schema/service-restart.ts';
import { StackDeployRequest, StackName, StackRemoveRequest, StackUpdateRequest, type StackDetail, type StackOperationView, type StackSummary } from '../schema/stack.ts';
import { ZfsSnapshotRequest } from '../schema/zfs-snapshot-request.ts';
import { DatasetPropertiesAnswer, PruneAnswer, SnapshotListingAnswer, ZfsReplicationAnswer, ZpoolEventsAnswer } from '../schema/zfs-answers.ts';
import { ZfsCloneRequest, ZfsEventsQuery, ZfsPropertiesQuery, ZfsPropertySetRequest, ZfsPruneRequest, ZfsReplicationRequest, ZfsScrubRequest, ZfsSnapshotListQuery } from '../schema/zfs-request.ts';
import { PoolParam, ReplicationId } from './routes/zfs.ts';
import type { AlertService } from '../services/alert-service.ts';
import type { CacheStats, HistoryAnswer } from '../services/collection-service.ts';
import type { ImportResult } from '../services/device-service.ts';
import type { FleetContainers, FleetDevice, FleetMetrics } from '../services/fleet-service.ts';
import type { HealthReport } from '../services/health-service.ts';
import type { PerformancePeriod } from '../services/performance-service.ts';
import { AlertsQuery, Id as AlertId, RulePatch } from './routes/alerts.ts';
import { AuditQuery, PerformanceQuery } from './routes/audit.ts';
import { DiffQuery, HistoryQuery, SnapshotQuery } from './routes/config.ts';
import { DataQuery } from './routes/data.ts';
import { ContainerLogsQuery, PathAction } from './routes/device-actions.ts';
import { ImportRequest } from '../schema/device-import.ts';
import { EventsQuery } from './routes/events.ts';
import { IncidentId, IncidentQuery, ReplacedRequest } from './routes/incidents.ts';
import { DiagnoseQuery } from './routes/operational-workflows.ts';
import { STACK_PATH_ACTIONS, StackListQuery } from './routes/stacks.ts';
import { TokenId } from './routes/tokens.ts';

/**
 * The OpenAPI 3.1 description of the HTTP API, served at `GET /openapi.json`. Parameters and bodies are
 * the zod schemas the routes validate with (as JSON Schema of what a client sends); answers are
 * described here, each view's keys checked against its TypeScript type so the two cannot drift apart.
 * Refinements zod cannot express in JSON Schema (e.g. "identity_file is required for key auth") are
 * still enforced by the routes, which answer 400 for them.
 */

type JsonSchema = { [key: string]: unknown };

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  // The document declares the dialect (3.1 uses draft 2020-12) once for every schema in it.
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { target: 'draft-2020-12', io });
  return rest;
}
/** What a client sends: defaults make fields optional, and transforms are described by what they accept. */
const accepts = (schema: z.ZodType) => jsonSchema(schema, 'input');
/** What the API answers: plain `z.object`s allow no other keys, `z.looseObject`s do. */
const answers = (schema: z.ZodType) => jsonSchema(schema, 'output');

/** The properties of a request body without the ones a route takes from its path. */
function withoutProperties(schema: JsonSchema, drop: readonly string[]): JsonSchema {
  const properties = Object.fromEntries(Object.entries((schema.properties ?? {}) as Record<string, JsonSchema>).filter(([name]) => !drop.includes(name)));
  const required = ((schema.required ?? []) as string[]).filter((name) => !drop.includes(name));
  const { required: _all, ...rest } = schema;
  return { ...rest, properties, ...(required.length ? { required } : {}) };
}

// --- answers ------------------------------------------------------------------------------------------

const Time = z.iso.datetime();
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

/** Open at the top: the command routes add their own keys beside `error` (`unit`, `snapshot`, `action`...). */
const ErrorBody = z.looseObject({
  error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional(), correlation_id: z.string() }),
});

/** Who asked or confirmed: the authenticated principal, and what the caller said about whom it acts for. */
const PrincipalRefSchema = z.object({ id: z.string(), name: z.string(), on_behalf_of: z.string().nullable() });

const deviceMaintenanceShape = {
  since: Time,
  workflow_id: z.string(),
  requested_by: PrincipalRefSchema,
  reason: z.string().nullable(),
  stopped: z.array(z.string()),
  kept: z.array(z.looseObject({ name: z.string(), reason: z.string() })),
} satisfies Record<keyof DeviceMaintenance, z.ZodType>;

const deviceViewShape = {
  id: z.uuid(),
  hostname: z.string(),
  address: z.string(),
  port: z.int(),
  username: z.string(),
  auth_method: z.enum(['key', 'agent']),
  device_type: z.string(),
  tags: z.array(z.string()),
  location: z.string().nullable(),
  description: z.string().nullable(),
  monitoring_enabled: z.boolean(),
  status: z.string(),
  status_detail: z.string().nullable(),
  last_seen: Time.nullable(),
  host_key_fingerprint: z.string().nullable(),
  host_key_algorithm: z.string().nullable(),
  capabilities: z.record(z.string(), z.boolean()),
  config_watch_mode: z.string().nullable(),
  config_watch_detail: z.string().nullable(),
  maintenance: z.looseObject(deviceMaintenanceShape).nullable(),
  stacks_dir: z.string().nullable(),
  created_at: Time,
  updated_at: Time,
} satisfies Record<keyof DeviceView, z.ZodType>;
const DeviceViewSchema = z.looseObject(deviceViewShape);

const fleetMetricsShape = {
  collected_at: Time,
  cpu_percent: z.number().nullable(),
  memory_used_percent: z.number().nullable(),
  disk_max_used_percent: z.number().nullable(),
  load_1: z.number().nullable(),
  load_5: z.number().nullable(),
  load_15: z.number().nullable(),
  cores: z.int().nullable(),
} satisfies Record<keyof FleetMetrics, z.ZodType>;
const fleetContainersShape = {
  collected_at: Time,
  docker_available: z.boolean(),
  total: z.int(),
  running: z.int(),
  exited: z.int(),
  unhealthy: z.int(),
} satisfies Record<keyof FleetContainers, z.ZodType>;
const fleetDeviceShape = {
  device: DeviceViewSchema,
  metrics: z.looseObject(fleetMetricsShape).nullable(),
  containers: z.looseObject(fleetContainersShape).nullable(),
  alerts: z.looseObject({ firing: z.int(), worst_severity: z.string().nullable() }),
} satisfies Record<keyof FleetDevice, z.ZodType>;

const commandResultShape = {
  exit_code: z.int().nullable(),
  signal: z.string().nullable(),
  stdout: z.string(),
  stderr: z.string(),
  stdout_truncated: z.boolean(),
  stderr_truncated: z.boolean(),
  output_limit_bytes: z.int(),
  duration_ms: z.number(),
  note: z.string().optional(),
} satisfies Record<keyof CommandResult, z.ZodType>;

const affectedItemShape = {
  kind: z.string(),
  name: z.string(),
  critical: z.boolean(),
  detail: z.string().optional(),
} satisfies Record<keyof AffectedItem, z.ZodType>;
const riskAssessmentShape = {
  destructive: z.boolean(),
  risk_level: z.string(),
  categories: z.array(z.string()),
  reasons: z.array(z.string()),
  affected_count: z.int(),
  affected_items: z.array(z.looseObject(affectedItemShape)),
  estimated_downtime: z.string().nullable(),
  rollback_possible: z.boolean(),
  safety_warnings: z.array(z.string()),
  safer_alternatives: z.array(z.string()),
  safety_checklist: z.array(z.string()),
  // Never in an answer: a caller allowed to confirm gets the phrase as the operation's own `confirmation_phrase`.
  confirmation_phrase: z.null(),
  blocked_reason: z.string().nullable(),
} satisfies Record<keyof RiskAssessment, z.ZodType>;

const operationViewShape = {
  operation_id: z.uuid(),
  device: z.string(),
  command: z.string(),
  state: z.string(),
  requested_by: PrincipalRefSchema,
  trigger: z.string(),
  assessment: z.looseObject(riskAssessmentShape).nullable(),
  attempts_left: z.int(),
  expires_at: Time.nullable(),
  confirmed_by: PrincipalRefSchema.nullable(),
  cancelled_by: PrincipalRefSchema.nullable(),
  confirmation_phrase: z.string().optional().describe('only for a principal allowed to release this held operation'),
  result: z.looseObject(commandResultShape).nullable(),
  error: z.looseObject({ code: z.string(), message: z.string() }).nullable(),
  workflow_id: z.string(),
} satisfies Record<keyof OperationView, z.ZodType>;

const storedOperationViewShape = {
  ...operationViewShape,
  created_at: Time,
  updated_at: Time,
} satisfies Record<keyof StoredOperationView, z.ZodType>;

/** 200 of a command that ran: its result (see `execAnswer`). */
const CommandDone = z.looseObject({ operation_id: z.uuid(), device: z.string(), ...commandResultShape, workflow_id: z.string() });
/** 409 of a destructive command, held until a person types the phrase. */
const CommandHeld = z.looseObject({
  status: z.literal('DESTRUCTIVE_ACTION_BLOCKED'),
  operation_id: z.uuid(),
  device: z.string(),
  command: z.string(),
  risk_assessment: z.looseObject({ risk_level: z.string(), categories: z.array(z.string()), reasons: z.array(z.string()) }),
  impact_details: z.looseObject({ affected_count: z.int(), affected_items: z.array(z.looseObject({ kind: z.string(), name: z.string() })) }),
  // No phrase: the requester may be an agent. A person with the confirm scope reads it from the operation.
  confirmation_required: z.looseObject({ expires_at: Time.nullable(), attempts_left: z.int(), who: z.string(), cli: z.string(), api: z.string(), web: z.string().nullable() }),
  safer_alternatives: z.array(z.string()),
  safety_checklist: z.array(z.string()),
  workflow_id: z.string(),
});
/** 409 of a command a device rule forbids right now (e.g. a parity check is running). */
const CommandBlocked = z.looseObject({
  status: z.literal('BLOCKED_BY_DEVICE_RULE'),
  operation_id: z.uuid(),
  device: z.string(),
  reason: z.string().nullable(),
  risk_assessment: z.looseObject({ risk_level: z.string() }),
  safer_alternatives: z.array(z.string()),
  workflow_id: z.string(),
});

const historyAnswerShape = {
  device: z.string(),
  data_type: z.string(),
  since: Time,
  until: Time,
  count: z.int(),
  truncated: z.boolean(),
  series: z.array(z.looseObject({ collected_at: Time, snapshot_id: z.string() })),
} satisfies Record<keyof HistoryAnswer, z.ZodType>;

const partHealth = z.looseObject({ status: z.enum(['ok', 'down']), latency_ms: z.number().optional(), error: z.string().optional() });
const healthShape = {
  status: z.enum(['ok', 'degraded']),
  temporal: partHealth,
  database: partHealth,
  worker: partHealth,
  devices: z.object({ total: z.int(), by_status: z.record(z.string(), z.int()) }).nullable(),
  checked_at: Time,
} satisfies Record<keyof HealthReport, z.ZodType>;

const cacheStatsShape = {
  data_types: z.array(z.object({ data_type: z.string(), freshness_seconds: z.number(), poll_interval_seconds: z.number(), snapshots: z.int() })),
  reads_since_start: z.object({ total: z.int(), cache_hits: z.int(), hit_rate: z.number().nullable(), collections_started: z.int(), joined_in_process: z.int() }),
} satisfies Record<keyof CacheStats, z.ZodType>;

const importShape = {
  dry_run: z.boolean(),
  created: z.array(DeviceViewSchema),
  would_create: z.array(z.looseObject({ hostname: z.string() })),
  existing: z.array(z.string()),
  skipped: z.array(z.object({ host: z.string(), reason: z.string() })),
} satisfies Record<keyof ImportResult, z.ZodType>;

const maintenanceViewShape = {
  device: z.string(),
  phase: z.string(),
  reason: z.string().nullable(),
  requested_by: PrincipalRefSchema,
  plan: z.looseObject({ stop: z.array(z.string()), kept: z.array(z.looseObject({ name: z.string(), reason: z.string() })), not_running: z.array(z.string()) }).nullable(),
  operation_id: z.string().nullable(),
  stopped: z.array(z.string()),
  since: Time.nullable(),
  left_at: Time.nullable(),
  left_by: PrincipalRefSchema.nullable(),
  restored: z.array(z.looseObject({ container: z.string(), ok: z.boolean() })),
  error: z.looseObject({ code: z.string(), message: z.string() }).nullable(),
  workflow_id: z.string(),
} satisfies Record<keyof MaintenanceView, z.ZodType>;

const stackViewShape = {
  action: z.string(),
  device: z.string(),
  stack: z.string(),
  phase: z.enum(['planning', 'refused', 'applying', 'waiting', 'reverting', 'completed', 'reverted', 'failed', 'cancelled']),
  file: z.string().nullable(),
  diff: z.looseObject({ text: z.string(), added: z.int(), removed: z.int() }).nullable(),
  impact: z.looseObject({ risk_level: z.string(), reasons: z.array(z.string()), affected_services: z.array(z.string()) }).nullable(),
  port_conflicts: z.array(z.looseObject({ service: z.string(), port: z.int(), protocol: z.string(), host_ip: z.string().nullable(), held_by: z.string() })),
  digests: z.looseObject({ before: z.record(z.string(), z.string()), after: z.record(z.string(), z.string()) }).nullable(),
  services: z.array(z.looseObject({ service: z.string(), ok: z.boolean(), detail: z.string().nullable() })),
  operation_ids: z.array(z.string()),
  pending_operation_id: z.string().nullable(),
  error: z.looseObject({ code: z.string(), message: z.string(), logs: z.string().optional() }).nullable(),
  workflow_id: z.string(),
} satisfies Record<keyof StackOperationView, z.ZodType>;

const stackSummaryShape = {
  name: z.string(),
  source: z.enum(['containers', 'files', 'containers_and_files']),
  working_dir: z.string().nullable(),
  config_files: z.array(z.string()),
  state: z.enum(['running', 'partial', 'stopped', 'not_deployed']),
  services: z.array(z.looseObject({
    name: z.string(),
    image: z.string().nullable(),
    image_id: z.string().nullable(),
    containers: z.array(z.looseObject({ name: z.string(), state: z.string(), health: z.string().nullable(), status: z.string() })),
    ports: z.array(z.string()),
  })),
} satisfies Record<keyof StackSummary, z.ZodType>;

const stackDetailShape = {
  ...stackSummaryShape,
  file: z.looseObject({ path: z.string(), content: z.string().nullable(), parsed: z.unknown() }).nullable(),
  env_files: z.array(z.looseObject({ path: z.string(), keys: z.array(z.string()) })),
  digests: z.record(z.string(), z.array(z.string())),
} satisfies Record<keyof StackDetail, z.ZodType>;

const restartViewShape = {
  device: z.string(),
  project: z.string().nullable(),
  service: z.string(),
  phase: z.string(),
  steps: z.array(z.looseObject({ service: z.string(), containers: z.array(z.string()), state: z.string(), operation_ids: z.array(z.string()), detail: z.string().nullable() })),
  pending_operation_id: z.string().nullable(),
  error: z.looseObject({ code: z.string(), message: z.string() }).nullable(),
  workflow_id: z.string(),
} satisfies Record<keyof ServiceRestartView, z.ZodType>;

const incidentViewShape = {
  incident_id: z.uuid(),
  device: z.string(),
  kind: z.string(),
  subject: z.string(),
  summary: z.string(),
  state: z.enum(['awaiting_replacement', 'rebuilding', 'closed']),
  opened_at: Time,
  closed_at: Time.nullable(),
  timeline: z.array(z.looseObject({ at: z.string(), event: z.string(), detail: z.string() })),
  workflow_id: z.string(),
} satisfies Record<keyof IncidentView, z.ZodType>;

const tokenViewShape = {
  id: z.uuid(),
  name: z.string(),
  scopes: z.array(z.enum(TOKEN_SCOPES)),
  created_at: Time,
  expires_at: Time.nullable(),
  last_used_at: Time.nullable(),
  revoked_at: Time.nullable(),
} satisfies Record<keyof TokenView, z.ZodType>;

const performancePeriodShape = {
  time: Time,
  service_name: z.string(),
  action: z.string(),
  operations_total: z.int(),
  operations_successful: z.int(),
  operations_failed: z.int(),
  operations_cached: z.int(),
  cache_hit_ratio: z.number().nullable(),
  avg_duration_ms: z.number().nullable(),
  p95_duration_ms: z.number().nullable(),
  min_duration_ms: z.number().nullable(),
  max_duration_ms: z.number().nullable(),
  error_types: z.record(z.string(), z.number()),
} satisfies Record<keyof PerformancePeriod, z.ZodType>;

type ItemOf<T extends (...args: never[]) => Promise<unknown[]>> = Awaited<ReturnType<T>>[number];
const alertShape = {
  id: z.string(),
  device: z.string(),
  subject: z.string(),
  state: z.enum(['pending', 'firing', 'resolved']),
  severity: z.string(),
  message: z.string(),
  evidence: z.record(z.string(), z.unknown()),
  muted: z.boolean(),
  first_seen: Time,
  fired_at: Time.nullable(),
  resolved_at: Time.nullable(),
  rule: z.string(),
} satisfies Record<keyof ItemOf<AlertService['alerts']>, z.ZodType>;
const alertRuleShape = {
  id: z.string(),
  name: z.string(),
  source: z.string(),
  match: z.record(z.string(), z.unknown()),
  for_seconds: z.int(),
  enabled: z.boolean(),
  created_at: Time,
} satisfies Record<keyof ItemOf<AlertService['rules']>, z.ZodType>;
const alertChannelShape = {
  id: z.string(),
  name: z.string(),
  kind: z.string(),
  url: z.string(),
  has_secret: z.boolean(),
  enabled: z.boolean(),
  created_at: Time,
} satisfies Record<keyof ItemOf<AlertService['channels']>, z.ZodType>;

const ConfigFiles = z.looseObject({
  device: z.string(),
  watch: z.looseObject({ mode: z.string().nullable(), detail: z.string().nullable(), workflow_id: z.string() }),
  user_paths: z.array(z.looseObject({ path: z.string(), enabled: z.boolean(), added_at: Time })),
  files: z.array(
    z.looseObject({
      path: z.string(),
      kind: z.string(),
      exists: z.boolean(),
      last_change: z.string(),
      sha256: z.string().nullable(),
      size_bytes: z.int().nullable(),
      changed_at: Time,
      snapshot_id: z.string(),
      versions: z.int(),
    }),
  ),
});

const SemanticChangeSchema = z.looseObject({
  kind: z.string(),
  subject: z.string(),
  description: z.string(),
  before: z.string().nullable().optional(),
  after: z.string().nullable().optional(),
} satisfies Record<keyof SemanticChange, z.ZodType>);

/** One change event: what changed in a file, what it means, and how risky it is. */
const ConfigChange = z.looseObject({
  id: z.string(),
  snapshot_id: z.string(),
  previous_snapshot_id: z.string().nullable(),
  hostname: z.string(),
  path: z.string(),
  change_type: z.string(),
  semantic_changes: z.array(SemanticChangeSchema),
  risk_level: z.string(),
  reasons: z.array(z.string()),
  affected_services: z.array(z.string()),
  restart_required: z.boolean(),
  restart_hint: z.string().nullable(),
  detected_at: Time,
  diff: z.string().nullable().optional().describe('with include_diff=true'),
});

const DiagnosisReport = z.looseObject({ device: z.string(), focus: z.string(), findings: z.array(z.looseObject({ severity: z.string(), code: z.string(), message: z.string() })), summary: z.string() });

const whoamiShape = {
  id: z.string(),
  name: z.string(),
  kind: z.enum(['token', 'bootstrap', 'local_owner', 'mcp_session', 'mcp_elicitation'] satisfies PrincipalKind[]),
  scopes: z.array(z.enum(TOKEN_SCOPES)),
  tokens_required: z.boolean().describe('false for the local owner: loopback with no token yet'),
};

/**
 * A named component from a schema that zod gave `$defs` (the repeated part of a recursive schema, such as
 * the ZFS vdev tree): they are referred to from the schema's own root, so they move into the components
 * beside it, as `<name>_<def>`, and the references follow them.
 */
function components(name: string, schema: JsonSchema): Record<string, JsonSchema> {
  const { $defs, ...root } = schema as JsonSchema & { $defs?: Record<string, JsonSchema> };
  const defName = (key: string) => `${name}_${key.replace(/^_+/, '')}`;
  const moved = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(moved);
    if (typeof value !== 'object' || value === null) return value;
    return Object.fromEntries(
      Object.entries(value).map(([key, inner]) => [key, key === '$ref' && typeof inner === 'string' && inner.startsWith('#/$defs/') ? ref(defName(inner.slice('#/$defs/'.length))).$ref : moved(inner)]),
    );
  };
  return Object.fromEntries([[name, moved(root)], ...Object.entries($defs ?? {}).map(([key, def]) => [defName(key), moved(def)])]);
}

/** Each data type's answer under its own name (`MetricsAnswer`, `DiskIoAnswer`...), its `data` described by its collector's schema. */
const dataAnswerName = (dataType: string) => `${dataType.replace(/(?:^|_)([a-z])/g, (_, letter: string) => letter.toUpperCase())}Answer`;
const dataAnswers = Object.assign({}, ...DATA_TYPES.map((dataType) => components(dataAnswerName(dataType), answers(z.looseObject(dataAnswerShapeOf(collectorFor(dataType))))))) as Record<string, JsonSchema>;
/** The data route answers one of them, told apart by `data_type`. */
const DataAnswer = {
  oneOf: DATA_TYPES.map((dataType) => ref(dataAnswerName(dataType))),
  discriminator: { propertyName: 'data_type', mapping: Object.fromEntries(DATA_TYPES.map((dataType) => [dataType, ref(dataAnswerName(dataType)).$ref])) },
};

const schemas = {
  Error: answers(ErrorBody),
  DeviceView: answers(DeviceViewSchema),
  OperationView: answers(z.looseObject(operationViewShape)),
  StoredOperationView: answers(z.looseObject(storedOperationViewShape)),
  CommandDone: answers(CommandDone),
  CommandHeld: answers(CommandHeld),
  CommandBlocked: answers(CommandBlocked),
  DataAnswer,
  HistoryAnswer: answers(z.looseObject(historyAnswerShape)),
  HealthReport: answers(z.looseObject(healthShape)),
  MaintenanceView: answers(z.looseObject(maintenanceViewShape)),
  ServiceRestartView: answers(z.looseObject(restartViewShape)),
  ProxyConfView: answers(ProxyConfView),
  StackView: answers(z.looseObject(stackViewShape)),
  StackSummary: answers(z.looseObject(stackSummaryShape)),
  StackDetail: answers(z.looseObject(stackDetailShape)),
  IncidentView: answers(z.looseObject(incidentViewShape)),
  TokenView: answers(z.looseObject(tokenViewShape)),
  ConfigFiles: answers(ConfigFiles),
  AlertRule: answers(z.looseObject(alertRuleShape)),
  AlertChannel: answers(z.looseObject(alertChannelShape)),
  Whoami: answers(z.object(whoamiShape)),
  ZfsReplicationView: answers(ZfsReplicationAnswer),
};
type SchemaName = keyof typeof schemas;

// --- operations ---------------------------------------------------------------------------------------

interface Answer {
  description: string;
  content?: { [mediaType: string]: { schema: JsonSchema } };
}
const json = (description: string, schema: JsonSchema): Answer => ({ description, content: { 'application/json': { schema } } });
const named = (description: string, name: SchemaName) => json(description, ref(name));
/** A view under one key, e.g. `{devices: [...]}` or `{maintenance: {...}}`. */
const wrapped = (description: string, key: string, schema: JsonSchema) =>
  json(description, { type: 'object', properties: { [key]: schema }, required: [key], additionalProperties: false });
/** Keys the answers of one route add to the command answers (e.g. `unit`, or `action` and `containers`). */
const withKeys = (name: SchemaName, keys: Record<string, z.ZodType>): JsonSchema => ({ allOf: [ref(name), answers(z.looseObject(keys))] });

/**
 * 409 of a route that runs a command: held for its phrase, refused by a device rule, or a conflict (an
 * error). Workflow routes add their view (e.g. `maintenance`) to the held and blocked answers.
 */
function heldOrConflict(workflow?: { key: string; view: SchemaName }): Answer {
  const withView = (name: SchemaName) =>
    workflow ? { allOf: [ref(name), { type: 'object', properties: { [workflow.key]: ref(workflow.view) }, required: [workflow.key] }] } : ref(name);
  const held = [withView('CommandHeld'), withView('CommandBlocked')];
  return json('held for a confirmation phrase (`DESTRUCTIVE_ACTION_BLOCKED`), blocked by a device rule (`BLOCKED_BY_DEVICE_RULE`), or a conflict (error)', {
    anyOf: [...held, ref('Error')],
  });
}

interface Operation {
  operationId: string;
  summary: string;
  tag: string;
  path?: Record<string, z.ZodType>;
  query?: z.ZodType;
  body?: { schema: JsonSchema; required: boolean };
  answers: Record<string, Answer>;
  /** Open to everyone: no token even when tokens are required. */
  open?: boolean;
}

const body = (schema: z.ZodType) => ({ schema: accepts(schema), required: true });
/** Bodies whose every field is optional: an absent body is the same as `{}`. */
const optionalBody = (schema: JsonSchema) => ({ schema, required: false });

function queryParameters(schema: z.ZodType) {
  const s = accepts(schema) as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(s.properties ?? {}).map(([name, schema]) => ({ name, in: 'query', required: s.required?.includes(name) ?? false, schema }));
}

const pathHostname = { hostname: Hostname };
const containerKeys = { action: z.string(), containers: z.array(z.string()) };
const containerAnswers = {
  '200': json('the action ran: its result, and what it did to the containers', withKeys('CommandDone', { ...containerKeys, after: z.array(z.looseObject({ name: z.string(), state: z.string().nullable(), status: z.string().nullable() })).optional(), inspect: z.unknown().optional() })),
  '409': heldOrConflict(),
};
/** The per-container routes take the action and the name from the path; the body carries only the options. */
const containerOptions = withoutProperties(accepts(ContainerActionRequest), ['action', 'containers']);

type Method = 'get' | 'post' | 'patch' | 'delete';
const operations: Record<string, Partial<Record<Method, Operation>>> = {};
function route(method: Method, path: string, op: Operation): void {
  (operations[path] ??= {})[method] = op;
}

route('get', '/health', {
  operationId: 'health',
  summary: 'Health of Temporal, the database and the worker (open, for container health checks)',
  tag: 'system',
  open: true,
  answers: { '200': named('every part is up', 'HealthReport'), '503': json('a part is down', { anyOf: [ref('HealthReport'), ref('Error')] }) },
});
route('get', '/openapi.json', {
  operationId: 'openapi',
  summary: 'This document',
  tag: 'system',
  open: true,
  answers: { '200': json('the OpenAPI 3.1 document', { type: 'object', required: ['openapi', 'paths'] }) },
});

route('get', '/metrics', {
  operationId: 'metrics',
  summary: 'Prometheus metrics: collections, durations, cache hits, workflow latencies, operations, alerts, SSH, database pool',
  tag: 'system',
  answers: { '200': { description: 'the Prometheus text exposition format', content: { 'text/plain': { schema: { type: 'string' } } } } },
});

route('get', '/api/fleet', {
  operationId: 'fleet',
  summary: 'Every device with its newest stored metrics, container counts and firing alerts (never collects)',
  tag: 'devices',
  answers: { '200': wrapped('the devices, by hostname', 'devices', answers(z.array(z.looseObject(fleetDeviceShape)))) },
});
route('get', '/api/containers', {
  operationId: 'listAllContainers',
  summary: 'Every container of the fleet from the stored answers (never collects), filtered by device, state and name substring, paged',
  tag: 'containers',
  query: FleetContainersQuery,
  answers: { '200': json('the matching containers, by device and name, with the age of each device\'s answer', answers(z.object(fleetContainersAnswerShape))) },
});
route('get', '/api/devices', { operationId: 'listDevices', summary: 'Every device', tag: 'devices', answers: { '200': wrapped('the devices, by hostname', 'devices', { type: 'array', items: ref('DeviceView') }) } });
route('post', '/api/devices', { operationId: 'addDevice', summary: 'Add a device (capabilities are detected at once)', tag: 'devices', body: body(DeviceCreate), answers: { '201': named('added', 'DeviceView') } });
route('post', '/api/devices/import', {
  operationId: 'importDevices',
  summary: 'Add devices from an OpenSSH client config; `dry_run` reports and changes nothing',
  tag: 'devices',
  body: body(ImportRequest),
  answers: { '200': json('dry run: what would be added', answers(z.looseObject(importShape))), '201': json('added', answers(z.looseObject(importShape))) },
});
route('get', '/api/devices/{hostname}', { operationId: 'getDevice', summary: 'One device', tag: 'devices', path: pathHostname, answers: { '200': named('the device', 'DeviceView') } });
route('patch', '/api/devices/{hostname}', {
  operationId: 'updateDevice',
  summary: 'Change a device; `{"reset_host_key": true}` forgets its pinned host key',
  tag: 'devices',
  path: pathHostname,
  body: body(DevicePatch),
  answers: { '200': named('changed', 'DeviceView') },
});
route('delete', '/api/devices/{hostname}', { operationId: 'removeDevice', summary: 'Remove a device (its history stays)', tag: 'devices', path: pathHostname, answers: { '204': { description: 'removed' } } });

route('get', '/api/devices/{hostname}/{data_type}', {
  operationId: 'readData',
  summary: 'Newest data of a type (collected when stale or `force_refresh`), or its history with `since`/`until`',
  tag: 'data',
  // The route accepts any lowercase name and answers 404 for unknown ones; these are the known types.
  path: { ...pathHostname, data_type: z.enum(DATA_TYPES) },
  query: DataQuery,
  answers: { '200': json('the data answer, or the history series', { anyOf: [ref('DataAnswer'), ref('HistoryAnswer')] }) },
});

route('post', '/api/devices/{hostname}/exec', {
  operationId: 'exec',
  summary: 'Run a command: safe ones at once, destructive ones held for a confirmation phrase',
  tag: 'operations',
  path: pathHostname,
  body: body(ExecRequest),
  answers: { '200': named('the command ran', 'CommandDone'), '409': heldOrConflict() },
});
route('get', '/api/operations', {
  operationId: 'listOperations',
  summary: 'Operations newest first: ?state=awaiting_confirmation is the inbox of held ones (no phrases here)',
  tag: 'operations',
  query: OperationListQuery,
  answers: { '200': wrapped('the operations', 'operations', { type: 'array', items: ref('StoredOperationView') }) },
});
route('get', '/api/operations/{id}', { operationId: 'getOperation', summary: 'One operation', tag: 'operations', path: { id: OperationId }, answers: { '200': named('the operation', 'StoredOperationView') } });
route('post', '/api/operations/{id}/confirm', {
  operationId: 'confirmOperation',
  summary: 'Release a held command with its phrase (3 tries; 422 wrong phrase, 410 expired)',
  tag: 'operations',
  path: { id: OperationId },
  body: body(ConfirmBody),
  answers: { '200': named('confirmed; the command ran', 'CommandDone') },
});
route('post', '/api/operations/{id}/cancel', { operationId: 'cancelOperation', summary: 'Cancel a held command', tag: 'operations', path: { id: OperationId }, answers: { '200': named('cancelled', 'OperationView') } });

route('post', '/api/devices/{hostname}/containers/actions', {
  operationId: 'containerActions',
  summary: 'start, stop, restart, remove, inspect, logs or exec on named containers (bulk ones are held)',
  tag: 'containers',
  path: pathHostname,
  body: body(ContainerActionRequest),
  answers: containerAnswers,
});
route('post', '/api/devices/{hostname}/containers/{name}/{action}', {
  operationId: 'containerAction',
  summary: 'One action on one container; the body holds its options',
  tag: 'containers',
  path: { ...pathHostname, name: ContainerName, action: PathAction },
  body: optionalBody(containerOptions),
  answers: containerAnswers,
});
route('get', '/api/devices/{hostname}/containers/{name}/inspect', { operationId: 'inspectContainer', summary: '`docker container inspect`, parsed', tag: 'containers', path: { ...pathHostname, name: ContainerName }, answers: containerAnswers });
route('get', '/api/devices/{hostname}/containers/{name}/logs', {
  operationId: 'containerLogs',
  summary: 'The newest log lines of a container (bounded)',
  tag: 'containers',
  path: { ...pathHostname, name: ContainerName },
  query: ContainerLogsQuery,
  answers: containerAnswers,
});
route('get', '/api/devices/{hostname}/services/{unit}/logs', {
  operationId: 'unitLogs',
  summary: 'The newest journal lines of a systemd unit (bounded)',
  tag: 'services',
  path: { ...pathHostname, unit: UnitName },
  query: LogWindow,
  answers: { '200': json('the journal lines in `stdout`', withKeys('CommandDone', { unit: z.string() })), '409': heldOrConflict() },
});
route('post', '/api/devices/{hostname}/guests/{vmid}/{action}', {
  operationId: 'guestAction',
  summary: 'Power action on a Proxmox VE guest (stop, shutdown and reboot are held)',
  tag: 'guests',
  path: { ...pathHostname, vmid: VmidParam, action: z.enum(GUEST_ACTIONS) },
  answers: {
    '200': json('the action ran', withKeys('CommandDone', { action: z.string(), guest: z.looseObject({ vmid: z.int(), name: z.string(), type: z.string() }), after: z.looseObject({ status: z.string(), lock: z.string().nullable() }).nullable().optional() })),
    '409': heldOrConflict(),
  },
});
route('post', '/api/devices/{hostname}/zfs/snapshots', {
  operationId: 'zfsSnapshot',
  summary: 'Take a ZFS snapshot of a dataset the device has',
  tag: 'zfs',
  path: pathHostname,
  body: body(ZfsSnapshotRequest),
  answers: { '201': json('taken', withKeys('CommandDone', { snapshot: z.string() })), '409': heldOrConflict() },
});

route('get', '/api/devices/{hostname}/zfs/snapshots', {
  operationId: 'zfsSnapshots',
  summary: 'Snapshots of the device, newest first, filtered by dataset, name glob and age (read live, audited)',
  tag: 'zfs',
  path: pathHostname,
  query: ZfsSnapshotListQuery,
  answers: { '200': json('the matching snapshots', answers(SnapshotListingAnswer)) },
});
route('post', '/api/devices/{hostname}/zfs/snapshots/prune', {
  operationId: 'zfsPrune',
  summary: 'Plan a retention policy (keep last N, hourly, daily, weekly, monthly, yearly) and destroy the rest: held for a person',
  tag: 'zfs',
  path: pathHostname,
  body: body(ZfsPruneRequest),
  answers: {
    '200': json('a dry run, or nothing to destroy: the plan', answers(PruneAnswer)),
    '409': json('the destroy is held for its phrase (the plan says what it destroys), blocked by a device rule, or a conflict', {
      anyOf: [{ allOf: [ref('CommandHeld'), answers(PruneAnswer)] }, { allOf: [ref('CommandBlocked'), answers(PruneAnswer)] }, ref('Error')],
    }),
  },
});
route('post', '/api/devices/{hostname}/zfs/clones', {
  operationId: 'zfsClone',
  summary: 'Clone a snapshot into a new dataset',
  tag: 'zfs',
  path: pathHostname,
  body: body(ZfsCloneRequest),
  answers: { '201': json('cloned', withKeys('CommandDone', { clone: z.string(), origin: z.string() })), '409': heldOrConflict() },
});
route('get', '/api/devices/{hostname}/zfs/properties', {
  operationId: 'zfsProperties',
  summary: 'Properties of a dataset with value and source (zfs get)',
  tag: 'zfs',
  path: pathHostname,
  query: ZfsPropertiesQuery,
  answers: { '200': json('the properties', answers(DatasetPropertiesAnswer)) },
});
route('patch', '/api/devices/{hostname}/zfs/properties', {
  operationId: 'zfsSetProperty',
  summary: 'Set a property of a dataset (validated name and value); readonly, mountpoint, canmount, sharenfs and the like are held',
  tag: 'zfs',
  path: pathHostname,
  body: body(ZfsPropertySetRequest),
  answers: { '200': json('set', withKeys('CommandDone', { dataset: z.string(), property: z.string(), value: z.string() })), '409': heldOrConflict() },
});
route('post', '/api/devices/{hostname}/zfs/pools/{pool}/scrub', {
  operationId: 'zfsScrub',
  summary: 'Start (zpool scrub) or stop (zpool scrub -s) a scrub',
  tag: 'zfs',
  path: { ...pathHostname, pool: PoolParam },
  body: optionalBody(accepts(ZfsScrubRequest)),
  answers: { '200': json('done', withKeys('CommandDone', { pool: z.string(), action: z.string() })), '409': heldOrConflict() },
});
route('get', '/api/devices/{hostname}/zfs/events', {
  operationId: 'zpoolEvents',
  summary: 'The newest zpool events, newest first, with every field',
  tag: 'zfs',
  path: pathHostname,
  query: ZfsEventsQuery,
  answers: { '200': json('the events', answers(ZpoolEventsAnswer)) },
});
route('post', '/api/zfs/replications', {
  operationId: 'zfsReplicate',
  summary: 'zfs send | zfs receive from a dataset on one device to another, resumable; a forced receive (rollback of the target) is held',
  tag: 'zfs',
  body: body(ZfsReplicationRequest),
  answers: {
    '200': wrapped('done, or nothing to send', 'replication', ref('ZfsReplicationView')),
    '202': wrapped('transferring: follow it at GET /api/zfs/replications/{id}', 'replication', ref('ZfsReplicationView')),
    '409': heldOrConflict({ key: 'replication', view: 'ZfsReplicationView' }),
  },
});
route('get', '/api/zfs/replications/{id}', {
  operationId: 'zfsReplication',
  summary: 'A replication: its plan, progress and outcome',
  tag: 'zfs',
  path: { id: ReplicationId },
  answers: { '200': wrapped('the replication', 'replication', ref('ZfsReplicationView')) },
});

route('get', '/api/diagnosis', {
  operationId: 'diagnoseFleet',
  summary: 'Collect fresh data on every monitored device and rank what is wrong',
  tag: 'diagnosis',
  query: DiagnoseQuery,
  answers: { '200': json('one report per device and the fleet ranking', answers(z.looseObject({ focus: z.string(), reports: z.array(DiagnosisReport), fleet: z.looseObject({ summary: z.string() }).nullable(), workflow_id: z.string() }))) },
});
route('get', '/api/devices/{hostname}/diagnosis', {
  operationId: 'diagnoseDevice',
  summary: 'Collect fresh data on one device and rank what is wrong',
  tag: 'diagnosis',
  path: pathHostname,
  query: DiagnoseQuery,
  answers: { '200': json('the report', answers(z.looseObject({ focus: z.string(), reports: z.array(DiagnosisReport), fleet: z.null(), workflow_id: z.string() }))) },
});
route('get', '/api/devices/{hostname}/maintenance', {
  operationId: 'maintenanceStatus',
  summary: 'Whether the device is in maintenance mode, and its newest stay',
  tag: 'maintenance',
  path: pathHostname,
  answers: { '200': json('the status', { type: 'object', properties: { device: { type: 'string' }, in_maintenance: { type: 'boolean' }, maintenance: { anyOf: [ref('MaintenanceView'), { type: 'null' }] } }, required: ['device', 'in_maintenance', 'maintenance'] }) },
});
route('post', '/api/devices/{hostname}/maintenance', {
  operationId: 'maintenance',
  summary: 'Enter maintenance (stopping non-critical containers is held for its phrase) or leave it',
  tag: 'maintenance',
  path: pathHostname,
  body: body(MaintenanceRequest),
  answers: {
    '200': wrapped('in maintenance, or left', 'maintenance', ref('MaintenanceView')),
    '409': heldOrConflict({ key: 'maintenance', view: 'MaintenanceView' }),
  },
});
route('post', '/api/devices/{hostname}/compose/services/{service}/restart', {
  operationId: 'restartComposeService',
  summary: 'Restart a compose service and everything that depends on it, in depends_on order',
  tag: 'maintenance',
  path: { ...pathHostname, service: ServiceRestartRequest.shape.service },
  body: optionalBody(withoutProperties(accepts(ServiceRestartRequest), ['service'])),
  answers: {
    '200': wrapped('restarted (or the failed step, in `restart.error`)', 'restart', ref('ServiceRestartView')),
    '409': heldOrConflict({ key: 'restart', view: 'ServiceRestartView' }),
  },
});

route('get', '/api/devices/{hostname}/proxy-confs', {
  operationId: 'listProxyConfs',
  summary: 'Reverse-proxy confs read live from the device, with their upstreams and whether each upstream container runs',
  tag: 'proxy',
  path: pathHostname,
  query: ProxyConfQuery,
  answers: { '200': json('the confs, and a proxy_upstream_broken insight per missing or stopped upstream container', answers(ProxyConfList)), '409': json('no proxy found on the device', ref('Error')) },
});
route('post', '/api/devices/{hostname}/proxy-confs', {
  operationId: 'createProxyConf',
  summary: 'Generate and apply a SWAG subdomain/subfolder conf: validated (nginx -t), reloaded, checked, undone on failure; replacing is held',
  tag: 'proxy',
  path: pathHostname,
  body: body(ProxyConfRequest),
  answers: {
    '200': wrapped('applied (or already so)', 'proxy_conf', ref('ProxyConfView')),
    '409': heldOrConflict({ key: 'proxy_conf', view: 'ProxyConfView' }),
    '502': json('failed, or undone after nginx -t, the reload or the check failed (the view says why)', ref('Error')),
  },
});
route('delete', '/api/devices/{hostname}/proxy-confs/{file}', {
  operationId: 'removeProxyConf',
  summary: 'Remove a conf (held for a person\'s phrase), then nginx -t and reload; put back if nginx refuses',
  tag: 'proxy',
  path: { ...pathHostname, file: ProxyConfFileName },
  query: ProxyConfQuery,
  answers: {
    '200': wrapped('removed', 'proxy_conf', ref('ProxyConfView')),
    '404': json('no such conf', ref('Error')),
    '409': heldOrConflict({ key: 'proxy_conf', view: 'ProxyConfView' }),
    '502': json('failed, or put back after nginx refused', ref('Error')),
  },
});
const pathStack = { ...pathHostname, name: StackName };
/** A stack change answers its view; 502 when it failed or was undone (the view in `details.stack`). */
const stackAnswers = (done: string) => ({
  '200': wrapped(done, 'stack', ref('StackView')),
  '409': heldOrConflict({ key: 'stack', view: 'StackView' }),
  '502': json('the change failed (a deploy removed again, an update reverted to the previous file and digests): why, with the failing service\'s logs', ref('Error')),
});
route('get', '/api/devices/{hostname}/stacks', {
  operationId: 'listStacks',
  summary: 'Compose stacks from container labels and watched compose files, with services, images, state and ports',
  tag: 'stacks',
  path: pathHostname,
  query: StackListQuery,
  answers: { '200': json('the stacks', answers(z.object({ device: z.string(), stacks: z.array(z.looseObject(stackSummaryShape)) }))) },
});
route('get', '/api/devices/{hostname}/stacks/{name}', {
  operationId: 'getStack',
  summary: 'One stack: its compose file (secrets redacted) and parsed form, env file keys (never values), image digests',
  tag: 'stacks',
  path: pathStack,
  answers: { '200': wrapped('the stack', 'stack', ref('StackDetail')) },
});
route('post', '/api/devices/{hostname}/stacks', {
  operationId: 'deployStack',
  summary: 'Deploy a new stack (refused before any write on a taken port, an unsafe file or one compose rejects; removed again when it does not come up)',
  tag: 'stacks',
  path: pathHostname,
  body: body(StackDeployRequest),
  answers: { ...stackAnswers('deployed and running'), '201': wrapped('deployed and running', 'stack', ref('StackView')) },
});
route('patch', '/api/devices/{hostname}/stacks/{name}', {
  operationId: 'updateStack',
  summary: 'Change a stack (whole file or per-service patch); HIGH-impact changes are held; reverted to the previous file and digests when it does not come up',
  tag: 'stacks',
  path: pathStack,
  body: body(StackUpdateRequest),
  answers: stackAnswers('updated and running (or no change)'),
});
route('post', '/api/devices/{hostname}/stacks/{name}/{action}', {
  operationId: 'stackAction',
  summary: 'pull (newest images, digests before/after), restart, down (held) or remove (held; volumes only when asked, held as HIGH)',
  tag: 'stacks',
  path: { ...pathStack, action: z.enum(STACK_PATH_ACTIONS) },
  body: optionalBody(accepts(z.object({ deadline_seconds: z.int().min(5).max(1800).optional(), volumes: StackRemoveRequest.shape.volumes.optional() }))),
  answers: stackAnswers('done'),
});

route('get', '/api/audit', {
  operationId: 'audit',
  summary: 'Audit rows, newest first; cached reads as one row per minute and caller with their count',
  tag: 'audit',
  query: AuditQuery,
  answers: {
    '200': wrapped(
      'the rows',
      'entries',
      answers(
        z.array(
          z.looseObject({
            id: z.string(),
            time: Time,
            hostname: z.string().nullable(),
            action: z.string(),
            data_type: z.string().nullable(),
            trigger: z.string(),
            status: z.enum(['success', 'error']),
            error_code: z.string().nullable(),
            error_message: z.string().nullable(),
            duration_ms: z.number().nullable(),
            cache_hit: z.boolean().nullable(),
            principal: z.string().nullable(),
            on_behalf_of: z.string().nullable(),
            count: z.number().int(),
            details: z.record(z.string(), z.unknown()).nullable(),
          }),
        ),
      ),
    ),
  },
});
route('get', '/api/performance', {
  operationId: 'performance',
  summary: 'Reads and collections per period and service (polling, api, mcp, cli), from the audit log',
  tag: 'audit',
  query: PerformanceQuery,
  answers: { '200': json('the periods, newest first', answers(z.object({ period: z.string(), since: Time, until: Time, periods: z.array(z.looseObject(performancePeriodShape)) }))) },
});
route('get', '/api/cache/stats', { operationId: 'cacheStats', summary: 'Freshness, snapshot counts and cache hit rate per data type', tag: 'data', answers: { '200': json('the statistics', answers(z.object(cacheStatsShape))) } });

route('get', '/api/devices/{hostname}/config/files', { operationId: 'configFiles', summary: 'Every configuration file the history knows, and how it is watched', tag: 'config', path: pathHostname, answers: { '200': named('the files', 'ConfigFiles') } });
route('post', '/api/devices/{hostname}/config/watch-paths', { operationId: 'addWatchPath', summary: 'Watch another path', tag: 'config', path: pathHostname, body: body(WatchPathRequest), answers: { '201': named('the files, with the new path', 'ConfigFiles') } });
route('delete', '/api/devices/{hostname}/config/watch-paths', { operationId: 'removeWatchPath', summary: 'Stop watching a path you added', tag: 'config', path: pathHostname, query: WatchPathRequest, answers: { '200': named('the files, without the path', 'ConfigFiles') } });
route('get', '/api/devices/{hostname}/config/history', {
  operationId: 'configHistory',
  summary: 'Versions of one file, newest first',
  tag: 'config',
  path: pathHostname,
  query: HistoryQuery,
  answers: { '200': json('the versions', answers(
        z.looseObject({
          device: z.string(),
          path: z.string(),
          versions: z.array(
            z.looseObject({
              snapshot_id: z.string(),
              change_type: z.string(),
              size_bytes: z.int().nullable(),
              detected_at: Time,
              event_id: z.string().nullable(),
              risk_level: z.string().nullable(),
              reasons: z.array(z.string()).nullable(),
              affected_services: z.array(z.string()).nullable(),
            }),
          ),
        }),
      )) },
});
route('get', '/api/config/snapshots/{id}', {
  operationId: 'configSnapshot',
  summary: 'One stored version of a file, with its content (secret values hidden unless raw=true, admin only)',
  tag: 'config',
  path: { id: SnapshotId },
  query: SnapshotQuery,
  answers: { '200': json('the version', answers(z.looseObject({ id: z.string(), hostname: z.string(), path: z.string(), change_type: z.string(), content: z.string().nullable(), redacted_values: z.int(), detected_at: Time }))) },
});
route('post', '/api/config/snapshots/{id}/rollback', {
  operationId: 'configRollback',
  summary: 'Put a stored version back (held for its phrase; checked, and undone when the check fails)',
  tag: 'config',
  path: { id: SnapshotId },
  answers: { '200': named('written and checked', 'CommandDone'), '409': heldOrConflict() },
});
route('get', '/api/config/diff', {
  operationId: 'configDiff',
  summary: 'Text and semantic differences between two versions of one file',
  tag: 'config',
  query: DiffQuery,
  answers: { '200': json('the differences', answers(z.looseObject({ device: z.string(), path: z.string(), diff: z.string(), semantic_changes: z.array(SemanticChangeSchema) }))) },
});
route('get', '/api/config/changes', {
  operationId: 'configChanges',
  summary: 'Configuration change events, newest first',
  tag: 'config',
  query: ConfigChangesQuery,
  answers: { '200': wrapped('the events', 'changes', answers(z.array(ConfigChange))) },
});

route('get', '/api/incidents', { operationId: 'listIncidents', summary: 'Failed-drive and degraded-pool incidents, newest first', tag: 'incidents', query: IncidentQuery, answers: { '200': wrapped('the incidents', 'incidents', { type: 'array', items: ref('IncidentView') }) } });
route('get', '/api/incidents/{id}', { operationId: 'getIncident', summary: 'One incident with its runbook timeline', tag: 'incidents', path: { id: IncidentId }, answers: { '200': named('the incident', 'IncidentView') } });
route('post', '/api/incidents/{id}/replaced', {
  operationId: 'diskReplaced',
  summary: 'The disk was replaced: the runbook follows the rebuild',
  tag: 'incidents',
  path: { id: IncidentId },
  body: optionalBody(accepts(ReplacedRequest)),
  answers: { '200': named('rebuilding', 'IncidentView') },
});

route('post', '/api/tokens', {
  operationId: 'createToken',
  summary: 'Create an API token (admin); the token is in this answer only',
  tag: 'tokens',
  body: body(TokenCreate),
  answers: { '201': json('created', { allOf: [ref('TokenView'), { type: 'object', properties: { token: { type: 'string' } }, required: ['token'] }] }) },
});
route('get', '/api/whoami', {
  operationId: 'whoami',
  summary: 'Who the caller is: its principal and scopes (any valid token)',
  tag: 'tokens',
  answers: { '200': named('the principal', 'Whoami') },
});
route('get', '/api/tokens', { operationId: 'listTokens', summary: 'Every token, without the tokens themselves (admin)', tag: 'tokens', answers: { '200': wrapped('the tokens', 'tokens', { type: 'array', items: ref('TokenView') }) } });
route('delete', '/api/tokens/{id}', { operationId: 'revokeToken', summary: 'Revoke a token (admin)', tag: 'tokens', path: { id: TokenId }, answers: { '200': named('revoked', 'TokenView') } });

route('get', '/api/events', {
  operationId: 'events',
  summary: 'Server-Sent Events: collections, status changes, config changes, operation steps...',
  tag: 'events',
  query: EventsQuery,
  answers: { '200': { description: 'an endless event stream (a comment line every 15 s keeps it open)', content: { 'text/event-stream': { schema: { type: 'string' } } } } },
});

route('get', '/api/alerts', {
  operationId: 'listAlerts',
  summary: 'Alerts, newest first',
  tag: 'alerts',
  query: AlertsQuery,
  answers: { '200': wrapped('the alerts', 'alerts', answers(z.array(z.looseObject(alertShape)))) },
});
route('get', '/api/alerts/rules', { operationId: 'listAlertRules', summary: 'Alert rules', tag: 'alerts', answers: { '200': wrapped('the rules', 'rules', { type: 'array', items: ref('AlertRule') }) } });
route('post', '/api/alerts/rules', { operationId: 'createAlertRule', summary: 'Add an alert rule (admin)', tag: 'alerts', body: body(AlertRuleCreate), answers: { '201': named('added', 'AlertRule') } });
route('patch', '/api/alerts/rules/{id}', { operationId: 'updateAlertRule', summary: 'Turn an alert rule on or off (admin)', tag: 'alerts', path: { id: AlertId }, body: body(RulePatch), answers: { '200': named('changed', 'AlertRule') } });
route('delete', '/api/alerts/rules/{id}', { operationId: 'removeAlertRule', summary: 'Remove an alert rule (admin)', tag: 'alerts', path: { id: AlertId }, answers: { '204': { description: 'removed' } } });
route('get', '/api/alerts/channels', { operationId: 'listAlertChannels', summary: 'Delivery channels, without their secrets', tag: 'alerts', answers: { '200': wrapped('the channels', 'channels', { type: 'array', items: ref('AlertChannel') }) } });
route('post', '/api/alerts/channels', { operationId: 'createAlertChannel', summary: 'Add a webhook, ntfy or Gotify channel (admin)', tag: 'alerts', body: body(AlertChannelCreate), answers: { '201': named('added', 'AlertChannel') } });
route('post', '/api/alerts/channels/{id}/test', {
  operationId: 'testAlertChannel',
  summary: 'Send a test notification to one channel (admin and confirm); answers whether the receiver took it',
  tag: 'alerts',
  path: { id: AlertId },
  answers: {
    '200': json('sent, or why not (`delivered` false with the HTTP status or the network error)', answers(z.object({ channel: z.string(), delivered: z.boolean(), status: z.int().nullable(), detail: z.string() }))),
    '404': json('no such channel', ref('Error')),
  },
});
route('delete', '/api/alerts/channels/{id}', { operationId: 'removeAlertChannel', summary: 'Remove a channel (admin)', tag: 'alerts', path: { id: AlertId }, answers: { '204': { description: 'removed' } } });

const ERROR_ANSWERS = {
  '4XX': named('bad input (400), no or wrong token (401), scope too small (403), not found (404), conflict (409), rate limited (429)...', 'Error'),
  '5XX': named('the device, Temporal or the database failed (502/503/504), or an internal error', 'Error'),
};

function operationObject(op: Operation) {
  const parameters = [
    ...Object.entries(op.path ?? {}).map(([name, schema]) => ({ name, in: 'path', required: true, schema: accepts(schema) })),
    ...(op.query ? queryParameters(op.query) : []),
  ];
  return {
    operationId: op.operationId,
    summary: op.summary,
    tags: [op.tag],
    ...(parameters.length ? { parameters } : {}),
    ...(op.body && { requestBody: { required: op.body.required, content: { 'application/json': { schema: op.body.schema } } } }),
    responses: { ...ERROR_ANSWERS, ...op.answers },
    ...(op.open && { security: [] }),
  };
}

function buildDocument() {
  const paths = Object.fromEntries(
    Object.entries(operations).map(([path, methods]) => [
      path,
      Object.fromEntries(Object.entries(methods).map(([method, op]) => [method, operationObject(op)])),
    ]),
  );
  return {
    openapi: '3.1.0',
    info: {
      title: 'infrastructor HTTP API',
      version: pkg.version,
      description:
        'Agentless homelab manager over SSH, on Temporal. JSON, snake_case. Every error is `{"error": {"code", "message", "details?", "correlation_id"}}`; ' +
        'bad input is a 4xx and changes nothing. Commands and actions that are bulk or destructive answer 409 `DESTRUCTIVE_ACTION_BLOCKED`: held ' +
        'until a person with the `confirm` scope, other than the requester, reads the phrase (`GET /api/operations/{id}`) and types it at ' +
        '`POST /api/operations/{id}/confirm`. Send `X-Correlation-Id` to follow a request through the logs.',
    },
    tags: [...new Set(Object.values(operations).flatMap((m) => Object.values(m).map((op) => op.tag)))].map((name) => ({ name })),
    security: [{ bearerAuth: [] }, {}],
    components: {
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          description:
            'API tokens (`infra_…`, created at `POST /api/tokens`). Optional while the API listens on loopback and no token exists; required once one ' +
            'does, or when it listens beyond loopback (then `INFRA_ADMIN_TOKEN` is the bootstrap admin token). Scopes: `read` for GET requests; ' +
            '`operate` for everything that acts (destructive actions are held); `confirm` to see phrases and release held operations; `admin` ' +
            'for devices, tokens and alert settings (alert channels also need `confirm`: they receive phrases). `/health` and `/openapi.json` are always open.',
        },
      },
      schemas: { ...schemas, ...dataAnswers },
    },
    paths,
  };
}

let document: ReturnType<typeof buildDocument> | undefined;

/** Built on first use and then reused: the schemas do not change while the process runs. */
export function openApiDocument(): ReturnType<typeof buildDocument> {
  document ??= buildDocument();
  return document;
}
