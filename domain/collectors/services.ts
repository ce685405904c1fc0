import { z } from 'zod';
import { REQUIRED_CAPABILITIES, type Collector } from './collector.ts';
import { CollectorParseError } from './parse-error.ts';
import {
  END_MARKER,
  excerptOf,
  RUN_SECTION_PRELUDE,
  sectionCommandError,
  sectionCommandResult,
  type Sections,
  splitSections,
} from './sections.ts';

/**
 * systemd service units with their load, active and enablement states. Read from the plain-text
 * listings of `systemctl list-units` and `list-unit-files`, which keep one format from systemd 219
 * (CentOS 7) to 255 (`-o json` only exists since 251). A device without systemd (Alpine with OpenRC,
 * Unraid, a container) is reported as such, never as a device with no services.
 */

const DATA_TYPE = 'services';

export const ServiceUnit = z.object({
  /** Full unit name, e.g. `nginx.service`, `getty@tty1.service`. */
  name: z.string(),
  /** `loaded`, `not-found`, `masked`, `bad-setting`, `error`... */
  load: z.string(),
  /** `active`, `inactive`, `failed`, `activating`, `deactivating`, `reloading`, `maintenance`, `refreshing`. */
  active: z.string(),
  /** Unit-type specific state: `running`, `exited`, `dead`, `failed`, `auto-restart`... */
  sub: z.string(),
  description: z.string(),
  /**
   * Unit file state: `enabled`, `disabled`, `static`, `masked`, `indirect`, `generated`, `alias`...;
   * for a template instance (`getty@tty1.service`) the template's state when the instance has no file
   * of its own; null when systemd lists no unit file (transient units, units that do not exist).
   */
  enabled: z.string().nullable(),
});
export type ServiceUnit = z.infer<typeof ServiceUnit>;

export const ServicesData = z.object({
  systemd_available: z.boolean(),
  /** Why systemd could not be asked, when it is not available. */
  reason: z.string().optional(),
  /** Major version from `systemctl --version`, e.g. 252. */
  systemd_version: z.number().optional(),
  /** Failed units first, then by name. Includes units that are referenced but not installed (load `not-found`). */
  units: z.array(ServiceUnit),
  /** `active` includes units that are reloading or refreshing; activating, deactivating and maintenance units only count in `total`. */
  summary: z.object({ total: z.number(), active: z.number(), failed: z.number(), inactive: z.number() }),
  failed_units: z.array(z.string()),
});
export type ServicesData = z.infer<typeof ServicesData>;

/**
 * `run SECTION COMMAND...` prints the command's stdout as @@SECTION, then @@SECTION-status and
 * @@SECTION-stderr. `--plain` drops the ● column on versions that print it, `--full` keeps long names and
 * descriptions whole. The unit files are only listed when systemd answered the unit listing.
 */
const COMMAND = [
  `if ! command -v systemctl >/dev/null 2>&1; then echo @@no-systemd; echo ${END_MARKER}; exit 0; fi`,
  ...RUN_SECTION_PRELUDE,
  'run version systemctl --version',
  'run units systemctl list-units --type=service --all --full --no-legend --no-pager --plain',
  'if [ "$status" -eq 0 ]; then run unit-files systemctl list-unit-files --type=service --full --no-legend --no-pager; fi',
  `echo ${END_MARKER}`,
].join('\n');

/**
 * What systemctl says when the system manager cannot be reached: not booted with systemd (a container,
 * WSL 1, a chroot), or no bus to it (`Failed to get D-Bus connection` is systemd 219's wording).
 */
const SYSTEMD_UNREACHABLE =
  /has not been booted with systemd|failed to connect to bus|failed to get d-bus connection|systemd is not running/i;

function parseError(message: string, excerpt?: string): CollectorParseError {
  return new CollectorParseError(DATA_TYPE, message, excerpt === undefined ? undefined : excerptOf(excerpt));
}

function emptySummary(): ServicesData['summary'] {
  return { total: 0, active: 0, failed: 0, inactive: 0 };
}

/** e.g. "systemd 252 (252.38-1~deb12u1)"; undefined when the version cannot be read, which is no reason to fail. */
function parseVersion(sections: Sections): number | undefined {
  const result = sectionCommandResult(DATA_TYPE, sections, 'version');
  const match = result.status === 0 ? /^systemd (\d+)\b/.exec(result.stdoutLines[0]?.trim() ?? '') : null;
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

const STATE_TOKEN = /^[a-z][a-z-]*$/;
// UNIT LOAD ACTIVE SUB DESCRIPTION; the description has spaces and may be empty.
const UNIT_LINE = /^(\S+)\s+(\S+)\s+(\S+)\s+(\S+)(?:\s+(.*?))?\s*$/;

/** Without `--plain`, and with it on some versions, failed and not-found units are marked `●` (`*` outside UTF-8 locales). */
function stripMarker(line: string): string {
  return line.trimStart().replace(/^[●*]\s+/, '');
}

type ListedUnit = Omit<ServiceUnit, 'enabled'>;

function parseUnitLine(line: string): ListedUnit {
  const match = UNIT_LINE.exec(stripMarker(line));
  if (!match) throw parseError('unreadable line in systemctl list-units', line);
  const [, name = '', load = '', active = '', sub = '', description = ''] = match;
  if (!name.endsWith('.service') || ![load, active, sub].every((state) => STATE_TOKEN.test(state))) {
    throw parseError('unreadable line in systemctl list-units', line);
  }
  return { name, load, active, sub, description };
}

/** UNIT FILE, STATE and (since systemd 235ish) VENDOR PRESET, which we do not need. */
function parseUnitFiles(lines: readonly string[]): Map<string, string> {
  const stateByName = new Map<string, string>();
  for (const line of lines) {
    const [name = '', state = ''] = line.trim().split(/\s+/);
    if (!name.endsWith('.service') || !STATE_TOKEN.test(state))
      throw parseError('unreadable line in systemctl list-unit-files', line);
    stateByName.set(name, state);
  }
  return stateByName;
}

/** `getty@tty1.service` → `getty@.service`; undefined for units that are no template instance. */
function templateOf(name: string): string | undefined {
  const at = name.indexOf('@');
  return at > 0 && !name.endsWith('@.service') ? `${name.slice(0, at)}@.service` : undefined;
}

function byFailedThenName(a: ServiceUnit, b: ServiceUnit): number {
  const failedFirst = Number(b.active === 'failed') - Number(a.active === 'failed');
  if (failedFirst !== 0) return failedFirst;
  // Case-insensitive like systemctl's own listing, independent of the server's locale.
  const [x, y] = [a.name.toLowerCase(), b.name.toLowerCase()];
  if (x !== y) return x < y ? -1 : 1;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

const ACTIVE_STATES = new Set(['active', 'reloading', 'refreshing']);

function summarize(units: readonly ServiceUnit[]): ServicesData['summary'] {
  const count = (predicate: (unit: ServiceUnit) => boolean) => units.filter(predicate).length;
  return {
    total: units.length,
    active: count((unit) => ACTIVE_STATES.has(unit.active)),
    failed: count((unit) => unit.active === 'failed'),
    inactive: count((unit) => unit.active === 'inactive'),
  };
}

function parseServices(sections: Sections): ServicesData {
  const version = parseVersion(sections);
  const versionField = version === undefined ? {} : { systemd_version: version };
  const listed = sectionCommandResult(DATA_TYPE, sections, 'units');
  if (listed.status !== 0) {
    const stderr = listed.stderr.trim();
    if (SYSTEMD_UNREACHABLE.test(stderr)) {
      return {
        systemd_available: false,
        reason: stderr.split('\n')[0]?.trim() ?? stderr,
        ...versionField,
        units: [],
        summary: emptySummary(),
        failed_units: [],
      };
    }
    throw sectionCommandError(DATA_TYPE, 'systemctl list-units', listed);
  }
  // systemd itself always runs services (journald at least): an empty list means we were not told everything.
  if (listed.stdoutLines.length === 0) throw parseError('systemctl list-units listed no service units');

  const unitFiles = sectionCommandResult(DATA_TYPE, sections, 'unit-files');
  if (unitFiles.status !== 0) throw sectionCommandError(DATA_TYPE, 'systemctl list-unit-files', unitFiles);
  const stateByName = parseUnitFiles(unitFiles.stdoutLines);

  const seen = new Set<string>();
  const units: ServiceUnit[] = [];
  for (const line of listed.stdoutLines) {
    const unit = parseUnitLine(line);
    if (seen.has(unit.name)) throw parseError(`systemctl list-units listed ${unit.name} twice`, line);
    seen.add(unit.name);
    const template = templateOf(unit.name);
    const enabled = stateByName.get(unit.name) ?? (template === undefined ? undefined : stateByName.get(template));
    units.push({ ...unit, enabled: enabled ?? null });
  }
  units.sort(byFailedThenName);
  return {
    systemd_available: true,
    ...versionField,
    units,
    summary: summarize(units),
    failed_units: units.filter((unit) => unit.active === 'failed').map((unit) => unit.name),
  };
}

export const servicesCollector: Collector<ServicesData> = {
  dataType: DATA_TYPE,
  tool: {
    name: 'get_services',
    title: 'systemd services',
    description:
      'systemd service units with load/active/sub state and enablement, failed units first. Cached for up to 600 s.',
  },
  description:
    'systemd service units with load/active/sub and enablement, failed first; no systemd (OpenRC, Unraid) is stated, not an error',
  schema: ServicesData,
  freshnessSeconds: 600,
  pollIntervalSeconds: 600,
  commandTimeoutMs: 20_000,
  retentionDays: 90,
  requiredCapability: REQUIRED_CAPABILITIES.services,
  unavailableOutput: `@@no-systemd\n${END_MARKER}\n`,
  table: 'services_snapshots',

  command: () => COMMAND,

  parse(output) {
    const sections = splitSections(DATA_TYPE, output);
    if (sections.has('no-systemd')) {
      return {
        systemd_available: false,
        reason: 'systemctl not found',
        units: [],
        summary: emptySummary(),
        failed_units: [],
      };
    }
    return parseServices(sections);
  },

  columns(data) {
    return {
      total: data.summary.total,
      active: data.summary.active,
      failed: data.summary.failed,
      systemd_available: data.systemd_available,
    };
  },

  capabilities(data) {
    return { systemd: data.systemd_available };
  },
};
