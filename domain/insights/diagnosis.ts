/**
 * Diagnosis of one device (and the merge of several): from freshly collected answers, their recent
 * history and the configuration changes stored for the device, the problems that need attention, each
 * with its evidence, a rank and a recommendation. Pure: the workflow collects, this only reads.
 *
 * Decisions:
 * - Findings are the insights the answers carry (data-insights.ts), so a diagnosis never disagrees with
 *   the answers it was made from; history adds what one answer cannot show: how fast a filesystem fills,
 *   how often a container crashed, and since when a problem has been there.
 * - A configuration change is offered as related evidence only for problems a change can cause
 *   (containers, units, load, space), and only when it came at most 30 minutes before the problem was
 *   first seen; a failing disk after an nginx edit is a coincidence. The first version of a file the
 *   watcher found already there is no change and is never offered.
 * - Recommendations are text for a person or an agent. Nothing here runs or schedules anything; commands
 *   in them name device values shell-quoted, so they can be copied as they are.
 */
import type { ContainerInfo, ContainersData } from '../collectors/containers.ts';
import type { FilesystemUsage, MetricsData } from '../collectors/metrics.ts';
import type { UpdatesData } from '../collectors/updates.ts';
import { shellQuote } from '../ssh/quote.ts';
import {
  filesystemEvidence,
  filesystemGroups,
  filesystemMessage,
  formatBytes,
  formatDuration,
  insightsFor,
  plural,
  round2,
  unavailableReason,
} from './data-insights.ts';
import {
  CATEGORY_ORDER,
  codeRule,
  compareInsights,
  type EvidenceValue,
  type Insight,
  type InsightCategory,
  INSIGHT_THRESHOLDS,
  type InsightSeverity,
  worseSeverity,
} from './insight.ts';

const T = INSIGHT_THRESHOLDS;

export type DiagnosisFocus = 'performance' | 'storage' | 'containers' | 'all';

/** The data types a diagnosis reads, in the order they are looked at. */
export const DIAGNOSED_DATA_TYPES = ['metrics', 'zfs', 'drives', 'containers', 'services', 'updates'] as const;
export type DiagnosedDataType = (typeof DIAGNOSED_DATA_TYPES)[number];

/** Metrics serve two focuses: load, memory and CPU are performance, their filesystems are storage. */
const TYPE_CATEGORIES: Readonly<Record<DiagnosedDataType, readonly InsightCategory[]>> = {
  metrics: ['performance', 'storage'],
  zfs: ['storage'],
  drives: ['storage'],
  containers: ['containers'],
  services: ['services'],
  updates: ['updates'],
};

const FOCUS_CATEGORIES: Readonly<Record<DiagnosisFocus, readonly InsightCategory[]>> = {
  performance: ['performance'],
  storage: ['storage'],
  containers: ['containers'],
  all: CATEGORY_ORDER,
};

/** The data types a diagnosis with this focus needs collected. */
export function typesForFocus(focus: DiagnosisFocus): DiagnosedDataType[] {
  return DIAGNOSED_DATA_TYPES.filter((t) => TYPE_CATEGORIES[t].some((c) => FOCUS_CATEGORIES[focus].includes(c)));
}

/** One stored metrics snapshot, reduced to what a fill trend needs. */
export interface FilesystemHistoryPoint {
  collected_at: string;
  mounts: Array<{ mount: string; used_bytes: number; size_bytes: number }>;
}

/** One stored containers snapshot, reduced to what restart and onset inference needs. */
export interface ContainerHistoryPoint {
  collected_at: string;
  containers: Array<{ name: string; state: string; restart_count: number; health: string | null }>;
}

/** A stored configuration change event of the device. */
export interface RecentConfigChange {
  path: string;
  detected_at: string;
  /** The change type: CREATE, MODIFY, DELETE or MOVE. */
  kind: string;
  risk: string | null;
  summary: string | null;
  /** The first version of a file already there when watching it began: stored, but not a change. */
  first_capture: boolean;
}

export interface DiagnosisInput {
  device: string;
  focus: DiagnosisFocus;
  /** When the snapshots were collected (ISO 8601): "now" for the diagnosis. */
  collectedAt: string;
  /** The fresh answers; a type the device was not asked for is absent. */
  snapshots: Partial<Record<DiagnosedDataType, unknown>>;
  /** Oldest first; may or may not include the fresh metrics answer itself. */
  filesystemHistory: FilesystemHistoryPoint[];
  recentConfigChanges: RecentConfigChange[];
  /** Oldest first; may or may not include the fresh containers answer itself. */
  containerHistory?: ContainerHistoryPoint[];
}

export interface RelatedConfigChange {
  path: string;
  detected_at: string;
  kind: string;
  risk: string | null;
  summary: string | null;
  minutes_before_onset: number;
}

export type Finding = Insight & {
  rank: number;
  category: InsightCategory;
  recommendation: string;
  /** When the problem began as far as the history shows; absent when the history cannot tell. */
  first_seen?: string;
  related_config_changes?: RelatedConfigChange[];
};

export interface DiagnosisReport {
  device: string;
  focus: DiagnosisFocus;
  collected_at: string;
  findings: Finding[];
  summary: string;
  /** The data types that were looked at. */
  checked: DiagnosedDataType[];
  /** Data types within the focus that the device cannot answer (no docker, no systemd...), with why. */
  unavailable: Array<{ data_type: DiagnosedDataType; reason: string }>;
}

/** An insight with the time its problem was first seen, when the history shows it. */
interface Observed {
  insight: Insight;
  firstSeen: string | null;
}

// --- helpers ----------------------------------------------------------------------------------------

/** A device value as one shell word: bare when it is plainly safe, single-quoted otherwise. */
function shellWord(value: string): string {
  return /^[A-Za-z0-9@%+=:,./_-]+$/.test(value) ? value : shellQuote(value);
}

function text(evidence: Record<string, EvidenceValue>, key: string): string {
  const value = evidence[key];
  return value === null || value === undefined ? '' : String(value);
}

function numberOf(evidence: Record<string, EvidenceValue>, key: string): number | null {
  const value = evidence[key];
  return typeof value === 'number' ? value : null;
}

function timeOf(iso: string, what: string): number {
  const time = Date.parse(iso);
  if (Number.isNaN(time)) throw new Error(`diagnosis: ${what} is not a timestamp: ${JSON.stringify(iso)}`);
  return time;
}

/**
 * The start of the run of bad points that reaches the newest one (the fresh answer, last in `series`):
 * when the problem was first seen. Null when there is no earlier point to compare with, or the newest
 * point is not bad.
 */
function trailingRunStart(series: ReadonlyArray<{ at: string; bad: boolean }>): string | null {
  if (series.length < 2 || !series.at(-1)?.bad) return null;
  let start = series.length - 1;
  while (start > 0 && series[start - 1]?.bad) start -= 1;
  return series[start]?.at ?? null;
}

// --- filesystems ------------------------------------------------------------------------------------

interface FillTrend {
  growthBytesPerDay: number;
  daysUntilFull: number;
  windowHours: number;
  points: number;
}

/**
 * Days until the filesystem is full, from the least-squares slope of its free space over the history
 * and the fresh answer. Free space rather than used bytes, because df shows a ZFS dataset's size as its
 * own used plus the pool's free space: the other datasets filling the pool shrink it too. Null unless
 * the window covers the minimum and the filesystem grows.
 */
function fillTrend(fs: FilesystemUsage, history: readonly FilesystemHistoryPoint[], now: number): FillTrend | null {
  const points: Array<{ t: number; free: number }> = [];
  for (const point of history) {
    const mount = point.mounts.find((m) => m.mount === fs.mountpoint);
    const t = Date.parse(point.collected_at);
    if (mount && !Number.isNaN(t) && t <= now) points.push({ t, free: mount.size_bytes - mount.used_bytes });
  }
  // The fresh answer is the newest point, unless the history already holds it.
  if (!points.some((p) => p.t === now)) points.push({ t: now, free: fs.size_bytes - fs.used_bytes });
  const first = Math.min(...points.map((p) => p.t));
  const windowSeconds = (now - first) / 1000;
  if (points.length < 2 || windowSeconds < T.filesystem.trend_min_window_hours * 3600) return null;

  const xs = points.map((p) => (p.t - first) / 1000);
  const meanX = xs.reduce((sum, x) => sum + x, 0) / xs.length;
  const meanY = points.reduce((sum, p) => sum + p.free, 0) / points.length;
  let sxy = 0;
  let sxx = 0;
  points.forEach((p, i) => {
    const dx = (xs[i] ?? 0) - meanX;
    sxy += dx * (p.free - meanY);
    sxx += dx * dx;
  });
  const growthPerSecond = -(sxy / sxx);
  if (!(growthPerSecond > 0)) return null;
  return {
    growthBytesPerDay: Math.round(growthPerSecond * 86_400),
    // From what df says is available now: the regression line's own level would count reserved blocks.
    daysUntilFull: round2(Math.max(0, fs.available_bytes) / growthPerSecond / 86_400),
    windowHours: round2(windowSeconds / 3600),
    points: points.length,
  };
}

function trendSeverity(trend: FillTrend): InsightSeverity | null {
  if (trend.daysUntilFull <= T.filesystem.fill_critical_days) return 'critical';
  return trend.daysUntilFull <= T.filesystem.fill_warning_days ? 'warning' : null;
}

function trendText(trend: FillTrend): string {
  return `+${formatBytes(trend.growthBytesPerDay)}/day, full in ~${formatDuration(trend.daysUntilFull * 86_400)}`;
}

function trendEvidence(trend: FillTrend): Record<string, EvidenceValue> {
  return {
    growth_bytes_per_day: trend.growthBytesPerDay,
    days_until_full: trend.daysUntilFull,
    trend_window_hours: trend.windowHours,
    trend_points: trend.points,
  };
}

/**
 * Since when the mount has been over the warning percentage. The history has no available bytes, so
 * its percentage is used/size, a little lower than df's on filesystems with reserved blocks: the onset
 * it finds is never earlier than the real one.
 */
function fullSince(
  fs: FilesystemUsage,
  history: readonly FilesystemHistoryPoint[],
  collectedAt: string,
): string | null {
  const series = history.flatMap((point) => {
    const mount = point.mounts.find((m) => m.mount === fs.mountpoint);
    if (!mount || mount.size_bytes <= 0 || point.collected_at === collectedAt) return [];
    return [
      { at: point.collected_at, bad: (mount.used_bytes / mount.size_bytes) * 100 >= T.filesystem.warning_percent },
    ];
  });
  return trailingRunStart([...series, { at: collectedAt, bad: true }]);
}

function withFilesystemTrends(
  found: readonly Insight[],
  metrics: MetricsData,
  input: DiagnosisInput,
  now: number,
): Observed[] {
  const observed: Observed[] = [];
  const byMount = new Map(found.filter((i) => i.code === 'filesystem_full').map((i) => [i.subject, i]));
  for (const group of filesystemGroups(metrics.filesystems)) {
    const fs = group.filesystem;
    const full = byMount.get(fs.mountpoint);
    const trend = fillTrend(fs, input.filesystemHistory, now);
    const severity = trend ? trendSeverity(trend) : null;
    if (full) {
      observed.push({
        insight: trend
          ? {
              ...full,
              severity: severity ? worseSeverity(full.severity, severity) : full.severity,
              message: `${full.message}; ${trendText(trend)}`,
              evidence: { ...full.evidence, ...trendEvidence(trend) },
            }
          : full,
        firstSeen: fullSince(fs, input.filesystemHistory, input.collectedAt),
      });
    } else if (trend && severity) {
      observed.push({
        insight: {
          severity,
          code: 'filesystem_filling',
          subject: fs.mountpoint,
          message: `${fs.mountpoint} filling: ${trendText(trend)} (${filesystemMessage(group)})`,
          evidence: { ...filesystemEvidence(group), ...trendEvidence(trend) },
        },
        firstSeen: null,
      });
    }
  }
  return [
    ...found.filter((i) => i.code !== 'filesystem_full').map((insight) => ({ insight, firstSeen: null })),
    ...observed,
  ];
}

// --- containers -------------------------------------------------------------------------------------

const CONTAINER_CODES: ReadonlySet<string> = new Set([
  'container_restarting',
  'container_unhealthy',
  'container_exited',
]);

interface ContainerSeries {
  points: Array<{ at: string; state: string; health: string | null; restartCount: number; restarted: boolean }>;
  restartsInWindow: number;
  firstRestartAt: string | null;
}

/**
 * The container's history by name (compose recreates containers under new ids but the same name),
 * ending with the fresh answer. A restart count that drops means the container was recreated: its
 * counting starts over.
 */
function containerSeries(
  c: ContainerInfo,
  history: readonly ContainerHistoryPoint[],
  collectedAt: string,
): ContainerSeries {
  const raw = history
    .filter((point) => point.collected_at !== collectedAt)
    .flatMap((point) =>
      point.containers
        .filter((x) => x.name === c.name)
        .map((x) => ({ at: point.collected_at, state: x.state, health: x.health, restartCount: x.restart_count })),
    );
  raw.push({ at: collectedAt, state: c.state, health: c.health, restartCount: c.restart_count });
  let restartsInWindow = 0;
  let firstRestartAt: string | null = null;
  const points = raw.map((point, i) => {
    const before = raw[i - 1];
    const grown = before === undefined ? 0 : Math.max(0, point.restartCount - before.restartCount);
    restartsInWindow += grown;
    if (grown > 0) firstRestartAt ??= point.at;
    return { ...point, restarted: grown > 0 };
  });
  return { points, restartsInWindow, firstRestartAt };
}

function restartEvidence(series: ContainerSeries): Record<string, EvidenceValue> {
  return series.points.length < 2
    ? {}
    : { restarts_in_window: series.restartsInWindow, window_start: series.points[0]?.at ?? null };
}

function withContainerHistory(
  found: readonly Insight[],
  data: ContainersData,
  history: readonly ContainerHistoryPoint[],
  collectedAt: string,
): Observed[] {
  const observed: Observed[] = found
    .filter((i) => !CONTAINER_CODES.has(i.code))
    .map((insight) => ({ insight, firstSeen: null }));
  const byName = new Map(found.filter((i) => CONTAINER_CODES.has(i.code)).map((i) => [i.subject, i]));
  for (const c of data.containers) {
    const series = containerSeries(c, history, collectedAt);
    const existing = byName.get(c.name);
    if (existing) {
      // The current episode: consecutive points in the same trouble, a restart counting as trouble for a crash loop.
      const bad = (p: ContainerSeries['points'][number]) =>
        existing.code === 'container_restarting'
          ? p.state === 'restarting' || p.restarted
          : existing.code === 'container_unhealthy'
            ? p.health === 'unhealthy'
            : p.state === 'exited' || p.state === 'dead';
      observed.push({
        insight: { ...existing, evidence: { ...existing.evidence, ...restartEvidence(series) } },
        firstSeen: trailingRunStart(series.points.map((p) => ({ at: p.at, bad: bad(p) }))),
      });
    } else if (series.restartsInWindow >= T.containers.restarts_in_window_warning) {
      const first = series.points[0];
      observed.push({
        insight: {
          severity: 'warning',
          code: 'container_restarts',
          subject: c.name,
          message: `${c.name} crashed and was restarted ${plural(series.restartsInWindow, 'time')} since ${first?.at} (restart count ${first?.restartCount} → ${c.restart_count}), ${c.state} now`,
          evidence: {
            container: c.name,
            image: c.image,
            state: c.state,
            status: c.status,
            restart_count: c.restart_count,
            started_at: c.started_at,
            ...restartEvidence(series),
          },
        },
        firstSeen: series.firstRestartAt,
      });
    }
  }
  return observed;
}

// --- recommendations --------------------------------------------------------------------------------

const UPGRADE_COMMANDS: Readonly<Record<NonNullable<UpdatesData['package_manager']>, string>> = {
  apt: 'apt-get upgrade',
  dnf: 'dnf upgrade',
  yum: 'yum update',
  pacman: 'pacman -Syu',
  apk: 'apk upgrade',
};

const REFRESH_COMMANDS: Readonly<Record<NonNullable<UpdatesData['package_manager']>, string>> = {
  apt: 'apt-get update',
  dnf: 'dnf makecache',
  yum: 'yum makecache',
  pacman: 'pacman -Sy',
  apk: 'apk update',
};

function managerCommand(commands: Readonly<Record<string, string>>, evidence: Record<string, EvidenceValue>): string {
  return commands[text(evidence, 'package_manager')] ?? 'the package manager';
}

function redundancyText(left: number | null): string {
  if (left === null) return '';
  if (left < 0)
    return 'A vdev has lost more devices than its parity: data on it is gone unless the devices come back. ';
  if (left === 0)
    return 'The pool has no redundancy left: one more device failure loses data, so make sure the backup is current first. ';
  return `The pool survives ${plural(left, 'more device failure')}. `;
}

function recommendation(insight: Insight): string {
  const e = insight.evidence;
  const subject = shellWord(insight.subject);
  switch (insight.code) {
    case 'pool_unavailable':
      return `${redundancyText(numberOf(e, 'redundancy_left'))}Check power and cabling of ${text(e, 'devices') || 'its devices'}; once they are back, \`zpool clear ${subject}\` (or \`zpool import ${subject}\`). If they are lost, restore from backup.`;
    case 'pool_degraded': {
      const resilvering = e.scan_kind === 'resilver' && e.scan_state === 'in_progress';
      const left = numberOf(e, 'scan_time_left_seconds');
      const wait = resilvering
        ? `A resilver is running (${Math.floor(numberOf(e, 'scan_percent_done') ?? 0)} %${left === null ? '' : `, ~${formatDuration(left)} left`}): let it finish and keep the load low until then. `
        : '';
      const devices = text(e, 'devices');
      return `${redundancyText(numberOf(e, 'redundancy_left'))}${wait}Replace ${devices || 'the failed device'} with \`zpool replace ${subject} <old> <new>\`; a hot spare standing in returns to the spares once the replacement is resilvered.`;
    }
    case 'pool_data_errors':
      return `\`zpool status -v ${subject}\` lists the damaged files: restore them from backup, then \`zpool clear ${subject}\` and \`zpool scrub ${subject}\` to confirm the pool is clean.`;
    case 'drive_failed':
      return `Copy what is on ${text(e, 'device')} elsewhere now and replace it (${text(e, 'model') || 'model unknown'}, serial ${text(e, 'serial') || 'unknown'}). If it belongs to a ZFS pool or a RAID, replace it there (e.g. \`zpool replace <pool> <old> <new>\`) rather than pulling it blind.`;
    case 'drive_warning':
      return numberOf(e, 'reason_count') === 1 && text(e, 'reasons').startsWith('temperature')
        ? `Improve the cooling of ${text(e, 'device')} (${text(e, 'temperature_c')} °C): heat shortens a drive's life.`
        : `Run a long self-test (\`smartctl -t long ${shellWord(text(e, 'device'))}\`) and compare the counts over the next days: growing counts mean replacing it soon. Keep its data backed up.`;
    case 'vdev_unhealthy':
      return `Check ${text(e, 'devices')} (cabling, \`zpool status ${subject}\`); \`zpool online ${subject} <device>\` once it is back, or replace it.`;
    case 'vdev_errors':
      return `Check SMART health and cabling of ${text(e, 'devices')}, then \`zpool clear ${subject}\` and \`zpool scrub ${subject}\`; errors that come back mean replacing the device.`;
    case 'scrub_errors':
      return `\`zpool status -v ${subject}\` lists the affected files: restore them from backup, then scrub again (\`zpool scrub ${subject}\`).`;
    case 'filesystem_full':
    case 'filesystem_filling': {
      const days = numberOf(e, 'days_until_full');
      const when = days === null ? '' : ` At the current rate it is full in ~${formatDuration(days * 86_400)}.`;
      const snapshots =
        e.fs_type === 'zfs' ? ' Snapshots may hold the space: `zfs list -t snapshot -o name,used -s used`.' : '';
      return `Find what grows (\`du -xh --max-depth=2 ${subject} | sort -h | tail\`), then rotate, clean up or grow the filesystem.${when}${snapshots}`;
    }
    case 'pool_capacity':
      return `Free space in ${insight.subject} (delete data or old snapshots: \`zfs list -t snapshot -o name,used -s used\`) or add a vdev: ZFS slows down and fragments as it fills.`;
    case 'drives_need_sudo':
      return text(e, 'note') || 'Allow the SSH user to run `sudo -n smartctl` without a password.';
    case 'container_restarting':
      return `\`docker logs --tail 100 ${subject}\` shows why it exits; fix the cause (image, configuration, a dependency). \`docker stop ${subject}\` ends the loop meanwhile if it disturbs others.`;
    case 'container_restarts':
      return `\`docker logs --tail 100 ${subject}\` and \`docker inspect --format '{{.State.OOMKilled}}' ${subject}\` show why it died.`;
    case 'container_unhealthy':
      return `\`docker inspect --format '{{json .State.Health}}' ${subject}\` shows the output of the failing health check.`;
    case 'container_exited':
      return e.exit_code === 137
        ? `\`docker inspect --format '{{.State.OOMKilled}}' ${subject}\` tells whether it ran out of memory; raise its memory limit or the host's memory if so, then \`docker start ${subject}\`.`
        : `\`docker logs --tail 100 ${subject}\` shows why it stopped; \`docker start ${subject}\` once fixed, or remove it if it is no longer needed.`;
    case 'proxy_upstream_broken':
      return `Start the container ${text(e, 'app')} (or deploy it), or point the conf at the right container and port; remove the conf if the app is gone for good (\`infra proxy remove <device> ${subject}\`).`;
    case 'unit_failed':
      return `\`journalctl -u ${subject} -n 50 --no-pager\` shows why it failed; after the fix \`systemctl restart ${subject}\`, or \`systemctl reset-failed ${subject}\` if it is no longer needed.`;
    case 'unit_restarting':
      return `\`journalctl -u ${subject} -n 50 --no-pager\` shows why it keeps dying; \`systemctl stop ${subject}\` ends the loop while you fix it.`;
    case 'memory_high':
      return 'Find the biggest consumers (`ps aux --sort=-rss | head`, container memory in get_containers) and limit or move them, or add memory, before the OOM killer picks a process.';
    case 'load_high':
      return `More work is queued than the ${text(e, 'cores')} cores run: find the busiest processes (\`top\`) and check whether they wait for disks (\`iostat -x 5\`).`;
    case 'process_cpu_hot':
      return `Check what ${text(e, 'name')} (PID ${text(e, 'pid')}) is doing (\`top -p ${text(e, 'pid')}\`, its logs); a process stuck in a loop needs a restart, a legitimate one a limit (nice, a cgroup CPU quota).`;
    case 'disk_saturated':
      return `Find who does the I/O (\`iotop -o\` or \`pidstat -d 5\`); on a spinning disk this queues every reader and writer — move the load, schedule it (backups, scrubs) outside busy hours, or use faster storage. An SSD or NVMe drive can show 100 % with capacity to spare: compare the wait time.`;
    case 'temperature_high':
      return `Check the cooling of ${text(e, 'label')} (${text(e, 'chip')}): fans running (get_sensors), dust, airflow, thermal paste; find what loads it (get_processes). Hardware throttles and then shuts down at its critical limit.`;
    case 'cpu_high':
      return 'Find the busiest processes (`top -o %CPU`) or containers (get_containers shows their CPU); one short sample can be a spike, so check that it persists.';
    case 'security_updates':
    case 'updates_pending':
      return `Install them (\`${managerCommand(UPGRADE_COMMANDS, e)}\`, through run_command, which asks for confirmation where it has to), ideally in a maintenance window.`;
    case 'reboot_required':
      return 'Reboot when convenient so the updated kernel and libraries are used; stop or move what must not be interrupted first.';
    case 'update_metadata_stale':
      return `Refresh the package lists (\`${managerCommand(REFRESH_COMMANDS, e)}\`) and check why the daily refresh stopped (apt-daily, dnf-makecache or unattended-upgrades timers).`;
  }
}

function relatedChanges(onsetIso: string, changes: readonly RecentConfigChange[]): RelatedConfigChange[] {
  const onset = timeOf(onsetIso, 'problem onset');
  const windowMs = T.diagnosis.config_change_window_minutes * 60_000;
  return changes
    .filter((change) => !change.first_capture)
    .map((change) => ({ change, at: Date.parse(change.detected_at) }))
    .filter(({ at }) => !Number.isNaN(at) && at <= onset && onset - at <= windowMs)
    .sort((a, b) => b.at - a.at)
    .map(({ change, at }) => ({
      path: change.path,
      detected_at: change.detected_at,
      kind: change.kind,
      risk: change.risk,
      summary: change.summary,
      minutes_before_onset: Math.round((onset - at) / 60_000),
    }));
}

/** `firstSeen`: when the history shows the problem began; null when only the collection saw it. */
function changeAdvice(changes: readonly RelatedConfigChange[], firstSeen: string | null, collectedAt: string): string {
  const [closest] = changes;
  if (!closest) return '';
  const others = changes.length > 1 ? ` (and ${plural(changes.length - 1, 'other change')})` : '';
  const details = [closest.risk ? `risk ${closest.risk}` : null, closest.summary].filter((part) => part).join(': ');
  const seconds = (Date.parse(firstSeen ?? collectedAt) - Date.parse(closest.detected_at)) / 1000;
  const before = `${seconds < 60 ? 'less than a minute' : formatDuration(seconds)} before ${firstSeen === null ? 'this was seen' : 'this began'}`;
  return ` ${closest.path} changed ${before}${details ? ` (${details})` : ''}${others}: review that change first; config_diff shows it and rollback_config can restore the previous version.`;
}

function toFinding(observed: Observed, input: DiagnosisInput): Omit<Finding, 'rank'> {
  const { insight, firstSeen } = observed;
  const rule = codeRule(insight.code);
  const related = rule.configSensitive ? relatedChanges(firstSeen ?? input.collectedAt, input.recentConfigChanges) : [];
  return {
    ...insight,
    category: rule.category,
    recommendation: recommendation(insight) + changeAdvice(related, firstSeen, input.collectedAt),
    ...(firstSeen !== null && { first_seen: firstSeen }),
    ...(related.length > 0 && { related_config_changes: related }),
  };
}

// --- reports ----------------------------------------------------------------------------------------

function severityCounts(findings: readonly Insight[]): Record<InsightSeverity, number> {
  const counts = { critical: 0, warning: 0, info: 0 };
  for (const finding of findings) counts[finding.severity] += 1;
  return counts;
}

function countsText(counts: Record<InsightSeverity, number>): string {
  return [
    counts.critical > 0 ? `${counts.critical} critical` : null,
    counts.warning > 0 ? plural(counts.warning, 'warning') : null,
    counts.info > 0 ? `${counts.info} info` : null,
  ]
    .filter((part) => part !== null)
    .join(', ');
}

function reportSummary(report: Omit<DiagnosisReport, 'summary'>): string {
  const unavailable =
    report.unavailable.length > 0
      ? `; not available: ${report.unavailable.map((u) => `${u.data_type} (${u.reason})`).join(', ')}`
      : '';
  if (report.checked.length === 0) return `${report.device}: nothing to check for focus ${report.focus}${unavailable}`;
  const checked = `checked ${report.checked.join(', ')}`;
  const counts = severityCounts(report.findings);
  const [first] = report.findings;
  if (!first || counts.critical + counts.warning === 0) {
    const notes = counts.info > 0 ? `; ${counts.info} info` : '';
    return `${report.device}: no problems found (${checked})${notes}${unavailable}`;
  }
  return `${report.device}: ${countsText(counts)} (${checked})${unavailable}. Most urgent: ${first.message}`;
}

/** Numbers the findings 1..n, most urgent first; `tieBreak` orders what compareInsights finds equal. */
function ranked<F extends Insight>(
  findings: readonly F[],
  tieBreak: (a: F, b: F) => number,
): Array<{ rank: number } & F> {
  return [...findings]
    .sort((a, b) => compareInsights(a, b) || tieBreak(a, b))
    .map((finding, i) => ({ rank: i + 1, ...finding }));
}

/** Problems of one device, ranked most urgent first, with evidence and recommendations. Changes nothing. */
export function diagnose(input: DiagnosisInput): DiagnosisReport {
  const now = timeOf(input.collectedAt, 'collectedAt');
  const categories = new Set(FOCUS_CATEGORIES[input.focus]);
  const checked: DiagnosedDataType[] = [];
  const unavailable: DiagnosisReport['unavailable'] = [];
  const observed: Observed[] = [];
  for (const type of DIAGNOSED_DATA_TYPES) {
    const data = input.snapshots[type];
    if (data === undefined || !TYPE_CATEGORIES[type].some((category) => categories.has(category))) continue;
    const reason = unavailableReason(type, data);
    if (reason !== null) {
      unavailable.push({ data_type: type, reason });
      continue;
    }
    checked.push(type);
    const found = insightsFor(type, data);
    // unavailableReason checked the value's shape, so the casts below read a real answer.
    if (type === 'metrics') {
      observed.push(...withFilesystemTrends(found, data as MetricsData, input, now));
    } else if (type === 'containers') {
      observed.push(
        ...withContainerHistory(found, data as ContainersData, input.containerHistory ?? [], input.collectedAt),
      );
    } else {
      observed.push(...found.map((insight) => ({ insight, firstSeen: null })));
    }
  }
  const findings: Finding[] = ranked(
    observed.filter((o) => categories.has(codeRule(o.insight.code).category)).map((o) => toFinding(o, input)),
    () => 0,
  );
  const report = {
    device: input.device,
    focus: input.focus,
    collected_at: input.collectedAt,
    findings,
    checked,
    unavailable,
  };
  return { ...report, summary: reportSummary(report) };
}

// --- fleet ------------------------------------------------------------------------------------------

export type FleetFinding = Finding & { device: string };

export interface FleetDeviceSummary {
  device: string;
  focus: DiagnosisFocus;
  critical: number;
  warning: number;
  info: number;
  checked: DiagnosedDataType[];
  unavailable: DiagnosisReport['unavailable'];
}

export interface FleetDiagnosis {
  devices: FleetDeviceSummary[];
  /** Every device's findings in one ranking; equal findings on several devices are ordered by device name. */
  findings: FleetFinding[];
  summary: string;
}

/** One ranking across the devices' reports, with per-device counts. */
export function diagnoseFleet(reports: readonly DiagnosisReport[]): FleetDiagnosis {
  const findings: FleetFinding[] = ranked(
    reports.flatMap((report) =>
      report.findings.map(({ rank: _rank, ...finding }) => ({ ...finding, device: report.device })),
    ),
    (a, b) => (a.device < b.device ? -1 : a.device > b.device ? 1 : 0),
  );
  const devices = reports
    .map((report) => ({
      device: report.device,
      focus: report.focus,
      ...severityCounts(report.findings),
      checked: report.checked,
      unavailable: report.unavailable,
    }))
    .sort(
      (a, b) =>
        b.critical - a.critical || b.warning - a.warning || (a.device < b.device ? -1 : a.device > b.device ? 1 : 0),
    );
  const affected = devices.filter((d) => d.critical + d.warning > 0);
  const [first] = findings;
  const summary =
    !first || affected.length === 0
      ? `${plural(reports.length, 'device')}: no problems found`
      : `${plural(reports.length, 'device')}: ${countsText(severityCounts(findings))} on ${plural(affected.length, 'device')}` +
        `${affected.length < reports.length ? `, ${reports.length - affected.length} without problems` : ''}. Most urgent: ${first.device}: ${first.message}`;
  return { devices, findings, summary };
}
