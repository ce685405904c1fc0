/**
 * A drive's health verdict, judged the way Scrutiny does: smartctl's own verdict, the attributes
 * Backblaze found to predict failures, the NVMe health log and the temperature; and the fleet-facing
 * summary of the verdicts (counts, order, problem lines).
 */
import type { AtaAttribute, Drive, DriveVerdict, DrivesData, NvmeHealth, SmartctlExitStatus } from './schema.ts';

/** What smartctl says about a drive besides where it is attached and how it answered. */
export type DriveIdentity = Omit<
  Drive,
  'name' | 'type' | 'protocol' | 'exit_status' | 'verdict' | 'reasons' | 'power_state' | 'health_from'
>;

/**
 * Attributes whose raw value Backblaze found to predict failure (Scrutiny uses the same set):
 * reallocated sectors, spin retries, end-to-end errors, reported uncorrectable errors, command timeouts,
 * reallocation events, pending and offline-uncorrectable sectors, soft read errors.
 */
const CRITICAL_ATTRIBUTES: ReadonlySet<number> = new Set([5, 10, 184, 187, 188, 196, 197, 198, 201]);
/** Bad-sector counts; from this many on, Backblaze's drives failed far more often than merely degraded ones. */
const SECTOR_COUNT_ATTRIBUTES: ReadonlySet<number> = new Set([5, 197, 198]);
const FAILING_SECTOR_COUNT = 100;
const COMMAND_TIMEOUT = 188;

const HDD_TEMPERATURE_LIMIT_C = 60;
const SSD_TEMPERATURE_LIMIT_C = 70;

/** NVMe Critical Warning bits, in bit order (NVMe base specification, SMART / Health Information log). */
const NVME_CRITICAL_WARNINGS = [
  'available spare below threshold',
  'temperature out of range',
  'reliability degraded',
  'media placed in read-only mode',
  'volatile memory backup failed',
  'persistent memory region read-only',
];

/**
 * Some drives (Seagate in particular) pack three 16-bit counters into the raw value of 188; the low
 * one counts the timed-out commands.
 */
function criticalCount(attribute: AtaAttribute): number {
  return attribute.id === COMMAND_TIMEOUT ? attribute.raw % 0x10000 : attribute.raw;
}

function attributeReasons(
  attributes: readonly AtaAttribute[],
  failed: string[],
  warnings: string[],
): { now: boolean; past: boolean } {
  let now = false;
  let past = false;
  for (const a of attributes) {
    const label = `attribute ${a.id} ${a.name}`;
    if (a.when_failed === 'now' || (a.threshold > 0 && a.value <= a.threshold)) {
      failed.push(`${label} value ${a.value} at or below threshold ${a.threshold}`);
      now = true;
    } else if (a.when_failed === 'past') {
      warnings.push(`${label} was at or below threshold ${a.threshold} in the past (worst ${a.worst})`);
      past = true;
    }
    const count = criticalCount(a);
    if (CRITICAL_ATTRIBUTES.has(a.id) && count > 0) {
      const text = count === a.raw ? `${label} raw ${count}` : `${label} raw ${count} (low 16 bits of ${a.raw})`;
      (SECTOR_COUNT_ATTRIBUTES.has(a.id) && count >= FAILING_SECTOR_COUNT ? failed : warnings).push(text);
    }
  }
  return { now, past };
}

function nvmeReasons(nvme: NvmeHealth, failed: string[], warnings: string[]): void {
  if (nvme.critical_warning !== 0) {
    const names = NVME_CRITICAL_WARNINGS.filter((_, bit) => (nvme.critical_warning & (1 << bit)) !== 0);
    failed.push(
      `NVMe critical_warning 0x${nvme.critical_warning.toString(16).padStart(2, '0')}: ${names.join(', ') || 'reserved bits'}`,
    );
  }
  if (nvme.available_spare < nvme.available_spare_threshold) {
    failed.push(`available spare ${nvme.available_spare}% below threshold ${nvme.available_spare_threshold}%`);
  }
  if (nvme.percentage_used >= 100) failed.push(`percentage used ${nvme.percentage_used}%`);
  if (nvme.media_errors > 0) warnings.push(`media errors ${nvme.media_errors}`);
}

export interface LogCounts {
  /** ATA error log entries, when smartctl printed the count. */
  errors: number | null;
  /** Failed self-tests, when smartctl printed the count. */
  failedSelfTests: number | null;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

export function judgeDrive(
  identity: DriveIdentity,
  exit: SmartctlExitStatus,
  logs: LogCounts,
): Pick<Drive, 'verdict' | 'reasons'> {
  const flags = new Set(exit.flags);
  const failed: string[] = [];
  const warnings: string[] = [];
  if (identity.smart_passed === false || flags.has('disk_failing')) failed.push('smartctl reports FAILING');
  const attributes = attributeReasons(identity.attributes, failed, warnings);
  // The exit bits summarize the attribute table; name them only when no attribute above explains them.
  if (flags.has('prefail_at_or_below_threshold') && !attributes.now) {
    failed.push('smartctl exit status bit 4: a prefail attribute is at or below its threshold');
  }
  if (flags.has('at_or_below_threshold_in_past') && !attributes.past) {
    warnings.push('smartctl exit status bit 5: an attribute was at or below its threshold in the past');
  }
  if (flags.has('error_log_has_errors')) {
    warnings.push(
      logs.errors === null ? 'device error log has errors' : `device error log has ${plural(logs.errors, 'error')}`,
    );
  }
  if (flags.has('self_test_log_has_errors')) {
    warnings.push(
      logs.failedSelfTests === null
        ? 'self-test log has errors'
        : `self-test log has ${plural(logs.failedSelfTests, 'failed self-test')}`,
    );
  }
  if (identity.nvme) nvmeReasons(identity.nvme, failed, warnings);
  if (identity.scsi_grown_defect_list !== null && identity.scsi_grown_defect_list > 0) {
    warnings.push(`grown defect list ${identity.scsi_grown_defect_list}`);
  }
  if (identity.temperature_c !== null) {
    const [limit, kind] =
      identity.rotation_rpm === null
        ? [SSD_TEMPERATURE_LIMIT_C, 'solid-state drives']
        : [HDD_TEMPERATURE_LIMIT_C, 'hard disks'];
    if (identity.temperature_c >= limit)
      warnings.push(`temperature ${identity.temperature_c} °C (limit ${limit} °C for ${kind})`);
  }
  const verdict = failed.length > 0 ? 'failed' : warnings.length > 0 ? 'warning' : 'passed';
  return { verdict, reasons: [...failed, ...warnings] };
}
const VERDICT_ORDER: Readonly<Record<DriveVerdict, number>> = { failed: 0, warning: 1, passed: 2, unknown: 2 };

export function byVerdictThenName(a: Drive, b: Drive): number {
  return VERDICT_ORDER[a.verdict] - VERDICT_ORDER[b.verdict] || compare(a.name, b.name) || compare(a.type, b.type);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function summarize(drives: readonly Drive[]): DrivesData['summary'] {
  const count = (verdict: DriveVerdict) => drives.filter((drive) => drive.verdict === verdict).length;
  return {
    total: drives.length,
    passed: count('passed'),
    warning: count('warning'),
    failed: count('failed'),
    unknown: count('unknown'),
  };
}

export function problemLine(drive: Drive): string {
  const model = drive.model === null ? '' : ` ${drive.model}`;
  const serial = drive.serial === null ? '' : ` (${drive.serial})`;
  // The verdict of a drive asleep now is that of its last read: say so, and when that was.
  const asOf = drive.health_from === null ? '' : ` as read ${drive.health_from}, asleep now`;
  return `${drive.name}${model}${serial}: ${drive.verdict.toUpperCase()}${asOf} — ${drive.reasons.join('; ')}`;
}
