/**
 * Short, evidence-based insights for one data answer: what in it needs attention, each as one line
 * with its numbers, so a person or an agent reading a single answer sees what matters without asking
 * again. Pure and linear in the size of the answer, because it runs on every answer, cached ones too.
 *
 * Decisions:
 * - A data type the device cannot answer (no docker, no systemd, ZFS module not loaded...) gives no
 *   insight: the answer already carries its reason. Only a partial answer says so (SMART that needs sudo),
 *   because its healthy-looking drives are unread, not healthy.
 * - Problems the collectors already judged are not judged again: drives use their verdict and reasons,
 *   pools their vdev states and counters, so an insight never contradicts the data beside it.
 * - Unknown data types and values of an unexpected shape (an answer stored by an older collector) give
 *   no insight rather than an exception.
 */
import type { ContainerInfo, ContainersData } from '../collectors/containers.ts';
import { isStackedDevice } from '../collectors/block-devices.ts';
import type { DiskIoData } from '../collectors/disk-io.ts';
import type { ProcessesData } from '../collectors/processes.ts';
import type { SensorsData, Temperature } from '../collectors/sensors.ts';
import type { Drive, DrivesData } from '../collectors/drives/schema.ts';
import type { FilesystemUsage, MetricsData } from '../collectors/metrics.ts';
import type { ServicesData } from '../collectors/services.ts';
import type { UpdatesData } from '../collectors/updates.ts';
import type { VdevNode, ZfsData, ZfsPool } from '../collectors/zfs/schema.ts';
import {
  compareInsights,
  type EvidenceValue,
  type Insight,
  INSIGHT_THRESHOLDS,
  type InsightSeverity,
} from './insight.ts';

const T = INSIGHT_THRESHOLDS;

// --- formatting -------------------------------------------------------------------------------------

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

/** Binary units like `df -h`, one decimal below 10 so small values keep their precision. */
export function formatBytes(bytes: number): string {
  let value = Math.abs(bytes);
  let unit = 0;
  while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const text = value < 10 && unit > 0 ? value.toFixed(1) : String(Math.round(value));
  return `${bytes < 0 ? '-' : ''}${text} ${BYTE_UNITS[unit]}`;
}

function formatPercent(percent: number): string {
  return `${Number(percent.toFixed(1))} %`;
}

/** `45 min`, `1.9 h`, `14 h`, `3.2 days`, `40 days`. */
export function formatDuration(seconds: number): string {
  if (seconds < 3600) return `${Math.max(1, Math.round(seconds / 60))} min`;
  const hours = seconds / 3600;
  if (hours < 48) return `${hours < 10 ? hours.toFixed(1) : Math.round(hours)} h`;
  const days = hours / 24;
  return `${days < 10 ? days.toFixed(1) : Math.round(days)} days`;
}

export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

export function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

function insight(
  severity: InsightSeverity,
  code: Insight['code'],
  subject: string,
  message: string,
  evidence: Record<string, EvidenceValue>,
): Insight {
  return { severity, code, subject, message, evidence };
}

// --- metrics ----------------------------------------------------------------------------------------

/** Severity of a percentage against a warning and an optional critical threshold; null below both. */
function bySeverity(value: number, warning: number, critical?: number): InsightSeverity | null {
  if (critical !== undefined && value >= critical) return 'critical';
  return value >= warning ? 'warning' : null;
}

/** One filesystem as it fills up, with the other mounts that share its space. */
export interface FilesystemGroup {
  filesystem: FilesystemUsage;
  otherMounts: string[];
}

/**
 * Mounts that draw on the same free space are one filesystem for the user: the datasets of one ZFS
 * pool (df shows the pool's free space under each of them), btrfs subvolumes and bind mounts of one
 * device. A full pool is one insight, not one per dataset; the shortest mountpoint stands for the group.
 * A dataset with its own quota has its own free space, so it stays on its own.
 */
export function filesystemGroups(filesystems: readonly FilesystemUsage[]): FilesystemGroup[] {
  const groups = new Map<string, FilesystemUsage[]>();
  for (const fs of filesystems) {
    const source = fs.fs_type === 'zfs' ? (fs.device.split('/')[0] ?? fs.device) : fs.device;
    const key = `${fs.fs_type}\0${source}\0${fs.available_bytes}`;
    const group = groups.get(key);
    if (group) group.push(fs);
    else groups.set(key, [fs]);
  }
  return [...groups.values()].map((members) => {
    const [first, ...rest] = [...members].sort(
      (a, b) =>
        a.mountpoint.length - b.mountpoint.length ||
        (a.mountpoint < b.mountpoint ? -1 : a.mountpoint > b.mountpoint ? 1 : 0),
    );
    return { filesystem: first as FilesystemUsage, otherMounts: rest.map((fs) => fs.mountpoint) };
  });
}

/** The figures every filesystem insight cites, from metrics and from diagnosis alike. */
export function filesystemEvidence(group: FilesystemGroup): Record<string, EvidenceValue> {
  const fs = group.filesystem;
  return {
    mount: fs.mountpoint,
    device: fs.device,
    fs_type: fs.fs_type,
    used_percent: fs.used_percent,
    used_bytes: fs.used_bytes,
    available_bytes: fs.available_bytes,
    size_bytes: fs.size_bytes,
    other_mounts: group.otherMounts.length,
  };
}

/** `/srv/backup 94.7 % full: 92 GiB free of 1.8 TiB`, naming the mounts that share the space. */
export function filesystemMessage(group: FilesystemGroup): string {
  const fs = group.filesystem;
  const shared =
    group.otherMounts.length > 0 ? ` (shared with ${plural(group.otherMounts.length, 'other mount')})` : '';
  return `${fs.mountpoint} ${formatPercent(fs.used_percent)} full: ${formatBytes(fs.available_bytes)} free of ${formatBytes(fs.size_bytes)}${shared}`;
}

function metricsInsights(m: MetricsData): Insight[] {
  const found: Insight[] = [];
  const cpu = m.cpu;
  if (cpu.usage_percent >= T.cpu.warning_percent) {
    // A short in-command sample is one moment; the window says how much to trust it.
    found.push(
      insight(
        'warning',
        'cpu_high',
        'cpu',
        `CPU ${formatPercent(cpu.usage_percent)} busy (iowait ${formatPercent(cpu.iowait_percent)}, ${cpu.sample_window_seconds} s sample, ${plural(cpu.cores, 'core')})`,
        {
          usage_percent: cpu.usage_percent,
          iowait_percent: cpu.iowait_percent,
          steal_percent: cpu.steal_percent,
          cores: cpu.cores,
          sample_window_seconds: cpu.sample_window_seconds,
        },
      ),
    );
  }

  const mem = m.memory;
  const memorySeverity = bySeverity(mem.used_percent, T.memory.warning_percent, T.memory.critical_percent);
  if (memorySeverity) {
    const swap =
      mem.swap_used_bytes > 0
        ? `, swap ${formatBytes(mem.swap_used_bytes)} of ${formatBytes(mem.swap_total_bytes)} used`
        : '';
    found.push(
      insight(
        memorySeverity,
        'memory_high',
        'memory',
        `memory ${formatPercent(mem.used_percent)} used: ${formatBytes(mem.available_bytes)} available of ${formatBytes(mem.total_bytes)}${swap}`,
        {
          used_percent: mem.used_percent,
          available_bytes: mem.available_bytes,
          total_bytes: mem.total_bytes,
          swap_used_bytes: mem.swap_used_bytes,
          swap_total_bytes: mem.swap_total_bytes,
        },
      ),
    );
  }

  // The 5-minute average: the 1-minute one jumps with every cron job, the 15-minute one lags too far.
  const perCore = m.load.load_5 / cpu.cores;
  if (perCore >= T.load.warning_per_core) {
    found.push(
      insight(
        'warning',
        'load_high',
        'load',
        `load ${m.load.load_5} (5 min) on ${plural(cpu.cores, 'core')}: ${round2(perCore)} per core (1 min ${m.load.load_1}, 15 min ${m.load.load_15})`,
        {
          load_1: m.load.load_1,
          load_5: m.load.load_5,
          load_15: m.load.load_15,
          cores: cpu.cores,
          load_per_core: round2(perCore),
        },
      ),
    );
  }

  for (const group of filesystemGroups(m.filesystems)) {
    const severity = bySeverity(
      group.filesystem.used_percent,
      T.filesystem.warning_percent,
      T.filesystem.critical_percent,
    );
    if (severity)
      found.push(
        insight(
          severity,
          'filesystem_full',
          group.filesystem.mountpoint,
          filesystemMessage(group),
          filesystemEvidence(group),
        ),
      );
  }
  return found;
}

// --- containers -------------------------------------------------------------------------------------

/**
 * Exit codes of a container that was stopped on purpose: 0, and the SIGTERM (`docker stop`) and
 * SIGINT (Ctrl-C on an attached container) a main process without a signal handler dies of.
 */
const CLEAN_EXIT_CODES: ReadonlySet<number> = new Set([0, 130, 143]);

/** What the common exit codes of a container's main process mean (128 + signal number for signals). */
const EXIT_CODE_MEANINGS: Readonly<Record<number, string>> = {
  125: 'docker could not run it',
  126: 'command not executable',
  127: 'command not found',
  134: 'aborted (SIGABRT)',
  137: 'killed (SIGKILL: out of memory or stop timeout)',
  139: 'segmentation fault (SIGSEGV)',
};

function exitText(code: number | null): string {
  if (code === null) return 'no exit code';
  const meaning = EXIT_CODE_MEANINGS[code];
  return `exit code ${code}${meaning ? `, ${meaning}` : ''}`;
}

function containerEvidence(c: ContainerInfo): Record<string, EvidenceValue> {
  return {
    container: c.name,
    image: c.image,
    state: c.state,
    status: c.status,
    health: c.health,
    restart_count: c.restart_count,
    exit_code: c.exit_code,
    started_at: c.started_at,
    compose_project: c.compose_project,
  };
}

function containerInsight(c: ContainerInfo): Insight | null {
  if (c.state === 'restarting') {
    return insight(
      'warning',
      'container_restarting',
      c.name,
      `${c.name} restarting: ${exitText(c.exit_code)}, ${plural(c.restart_count, 'restart')} (${c.status})`,
      containerEvidence(c),
    );
  }
  if (c.health === 'unhealthy' && (c.state === 'running' || c.state === 'paused')) {
    const restarts = c.restart_count > 0 ? `, ${plural(c.restart_count, 'restart')}` : '';
    return insight(
      'warning',
      'container_unhealthy',
      c.name,
      `${c.name} unhealthy: health check failing (${c.status})${restarts}`,
      containerEvidence(c),
    );
  }
  // A dead container is one docker failed to remove or stop: never a clean stop, whatever its exit code.
  if ((c.state === 'exited' && c.exit_code !== null && !CLEAN_EXIT_CODES.has(c.exit_code)) || c.state === 'dead') {
    return insight(
      'warning',
      'container_exited',
      c.name,
      `${c.name} ${c.state}: ${exitText(c.exit_code)} (${c.status})`,
      containerEvidence(c),
    );
  }
  return null;
}

function containersInsights(data: ContainersData): Insight[] {
  return data.containers.map(containerInsight).filter((found): found is Insight => found !== null);
}

// --- drives -----------------------------------------------------------------------------------------

/** How many reasons a drive line shows before it says how many more there are. */
const DRIVE_REASONS_SHOWN = 2;

function driveInsight(d: Drive): Insight | null {
  if (d.verdict !== 'failed' && d.verdict !== 'warning') return null;
  const identity = [d.model, d.serial === null ? null : `(${d.serial})`].filter((part) => part !== null).join(' ');
  // A sleeping drive keeps the verdict of its last read; the reader must know how old it is.
  const asOf = d.health_from === null ? '' : ` as read ${d.health_from}, asleep now`;
  const shown = d.reasons.slice(0, DRIVE_REASONS_SHOWN).join('; ');
  const more = d.reasons.length > DRIVE_REASONS_SHOWN ? ` (+${d.reasons.length - DRIVE_REASONS_SHOWN} more)` : '';
  return insight(
    d.verdict === 'failed' ? 'critical' : 'warning',
    d.verdict === 'failed' ? 'drive_failed' : 'drive_warning',
    d.name,
    `${d.name}${identity ? ` ${identity}` : ''} ${d.verdict.toUpperCase()}${asOf}: ${shown}${more}`,
    {
      device: d.name,
      model: d.model,
      serial: d.serial,
      verdict: d.verdict,
      reasons: d.reasons.join('; '),
      reason_count: d.reasons.length,
      temperature_c: d.temperature_c,
      power_on_hours: d.power_on_hours,
      health_from: d.health_from,
    },
  );
}

function drivesInsights(data: DrivesData): Insight[] {
  const found = data.drives.map(driveInsight).filter((f): f is Insight => f !== null);
  if (data.status === 'needs_sudo') {
    const unread = data.drives.filter((d) => d.verdict === 'unknown' && d.power_state === null).length;
    found.push(
      insight(
        'info',
        'drives_need_sudo',
        'smartctl',
        `SMART unread on ${unread} of ${plural(data.drives.length, 'drive')}: smartctl needs sudo`,
        {
          status: data.status,
          privilege: data.privilege ?? null,
          unread_drives: unread,
          drives: data.drives.length,
          note: data.note ?? null,
        },
      ),
    );
  }
  return found;
}

// --- zfs --------------------------------------------------------------------------------------------

/** States that need no attention: a hot spare standing by or standing in is doing its job. */
const FINE_STATES: ReadonlySet<string> = new Set(['ONLINE', 'AVAIL', 'INUSE']);
/** Vdev classes whose loss loses the pool; logs, cache and spares can go without taking data along. */
const DATA_CLASSES: ReadonlySet<string> = new Set(['special', 'dedup']);

function allNodes(nodes: readonly VdevNode[]): VdevNode[] {
  return nodes.flatMap((node) => [node, ...allNodes(node.children)]);
}

function isFine(node: VdevNode): boolean {
  return node.state === null || FINE_STATES.has(node.state);
}

/** How many more device failures a top-level vdev survives: its parity minus the children it already lacks. */
function vdevRedundancyLeft(vdev: VdevNode): number {
  if (vdev.children.length === 0) return isFine(vdev) ? 0 : -1;
  const parity =
    vdev.kind === 'mirror'
      ? vdev.children.length - 1
      : vdev.kind === 'raidz'
        ? Number(/^raidz([123])/.exec(vdev.name)?.[1] ?? 1)
        : vdev.kind === 'draid'
          ? Number(/^draid(\d)/.exec(vdev.name)?.[1] ?? 1)
          : // A replacing or spare vdev at the top stands for one disk of a striped pool.
            0;
  return parity - vdev.children.filter((child) => !isFine(child)).length;
}

/** The fewest further failures any data-holding vdev survives; null when zpool shows no vdevs (pool not opened). */
function redundancyLeft(pool: ZfsPool): number | null {
  const [root, ...headings] = pool.config;
  const vdevs = [
    ...(root?.children ?? []),
    ...headings.filter((h) => DATA_CLASSES.has(h.kind)).flatMap((h) => h.children),
  ];
  return vdevs.length === 0 ? null : Math.min(...vdevs.map(vdevRedundancyLeft));
}

function errorTotal(node: VdevNode): number {
  return (node.read_errors ?? 0) + (node.write_errors ?? 0) + (node.checksum_errors ?? 0);
}

/** `3 checksum errors`, `3 read and 184 write errors`. */
function countsText(node: VdevNode): string {
  const counts = (
    [
      [node.read_errors, 'read'],
      [node.write_errors, 'write'],
      [node.checksum_errors, 'checksum'],
    ] as const
  )
    .filter(([count]) => count !== null && count > 0)
    .map(([count, what]) => `${count} ${what}`);
  const joined = counts.length <= 1 ? (counts[0] ?? '') : `${counts.slice(0, -1).join(', ')} and ${counts.at(-1)}`;
  return `${joined} error${errorTotal(node) === 1 ? '' : 's'}`;
}

function nodeText(node: VdevNode): string {
  return `${node.name} ${node.state ?? ''}${node.note ? ` (${node.note})` : ''}${errorTotal(node) > 0 ? `, ${countsText(node)}` : ''}`;
}

/** `resilver 18 %, ~1.9 h left` while a resilver or scrub runs; `` otherwise. */
function scanText(pool: ZfsPool): string {
  const scan = pool.scan;
  if (scan.state !== 'in_progress' || scan.percent_done === null) return '';
  const left = scan.time_left_seconds === null ? '' : `, ~${formatDuration(scan.time_left_seconds)} left`;
  return `, ${scan.kind} ${Math.floor(scan.percent_done)} %${left}`;
}

function poolEvidence(pool: ZfsPool, unhealthy: readonly VdevNode[]): Record<string, EvidenceValue> {
  return {
    pool: pool.name,
    health: pool.health,
    unhealthy_devices: unhealthy.length,
    devices: unhealthy.map((node) => node.name).join(', '),
    device_details: unhealthy.map(nodeText).join('; '),
    redundancy_left: redundancyLeft(pool),
    scan_kind: pool.scan.kind,
    scan_state: pool.scan.state,
    scan_percent_done: pool.scan.percent_done,
    scan_time_left_seconds: pool.scan.time_left_seconds,
    data_errors: pool.data_errors,
    status: pool.status,
    action: pool.action,
  };
}

function poolInsights(pool: ZfsPool): Insight[] {
  const found: Insight[] = [];
  const nodes = allNodes(pool.config);
  const unhealthyLeaves = nodes.filter((node) => node.children.length === 0 && !isFine(node));
  const leavesText = unhealthyLeaves.map((node) => `${node.name} ${node.state}`).join(', ');
  if (pool.health !== 'ONLINE') {
    // A pool that is not even DEGRADED (FAULTED, UNAVAIL, SUSPENDED...) has stopped serving its data.
    const code = pool.health === 'DEGRADED' ? 'pool_degraded' : 'pool_unavailable';
    found.push(
      insight(
        'critical',
        code,
        pool.name,
        `${pool.name} ${pool.health}${leavesText ? `: ${leavesText}` : ''}${scanText(pool)}`,
        poolEvidence(pool, unhealthyLeaves),
      ),
    );
  } else if (unhealthyLeaves.length > 0) {
    // e.g. a log or cache device gone, or a hot spare that failed: the pool still has all its data.
    found.push(
      insight(
        'warning',
        'vdev_unhealthy',
        pool.name,
        `${pool.name}: ${leavesText}${scanText(pool)}`,
        poolEvidence(pool, unhealthyLeaves),
      ),
    );
  }

  // Counters of devices that are themselves not ONLINE are part of the state insight above.
  const erring = nodes.filter((node) => isFine(node) && errorTotal(node) > 0);
  if (erring.length > 0) {
    const total = erring.reduce((sum, node) => sum + errorTotal(node), 0);
    found.push(
      insight(
        'warning',
        'vdev_errors',
        pool.name,
        `${pool.name}: ${erring.map((node) => `${countsText(node)} on ${node.name}`).join(', ')} (still ONLINE)`,
        {
          pool: pool.name,
          error_count: total,
          devices: erring.map((node) => node.name).join(', '),
          device_details: erring.map(nodeText).join('; '),
        },
      ),
    );
  }

  if (pool.data_errors > 0) {
    found.push(
      insight(
        'critical',
        'pool_data_errors',
        pool.name,
        `${pool.name}: ${plural(pool.data_errors, 'unrecoverable data error')} (\`zpool status -v\` lists the files)`,
        { pool: pool.name, data_errors: pool.data_errors, status: pool.status, action: pool.action },
      ),
    );
  }

  const scan = pool.scan;
  if (scan.kind === 'scrub' && scan.state === 'finished' && scan.errors !== null && scan.errors > 0) {
    found.push(
      insight(
        'warning',
        'scrub_errors',
        pool.name,
        `${pool.name}: last scrub ended with ${plural(scan.errors, 'unrepaired error')} (${scan.ended_at ?? 'end time unknown'})`,
        { pool: pool.name, scrub_errors: scan.errors, ended_at: scan.ended_at },
      ),
    );
  }

  if (pool.capacity_percent !== null) {
    const severity = bySeverity(
      pool.capacity_percent,
      T.zfs_pool.capacity_warning_percent,
      T.zfs_pool.capacity_critical_percent,
    );
    if (severity) {
      found.push(
        insight(
          severity,
          'pool_capacity',
          pool.name,
          `${pool.name} ${formatPercent(pool.capacity_percent)} allocated: ${pool.free_bytes === null ? 'free space unknown' : `${formatBytes(pool.free_bytes)} free`}, fragmentation ${pool.fragmentation_percent === null ? 'unknown' : formatPercent(pool.fragmentation_percent)}`,
          {
            pool: pool.name,
            capacity_percent: pool.capacity_percent,
            free_bytes: pool.free_bytes,
            size_bytes: pool.size_bytes,
            fragmentation_percent: pool.fragmentation_percent,
          },
        ),
      );
    }
  }
  return found;
}

function zfsInsights(data: ZfsData): Insight[] {
  return data.pools.flatMap(poolInsights);
}

// --- services ---------------------------------------------------------------------------------------

function servicesInsights(data: ServicesData): Insight[] {
  const found: Insight[] = [];
  for (const unit of data.units) {
    const evidence = {
      unit: unit.name,
      load: unit.load,
      active: unit.active,
      sub: unit.sub,
      enabled: unit.enabled,
      description: unit.description,
    };
    if (unit.active === 'failed') {
      found.push(
        insight(
          'warning',
          'unit_failed',
          unit.name,
          `${unit.name} failed${unit.description ? ` (${unit.description})` : ''}`,
          evidence,
        ),
      );
    } else if (unit.sub === 'auto-restart') {
      // systemd waits out RestartSec after the service died: it is crash-looping, not starting up.
      found.push(
        insight(
          'warning',
          'unit_restarting',
          unit.name,
          `${unit.name} keeps dying and being restarted by systemd (${unit.active}/${unit.sub})`,
          evidence,
        ),
      );
    }
  }
  return found;
}

// --- processes, disk I/O, sensors ----------------------------------------------------------------------

function processesInsights(data: ProcessesData): Insight[] {
  return data.top_cpu
    .filter(
      (p) => p.cpu_percent >= T.processes.cpu_warning_percent && p.cpu_time_seconds >= T.processes.min_cpu_seconds,
    )
    .map((p) =>
      insight(
        'warning',
        'process_cpu_hot',
        `${p.name} (${p.pid})`,
        `${p.name} (PID ${p.pid}, ${p.user}) has kept ${formatPercent(p.cpu_percent)} CPU busy since it started (${formatDuration(p.cpu_time_seconds)} of CPU time)`,
        {
          pid: p.pid,
          name: p.name,
          user: p.user,
          cpu_percent: p.cpu_percent,
          cpu_time_seconds: p.cpu_time_seconds,
          rss_bytes: p.rss_bytes,
          command: p.command,
        },
      ),
    );
}

function diskIoInsights(data: DiskIoData): Insight[] {
  return data.devices
    .filter((d) => d.utilization_percent >= T.disk_io.utilization_warning_percent)
    .map((d) =>
      insight(
        'warning',
        'disk_saturated',
        d.device,
        `${d.device} busy ${formatPercent(d.utilization_percent)} of the time: ${round2(d.iops)} IOPS, ${formatBytes(d.read_bytes_per_second)}/s read, ${formatBytes(d.write_bytes_per_second)}/s written${d.await_ms === null ? '' : `, ${d.await_ms} ms per request`}`,
        {
          device: d.device,
          utilization_percent: d.utilization_percent,
          iops: d.iops,
          read_bytes_per_second: d.read_bytes_per_second,
          write_bytes_per_second: d.write_bytes_per_second,
          await_ms: d.await_ms,
          stacked: isStackedDevice(d.device),
          sample_window_seconds: data.sample_window_seconds,
        },
      ),
    );
}

/** The chip's critical limit, else its max, else a fixed threshold; critical at the critical limit. */
function temperatureInsight(t: Temperature): Insight | null {
  const critical = t.critical_celsius !== null && t.celsius >= t.critical_celsius;
  const warning = critical || t.alarm || t.celsius >= (t.max_celsius ?? T.sensors.fallback_warning_celsius);
  if (!warning) return null;
  const limit = critical
    ? `critical ${t.critical_celsius} °C`
    : t.max_celsius !== null
      ? `max ${t.max_celsius} °C`
      : t.alarm
        ? 'alarm raised by the chip'
        : `above ${T.sensors.fallback_warning_celsius} °C`;
  return insight(
    critical ? 'critical' : 'warning',
    'temperature_high',
    `${t.chip} ${t.label}`,
    `${t.label} (${t.chip}) at ${t.celsius} °C (${limit})`,
    {
      chip: t.chip,
      label: t.label,
      celsius: t.celsius,
      max_celsius: t.max_celsius,
      critical_celsius: t.critical_celsius,
      alarm: t.alarm,
    },
  );
}

function sensorsInsights(data: SensorsData): Insight[] {
  return data.temperatures.map(temperatureInsight).filter((found): found is Insight => found !== null);
}

// --- updates ----------------------------------------------------------------------------------------

/** How many package names an updates line lists. */
const PACKAGES_SHOWN = 3;

function packageList(names: readonly string[], total: number): string {
  const more = total > names.length ? `, +${total - names.length} more` : '';
  return `${names.join(', ')}${more}`;
}

function updatesInsights(data: UpdatesData): Insight[] {
  const found: Insight[] = [];
  const evidence = {
    package_manager: data.package_manager,
    upgradable: data.upgradable,
    security: data.security,
    metadata_age_days: data.metadata_age_seconds === null ? null : round2(data.metadata_age_seconds / 86_400),
  };
  if (data.security !== null && data.security > 0) {
    // Security updates are listed first, so the first packages are the security ones.
    const names = data.packages
      .filter((p) => p.security === true)
      .slice(0, PACKAGES_SHOWN)
      .map((p) => p.name);
    found.push(
      insight(
        'warning',
        'security_updates',
        'packages',
        `${plural(data.security, 'security update')} pending (${data.upgradable} in all): ${packageList(names, data.security)}`,
        { ...evidence, packages: names.join(', ') },
      ),
    );
  } else if (data.upgradable > 0) {
    const names = data.packages.slice(0, PACKAGES_SHOWN).map((p) => p.name);
    const kind = data.security === null ? ' (security status unknown)' : '';
    found.push(
      insight(
        'info',
        'updates_pending',
        'packages',
        `${plural(data.upgradable, 'update')} pending${kind}: ${packageList(names, data.upgradable)}`,
        { ...evidence, packages: names.join(', ') },
      ),
    );
  }
  if (data.reboot_required === true) {
    const by = data.reboot_required_packages?.length ? ` by ${data.reboot_required_packages.join(', ')}` : '';
    found.push(
      insight('warning', 'reboot_required', 'reboot', `reboot required${by}`, {
        reboot_required: true,
        packages: data.reboot_required_packages?.join(', ') ?? null,
      }),
    );
  }
  if (data.metadata_age_seconds !== null && data.metadata_age_seconds >= T.updates.metadata_stale_days * 86_400) {
    found.push(
      insight(
        'info',
        'update_metadata_stale',
        'packages',
        `package lists last refreshed ${formatDuration(data.metadata_age_seconds)} ago: newer updates are not counted`,
        evidence,
      ),
    );
  }
  return found;
}

// --- entry points -----------------------------------------------------------------------------------

interface Analyzer {
  /** Fields that must be objects or arrays for the value to be this type's answer at all. */
  shape: readonly string[];
  analyze(data: unknown): Insight[];
}

const ANALYZERS: Readonly<Record<string, Analyzer>> = {
  metrics: { shape: ['cpu', 'memory', 'load', 'filesystems'], analyze: (d) => metricsInsights(d as MetricsData) },
  containers: { shape: ['containers'], analyze: (d) => containersInsights(d as ContainersData) },
  drives: { shape: ['drives'], analyze: (d) => drivesInsights(d as DrivesData) },
  zfs: { shape: ['pools'], analyze: (d) => zfsInsights(d as ZfsData) },
  services: { shape: ['units'], analyze: (d) => servicesInsights(d as ServicesData) },
  updates: { shape: ['packages'], analyze: (d) => updatesInsights(d as UpdatesData) },
  processes: { shape: ['top_cpu'], analyze: (d) => processesInsights(d as ProcessesData) },
  disk_io: { shape: ['devices'], analyze: (d) => diskIoInsights(d as DiskIoData) },
  sensors: { shape: ['temperatures'], analyze: (d) => sensorsInsights(d as SensorsData) },
};

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function hasShape(analyzer: Analyzer, data: unknown): data is Record<string, unknown> {
  return isRecord(data) && analyzer.shape.every((key) => data[key] !== null && typeof data[key] === 'object');
}

/**
 * Why a data type could not be checked on this device, as its answer says (no docker, no systemd, ZFS
 * module not loaded...), or that the value is no answer of the type at all; null when it can be read.
 * Types without insights always give null.
 */
export function unavailableReason(dataType: string, data: unknown): string | null {
  const analyzer = Object.hasOwn(ANALYZERS, dataType) ? ANALYZERS[dataType] : undefined;
  if (!analyzer) return null;
  if (!hasShape(analyzer, data)) return `unreadable ${dataType} answer (not the shape its collector stores)`;
  switch (dataType) {
    case 'containers':
      return data.docker_available === false ? 'docker not found on the device' : null;
    case 'drives':
      return data.status === 'not_installed' || data.status === 'no_devices' ? String(data.note ?? data.status) : null;
    case 'zfs':
      return data.zfs_available === false ? String(data.reason ?? 'ZFS not available') : null;
    case 'services':
      return data.systemd_available === false ? String(data.reason ?? 'systemd not available') : null;
    case 'updates':
      return data.package_manager === null ? String(data.reason ?? 'no supported package manager') : null;
    case 'processes':
      return data.available === false ? String(data.reason ?? 'ps cannot list processes') : null;
    case 'sensors':
      return data.source === null ? String(data.reason ?? 'no sensors exposed') : null;
    default:
      return null;
  }
}

/** Insights for one data answer, most urgent first; [] for types without insights and for answers that cannot be read. */
export function insightsFor(dataType: string, data: unknown): Insight[] {
  const analyzer = Object.hasOwn(ANALYZERS, dataType) ? ANALYZERS[dataType] : undefined;
  if (!analyzer || unavailableReason(dataType, data) !== null) return [];
  return analyzer.analyze(data).sort(compareInsights);
}
