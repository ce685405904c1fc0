/**
 * The vocabulary shared by the insights attached to data answers (data-insights.ts) and by diagnosis
 * (diagnosis.ts): what one insight is, the thresholds that raise one, and the order that ranks them.
 * Pure data and one comparator: nothing here reads a device or a database.
 */

export type InsightSeverity = 'critical' | 'warning' | 'info';

/** Diagnosis focuses filter on these; storage comes first because its problems risk losing data. */
export type InsightCategory = 'storage' | 'containers' | 'services' | 'performance' | 'updates';

/** Category weight for ranking: earlier is more urgent at equal severity. */
export const CATEGORY_ORDER: readonly InsightCategory[] = [
  'storage',
  'containers',
  'services',
  'performance',
  'updates',
];

export type EvidenceValue = string | number | boolean | null;

export interface Insight {
  severity: InsightSeverity;
  code: InsightCode;
  /** The pool, mount, container, drive, unit or host the insight is about. */
  subject: string;
  /** One short human line with the numbers, e.g. `tank DEGRADED: ata-WDC… FAULTED, resilver 18 %, ~1.9 h left`. */
  message: string;
  /** The values the message was made from, so a reader (or an agent) can check it without a second call. */
  evidence: Record<string, EvidenceValue>;
}

interface CodeRule {
  category: InsightCategory;
  /**
   * The evidence value that orders insights of one code (e.g. how full a filesystem is), and whether a
   * higher or a lower value is worse; null where all insights of the code weigh the same.
   */
  magnitude: { key: string; worse: 'higher' | 'lower' } | null;
  /**
   * Whether a configuration change can plausibly cause it. A faulted disk is hardware: a config file
   * edited just before is a coincidence, and diagnosis does not offer it as related evidence.
   */
  configSensitive: boolean;
}

const higher = (key: string) => ({ key, worse: 'higher' as const });
const lower = (key: string) => ({ key, worse: 'lower' as const });

/**
 * Every insight code. Within a category they are listed most harmful first; after severity and
 * category this order decides the rank, and only then the magnitude.
 */
export const INSIGHT_CODES = {
  // Storage: lost or unreadable data first, then what takes the last redundancy, then space.
  pool_unavailable: { category: 'storage', magnitude: lower('redundancy_left'), configSensitive: false },
  pool_data_errors: { category: 'storage', magnitude: higher('data_errors'), configSensitive: false },
  pool_degraded: { category: 'storage', magnitude: lower('redundancy_left'), configSensitive: false },
  drive_failed: { category: 'storage', magnitude: higher('reason_count'), configSensitive: false },
  vdev_unhealthy: { category: 'storage', magnitude: higher('unhealthy_devices'), configSensitive: false },
  vdev_errors: { category: 'storage', magnitude: higher('error_count'), configSensitive: false },
  scrub_errors: { category: 'storage', magnitude: higher('scrub_errors'), configSensitive: false },
  filesystem_full: { category: 'storage', magnitude: higher('used_percent'), configSensitive: true },
  filesystem_filling: { category: 'storage', magnitude: lower('days_until_full'), configSensitive: true },
  drive_warning: { category: 'storage', magnitude: higher('reason_count'), configSensitive: false },
  pool_capacity: { category: 'storage', magnitude: higher('capacity_percent'), configSensitive: false },
  drives_need_sudo: { category: 'storage', magnitude: null, configSensitive: false },
  // A disk busy every millisecond: everything that reads or writes it waits.
  disk_saturated: { category: 'performance', magnitude: higher('utilization_percent'), configSensitive: true },
  // Containers: a crash loop is down right now; an unhealthy one still answers, an exited one is stopped.
  container_restarting: { category: 'containers', magnitude: higher('restart_count'), configSensitive: true },
  container_restarts: { category: 'containers', magnitude: higher('restarts_in_window'), configSensitive: true },
  container_unhealthy: { category: 'containers', magnitude: higher('restart_count'), configSensitive: true },
  container_exited: { category: 'containers', magnitude: null, configSensitive: true },
  // A proxy conf whose upstream container is gone or stopped: its name answers 502 (domain/proxy/proxy-upstreams.ts).
  proxy_upstream_broken: { category: 'containers', magnitude: null, configSensitive: true },
  // Services.
  unit_failed: { category: 'services', magnitude: null, configSensitive: true },
  unit_restarting: { category: 'services', magnitude: null, configSensitive: true },
  // Performance: running out of memory kills processes; load and CPU only slow them down.
  memory_high: { category: 'performance', magnitude: higher('used_percent'), configSensitive: true },
  load_high: { category: 'performance', magnitude: higher('load_per_core'), configSensitive: true },
  cpu_high: { category: 'performance', magnitude: higher('usage_percent'), configSensitive: true },
  process_cpu_hot: { category: 'performance', magnitude: higher('cpu_percent'), configSensitive: true },
  // Heat: a CPU or disk at its limit throttles, then shuts down; a hardware matter, not a configuration one.
  temperature_high: { category: 'performance', magnitude: higher('celsius'), configSensitive: false },
  // Updates.
  security_updates: { category: 'updates', magnitude: higher('security'), configSensitive: false },
  reboot_required: { category: 'updates', magnitude: null, configSensitive: false },
  updates_pending: { category: 'updates', magnitude: higher('upgradable'), configSensitive: false },
  update_metadata_stale: { category: 'updates', magnitude: higher('metadata_age_days'), configSensitive: false },
} as const satisfies Record<string, CodeRule>;

export type InsightCode = keyof typeof INSIGHT_CODES;

const CODE_ORDER = Object.keys(INSIGHT_CODES) as InsightCode[];

export function codeRule(code: InsightCode): CodeRule {
  return INSIGHT_CODES[code];
}

/**
 * Every threshold in one place, so answers, diagnosis and documentation cite the same numbers. Each one
 * is "at or above" unless named otherwise. Where the design document (reference/design-document.md,
 * "Response Enhancement") gives a number it is used; the others follow Beszel, Scrutiny and TrueNAS.
 */
export const INSIGHT_THRESHOLDS = {
  cpu: {
    /** Design document: "High CPU usage detected" above 80 %. */
    warning_percent: 80,
  },
  memory: {
    /** Five points below critical, the same gap the disk thresholds keep. */
    warning_percent: 85,
    /** Design document: "Critical memory usage" above 90 %. */
    critical_percent: 90,
  },
  load: {
    /**
     * 5-minute load per core: twice as many runnable tasks as cores means work is queueing. Per core,
     * because the design document's absolute `load_average > 5.0` would flag every idle 32-core host
     * that runs a few builds and never a saturated 2-core VM.
     */
    warning_per_core: 2,
  },
  filesystem: {
    warning_percent: 85,
    critical_percent: 95,
    /** A filesystem below the percentages still gets an insight when its trend fills it this soon. */
    fill_warning_days: 7,
    fill_critical_days: 1,
    /** Shorter histories turn a log rotation or a download into a "trend". */
    trend_min_window_hours: 1,
  },
  zfs_pool: {
    /** TrueNAS's defaults: ZFS allocation slows down and fragments past 80 % and gets much worse past 90 %. */
    capacity_warning_percent: 80,
    capacity_critical_percent: 90,
  },
  processes: {
    /**
     * ps %CPU is CPU time over the process's lifetime: at 90 % one core has been busy nearly all the time
     * the process has lived, which a runaway loop does and a normal service does not.
     */
    cpu_warning_percent: 90,
    /** ...for at least this much CPU time, so a process that started a second ago is not "hot". */
    min_cpu_seconds: 600,
  },
  disk_io: {
    /** iostat's %util: the device had I/O in flight this share of the sampled second. */
    utilization_warning_percent: 90,
  },
  sensors: {
    /** Without a limit from the chip, a reading this hot is worth a look on any CPU or drive we meet. */
    fallback_warning_celsius: 85,
  },
  updates: {
    /** apt, dnf and unattended-upgrades refresh daily; a week-old cache no longer knows recent advisories. */
    metadata_stale_days: 7,
  },
  containers: {
    /**
     * Restarts by the restart policy within the history a diagnosis is given. Docker counts only those
     * (a `docker restart` does not), so every one of them is a crash.
     */
    restarts_in_window_warning: 1,
  },
  diagnosis: {
    /** A configuration change this shortly before a problem began is reported beside it. */
    config_change_window_minutes: 30,
  },
} as const;

const SEVERITY_ORDER: Readonly<Record<InsightSeverity, number>> = { critical: 0, warning: 1, info: 2 };

function severityRank(severity: InsightSeverity): number {
  return SEVERITY_ORDER[severity];
}

/** The more severe of two severities. */
export function worseSeverity(a: InsightSeverity, b: InsightSeverity): InsightSeverity {
  return severityRank(a) <= severityRank(b) ? a : b;
}

/** Negative when `a`'s magnitude is worse; insights without the value come after those with it. */
function compareMagnitude(a: Insight, b: Insight): number {
  const magnitude = INSIGHT_CODES[a.code].magnitude;
  if (!magnitude) return 0;
  const x = a.evidence[magnitude.key];
  const y = b.evidence[magnitude.key];
  const xn = typeof x === 'number' ? x : null;
  const yn = typeof y === 'number' ? y : null;
  if (xn === null || yn === null) return (xn === null ? 1 : 0) - (yn === null ? 1 : 0);
  return magnitude.worse === 'higher' ? yn - xn : xn - yn;
}

/** Most urgent first: severity, category, code (most harmful first), magnitude, then subject for a stable order. */
export function compareInsights(a: Insight, b: Insight): number {
  return (
    severityRank(a.severity) - severityRank(b.severity) ||
    CATEGORY_ORDER.indexOf(INSIGHT_CODES[a.code].category) - CATEGORY_ORDER.indexOf(INSIGHT_CODES[b.code].category) ||
    CODE_ORDER.indexOf(a.code) - CODE_ORDER.indexOf(b.code) ||
    (a.code === b.code ? compareMagnitude(a, b) : 0) ||
    (a.subject < b.subject ? -1 : a.subject > b.subject ? 1 : 0)
  );
}
