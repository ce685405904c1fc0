import { z } from 'zod';
import { REQUIRED_CAPABILITIES, type Collector } from './collector.ts';
import { CollectorParseError } from './parse-error.ts';
import {
  END_MARKER,
  excerptOf,
  round2,
  RUN_SECTION_PRELUDE,
  sectionCommandError,
  sectionCommandResult,
  type SectionCommandResult,
  type Sections,
  splitSections,
} from './sections.ts';

/**
 * The Proxmox VE guests (QEMU virtual machines and LXC containers) of this node. The device is one node:
 * in a cluster, guests running on the other members belong to those devices and are left out.
 *
 * `pvesh get /cluster/resources --type vm` answers from the cluster file system's status data in one call,
 * with usage figures (CPU, memory, disk, network, uptime), tags and locks. Where pvesh cannot answer (a
 * PVE before 5.2, whose pvesh knows no `--output-format`), `qm list` and `pct list` still name every guest
 * with its state, without usage figures. pvesh, qm and pct refuse to run for anyone but root, so they run
 * as root, through passwordless sudo, or not at all: an unprivileged user without sudo gets `needs_sudo`,
 * never an empty guest list.
 */

const DATA_TYPE = 'guests';

/** Share of its memory (or of an LXC root disk) a running guest may use before it counts as a problem. */
const FULL_FRACTION = 0.9;

export const GuestType = z.enum(['qemu', 'lxc']);
export type GuestType = z.infer<typeof GuestType>;
const GUEST_TYPES: readonly string[] = GuestType.options;

export const Guest = z.object({
  vmid: z.number().int(),
  name: z.string(),
  type: GuestType,
  /**
   * `running` or `stopped` (pvesh); `qm list` also prints QEMU's own run state, such as `paused`,
   * `suspended`, `prelaunch` or `io-error`. `unknown` while the node's status daemon has no data.
   */
  status: z.string(),
  /** Busy share of the guest's own CPUs (100 = all of them busy); null where the source has no usage figures. */
  cpu_percent: z.number().nullable().describe("percent of the guest's own CPUs (100 = all busy)"),
  /** CPUs the guest may use (cores × sockets, or the container's limit, else the host's count). */
  cpus: z.number().nullable(),
  memory_bytes: z.number().nullable().describe('bytes'),
  memory_max_bytes: z.number().nullable().describe('bytes'),
  /** Used bytes of an LXC root disk; QEMU reports 0 (PVE cannot see inside a VM's disks). */
  disk_bytes: z.number().nullable().describe('bytes used of an LXC root disk; 0 for QEMU'),
  /** The root or boot disk's size. */
  disk_max_bytes: z.number().nullable().describe('bytes'),
  disk_read_bytes: z.number().nullable().describe('bytes'),
  disk_write_bytes: z.number().nullable().describe('bytes'),
  uptime_seconds: z.number().nullable().describe('seconds'),
  netin_bytes: z.number().nullable().describe('bytes'),
  netout_bytes: z.number().nullable().describe('bytes'),
  /** Null where the source does not say (`qm list`, `pct list`). */
  template: z.boolean().nullable(),
  tags: z.array(z.string()),
  /** `backup`, `migrate`, `snapshot`, `rollback`, `clone`, `create`, `disk`, `suspended`...; null when unlocked or not known. */
  lock: z.string().nullable(),
});
export type Guest = z.infer<typeof Guest>;

export const GuestsStatus = z.enum(['ok', 'needs_sudo', 'not_proxmox']);
export type GuestsStatus = z.infer<typeof GuestsStatus>;
export const GuestsPrivilege = z.enum(['root', 'sudo', 'user']);
export type GuestsPrivilege = z.infer<typeof GuestsPrivilege>;
const PRIVILEGES: readonly string[] = GuestsPrivilege.options;
/** `pvesh`: every field; `qm_pct`: the listings' names, states and sizes only. */
export const GuestsSource = z.enum(['pvesh', 'qm_pct']);
export type GuestsSource = z.infer<typeof GuestsSource>;

export const GuestsData = z.object({
  /** A Proxmox VE host (even one whose guests could not be listed for lack of privilege). */
  available: z.boolean(),
  status: GuestsStatus,
  /** Why the guests are missing or incomplete, when they are. */
  note: z.string().optional(),
  /** How pvesh, qm and pct were run; absent on a host that is not Proxmox VE. */
  privilege: GuestsPrivilege.optional(),
  /** Where the guest list came from; null when there is none. */
  source: GuestsSource.nullable(),
  /** e.g. `8.2.4` (from `pveversion`); null when it could not be read. */
  pve_version: z.string().nullable(),
  /** The Proxmox node name: the host name up to its first dot, as PVE derives it. */
  node: z.string().nullable(),
  /** Ordered by VMID. */
  guests: z.array(Guest),
  summary: z.object({
    total: z.number(),
    running: z.number(),
    stopped: z.number(),
    templates: z.number(),
    qemu: z.number(),
    lxc: z.number(),
  }),
  /** One sentence per problem, e.g. `guest 101 (nextcloud, qemu): locked (backup)`. */
  problems: z.array(z.string()),
});
export type GuestsData = z.infer<typeof GuestsData>;

/**
 * `run SECTION COMMAND...` prints the command's stdout as @@SECTION, then @@SECTION-status and
 * @@SECTION-stderr. `sudo -n -l TOOL` asks the sudo policy whether TOOL may run without a password, without
 * running it. A status of 127 before the pvesh attempt makes a missing pvesh take the qm/pct path.
 * `pveversion` needs no root, so it runs as the SSH user.
 */
const COMMAND = [
  'export LC_ALL=C',
  'has() { command -v "$1" >/dev/null 2>&1; }',
  `if ! has pvesh && ! has qm; then echo @@no-proxmox; echo ${END_MARKER}; exit 0; fi`,
  ...RUN_SECTION_PRELUDE,
  'if [ "$(id -u)" = 0 ]; then privilege=root',
  'elif sudo -n -l pvesh >/dev/null 2>&1 || sudo -n -l qm >/dev/null 2>&1; then privilege=sudo',
  'else privilege=user; fi',
  `printf '@@privilege\\n%s\\n@@node\\n%s\\n' "$privilege" "$(uname -n)"`,
  'pve() { if [ "$privilege" = sudo ]; then sudo -n "$@"; else "$@"; fi; }',
  'run version pveversion',
  'if [ "$privilege" != user ]; then',
  '  status=127',
  '  if has pvesh; then run resources pve pvesh get /cluster/resources --type vm --output-format json; fi',
  '  if [ "$status" -ne 0 ]; then',
  '    run qm pve qm list',
  '    run pct pve pct list',
  '  fi',
  'fi',
  `echo ${END_MARKER}`,
].join('\n');

function parseError(message: string, excerpt?: string): CollectorParseError {
  return new CollectorParseError(DATA_TYPE, message, excerpt === undefined ? undefined : excerptOf(excerpt));
}

// --- pvesh get /cluster/resources --type vm -----------------------------------------------------------

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** One resource entry; every type mismatch is a parse error naming the entry and the key. */
class Resource {
  constructor(
    private readonly what: string,
    private readonly data: JsonObject,
  ) {}

  private fail(key: string, expected: string): CollectorParseError {
    return parseError(`pvesh /cluster/resources: ${key} of ${this.what} is not ${expected}`, JSON.stringify(this.data));
  }

  /** Usage figures are missing for a guest the status daemon has not reported on yet. */
  count(key: string): number | null {
    const value = this.data[key];
    if (value === undefined || value === null) return null;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0)
      throw this.fail(key, 'a non-negative number');
    return value;
  }

  string(key: string): string | null {
    const value = this.data[key];
    if (value === undefined || value === null) return null;
    if (typeof value !== 'string') throw this.fail(key, 'a string');
    return value;
  }

  requiredString(key: string): string {
    const value = this.string(key);
    if (value === null || value === '') throw this.fail(key, 'a non-empty string');
    return value;
  }

  vmid(): number {
    const value = this.data.vmid;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1)
      throw this.fail('vmid', 'a positive integer');
    return value;
  }

  /** pvesh prints 0 or 1; an entry without the key is no template. */
  flag(key: string): boolean {
    const value = this.data[key];
    if (value === undefined || value === null) return false;
    if (value === 0 || value === 1 || typeof value === 'boolean') return Boolean(value);
    throw this.fail(key, '0 or 1');
  }
}

/** The name PVE itself shows for a guest that has none configured. */
function defaultName(type: GuestType, vmid: number): string {
  return type === 'qemu' ? `VM ${vmid}` : `CT${vmid}`;
}

/** PVE stores tags separated by `;`; older releases and hand edits also use `,` and spaces. */
function parseTags(text: string | null): string[] {
  return text === null ? [] : text.split(/[;,\s]+/).filter((tag) => tag !== '');
}

function parseResource(entry: unknown, index: number): { node: string; guest: Guest } {
  if (!isObject(entry))
    throw parseError(`pvesh /cluster/resources: entry ${index} is not an object`, JSON.stringify(entry));
  const id = typeof entry.id === 'string' ? entry.id : `entry ${index}`;
  const r = new Resource(id, entry);
  const type = r.requiredString('type');
  if (!GUEST_TYPES.includes(type))
    throw parseError(`pvesh /cluster/resources: ${id} has type ${JSON.stringify(type)}, expected qemu or lxc`);
  const guestType = type as GuestType;
  const vmid = r.vmid();
  const cpu = r.count('cpu');
  return {
    node: r.requiredString('node'),
    guest: {
      vmid,
      name: r.string('name') || defaultName(guestType, vmid),
      type: guestType,
      status: r.requiredString('status'),
      cpu_percent: cpu === null ? null : round2(cpu * 100),
      cpus: r.count('maxcpu'),
      memory_bytes: r.count('mem'),
      memory_max_bytes: r.count('maxmem'),
      disk_bytes: r.count('disk'),
      disk_max_bytes: r.count('maxdisk'),
      disk_read_bytes: r.count('diskread'),
      disk_write_bytes: r.count('diskwrite'),
      uptime_seconds: r.count('uptime'),
      netin_bytes: r.count('netin'),
      netout_bytes: r.count('netout'),
      template: r.flag('template'),
      tags: parseTags(r.string('tags')),
      lock: r.string('lock') || null,
    },
  };
}

function parseResources(result: SectionCommandResult, node: string): Guest[] {
  const text = result.stdoutLines.join('\n');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw parseError(`pvesh /cluster/resources printed no valid JSON: ${(err as Error).message}`, text.slice(-500));
  }
  if (!Array.isArray(parsed)) throw parseError('pvesh /cluster/resources did not print a JSON array', text);
  return parsed
    .map(parseResource)
    .filter((entry) => entry.node === node)
    .map((entry) => entry.guest);
}

// --- qm list and pct list ----------------------------------------------------------------------------

const MIB = 1024 ** 2;
const GIB = 1024 ** 3;
const QM_HEADER = /^\s*VMID\s+NAME\s+STATUS\s+MEM\(MB\)\s+BOOTDISK\(GB\)\s+PID\s*$/;
const PCT_HEADER = /^VMID\s+Status\s+Lock\s+Name\s*$/;
const DECIMAL = /^\d+(?:\.\d+)?$/;

function listedGuest(type: GuestType, vmid: number, name: string, status: string): Guest {
  return {
    vmid,
    name,
    type,
    status,
    cpu_percent: null,
    cpus: null,
    memory_bytes: null,
    memory_max_bytes: null,
    disk_bytes: null,
    disk_max_bytes: null,
    disk_read_bytes: null,
    disk_write_bytes: null,
    uptime_seconds: null,
    netin_bytes: null,
    netout_bytes: null,
    template: null,
    tags: [],
    lock: null,
  };
}

/** Rows of a listing after its header; nothing at all (not even the header) when there are no guests. */
function rowsAfterHeader(result: SectionCommandResult, command: string, header: RegExp): readonly string[] {
  if (result.status !== 0) throw sectionCommandError(DATA_TYPE, command, result);
  const [first, ...rows] = result.stdoutLines;
  if (first === undefined) return [];
  if (!header.test(first)) throw parseError(`${command}: unexpected header`, first);
  return rows;
}

/**
 * `%10s %-20s %-10s %-10s %12.2f %-10s`: VMID, NAME, STATUS, MEM(MB), BOOTDISK(GB), PID. A name longer than
 * its column pushes the rest along, and an unnamed VM is `VM 100`, so the name is what lies between the
 * VMID and the last four fields.
 */
function parseQmList(result: SectionCommandResult): Guest[] {
  return rowsAfterHeader(result, 'qm list', QM_HEADER).map((line) => {
    const fields = line.trim().split(/\s+/);
    const [vmid = '', ...rest] = fields;
    const [status = '', memMb = '', diskGb = '', pid = ''] = rest.slice(-4);
    const name = rest.slice(0, -4).join(' ');
    if (
      !/^\d+$/.test(vmid) ||
      name === '' ||
      !/^[a-z-]+$/.test(status) ||
      !DECIMAL.test(memMb) ||
      !DECIMAL.test(diskGb) ||
      !/^\d+$/.test(pid)
    ) {
      throw parseError('qm list: unreadable line', line);
    }
    return {
      ...listedGuest('qemu', Number(vmid), name, status),
      memory_max_bytes: Math.round(Number(memMb) * MIB),
      disk_max_bytes: Math.round(Number(diskGb) * GIB),
    };
  });
}

/** `%-10s %-10s %-12s %-20s`: VMID, Status, Lock, Name; the lock is blank for most containers. */
function parsePctList(result: SectionCommandResult): Guest[] {
  return rowsAfterHeader(result, 'pct list', PCT_HEADER).map((line) => {
    const fields = line.trim().split(/\s+/);
    if (fields.length !== 3 && fields.length !== 4) throw parseError('pct list: unreadable line', line);
    const [vmid = '', status = '', ...rest] = fields;
    const name = rest.at(-1) ?? '';
    if (!/^\d+$/.test(vmid) || !/^[a-z]+$/.test(status)) throw parseError('pct list: unreadable line', line);
    return { ...listedGuest('lxc', Number(vmid), name, status), lock: fields.length === 4 ? (rest[0] ?? null) : null };
  });
}

// --- problems and assembly ---------------------------------------------------------------------------

/** QEMU run states (from `qm list`) and `unknown` (pvesh) that mean the guest is in trouble. */
const TROUBLE_STATUSES: Readonly<Record<string, string>> = {
  unknown: 'status unknown (the node reports no data for it)',
  'io-error': 'paused on an I/O error (storage full or failing?)',
  'internal-error': 'stopped by a QEMU internal error',
  'guest-panicked': 'the guest kernel panicked',
};

const gib = (bytes: number) => `${round2(bytes / GIB)} GiB`;
const percentOf = (used: number, max: number) => Math.round((used / max) * 100);

function guestProblems(guest: Guest): string[] {
  const label = `guest ${guest.vmid} (${guest.name}, ${guest.type})`;
  const problems: string[] = [];
  const trouble = TROUBLE_STATUSES[guest.status];
  if (trouble !== undefined) problems.push(`${label}: ${trouble}`);
  // A lock outlives a backup or migration that died: the guest then refuses start, stop and config changes.
  if (guest.lock !== null) problems.push(`${label}: locked (${guest.lock})`);
  if (guest.status === 'running') {
    const { memory_bytes: mem, memory_max_bytes: maxMem, disk_bytes: disk, disk_max_bytes: maxDisk } = guest;
    if (mem !== null && maxMem !== null && maxMem > 0 && mem / maxMem > FULL_FRACTION) {
      problems.push(`${label}: memory ${percentOf(mem, maxMem)}% used (${gib(mem)} of ${gib(maxMem)})`);
    }
    if (guest.type === 'lxc' && disk !== null && maxDisk !== null && maxDisk > 0 && disk / maxDisk > FULL_FRACTION) {
      problems.push(`${label}: root disk ${percentOf(disk, maxDisk)}% full (${gib(disk)} of ${gib(maxDisk)})`);
    }
  }
  return problems;
}

function summarize(guests: readonly Guest[]): GuestsData['summary'] {
  const count = (keep: (guest: Guest) => boolean) => guests.filter(keep).length;
  return {
    total: guests.length,
    running: count((g) => g.status === 'running'),
    stopped: count((g) => g.status === 'stopped'),
    templates: count((g) => g.template === true),
    qemu: count((g) => g.type === 'qemu'),
    lxc: count((g) => g.type === 'lxc'),
  };
}

const NOTES = {
  not_proxmox: 'not a Proxmox VE host (neither pvesh nor qm found)',
  needs_sudo:
    'needs sudo for pvesh: pvesh, qm and pct run only as root; allow the SSH user to run them through `sudo -n` without a password, ' +
    'e.g. with the sudoers line `USER ALL=(root) NOPASSWD: /usr/bin/pvesh, /usr/sbin/qm, /usr/sbin/pct`',
} as const;

function unavailable(): GuestsData {
  return {
    available: false,
    status: 'not_proxmox',
    note: NOTES.not_proxmox,
    source: null,
    pve_version: null,
    node: null,
    guests: [],
    summary: summarize([]),
    problems: [],
  };
}

/** `pve-manager/8.2.4/faa83925c9641325 (running kernel: 6.8.8-2-pve)` → `8.2.4`; PVE 5 printed `5.1-41`. */
function parseVersion(result: SectionCommandResult): string | null {
  if (result.status !== 0) return null;
  const match = /^pve-manager\/([^/\s]+)\//.exec(result.stdoutLines[0] ?? '');
  if (!match?.[1]) throw parseError('pveversion: unreadable version line', result.stdoutLines.join('\n'));
  return match[1];
}

const firstLine = (stderr: string) => stderr.trim().split('\n')[0] || 'no error output';

function parsePrivilege(sections: Sections): GuestsPrivilege {
  const privilege = sections.nonEmptyLines('privilege')[0] ?? '';
  if (!PRIVILEGES.includes(privilege)) throw parseError(`unknown privilege mode ${JSON.stringify(privilege)}`);
  return privilege as GuestsPrivilege;
}

function parseGuests(sections: Sections): GuestsData {
  const privilege = parsePrivilege(sections);
  const hostname = sections.nonEmptyLines('node')[0]?.trim() ?? '';
  // PVE's nodename: uname's node name without the domain part.
  const node = hostname.replace(/\..*$/, '');
  const base = {
    available: true,
    privilege,
    pve_version: parseVersion(sectionCommandResult(DATA_TYPE, sections, 'version')),
    node,
  };
  if (privilege === 'user') {
    return {
      ...base,
      status: 'needs_sudo',
      note: NOTES.needs_sudo,
      source: null,
      guests: [],
      summary: summarize([]),
      problems: [],
    };
  }

  let guests: Guest[];
  let source: GuestsSource;
  let note: string | undefined;
  const resources = sections.has('resources') ? sectionCommandResult(DATA_TYPE, sections, 'resources') : null;
  if (resources?.status === 0) {
    guests = parseResources(resources, node);
    source = 'pvesh';
  } else {
    const why =
      resources === null
        ? 'pvesh not found'
        : `pvesh failed with exit status ${resources.status}: ${firstLine(resources.stderr)}`;
    // The script asks qm and pct only after pvesh is missing or failed.
    if (!sections.has('qm')) throw parseError(`${why}, yet qm list was not asked`);
    const qm = sectionCommandResult(DATA_TYPE, sections, 'qm');
    if (qm.status !== 0)
      throw parseError(`${why}; qm list failed too, with exit status ${qm.status}: ${firstLine(qm.stderr)}`, qm.stderr);
    guests = [...parseQmList(qm), ...parsePctList(sectionCommandResult(DATA_TYPE, sections, 'pct'))];
    source = 'qm_pct';
    note = `${why}; guests listed by qm list and pct list, without usage figures, tags or templates`;
  }
  guests.sort((a, b) => a.vmid - b.vmid);
  return {
    ...base,
    status: 'ok',
    ...(note !== undefined && { note }),
    source,
    guests,
    summary: summarize(guests),
    problems: guests.flatMap(guestProblems),
  };
}

/** Sum of the known values; null when the guests could not be listed, or none of them reports the value. */
function sumKnown(data: GuestsData, value: (guest: Guest) => number | null): number | null {
  if (data.status === 'needs_sudo') return null;
  const known = data.guests.map(value).filter((v) => v !== null);
  if (known.length === 0 && data.guests.length > 0) return null;
  return round2(known.reduce((sum, v) => sum + v, 0));
}

export const guestsCollector: Collector<GuestsData> = {
  dataType: DATA_TYPE,
  tool: {
    name: 'get_guests',
    title: 'Proxmox guests',
    description:
      'The QEMU VMs and LXC containers of a Proxmox VE node: status, CPU %, memory, disk, network counters, uptime, tags, template flag and lock. `problems` lists locked guests (a backup or migration in progress, or one that died), guests using over 90 % of their memory and containers with a nearly full root disk; status needs_sudo says pvesh, qm and pct must be allowed through sudo -n. Cached for up to 60 s.',
  },
  description:
    'Proxmox VE VMs and LXC containers of the node (`pvesh get /cluster/resources`; `qm list`/`pct list` where pvesh cannot answer; root or `sudo -n`, otherwise `needs_sudo`): status, CPU %, memory, disk, network, uptime, tags, template, lock; `problems` names locked guests, memory over 90 %, full container disks',
  schema: GuestsData,
  freshnessSeconds: 60,
  pollIntervalSeconds: 120,
  // pvesh and qm are Perl programs that take a second or two to start on a busy node.
  commandTimeoutMs: 30_000,
  retentionDays: 30,
  requiredCapability: REQUIRED_CAPABILITIES.guests,
  unavailableOutput: `@@no-proxmox\n${END_MARKER}\n`,
  table: 'guests_snapshots',

  command: () => COMMAND,

  parse(output) {
    const sections = splitSections(DATA_TYPE, output);
    if (sections.has('no-proxmox')) return unavailable();
    return parseGuests(sections);
  },

  columns(data) {
    const counted = data.status !== 'needs_sudo';
    const count = (n: number) => (counted ? n : null);
    return {
      guests_total: count(data.summary.total),
      guests_running: count(data.summary.running),
      qemu_total: count(data.summary.qemu),
      lxc_total: count(data.summary.lxc),
      cpu_percent_total: sumKnown(data, (g) => g.cpu_percent),
      memory_used_bytes: sumKnown(data, (g) => g.memory_bytes),
    };
  },

  capabilities(data) {
    return { proxmox: data.available };
  },
};
