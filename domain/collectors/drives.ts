import { z } from 'zod';
import { REQUIRED_CAPABILITIES, type Collector, type CollectorContext } from './collector.ts';
import { CollectorParseError } from './parse-error.ts';
import {
  END_MARKER,
  excerptOf,
  RUN_SECTION_PRELUDE,
  sectionCommandError,
  sectionCommandResult,
  type SectionCommandResult,
  type Sections,
  splitSections,
} from './sections.ts';

/**
 * SMART health of every drive smartctl finds, judged the way Scrutiny does: smartctl's own verdict,
 * the attributes Backblaze found to predict failures, the NVMe health log and the temperature.
 * Drives are listed with `smartctl --scan-open`: plain `--scan` only guesses the type from the device
 * name and reports SATA disks as `-d scsi`, which reads them without any ATA attributes. Each drive is
 * then read with `smartctl -a -j` (smartmontools 7.0 or later). Reading SMART needs root, so smartctl
 * runs as root, through passwordless sudo, or unprivileged; drives an unprivileged user cannot open
 * make the answer `needs_sudo`, never a failed drive or an empty list.
 *
 * An hourly read must not spin up the disks a NAS has spun down (power, wear), so smartctl gets
 * `-n standby`: a drive in STANDBY or SLEEP is left alone and answers only "Device is in STANDBY mode".
 * Such a drive keeps the health of its last read, from the previous snapshot, marked with the time of
 * that read. Its answer does not say which drive it is, so udev's database (which reading does not
 * touch the disk) names its serial number, and the last read is found by that.
 */

const DATA_TYPE = 'drives';

/** smartctl's exit status bits, in bit order (smartctl(8), "RETURN VALUES"). */
const EXIT_FLAGS = [
  'command_line_error', // 0: command line did not parse
  'device_open_failed', // 1: device open failed, no IDENTIFY data, or device in a low-power mode
  'smart_command_failed', // 2: some SMART or other ATA command failed, or a SMART data checksum error
  'disk_failing', // 3: SMART status check returned "DISK FAILING"
  'prefail_at_or_below_threshold', // 4: prefail attributes at or below threshold
  'at_or_below_threshold_in_past', // 5: usage or prefail attributes were at or below threshold in the past
  'error_log_has_errors', // 6: the device error log contains records of errors
  'self_test_log_has_errors', // 7: the self-test log contains records of errors
] as const;
export const SmartctlExitFlag = z.enum(EXIT_FLAGS);
export type SmartctlExitFlag = z.infer<typeof SmartctlExitFlag>;

export const SmartctlExitStatus = z.object({
  raw: z.number().int().describe('smartctl exit status (0-255), a bit field'),
  flags: z.array(SmartctlExitFlag),
});
export type SmartctlExitStatus = z.infer<typeof SmartctlExitStatus>;

export function decodeExitStatus(raw: number): SmartctlExitStatus {
  return { raw, flags: EXIT_FLAGS.filter((_, bit) => (raw & (1 << bit)) !== 0) };
}

export const DriveProtocol = z.enum(['ATA', 'SCSI', 'NVMe']);
export type DriveProtocol = z.infer<typeof DriveProtocol>;
const PROTOCOLS: ReadonlySet<string> = new Set(DriveProtocol.options);

export const DriveVerdict = z.enum(['passed', 'warning', 'failed', 'unknown']);
export type DriveVerdict = z.infer<typeof DriveVerdict>;

/**
 * `active`: read now (smartctl found it awake, or cannot check the power mode of its kind, e.g. NVMe).
 * `standby` or `sleep`: spun down; smartctl was told not to wake it and read nothing.
 */
export const PowerState = z.enum(['active', 'standby', 'sleep']);
export type PowerState = z.infer<typeof PowerState>;

export const AtaAttribute = z.object({
  id: z.number().int(),
  name: z.string(),
  /** Normalized value, worst value and threshold (1-253; a threshold of 0 never fails). */
  value: z.number().describe('normalized value (1-253)'),
  worst: z.number().describe('worst normalized value (1-253)'),
  threshold: z.number().describe('normalized threshold (1-253; 0 never fails)'),
  raw: z.number(),
  /** smartctl's rendering of the raw value, e.g. `34 (Min/Max 22/45)`. */
  raw_string: z.string(),
  /** `now` while the value is at or below the threshold, `past` if it ever was. */
  when_failed: z.enum(['now', 'past']).nullable(),
  prefailure: z.boolean(),
});
export type AtaAttribute = z.infer<typeof AtaAttribute>;

/** The NVMe SMART / Health Information log, with smartctl's field names. */
export const NvmeHealth = z.object({
  critical_warning: z.number().int().describe('bit field; 0 when nothing is wrong'),
  temperature: z.number().describe('°C'),
  available_spare: z.number().describe('percent'),
  available_spare_threshold: z.number().describe('percent'),
  percentage_used: z.number().describe('percent of the rated endurance used; may exceed 100'),
  media_errors: z.number(),
  num_err_log_entries: z.number(),
  power_on_hours: z.number(),
  unsafe_shutdowns: z.number(),
  data_units_read: z.number().describe('units of 1000 512-byte blocks'),
  data_units_written: z.number().describe('units of 1000 512-byte blocks'),
});
export type NvmeHealth = z.infer<typeof NvmeHealth>;

export const Drive = z.object({
  /** Device name as scanned, e.g. `/dev/sda`, `/dev/nvme0`, `/dev/bus/0` (several drives behind a RAID controller). */
  name: z.string(),
  /** smartctl device type used to read it, e.g. `sat`, `nvme`, `scsi`, `sat+megaraid,1`. */
  type: z.string(),
  protocol: DriveProtocol,
  model_family: z.string().nullable(),
  model: z.string().nullable(),
  serial: z.string().nullable(),
  firmware: z.string().nullable(),
  capacity_bytes: z.number().nullable().describe('bytes'),
  /** Null for solid-state drives and when the drive does not say. */
  rotation_rpm: z.number().nullable().describe('revolutions per minute; null for solid-state drives'),
  temperature_c: z.number().nullable().describe('°C'),
  power_on_hours: z.number().nullable().describe('hours'),
  /** smartctl's overall health self-assessment; null when the drive gave none. */
  smart_passed: z.boolean().nullable(),
  /** Null when smartctl could not open the drive while scanning, so it was never read. */
  exit_status: SmartctlExitStatus.nullable(),
  /** ATA drives only. */
  attributes: z.array(AtaAttribute),
  nvme: NvmeHealth.nullable(),
  /** SCSI/SAS drives only: sectors remapped since manufacture. */
  scsi_grown_defect_list: z.number().nullable(),
  verdict: DriveVerdict,
  /** The evidence for the verdict; empty for a passed drive. */
  reasons: z.array(z.string()),
  /** Null when smartctl could not open or identify the drive. */
  power_state: PowerState.nullable(),
  /**
   * Null when the health above was read now. For a drive asleep now, the ISO time of the earlier read its
   * verdict, reasons, exit status, attributes, hours and identity come from; its temperature is null then.
   */
  health_from: z.string().nullable().describe('ISO 8601 time of the earlier read, for a drive asleep now'),
});
export type Drive = z.infer<typeof Drive>;

export const DrivesStatus = z.enum(['ok', 'needs_sudo', 'not_installed', 'no_devices']);
export type DrivesStatus = z.infer<typeof DrivesStatus>;
export const SmartctlPrivilege = z.enum(['root', 'sudo', 'user']);
export type SmartctlPrivilege = z.infer<typeof SmartctlPrivilege>;
const PRIVILEGES: ReadonlySet<string> = new Set(SmartctlPrivilege.options);

export const DrivesData = z.object({
  smartctl_available: z.boolean(),
  status: DrivesStatus,
  /** How smartctl was run; absent when it is not installed. */
  privilege: SmartctlPrivilege.optional(),
  /** e.g. `7.3`, from `smartctl --version`. */
  smartctl_version: z.string().optional(),
  /** What to do about a status other than `ok`. */
  note: z.string().optional(),
  /** Failed drives first, then drives with warnings, then by name. */
  drives: z.array(Drive),
  summary: z.object({ total: z.number(), passed: z.number(), warning: z.number(), failed: z.number(), unknown: z.number() }),
  /**
   * One line per failed or warning drive, e.g. `/dev/sdb WDC WD40EFRX-68N32N0 (WD-WCC7K1234567): FAILED — ...`,
   * or for a drive asleep now `...: FAILED as read 2024-04-01T09:00:00.000Z, asleep now — ...`.
   */
  problems: z.array(z.string()),
});
export type DrivesData = z.infer<typeof DrivesData>;

/**
 * `run SECTION COMMAND...` prints the command's stdout as @@SECTION, then @@SECTION-status and
 * @@SECTION-stderr. The loop takes name and type from each `NAME -d TYPE # INFO` line of the scan, the
 * same way the parser does; commented-out lines are devices the scan could not open. smartctl gets
 * /dev/null as stdin so nothing it or sudo runs can eat the scan lines the loop reads. A drive left
 * asleep gets a @@drive-N-udev section with its udev properties, which name it (no root needed).
 */
const COMMAND = [
  `if ! command -v smartctl >/dev/null 2>&1; then echo @@no-smartctl; echo ${END_MARKER}; exit 0; fi`,
  ...RUN_SECTION_PRELUDE,
  'if [ "$(id -u)" = 0 ]; then privilege=root',
  'elif sudo -n smartctl --version >/dev/null 2>&1; then privilege=sudo',
  'else privilege=user; fi',
  `printf '@@privilege\\n%s\\n@@version\\n' "$privilege"`,
  'smartctl --version 2>/dev/null | sed -n 1p',
  'smart() { if [ "$privilege" = sudo ]; then sudo -n smartctl "$@"; else smartctl "$@"; fi; }',
  'run scan smart --scan-open',
  'if [ "$status" -eq 0 ]; then',
  `  printf '%s\\n' "$output" | {`,
  '    i=0',
  '    while IFS= read -r line; do',
  `      case $line in ''|'#'*) continue ;; esac`,
  '      name=${line%% -d *}',
  '      type=${line#* -d }',
  '      run "drive-$i" smart -a -j -n standby -d "${type%% *}" "$name" </dev/null',
  `      case $output in *'"Device is in '*) run "drive-$i-udev" udevadm info --query=property --name="$name" </dev/null ;; esac`,
  '      i=$((i + 1))',
  '    done',
  '  }',
  'fi',
  `echo ${END_MARKER}`,
].join('\n');

function parseError(message: string, excerpt?: string): CollectorParseError {
  return new CollectorParseError(DATA_TYPE, message, excerpt === undefined ? undefined : excerptOf(excerpt));
}

// --- scan -------------------------------------------------------------------------------------------

interface ScannedDevice {
  name: string;
  type: string;
  protocol: DriveProtocol;
  /** Set for a device the scan could not open, e.g. `Permission denied`. */
  openError?: string;
}

// `/dev/sda -d sat # /dev/sda [SAT], ATA device`; the name ends at the first ` -d `, as in the script.
const SCAN_LINE = /^(.+?) -d (\S+) # (?:.*), (\S+) device$/;
// `# /dev/sda -d scsi # /dev/sda, SCSI device open failed: Permission denied`
const SCAN_OPEN_FAILED_LINE = /^# (.+?) -d (\S+) # (?:.*), (\S+) device open failed: (.*)$/;

function parseProtocol(text: string | undefined, what: string): DriveProtocol {
  if (text === undefined || !PROTOCOLS.has(text)) throw parseError(`${what}: unknown protocol ${JSON.stringify(text ?? null)}`);
  return text as DriveProtocol;
}

function parseScan(result: SectionCommandResult): ScannedDevice[] {
  if (result.status !== 0) throw sectionCommandError(DATA_TYPE, 'smartctl --scan-open', result);
  return result.stdoutLines.map((line) => {
    const failed = SCAN_OPEN_FAILED_LINE.exec(line);
    if (failed) {
      const [, name = '', type = '', protocol, openError = ''] = failed;
      return { name, type, protocol: parseProtocol(protocol, 'smartctl --scan-open'), openError };
    }
    // Any other comment is smartctl's own scan error, e.g. `# scan_smart_devices: glob(3) aborted matching pattern ...`.
    if (line.startsWith('#')) throw parseError(`smartctl --scan-open failed: ${line.slice(1).trim()}`, line);
    const match = SCAN_LINE.exec(line);
    if (!match) throw parseError('unreadable line in smartctl --scan-open', line);
    const [, name = '', type = '', protocol] = match;
    return { name, type, protocol: parseProtocol(protocol, 'smartctl --scan-open') };
  });
}

// --- smartctl -a -j ---------------------------------------------------------------------------------

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Typed access to one device's JSON; every type mismatch is a parse error naming the device and key. */
class JsonReader {
  constructor(
    private readonly device: string,
    private readonly path: string,
    private readonly data: JsonObject,
  ) {}

  private fail(key: string, expected: string): CollectorParseError {
    return parseError(`smartctl -a ${this.device}: ${this.path}${key} is not ${expected}`, JSON.stringify(this.data[key]));
  }

  object(key: string): JsonReader | null {
    const value = this.data[key];
    if (value === undefined) return null;
    if (!isObject(value)) throw this.fail(key, 'an object');
    return new JsonReader(this.device, `${this.path}${key}.`, value);
  }

  requiredObject(key: string): JsonReader {
    const reader = this.object(key);
    if (!reader) throw this.fail(key, 'an object');
    return reader;
  }

  array(key: string): JsonReader[] | null {
    const value = this.data[key];
    if (value === undefined) return null;
    if (!Array.isArray(value) || !value.every(isObject)) throw this.fail(key, 'an array of objects');
    return value.map((item, index) => new JsonReader(this.device, `${this.path}${key}[${index}].`, item));
  }

  number(key: string): number | null {
    const value = this.data[key];
    if (value === undefined) return null;
    if (typeof value !== 'number' || !Number.isFinite(value)) throw this.fail(key, 'a number');
    return value;
  }

  requiredNumber(key: string): number {
    const value = this.number(key);
    if (value === null) throw this.fail(key, 'a number');
    return value;
  }

  string(key: string): string | null {
    const value = this.data[key];
    if (value === undefined) return null;
    if (typeof value !== 'string') throw this.fail(key, 'a string');
    return value;
  }

  requiredString(key: string): string {
    const value = this.string(key);
    if (value === null) throw this.fail(key, 'a string');
    return value;
  }

  boolean(key: string): boolean | null {
    const value = this.data[key];
    if (value === undefined) return null;
    if (typeof value !== 'boolean') throw this.fail(key, 'a boolean');
    return value;
  }

  requiredBoolean(key: string): boolean {
    const value = this.boolean(key);
    if (value === null) throw this.fail(key, 'a boolean');
    return value;
  }

  choice<T extends string>(key: string, allowed: readonly T[]): T {
    const value = this.requiredString(key);
    if (!(allowed as readonly string[]).includes(value)) throw this.fail(key, `one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}`);
    return value as T;
  }
}

function readJson(device: string, result: SectionCommandResult): JsonReader {
  const text = result.stdoutLines.join('\n');
  if (text.trim() === '') {
    const stderr = result.stderr.trim();
    throw parseError(
      `smartctl -a ${device} printed nothing (exit status ${result.status}): ${stderr.split('\n')[0] || 'no error output'}`,
      stderr,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw parseError(`smartctl -a ${device}: output is not complete JSON (cut off?)`, text.slice(-500));
  }
  if (!isObject(value)) throw parseError(`smartctl -a ${device}: output is not a JSON object`, text.slice(0, 500));
  const format = value.json_format_version;
  if (!Array.isArray(format) || format[0] !== 1) {
    throw parseError(`smartctl -a ${device}: unsupported json_format_version ${JSON.stringify(format ?? null)}`, text.slice(0, 500));
  }
  return new JsonReader(device, '', value);
}

function parseExitStatus(json: JsonReader): SmartctlExitStatus {
  const raw = json.requiredObject('smartctl').requiredNumber('exit_status');
  if (!Number.isInteger(raw) || raw < 0 || raw > 255) throw parseError(`smartctl exit status out of range: ${raw}`);
  return decodeExitStatus(raw);
}

function parseMessages(json: JsonReader): string[] {
  return (json.requiredObject('smartctl').array('messages') ?? []).map((message) => message.requiredString('string'));
}

function parseAttributes(json: JsonReader): AtaAttribute[] {
  const table = json.object('ata_smart_attributes')?.array('table') ?? [];
  return table.map((entry) => {
    const raw = entry.requiredObject('raw');
    return {
      id: entry.requiredNumber('id'),
      name: entry.requiredString('name'),
      value: entry.requiredNumber('value'),
      worst: entry.requiredNumber('worst'),
      threshold: entry.requiredNumber('thresh'),
      raw: raw.requiredNumber('value'),
      raw_string: raw.requiredString('string'),
      // smartctl prints "" for an attribute that never failed.
      when_failed: entry.choice('when_failed', ['', 'now', 'past'] as const) || null,
      prefailure: entry.requiredObject('flags').requiredBoolean('prefailure'),
    };
  });
}

function parseNvmeHealth(json: JsonReader): NvmeHealth | null {
  const log = json.object('nvme_smart_health_information_log');
  if (!log) return null;
  return {
    critical_warning: log.requiredNumber('critical_warning'),
    temperature: log.requiredNumber('temperature'),
    available_spare: log.requiredNumber('available_spare'),
    available_spare_threshold: log.requiredNumber('available_spare_threshold'),
    percentage_used: log.requiredNumber('percentage_used'),
    media_errors: log.requiredNumber('media_errors'),
    num_err_log_entries: log.requiredNumber('num_err_log_entries'),
    power_on_hours: log.requiredNumber('power_on_hours'),
    unsafe_shutdowns: log.requiredNumber('unsafe_shutdowns'),
    data_units_read: log.requiredNumber('data_units_read'),
    data_units_written: log.requiredNumber('data_units_written'),
  };
}

/** The drive's description, all of it optional: a drive that could not be identified has none of it. */
function parseIdentity(json: JsonReader): Omit<Drive, 'name' | 'type' | 'protocol' | 'exit_status' | 'verdict' | 'reasons' | 'power_state' | 'health_from'> {
  const nvme = parseNvmeHealth(json);
  const rotation = json.number('rotation_rate');
  return {
    model_family: json.string('model_family'),
    model: json.string('model_name'),
    serial: json.string('serial_number'),
    // SCSI drives call their firmware version "revision".
    firmware: json.string('firmware_version') ?? json.string('revision'),
    capacity_bytes: json.object('user_capacity')?.number('bytes') ?? json.number('nvme_total_capacity'),
    // smartctl reports 0 for "Solid State Device".
    rotation_rpm: rotation !== null && rotation > 0 ? rotation : null,
    temperature_c: json.object('temperature')?.number('current') ?? nvme?.temperature ?? null,
    power_on_hours: json.object('power_on_time')?.number('hours') ?? nvme?.power_on_hours ?? null,
    smart_passed: json.object('smart_status')?.boolean('passed') ?? null,
    attributes: parseAttributes(json),
    nvme,
    scsi_grown_defect_list: json.number('scsi_grown_defect_list'),
  };
}

// --- verdict ----------------------------------------------------------------------------------------

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

function attributeReasons(attributes: readonly AtaAttribute[], failed: string[], warnings: string[]): { now: boolean; past: boolean } {
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
    failed.push(`NVMe critical_warning 0x${nvme.critical_warning.toString(16).padStart(2, '0')}: ${names.join(', ') || 'reserved bits'}`);
  }
  if (nvme.available_spare < nvme.available_spare_threshold) {
    failed.push(`available spare ${nvme.available_spare}% below threshold ${nvme.available_spare_threshold}%`);
  }
  if (nvme.percentage_used >= 100) failed.push(`percentage used ${nvme.percentage_used}%`);
  if (nvme.media_errors > 0) warnings.push(`media errors ${nvme.media_errors}`);
}

interface LogCounts {
  /** ATA error log entries, when smartctl printed the count. */
  errors: number | null;
  /** Failed self-tests, when smartctl printed the count. */
  failedSelfTests: number | null;
}

function parseLogCounts(json: JsonReader): LogCounts {
  return {
    errors: json.object('ata_smart_error_log')?.object('summary')?.number('count') ?? null,
    failedSelfTests: json.object('ata_smart_self_test_log')?.object('standard')?.number('error_count_total') ?? null,
  };
}

type Identity = ReturnType<typeof parseIdentity>;

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

function judge(identity: Identity, exit: SmartctlExitStatus, logs: LogCounts): Pick<Drive, 'verdict' | 'reasons'> {
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
    warnings.push(logs.errors === null ? 'device error log has errors' : `device error log has ${plural(logs.errors, 'error')}`);
  }
  if (flags.has('self_test_log_has_errors')) {
    warnings.push(logs.failedSelfTests === null ? 'self-test log has errors' : `self-test log has ${plural(logs.failedSelfTests, 'failed self-test')}`);
  }
  if (identity.nvme) nvmeReasons(identity.nvme, failed, warnings);
  if (identity.scsi_grown_defect_list !== null && identity.scsi_grown_defect_list > 0) {
    warnings.push(`grown defect list ${identity.scsi_grown_defect_list}`);
  }
  if (identity.temperature_c !== null) {
    const [limit, kind] = identity.rotation_rpm === null ? [SSD_TEMPERATURE_LIMIT_C, 'solid-state drives'] : [HDD_TEMPERATURE_LIMIT_C, 'hard disks'];
    if (identity.temperature_c >= limit) warnings.push(`temperature ${identity.temperature_c} °C (limit ${limit} °C for ${kind})`);
  }
  const verdict = failed.length > 0 ? 'failed' : warnings.length > 0 ? 'warning' : 'passed';
  return { verdict, reasons: [...failed, ...warnings] };
}

/** Why a drive that answered cannot be judged, or undefined when it can. */
function unjudgeable(json: JsonReader, identity: Identity): string | undefined {
  const support = json.object('smart_support');
  if (support?.boolean('available') === false) return 'SMART unavailable: the device lacks SMART capability';
  if (support?.boolean('enabled') === false) return 'SMART is disabled on the device (smartctl -s on enables it)';
  // smartctl before 7.3 prints no smart_support; a drive without any health data has none either.
  if (identity.smart_passed === null && identity.attributes.length === 0 && !identity.nvme) return 'smartctl reported no SMART health data';
  return undefined;
}

// --- drives -----------------------------------------------------------------------------------------

interface ReadDrive {
  drive: Drive;
  /** smartctl could not open it as an unprivileged user: root would be needed. */
  needsRoot: boolean;
}

const PERMISSION_DENIED = /permission denied|operation not permitted/i;
const NEEDS_ROOT_REASON = 'needs sudo for smartctl';

function unopenedDrive(device: ScannedDevice, openError: string, privilege: SmartctlPrivilege): ReadDrive {
  const needsRoot = privilege === 'user' && PERMISSION_DENIED.test(openError);
  return {
    drive: {
      name: device.name,
      type: device.type,
      protocol: device.protocol,
      model_family: null,
      model: null,
      serial: null,
      firmware: null,
      capacity_bytes: null,
      rotation_rpm: null,
      temperature_c: null,
      power_on_hours: null,
      smart_passed: null,
      exit_status: null,
      attributes: [],
      nvme: null,
      scsi_grown_defect_list: null,
      verdict: 'unknown',
      reasons: [`smartctl could not open the device: ${openError}`, ...(needsRoot ? [NEEDS_ROOT_REASON] : [])],
      power_state: null,
      health_from: null,
    },
    needsRoot,
  };
}

/**
 * smartctl's answer for a drive it left asleep (`-n standby`), e.g. `Device is in STANDBY mode, exit(2)`.
 * The mode is worded as the drive and the smartctl version report it: `STANDBY`, `STANDBY_Y`, `SLEEP`,
 * `STANDBY (OS)`, or for SCSI drives e.g. `STANDBY BY COMMAND`.
 */
const LOW_POWER_MESSAGE = /^Device is in (.+) mode, exit\(\d+\)$/;

function lowPowerState(messages: readonly string[]): Exclude<PowerState, 'active'> | undefined {
  const mode = messages.map((message) => LOW_POWER_MESSAGE.exec(message)?.[1]).find((m) => m !== undefined);
  if (mode === undefined) return undefined;
  // `-n standby` leaves alone only drives in STANDBY or SLEEP, so every other wording is a kind of standby.
  return mode.startsWith('SLEEP') ? 'sleep' : 'standby';
}

function readDrive(device: ScannedDevice, result: SectionCommandResult, privilege: SmartctlPrivilege): ReadDrive {
  const json = readJson(device.name, result);
  const exit = parseExitStatus(json);
  const messages = parseMessages(json);
  if (exit.flags.includes('command_line_error')) {
    throw parseError(`smartctl -a ${device.name} rejected its command line: ${messages.join('; ') || `exit status ${exit.raw}`}`);
  }
  const deviceInfo = json.object('device');
  const identity = parseIdentity(json);
  const base = {
    name: device.name,
    type: device.type,
    // Absent when the device could not be opened.
    protocol: deviceInfo ? parseProtocol(deviceInfo.requiredString('protocol'), `smartctl -a ${device.name}`) : device.protocol,
    ...identity,
    exit_status: exit,
    health_from: null,
  };
  // Before the exit bits: a drive left asleep sets bit 1 just like a drive that could not be opened.
  const asleep = lowPowerState(messages);
  if (asleep !== undefined) {
    return { drive: { ...base, verdict: 'unknown', reasons: [`asleep (${asleep}); not woken to read SMART`], power_state: asleep }, needsRoot: false };
  }
  if (exit.flags.includes('device_open_failed')) {
    // Under -j smartctl keeps some failures (e.g. "Read Device Identity failed") out of the messages.
    // Unprivileged, the likely cause is the missing privilege: root is needed to send ATA or NVMe commands.
    const needsRoot = privilege === 'user';
    const why = messages.join('; ') || `smartctl could not open or identify the device (exit status ${exit.raw})`;
    return { drive: { ...base, verdict: 'unknown', reasons: [why, ...(needsRoot ? [NEEDS_ROOT_REASON] : [])], power_state: null }, needsRoot };
  }
  const awake = { ...base, power_state: 'active' as const };
  const unknownBecause = unjudgeable(json, identity);
  if (unknownBecause !== undefined) return { drive: { ...awake, verdict: 'unknown', reasons: [unknownBecause] }, needsRoot: false };
  return { drive: { ...awake, ...judge(identity, exit, parseLogCounts(json)) }, needsRoot: false };
}

// --- drives left asleep -----------------------------------------------------------------------------

function isAsleep(drive: Drive): boolean {
  return drive.power_state === 'standby' || drive.power_state === 'sleep';
}

/** Who a sleeping drive is, as udev recorded it when the drive appeared. */
interface UdevIdentity {
  serial: string | null;
  model: string | null;
}

const UDEV_PROPERTY = /^([A-Z0-9_]+)=(.*)$/;

/** From `udevadm info --query=property`; nothing when it failed (no udevadm, or no block device such as `/dev/bus/0`). */
function parseUdevIdentity(result: SectionCommandResult): UdevIdentity {
  if (result.status !== 0) return { serial: null, model: null };
  const properties = new Map(result.stdoutLines.flatMap((line) => {
    const match = UDEV_PROPERTY.exec(line);
    return match ? [[match[1], match[2]] as const] : [];
  }));
  return { serial: properties.get('ID_SERIAL_SHORT') || null, model: properties.get('ID_MODEL') || null };
}

/** udev writes the blanks in serial numbers and models as `_`. */
function udevForm(text: string): string {
  return text.trim().replace(/\s+/g, '_');
}

/**
 * By serial number; by name and model when either side lacks one. A serial udev took from a USB bridge
 * rather than the disk matches nothing, so the drive stays unknown instead of borrowing another's health.
 */
function isSameDrive(earlier: Drive, name: string, udev: UdevIdentity): boolean {
  if (udev.serial !== null && earlier.serial !== null) return udevForm(earlier.serial) === udev.serial;
  return udev.model !== null && earlier.model !== null && earlier.name === name && udevForm(earlier.model) === udev.model;
}

interface LastRead {
  drive: Drive;
  /** ISO time of the read. */
  at: string;
}

function lastReads(ctx: CollectorContext<DrivesData>): LastRead[] {
  if (!ctx.previous) return [];
  const collectedAt = ctx.previous.collectedAt.toISOString();
  return ctx.previous.data.drives.flatMap((drive) => {
    // A drive carried over then keeps the time of its read; one asleep then without a read has none.
    // Snapshots stored before power states lack both fields: every drive in them that can match was read then.
    const at = drive.health_from ?? (isAsleep(drive) ? null : collectedAt);
    return at === null ? [] : [{ drive, at }];
  });
}

/** The sleeping drive with the health of its last read, or as it is (unknown) without one. */
function lastKnown(asleep: Drive, udev: UdevIdentity, reads: readonly LastRead[]): Drive {
  const last = reads.find((read) => isSameDrive(read.drive, asleep.name, udev));
  if (!last) return asleep;
  return {
    ...last.drive,
    // Where it is attached now: device names can change at a reboot.
    name: asleep.name,
    type: asleep.type,
    protocol: asleep.protocol,
    temperature_c: null,
    power_state: asleep.power_state,
    health_from: last.at,
  };
}

const VERDICT_ORDER: Readonly<Record<DriveVerdict, number>> = { failed: 0, warning: 1, passed: 2, unknown: 2 };

function byVerdictThenName(a: Drive, b: Drive): number {
  return VERDICT_ORDER[a.verdict] - VERDICT_ORDER[b.verdict] || compare(a.name, b.name) || compare(a.type, b.type);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function summarize(drives: readonly Drive[]): DrivesData['summary'] {
  const count = (verdict: DriveVerdict) => drives.filter((drive) => drive.verdict === verdict).length;
  return { total: drives.length, passed: count('passed'), warning: count('warning'), failed: count('failed'), unknown: count('unknown') };
}

function problemLine(drive: Drive): string {
  const model = drive.model === null ? '' : ` ${drive.model}`;
  const serial = drive.serial === null ? '' : ` (${drive.serial})`;
  // The verdict of a drive asleep now is that of its last read: say so, and when that was.
  const asOf = drive.health_from === null ? '' : ` as read ${drive.health_from}, asleep now`;
  return `${drive.name}${model}${serial}: ${drive.verdict.toUpperCase()}${asOf} — ${drive.reasons.join('; ')}`;
}

function parsePrivilege(sections: Sections): SmartctlPrivilege {
  const privilege = sections.nonEmptyLines('privilege')[0] ?? '';
  if (!PRIVILEGES.has(privilege)) throw parseError(`unknown privilege mode ${JSON.stringify(privilege)}`);
  return privilege as SmartctlPrivilege;
}

/** e.g. `smartctl 7.3 2022-02-28 r5338 [x86_64-linux-6.1.0-18-amd64] (local build)`, or `smartctl pre-7.4 ...` for a snapshot. */
function parseVersion(sections: Sections): string | undefined {
  const match = /^smartctl ((?:pre-)?(\d+)\.\d+\S*)/.exec(sections.lines('version')[0] ?? '');
  if (!match?.[1]) return undefined;
  if (Number(match[2]) < 7) throw parseError(`smartctl ${match[1]} has no JSON output: smartctl -j needs smartmontools 7.0 or later`);
  return match[1];
}

const NOTES: Readonly<Record<Exclude<DrivesStatus, 'ok'>, string>> = {
  not_installed: 'smartctl not installed (package smartmontools)',
  no_devices: 'smartctl found no devices (a virtual machine or container without passed-through disks?)',
  needs_sudo:
    'needs sudo for smartctl: reading SMART data needs root; allow the SSH user to run `sudo -n smartctl` without a password, ' +
    'e.g. with the sudoers line `USER ALL=(root) NOPASSWD: /usr/sbin/smartctl`',
};

function parseDrives(sections: Sections, ctx: CollectorContext<DrivesData>): DrivesData {
  const privilege = parsePrivilege(sections);
  const version = parseVersion(sections);
  const scanned = parseScan(sectionCommandResult(DATA_TYPE, sections, 'scan'));
  const reads = lastReads(ctx);

  let index = 0;
  const read = scanned.map((device): ReadDrive => {
    if (device.openError !== undefined) return unopenedDrive(device, device.openError, privilege);
    const section = `drive-${index++}`;
    const now = readDrive(device, sectionCommandResult(DATA_TYPE, sections, section), privilege);
    if (!isAsleep(now.drive)) return now;
    const udev = parseUdevIdentity(sectionCommandResult(DATA_TYPE, sections, `${section}-udev`));
    return { drive: lastKnown(now.drive, udev, reads), needsRoot: false };
  });
  if (sections.has(`drive-${index}`)) throw parseError(`section @@drive-${index} has no device in the scan`);

  const drives = read.map((r) => r.drive).sort(byVerdictThenName);
  const status: DrivesStatus = drives.length === 0 ? 'no_devices' : read.some((r) => r.needsRoot) ? 'needs_sudo' : 'ok';
  return {
    smartctl_available: true,
    status,
    privilege,
    ...(version !== undefined && { smartctl_version: version }),
    ...(status !== 'ok' && { note: NOTES[status] }),
    drives,
    summary: summarize(drives),
    problems: drives.filter((drive) => drive.verdict === 'failed' || drive.verdict === 'warning').map(problemLine),
  };
}

export const drivesCollector: Collector<DrivesData> = {
  dataType: DATA_TYPE,
  tool: {
    name: 'get_drive_health',
    title: 'Drive health (SMART)',
    description:
      'Every drive smartctl finds: verdict passed/warning/failed/unknown with the evidence (critical ATA attributes 5/10/184/187/188/196/197/198/201, NVMe health log, smartctl\'s own verdict and exit-status bits), temperature, power-on hours, model, serial, capacity. `problems` lists failing and warning drives first; status needs_sudo says smartctl must be allowed through sudo -n. Cached for up to 1 h.',
  },
  description: 'Drive SMART health: verdict with reasons, attributes, NVMe health log, temperatures, via smartctl',
  schema: DrivesData,
  freshnessSeconds: 3600,
  pollIntervalSeconds: 3600,
  commandTimeoutMs: 90_000,
  usesPrevious: true,
  // Bad-sector counts matter as a trend over months, so drive history is kept longer than other types.
  retentionDays: 365,
  requiredCapability: REQUIRED_CAPABILITIES.drives,
  table: 'drives_snapshots',

  command: () => COMMAND,

  parse(output, ctx) {
    const sections = splitSections(DATA_TYPE, output);
    if (sections.has('no-smartctl')) {
      return {
        smartctl_available: false,
        status: 'not_installed',
        note: NOTES.not_installed,
        drives: [],
        summary: summarize([]),
        problems: [],
      };
    }
    return parseDrives(sections, ctx);
  },

  columns(data) {
    const temperatures = data.drives.map((drive) => drive.temperature_c).filter((t): t is number => t !== null);
    return {
      drives_total: data.summary.total,
      drives_passed: data.summary.passed,
      drives_warning: data.summary.warning,
      drives_failed: data.summary.failed,
      max_temperature_c: temperatures.length > 0 ? Math.max(...temperatures) : null,
      smartctl_available: data.smartctl_available,
    };
  },

  capabilities(data) {
    return { smartctl: data.smartctl_available };
  },
};
