import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';
import type { TokenScope } from './api-token.ts';
import type { ALERT_SOURCES, AlertRuleMatch, AlertState, CHANNEL_KINDS } from './alert.ts';
import type { IncidentEvent, IncidentKind, IncidentState } from './incident.ts';
import type { DeviceMaintenance } from './device.ts';
import type { CommandResult, OperationState, RiskAssessment } from './operation.ts';

/** JSON columns: written as a JSON string, read back as the parsed value (pg decodes jsonb). */
export type Json<T> = ColumnType<T, string, string>;
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type Timestamp = ColumnType<Date, Date | string, Date | string>;

export type DeviceStatus = 'unknown' | 'online' | 'offline' | 'unreachable' | 'auth_failed' | 'host_key_mismatch';
export type AuthMethod = 'key' | 'agent';
/** inotify: real time; polling: hashes compared every interval (no inotifywait, no permission, watch limit). */
export type ConfigWatchMode = 'inotify' | 'polling';
export type Trigger = 'schedule' | 'api' | 'mcp' | 'cli' | 'system';

export interface DevicesTable {
  id: Generated<string>;
  hostname: string;
  address: string;
  port: number;
  username: string;
  auth_method: AuthMethod;
  /** Path on the worker's machine; never returned by the fronts. */
  identity_file: string | null;
  device_type: string;
  tags: Json<string[]>;
  location: string | null;
  description: string | null;
  monitoring_enabled: boolean;
  status: Generated<DeviceStatus>;
  status_detail: string | null;
  last_seen: Date | null;
  /** OpenSSH-style `SHA256:...` fingerprint pinned on first connect. */
  host_key_fingerprint: string | null;
  host_key_algorithm: string | null;
  capabilities: Json<Record<string, boolean>>;
  config_watch_mode: ConfigWatchMode | null;
  config_watch_detail: string | null;
  /** Set while the device is in maintenance mode. */
  maintenance: Json<DeviceMaintenance> | null;
  /** Where new compose stacks go; null: /opt/stacks. */
  stacks_dir: Generated<string | null>;
  consecutive_failures: Generated<number>;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

/** Columns every snapshot table has; each data type adds its own scalar columns. */
interface SnapshotColumns {
  id: Generated<string>;
  device_id: string;
  collected_at: Timestamp;
  /** workflowId/runId of the collection: retries of a committed activity cannot store twice. */
  collection_id: string;
  duration_ms: number;
  data: Json<unknown>;
}

export interface MetricsSnapshotsTable extends SnapshotColumns {
  cpu_percent: number | null;
  memory_used_percent: number | null;
  load_1: number | null;
  load_5: number | null;
  load_15: number | null;
  uptime_seconds: number | null;
  process_count: number | null;
  disk_max_used_percent: number | null;
}

export interface ContainersSnapshotsTable extends SnapshotColumns {
  total: number | null;
  running: number | null;
  exited: number | null;
  unhealthy: number | null;
  docker_available: boolean | null;
}

export interface NetworkSnapshotsTable extends SnapshotColumns {
  interfaces_total: number | null;
  interfaces_up: number | null;
  interfaces_down: number | null;
  /** bigint columns come back as strings from pg. */
  rx_bytes_total: ColumnType<string | null, number | null, number | null>;
  tx_bytes_total: ColumnType<string | null, number | null, number | null>;
}

export interface ServicesSnapshotsTable extends SnapshotColumns {
  total: number | null;
  active: number | null;
  failed: number | null;
  systemd_available: boolean | null;
}

export interface DrivesSnapshotsTable extends SnapshotColumns {
  drives_total: number | null;
  drives_passed: number | null;
  drives_warning: number | null;
  drives_failed: number | null;
  max_temperature_c: number | null;
  smartctl_available: boolean | null;
}

export interface ZfsSnapshotsTable extends SnapshotColumns {
  zfs_available: boolean | null;
  pools_total: number | null;
  pools_unhealthy: number | null;
  max_capacity_percent: number | null;
  datasets_total: number | null;
  snapshots_total: number | null;
  arc_size_bytes: ColumnType<string | null, number | null, number | null>;
}

export interface UpdatesSnapshotsTable extends SnapshotColumns {
  package_manager: string | null;
  upgradable: number | null;
  security: number | null;
  reboot_required: boolean | null;
}

export interface GuestsSnapshotsTable extends SnapshotColumns {
  guests_total: number | null;
  guests_running: number | null;
  qemu_total: number | null;
  lxc_total: number | null;
  cpu_percent_total: number | null;
  memory_used_bytes: ColumnType<string | null, number | null, number | null>;
}

export interface PortsSnapshotsTable extends SnapshotColumns {
  total: number | null;
  tcp: number | null;
  udp: number | null;
}

export interface DockerNetworksSnapshotsTable extends SnapshotColumns {
  total: number | null;
  with_containers: number | null;
  docker_available: boolean | null;
}

export interface CapabilitiesSnapshotsTable extends SnapshotColumns {
  os_id: string | null;
  kernel: string | null;
  arch: string | null;
}

export interface ProcessesSnapshotsTable extends SnapshotColumns {
  top_cpu_percent: number | null;
  top_cpu_name: string | null;
  top_rss_bytes: ColumnType<string | null, number | null, number | null>;
  top_rss_name: string | null;
}

export interface DiskIoSnapshotsTable extends SnapshotColumns {
  max_utilization_percent: number | null;
  read_bytes_per_second: number | null;
  write_bytes_per_second: number | null;
  iops: number | null;
}

export interface SensorsSnapshotsTable extends SnapshotColumns {
  max_temperature_celsius: number | null;
  temperature_count: number | null;
  fan_count: number | null;
  min_fan_rpm: number | null;
}

export interface GpuSnapshotsTable extends SnapshotColumns {
  gpu_count: number | null;
  max_utilization_percent: number | null;
  max_temperature_celsius: number | null;
  memory_used_bytes: ColumnType<string | null, number | null, number | null>;
  power_draw_watts: number | null;
}

export type ConfigChangeType = 'CREATE' | 'MODIFY' | 'DELETE' | 'MOVE';

export interface ConfigWatchPathsTable {
  id: Generated<string>;
  device_id: string;
  path: string;
  source: 'default' | 'user' | 'discovered';
  enabled: Generated<boolean>;
  created_at: CreatedAt;
}

export interface ConfigSnapshotsTable {
  id: Generated<string>;
  device_id: string | null;
  hostname: string;
  path: string;
  change_type: ConfigChangeType;
  content: string | null;
  content_sha256: string | null;
  size_bytes: number | null;
  previous_sha256: string | null;
  kind: string;
  parsed: Json<unknown> | null;
  parse_error: Json<{ message: string; line: number | null; column: number | null }> | null;
  detected_at: Timestamp;
  stored_at: CreatedAt;
  detection_latency_ms: number | null;
  capture_id: string;
}

export interface ConfigChangeEventsTable {
  id: Generated<string>;
  snapshot_id: string;
  previous_snapshot_id: string | null;
  device_id: string | null;
  hostname: string;
  path: string;
  change_type: ConfigChangeType;
  diff: string;
  semantic_changes: Json<unknown[]>;
  risk_level: string;
  reasons: Json<string[]>;
  affected_services: Json<string[]>;
  restart_required: boolean;
  restart_hint: string | null;
  detected_at: Timestamp;
  /** The first version of a file already there when watching it began: recorded as CREATE, but no change. */
  first_capture: Generated<boolean>;
}

/** Every kind of audit row (`GET /api/audit?action=` takes one). */
export const AUDIT_ACTIONS = [
  'collect',
  'read',
  'device_create',
  'device_update',
  'device_delete',
  'device_import',
  'operation_requested',
  'operation_held',
  'operation_confirm_attempt',
  'operation_confirmed',
  'operation_executed',
  'operation_cancelled',
  'operation_expired',
  'operation_rejected',
  'operation_blocked',
  'retention_purge',
  'config_change',
  'config_rollback_written',
  'config_rollback_checked',
  'config_rollback_restored',
  'proxy_conf_requested',
  'proxy_conf_changed',
  'proxy_conf_reverted',
  'maintenance_entered',
  'maintenance_left',
  'incident_opened',
  'incident_updated',
  'incident_closed',
  'diagnosis',
  'alert_fired',
  'alert_resolved',
  'stack_operation',
  'stack_file_written',
  'zfs_replication_started',
  'zfs_replication_finished',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export interface IncidentsTable {
  id: string;
  device_id: string;
  hostname: string;
  kind: IncidentKind;
  subject: string;
  state: IncidentState;
  summary: string;
  timeline: Json<IncidentEvent[]>;
  workflow_id: string;
  opened_at: Date;
  closed_at: Date | null;
  updated_at: Timestamp;
}

export interface ApiTokensTable {
  id: Generated<string>;
  name: string;
  /** Hex SHA-256 of the token; the token itself is never stored. */
  token_sha256: string;
  scopes: TokenScope[];
  created_at: CreatedAt;
  expires_at: Date | null;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

export interface AlertRulesTable {
  id: Generated<string>;
  name: string;
  source: (typeof ALERT_SOURCES)[number];
  match: Json<AlertRuleMatch>;
  for_seconds: number;
  enabled: boolean;
  created_at: CreatedAt;
}

export interface AlertChannelsTable {
  id: Generated<string>;
  name: string;
  kind: (typeof CHANNEL_KINDS)[number];
  url: string;
  /** Delivery credential; never answered by the API. */
  secret: string | null;
  enabled: boolean;
  created_at: CreatedAt;
}

export interface AlertsTable {
  id: Generated<string>;
  rule_id: string;
  hostname: string;
  subject: string;
  state: AlertState;
  severity: string;
  message: string;
  evidence: Json<Record<string, unknown>>;
  muted: boolean;
  first_seen: Date;
  fired_at: Date | null;
  resolved_at: Date | null;
  updated_at: Timestamp;
}

export interface OperationsTable {
  id: string;
  device_id: string | null;
  hostname: string;
  command: string;
  state: OperationState;
  /** The requester's principal id (`token:<id>`, `local`, `mcp-session:<id>`...). */
  requested_by: string;
  requested_by_name: string | null;
  on_behalf_of: string | null;
  trigger: Trigger;
  risk_level: string | null;
  destructive: boolean | null;
  assessment: Json<RiskAssessment> | null;
  attempts_left: number;
  expires_at: Date | null;
  confirmed_by: string | null;
  confirmed_by_name: string | null;
  confirmed_on_behalf_of: string | null;
  cancelled_by: string | null;
  cancelled_by_name: string | null;
  /** Shown only to a principal allowed to confirm; never part of `assessment`. */
  confirmation_phrase: string | null;
  result: Json<CommandResult> | null;
  error: Json<{ code: string; message: string }> | null;
  workflow_id: string;
  /** Set once, just before the command is sent: a retried activity seeing it does not run it again. */
  execution_started_at: Date | null;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export interface AuditLogTable {
  id: Generated<string>;
  time: CreatedAt;
  device_id: string | null;
  /** Kept beside device_id so the record survives the device's deletion. */
  hostname: string | null;
  action: AuditAction;
  data_type: string | null;
  trigger: Trigger;
  cache_hit: boolean | null;
  force_refresh: boolean | null;
  /** Of the one event the row stands for; null on rows that count cached reads (below). */
  duration_ms: number | null;
  /** How many events the row stands for: 1, or the cached reads of one minute, device, type, principal and trigger. */
  count: Generated<number>;
  /** Rows that count cached reads: their total, shortest and longest duration. */
  duration_ms_sum: number | null;
  duration_ms_min: number | null;
  duration_ms_max: number | null;
  status: 'success' | 'error';
  error_code: string | null;
  error_message: string | null;
  workflow_id: string | null;
  /** Unique for collections, so a retried activity writes one row. */
  collection_id: string | null;
  snapshot_id: string | null;
  correlation_id: string | null;
  /** The principal id that asked (reads, actions) or `system`; null on rows older than principals. */
  principal: string | null;
  on_behalf_of: string | null;
  details: Json<Record<string, unknown>> | null;
}

/** The per-type snapshot tables (those with the snapshot columns): one per registered data type. */
export type SnapshotTableName = {
  [K in keyof Database]: Database[K] extends SnapshotColumns ? K : never;
}[keyof Database];

export interface Database {
  devices: DevicesTable;
  metrics_snapshots: MetricsSnapshotsTable;
  containers_snapshots: ContainersSnapshotsTable;
  network_snapshots: NetworkSnapshotsTable;
  services_snapshots: ServicesSnapshotsTable;
  drives_snapshots: DrivesSnapshotsTable;
  zfs_snapshots: ZfsSnapshotsTable;
  updates_snapshots: UpdatesSnapshotsTable;
  guests_snapshots: GuestsSnapshotsTable;
  capabilities_snapshots: CapabilitiesSnapshotsTable;
  processes_snapshots: ProcessesSnapshotsTable;
  disk_io_snapshots: DiskIoSnapshotsTable;
  sensors_snapshots: SensorsSnapshotsTable;
  gpu_snapshots: GpuSnapshotsTable;
  ports_snapshots: PortsSnapshotsTable;
  docker_networks_snapshots: DockerNetworksSnapshotsTable;
  config_watch_paths: ConfigWatchPathsTable;
  config_snapshots: ConfigSnapshotsTable;
  config_change_events: ConfigChangeEventsTable;
  audit_log: AuditLogTable;
  operations: OperationsTable;
  incidents: IncidentsTable;
  api_tokens: ApiTokensTable;
  alert_rules: AlertRulesTable;
  alert_channels: AlertChannelsTable;
  alerts: AlertsTable;
}

export type Device = Selectable<DevicesTable>;
export type NewDevice = Insertable<DevicesTable>;
export type DeviceUpdate = Updateable<DevicesTable>;
export type AuditRow = Selectable<AuditLogTable>;
export type NewAuditRow = Insertable<AuditLogTable>;
