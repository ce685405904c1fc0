/**
 * Reads the drives command's output: the `--scan-open` list, each drive's `smartctl -a -j` JSON, and for
 * a drive left asleep its udev identity, by which it keeps the health of its last read.
 */
import type { CollectorContext, CommandOutput } from '../collector.ts';
import { CollectorParseError } from '../parse-error.ts';
import {
  excerptOf,
  sectionCommandError,
  sectionCommandResult,
  type SectionCommandResult,
  type Sections,
  splitSections,
} from '../sections.ts';
import {
  type AtaAttribute,
  DATA_TYPE,
  decodeExitStatus,
  type Drive,
  DriveProtocol,
  type DrivesData,
  type DrivesStatus,
  type NvmeHealth,
  type PowerState,
  type SmartctlExitStatus,
  SmartctlPrivilege,
} from './schema.ts';
import {
  byVerdictThenName,
  type DriveIdentity,
  judgeDrive,
  type LogCounts,
  problemLine,
  summarize,
} from './verdict.ts';

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
  if (text === undefined || !PROTOCOLS.has(text))
    throw parseError(`${what}: unknown protocol ${JSON.stringify(text ?? null)}`);
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
    return parseError(
      `smartctl -a ${this.device}: ${this.path}${key} is not ${expected}`,
      JSON.stringify(this.data[key]),
    );
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
    if (!(allowed as readonly string[]).includes(value))
      throw this.fail(key, `one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}`);
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
    throw parseError(
      `smartctl -a ${device}: unsupported json_format_version ${JSON.stringify(format ?? null)}`,
      text.slice(0, 500),
    );
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
function parseIdentity(json: JsonReader): DriveIdentity {
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

function parseLogCounts(json: JsonReader): LogCounts {
  return {
    errors: json.object('ata_smart_error_log')?.object('summary')?.number('count') ?? null,
    failedSelfTests: json.object('ata_smart_self_test_log')?.object('standard')?.number('error_count_total') ?? null,
  };
}

/** Why a drive that answered cannot be judged, or undefined when it can. */
function unjudgeable(json: JsonReader, identity: DriveIdentity): string | undefined {
  const support = json.object('smart_support');
  if (support?.boolean('available') === false) return 'SMART unavailable: the device lacks SMART capability';
  if (support?.boolean('enabled') === false) return 'SMART is disabled on the device (smartctl -s on enables it)';
  // smartctl before 7.3 prints no smart_support; a drive without any health data has none either.
  if (identity.smart_passed === null && identity.attributes.length === 0 && !identity.nvme)
    return 'smartctl reported no SMART health data';
  return undefined;
}

// --- drives -----------------------------------------------------------------------------------------

interface ReadDrive {
  drive: Drive;
  /** smartctl could not open it as an unprivileged user: root would be needed. */
  needsRoot: boolean;
}

const PROTOCOLS: ReadonlySet<string> = new Set(DriveProtocol.options);
const PRIVILEGES: ReadonlySet<string> = new Set(SmartctlPrivilege.options);

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
    throw parseError(
      `smartctl -a ${device.name} rejected its command line: ${messages.join('; ') || `exit status ${exit.raw}`}`,
    );
  }
  const deviceInfo = json.object('device');
  const identity = parseIdentity(json);
  const base = {
    name: device.name,
    type: device.type,
    // Absent when the device could not be opened.
    protocol: deviceInfo
      ? parseProtocol(deviceInfo.requiredString('protocol'), `smartctl -a ${device.name}`)
      : device.protocol,
    ...identity,
    exit_status: exit,
    health_from: null,
  };
  // Before the exit bits: a drive left asleep sets bit 1 just like a drive that could not be opened.
  const asleep = lowPowerState(messages);
  if (asleep !== undefined) {
    return {
      drive: {
        ...base,
        verdict: 'unknown',
        reasons: [`asleep (${asleep}); not woken to read SMART`],
        power_state: asleep,
      },
      needsRoot: false,
    };
  }
  if (exit.flags.includes('device_open_failed')) {
    // Under -j smartctl keeps some failures (e.g. "Read Device Identity failed") out of the messages.
    // Unprivileged, the likely cause is the missing privilege: root is needed to send ATA or NVMe commands.
    const needsRoot = privilege === 'user';
    const why = messages.join('; ') || `smartctl could not open or identify the device (exit status ${exit.raw})`;
    return {
      drive: {
        ...base,
        verdict: 'unknown',
        reasons: [why, ...(needsRoot ? [NEEDS_ROOT_REASON] : [])],
        power_state: null,
      },
      needsRoot,
    };
  }
  const awake = { ...base, power_state: 'active' as const };
  const unknownBecause = unjudgeable(json, identity);
  if (unknownBecause !== undefined)
    return { drive: { ...awake, verdict: 'unknown', reasons: [unknownBecause] }, needsRoot: false };
  return { drive: { ...awake, ...judgeDrive(identity, exit, parseLogCounts(json)) }, needsRoot: false };
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
  const properties = new Map(
    result.stdoutLines.flatMap((line) => {
      const match = UDEV_PROPERTY.exec(line);
      return match ? [[match[1], match[2]] as const] : [];
    }),
  );
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
  return (
    udev.model !== null && earlier.model !== null && earlier.name === name && udevForm(earlier.model) === udev.model
  );
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

function parsePrivilege(sections: Sections): SmartctlPrivilege {
  const privilege = sections.nonEmptyLines('privilege')[0] ?? '';
  if (!PRIVILEGES.has(privilege)) throw parseError(`unknown privilege mode ${JSON.stringify(privilege)}`);
  return privilege as SmartctlPrivilege;
}

/** e.g. `smartctl 7.3 2022-02-28 r5338 [x86_64-linux-6.1.0-18-amd64] (local build)`, or `smartctl pre-7.4 ...` for a snapshot. */
function parseVersion(sections: Sections): string | undefined {
  const match = /^smartctl ((?:pre-)?(\d+)\.\d+\S*)/.exec(sections.lines('version')[0] ?? '');
  if (!match?.[1]) return undefined;
  if (Number(match[2]) < 7)
    throw parseError(`smartctl ${match[1]} has no JSON output: smartctl -j needs smartmontools 7.0 or later`);
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

/** The collector's output: no smartctl at all, or what it said about each drive. */
export function parseDrivesOutput(output: CommandOutput, ctx: CollectorContext<DrivesData>): DrivesData {
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
}
