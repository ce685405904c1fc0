import type { z } from 'zod';

/**
 * One data type = one collector file. A collector says how to ask a device (one shell script, one SSH
 * round-trip), how to read the answer, how fresh a stored answer must be, and which columns of its
 * snapshot table it fills for time-series queries. Everything here is pure: SSH and storage live in
 * the activity that drives collectors.
 */
export interface CommandOutput {
  stdout: string;
  stderr: string;
  exitCode: number | null;
}

/** What the collector may use from the previous stored snapshot (for deltas such as CPU %). */
export interface CollectorContext<T> {
  previous?: { data: T; collectedAt: Date };
}

export interface Collector<T> {
  /** Route segment, MCP suffix and audit value, e.g. `metrics`. */
  readonly dataType: string;
  readonly description: string;
  /** The payload's zod schema: OpenAPI, MCP output schemas and the tests follow from it. */
  readonly schema: z.ZodType<T>;
  /** Its MCP data tool (`get_…`), registered for every collector. */
  readonly tool: { readonly name: string; readonly title: string; readonly description: string };
  /** A stored snapshot younger than this is served from cache. */
  readonly freshnessSeconds: number;
  /** Interval of the polling schedule. */
  readonly pollIntervalSeconds: number;
  /** Upper bound for the remote command, enforced by the SSH layer. */
  readonly commandTimeoutMs: number;
  /** Default age after which snapshots are purged (RETENTION_DAYS overrides it per type). */
  readonly retentionDays: number;
  /**
   * The device capability this type depends on. A device known to lack it is not polled for this type;
   * asked directly, the collector still answers with an explicit "not available" result.
   */
  readonly requiredCapability?: Capability;
  /** Snapshot table this type is stored in (see schema/database.ts). */
  readonly table: SnapshotTableName;
  /** The remote script; built from constants and quoted arguments only. */
  command(ctx: CollectorContext<T>): string;
  /** Throws CollectorParseError on malformed or truncated output; never returns a silent empty result. */
  parse(output: CommandOutput, ctx: CollectorContext<T>): T;
  /** Scalar columns extracted for time-series queries (the full data is stored as JSON beside them). */
  columns(data: T): Record<string, number | string | boolean | null>;
  /** True when command or parse read `ctx.previous`: only then does the activity load the previous snapshot. */
  readonly usesPrevious?: boolean;
  /** Device capabilities this answer reveals (e.g. `docker: false`), stored on the device. */
  capabilities?(data: T): Partial<Record<Capability, boolean>>;
}

export type SnapshotTableName =
  | 'metrics_snapshots'
  | 'containers_snapshots'
  | 'network_snapshots'
  | 'services_snapshots'
  | 'drives_snapshots'
  | 'zfs_snapshots'
  | 'updates_snapshots'
  | 'guests_snapshots'
  | 'capabilities_snapshots'
  | 'processes_snapshots'
  | 'disk_io_snapshots'
  | 'sensors_snapshots'
  | 'gpu_snapshots';

/** What the daily detection looks for on every device (see capabilities.ts). */
export const CAPABILITIES = ['docker', 'zfs', 'smartctl', 'systemd', 'inotifywait', 'proxmox', 'unraid', 'wsl', 'swag', 'gpu'] as const;
export type Capability = (typeof CAPABILITIES)[number];

/**
 * The capability each data type depends on (a type not listed applies to every device): one table for
 * the collectors' `requiredCapability` and for the web console, which hides a tab the device lacks.
 */
export const REQUIRED_CAPABILITIES = {
  containers: 'docker',
  drives: 'smartctl',
  zfs: 'zfs',
  services: 'systemd',
  guests: 'proxmox',
  gpu: 'gpu',
} as const satisfies Record<string, Capability>;
