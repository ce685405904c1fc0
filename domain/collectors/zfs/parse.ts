/**
 * Reads the zfs command's output: the `-Hp` listings (tab-separated, exact numbers), and the text of
 * `zpool status` by its indentation and wording as printed by OpenZFS 0.8 to 2.2.
 */
import type { CommandOutput } from '../collector.ts';
import { CollectorParseError } from '../parse-error.ts';
import {
  excerptOf,
  parseNumber,
  round2,
  sectionCommandError,
  sectionCommandResult,
  type Sections,
  splitSections,
} from '../sections.ts';
import {
  DATA_TYPE,
  type DatasetSnapshots,
  type PoolScan,
  type VdevKind,
  type VdevNode,
  type ZfsArc,
  type ZfsData,
  type ZfsDataset,
  type ZfsPool,
  type ZfsSnapshot,
} from './schema.ts';
import { poolProblems } from './verdict.ts';

/** A sanoid-managed pool easily holds 20 000 snapshots; only this many of the newest are kept whole. */
const NEWEST_SNAPSHOTS_KEPT = 100;

/**
 * libzfs_init's messages for a machine that has the tools but no usable kernel side: module not loaded
 * or not loadable, or no /dev/zfs (an LXC container on a ZFS host).
 */
const ZFS_UNREACHABLE =
  /ZFS modules are not loaded|ZFS modules cannot be auto-loaded|\/dev\/zfs and \/proc\/self\/mounts are required/i;

function parseError(message: string, excerpt?: string): CollectorParseError {
  return new CollectorParseError(DATA_TYPE, message, excerpt === undefined ? undefined : excerptOf(excerpt));
}

function num(text: string | undefined, what: string): number {
  return parseNumber(DATA_TYPE, text, what);
}

/** zpool prints `-` for values it cannot compute, such as the size of a pool that cannot be opened. */
function optionalNum(text: string | undefined, what: string): number | null {
  return text === '-' ? null : num(text, what);
}

/** Ratios such as `1.32`; releases before -p applied to ratios print `1.32x`. */
function parseRatio(text: string | undefined, what: string): number {
  const match = /^(\d+\.\d+)x?$/.exec(text ?? '');
  if (!match) throw parseError(`${what}: expected a ratio such as 1.00x, got ${JSON.stringify(text ?? null)}`, text);
  return Number(match[1]);
}

const NICE_UNITS = ['', 'K', 'M', 'G', 'T', 'P', 'E'];

/**
 * zfs_nicenum/zfs_nicebytes output, in powers of 1024: error counts (`1.2K`) and scan sizes (`1.23T`,
 * `812M`, `0B`); a plain integer is exact (with -p).
 */
function parseNice(text: string | undefined, what: string): number {
  const match = /^(\d+(?:\.\d+)?)([KMGTPE]?)B?$/.exec(text ?? '');
  if (!match) throw parseError(`${what}: unreadable number ${JSON.stringify(text ?? null)}`, text);
  return Math.round(Number(match[1]) * 1024 ** NICE_UNITS.indexOf(match[2] ?? ''));
}

/** `01:56:20` or `1 days 02:03:04` (OpenZFS 0.8 and later), `0h52m` (ZFS on Linux 0.7). */
function parseDuration(text: string, what: string): number {
  const dhms = /^(?:(\d+) days )?(\d+):(\d\d):(\d\d)$/.exec(text);
  if (dhms) return Number(dhms[1] ?? 0) * 86_400 + Number(dhms[2]) * 3600 + Number(dhms[3]) * 60 + Number(dhms[4]);
  const hm = /^(\d+)h(\d+)m$/.exec(text);
  if (hm) return Number(hm[1]) * 3600 + Number(hm[2]) * 60;
  throw parseError(`${what}: unreadable duration ${JSON.stringify(text)}`, text);
}

interface PoolRow {
  name: string;
  health: string;
  size_bytes: number | null;
  allocated_bytes: number | null;
  free_bytes: number | null;
  fragmentation_percent: number | null;
  capacity_percent: number | null;
  dedup_ratio: number | null;
}

function parsePoolRow(line: string): PoolRow {
  const fields = line.split('\t');
  if (fields.length !== 8) throw parseError('zpool list: expected 8 tab-separated fields', line);
  const [name = '', size, allocated, free, fragmentation, capacity, dedup, health = ''] = fields;
  if (name === '' || !/^[A-Z]+$/.test(health)) throw parseError('zpool list: unreadable pool line', line);
  return {
    name,
    health,
    size_bytes: optionalNum(size, `size of pool ${name}`),
    allocated_bytes: optionalNum(allocated, `allocated of pool ${name}`),
    free_bytes: optionalNum(free, `free of pool ${name}`),
    fragmentation_percent: optionalNum(fragmentation, `fragmentation of pool ${name}`),
    capacity_percent: optionalNum(capacity, `capacity of pool ${name}`),
    dedup_ratio: dedup === '-' ? null : parseRatio(dedup, `dedupratio of pool ${name}`),
  };
}

/** One pool's part of `zpool status`, split by its `key:` lines. */
interface PoolStatusText {
  name: string;
  /** Each key's text lines: the rest of the key line, then its tab-indented continuation lines. */
  fields: Map<string, string[]>;
  /** `scan:` can appear twice: a scrub's status and a sequential resilver's. */
  scans: string[][];
  /** Lines after `config:`, tabs kept: their indentation is the vdev tree. */
  config?: string[];
}

/**
 * Key lines are right-aligned with spaces (`  pool:`, ` state:`, `config:`); everything else is a
 * continuation indented with a tab, or with four spaces for a `scan warning:`. Keys this parser does not
 * use (`remove:`, `checkpoint:`...) are read and left alone.
 */
const STATUS_KEY_LINE = /^ *([a-z]+):(?: (.*))?$/;

function splitStatus(lines: readonly string[]): PoolStatusText[] {
  const pools: PoolStatusText[] = [];
  let pool: PoolStatusText | undefined;
  let current: string[] | undefined;
  for (const line of lines) {
    const key = STATUS_KEY_LINE.exec(line);
    if (key) {
      const [, name = '', value = ''] = key;
      if (name === 'pool') {
        pool = { name: value.trim(), fields: new Map(), scans: [] };
        pools.push(pool);
        current = undefined;
        continue;
      }
      if (!pool) throw parseError('zpool status: text before the first pool: line', line);
      if (name === 'config') {
        pool.config = [];
        current = pool.config;
      } else if (name === 'scan') {
        current = [value.trim()];
        pool.scans.push(current);
      } else {
        if (pool.fields.has(name)) throw parseError(`zpool status: pool ${pool.name} has two ${name}: lines`, line);
        current = [value.trim()];
        pool.fields.set(name, current);
      }
    } else if (current && /^[\t ]/.test(line)) {
      current.push(current === pool?.config ? line : line.trim());
    } else {
      throw parseError('zpool status: unreadable line', line);
    }
  }
  return pools;
}

function joinedText(pool: PoolStatusText, key: string): string | null {
  const lines = pool.fields.get(key);
  return lines ? lines.join(' ').replace(/\s+/g, ' ').trim() : null;
}

function emptyScan(): PoolScan {
  return {
    kind: 'none',
    state: null,
    percent_done: null,
    time_left_seconds: null,
    duration_seconds: null,
    errors: null,
    repaired_bytes: null,
    resilvered_bytes: null,
    scanned_bytes: null,
    issued_bytes: null,
    total_bytes: null,
    started_at: null,
    ended_at: null,
  };
}

// A sequential resilver (dRAID, `zpool replace -s`) names its top-level vdev in parentheses.
const SCAN_FINISHED = /^(scrub repaired|resilvered(?: \(\S+\))?) (\S+) in (.+?) with (\d+) errors on (.+)$/;
const SCAN_CANCELED = /^(scrub|resilver)(?: \(\S+\))? canceled on (.+)$/;
const SCAN_RUNNING = /^(scrub|resilver)(?: \(\S+\))? in progress since (.+)$/;
const SCAN_PAUSED = /^scrub paused since (.+)$/;
const SCRUB_STARTED = /^scrub started on (.+)$/;
// OpenZFS 2.2: "3.10T / 5.46T scanned at 1.12G/s, 1.01T / 5.46T issued at 667M/s" (no rates while paused).
const SCANNED_WITH_TOTALS = /^(\S+) \/ (\S+) scanned(?: at \S+\/s)?, (\S+) \/ \S+ issued(?: at \S+\/s)?$/;
// 0.8 to 2.1: "1.23T scanned at 812M/s, 1.01T issued at 667M/s, 5.46T total"; a sequential resilver drops the second "at".
const SCANNED_THEN_TOTAL = /^(\S+) scanned(?: at \S+\/s)?, (\S+) issued(?: (?:at )?\S+\/s)?, (\S+) total$/;
const SCAN_PROGRESS =
  /^(\S+) (repaired|resilvered), (\d+(?:\.\d+)?)% done(?:, (?:(.+) to go|no estimated completion time))?$/;

function parseScan(pool: string, lines: readonly string[]): PoolScan {
  const [first = '', ...rest] = lines;
  // The checkpoint warning says which blocks a scan skips; it changes nothing about its progress.
  const more = rest.filter((line) => !line.startsWith('scan warning:'));
  const what = `scan of pool ${pool}`;
  const scan = emptyScan();
  const expectNoMore = () => {
    if (more.length > 0) throw parseError(`zpool status: unexpected line after the ${what}`, more[0]);
  };

  if (first === 'none requested') {
    expectNoMore();
    return scan;
  }
  const finished = SCAN_FINISHED.exec(first);
  if (finished) {
    const [, verb = '', bytes, duration = '', errors, endedAt = ''] = finished;
    const isScrub = verb === 'scrub repaired';
    expectNoMore();
    return {
      ...scan,
      kind: isScrub ? 'scrub' : 'resilver',
      state: 'finished',
      percent_done: 100,
      duration_seconds: parseDuration(duration, `duration of the ${what}`),
      errors: num(errors, `errors of the ${what}`),
      repaired_bytes: isScrub ? parseNice(bytes, `bytes of the ${what}`) : null,
      resilvered_bytes: isScrub ? null : parseNice(bytes, `bytes of the ${what}`),
      ended_at: endedAt,
    };
  }
  const canceled = SCAN_CANCELED.exec(first);
  if (canceled) {
    expectNoMore();
    return {
      ...scan,
      kind: canceled[1] === 'scrub' ? 'scrub' : 'resilver',
      state: 'canceled',
      ended_at: canceled[2] ?? null,
    };
  }

  const running = SCAN_RUNNING.exec(first);
  const paused = SCAN_PAUSED.exec(first);
  if (!running && !paused) throw parseError(`zpool status: unrecognized ${what}`, first);
  if (running) {
    scan.kind = running[1] === 'scrub' ? 'scrub' : 'resilver';
    scan.state = 'in_progress';
    scan.started_at = running[2] ?? null;
  } else {
    scan.kind = 'scrub';
    scan.state = 'paused';
  }
  let progressSeen = false;
  for (const line of more) {
    const started = SCRUB_STARTED.exec(line);
    const withTotals = SCANNED_WITH_TOTALS.exec(line);
    const thenTotal = SCANNED_THEN_TOTAL.exec(line);
    const progress = SCAN_PROGRESS.exec(line);
    if (started && paused) {
      scan.started_at = started[1] ?? null;
    } else if (withTotals) {
      scan.scanned_bytes = parseNice(withTotals[1], `scanned bytes of the ${what}`);
      scan.total_bytes = parseNice(withTotals[2], `total bytes of the ${what}`);
      scan.issued_bytes = parseNice(withTotals[3], `issued bytes of the ${what}`);
    } else if (thenTotal) {
      scan.scanned_bytes = parseNice(thenTotal[1], `scanned bytes of the ${what}`);
      scan.issued_bytes = parseNice(thenTotal[2], `issued bytes of the ${what}`);
      scan.total_bytes = parseNice(thenTotal[3], `total bytes of the ${what}`);
    } else if (progress) {
      const [, bytes, verb, percent, timeLeft] = progress;
      scan[verb === 'repaired' ? 'repaired_bytes' : 'resilvered_bytes'] = parseNice(bytes, `bytes of the ${what}`);
      scan.percent_done = num(percent, `percent done of the ${what}`);
      scan.time_left_seconds = timeLeft === undefined ? null : parseDuration(timeLeft, `time left of the ${what}`);
      progressSeen = true;
    } else {
      throw parseError(`zpool status: unrecognized line in the ${what}`, line);
    }
  }
  if (!progressSeen) throw parseError(`zpool status: no progress line in the ${what}`, lines.join('\n'));
  return scan;
}

/** The scan worth showing: one that is running (or paused), else the first one zpool printed. */
function currentScan(pool: string, scans: readonly string[][]): PoolScan {
  const parsed = scans.map((lines) => parseScan(pool, lines));
  return parsed.find((scan) => scan.state === 'in_progress' || scan.state === 'paused') ?? parsed[0] ?? emptyScan();
}

const HEADINGS: ReadonlySet<string> = new Set<VdevKind>(['logs', 'cache', 'spares', 'special', 'dedup']);
/** zpool_state_to_name's names, plus AVAIL and INUSE, which zpool uses for hot spares. */
const VDEV_STATES: ReadonlySet<string> = new Set([
  'ONLINE',
  'DEGRADED',
  'FAULTED',
  'OFFLINE',
  'REMOVED',
  'UNAVAIL',
  'SPLIT',
  'UNKNOWN',
  'AVAIL',
  'INUSE',
]);

const CONFIG_HEADER = /^\tNAME\s+STATE\s+READ\s+WRITE\s+CKSUM\s*$/;
const COUNT = String.raw`\d+(?:\.\d+)?[KMGTPE]?`;
// NAME STATE [READ WRITE CKSUM] [note]; hot spares in the spares list have no counters.
const VDEV_LINE = new RegExp(
  String.raw`^(\S+)\s+([A-Z]+)(?:\s+(${COUNT})\s+(${COUNT})\s+(${COUNT}))?(?:\s+(\S.*?))?\s*$`,
);

/** vdev type from the type-id names zpool status prints (`mirror-0`, `raidz2-1`, `draid2:4d:12c:1s-0`...). */
function vdevKind(name: string): VdevKind {
  if (/^mirror(-\d+)?$/.test(name)) return 'mirror';
  if (/^raidz[123]?(-\d+)?$/.test(name)) return 'raidz';
  if (/^draid\d:\d+d:\d+c:\d+s(-\d+)?$/.test(name)) return 'draid';
  if (/^replacing-\d+$/.test(name)) return 'replacing';
  if (/^spare-\d+$/.test(name)) return 'spare';
  return 'disk';
}

function parseVdevLine(pool: string, text: string, inSparesList: boolean): VdevNode {
  const match = VDEV_LINE.exec(text);
  const [, name = '', state = '', read, write, checksum, note] = match ?? [];
  if (!match || !VDEV_STATES.has(state)) throw parseError(`zpool status: unreadable vdev line in pool ${pool}`, text);
  if ((read === undefined) !== inSparesList) {
    throw parseError(`zpool status: vdev line in pool ${pool} ${inSparesList ? 'has' : 'lacks'} error counters`, text);
  }
  const count = (value: string | undefined, which: string) =>
    value === undefined ? null : parseNice(value, `${which} errors of ${name} in pool ${pool}`);
  return {
    name,
    kind: 'disk',
    state,
    read_errors: count(read, 'read'),
    write_errors: count(write, 'write'),
    checksum_errors: count(checksum, 'checksum'),
    ...(note !== undefined && { note: note.replace(/\s+/g, ' ') }),
    children: [],
  };
}

/**
 * The vdev tree from the indentation of the config block: a tab, then two spaces per level. The first
 * line at level 0 is the pool itself (Unraid names pools `cache`, so the name alone says nothing); later
 * level-0 lines are the class headings.
 */
function parseConfig(pool: string, lines: readonly string[]): VdevNode[] {
  const [header, ...rows] = lines;
  if (header === undefined || !CONFIG_HEADER.test(header))
    throw parseError(`zpool status: no vdev table for pool ${pool}`, header);
  const roots: VdevNode[] = [];
  const open: { node: VdevNode; depth: number }[] = [];
  for (const row of rows) {
    const match = /^\t( *)(\S.*)$/.exec(row);
    const depth = match?.[1]?.length ?? -1;
    const text = match?.[2] ?? '';
    if (!match || depth % 2 !== 0) throw parseError(`zpool status: unreadable vdev line in pool ${pool}`, row);
    while (open.length > 0 && (open.at(-1)?.depth ?? 0) >= depth) open.pop();
    const parent = open.at(-1);
    let node: VdevNode;
    if (depth === 0) {
      const heading = text.trim();
      if (roots.length === 0) {
        node = { ...parseVdevLine(pool, text, false), kind: 'pool' };
        if (node.name !== pool)
          throw parseError(`zpool status: vdev tree of pool ${pool} starts with ${node.name}`, row);
      } else if (HEADINGS.has(heading)) {
        node = {
          name: heading,
          kind: heading as VdevKind,
          state: null,
          read_errors: null,
          write_errors: null,
          checksum_errors: null,
          children: [],
        };
      } else {
        throw parseError(`zpool status: unexpected top-level line in pool ${pool}`, row);
      }
      roots.push(node);
    } else {
      if (!parent || parent.depth !== depth - 2)
        throw parseError(`zpool status: vdev line of pool ${pool} is indented too deep`, row);
      if (parent.node.kind === 'disk')
        throw parseError(
          `zpool status: ${parent.node.name} in pool ${pool} has devices under it but no known vdev type`,
          row,
        );
      node = parseVdevLine(pool, text, parent.node.kind === 'spares');
      node.kind = vdevKind(node.name);
      parent.node.children.push(node);
    }
    open.push({ node, depth });
  }
  if (roots.length === 0) throw parseError(`zpool status: empty vdev tree for pool ${pool}`);
  return roots;
}

function parseDataErrors(pool: string, text: string): number {
  if (text === 'No known data errors') return 0;
  const match = /^(\d+) data errors?, use '-v' for a list$/.exec(text);
  if (!match) throw parseError(`zpool status: unreadable errors: line of pool ${pool}`, text);
  return num(match[1], `data errors of pool ${pool}`);
}

function buildPool(row: PoolRow, text: PoolStatusText): { pool: ZfsPool; problems: string[] } {
  if (!text.fields.has('state')) throw parseError(`zpool status: pool ${row.name} has no state: line`);
  if (!text.config) throw parseError(`zpool status: pool ${row.name} has no config: block`);
  // zpool prints the errors: line last; without it the status was cut short.
  const errors = joinedText(text, 'errors');
  if (errors === null) throw parseError(`zpool status: pool ${row.name} has no errors: line (output cut short?)`);
  const pool = {
    ...row,
    status: joinedText(text, 'status'),
    action: joinedText(text, 'action'),
    see: joinedText(text, 'see'),
    scan: currentScan(row.name, text.scans),
    config: parseConfig(row.name, text.config),
    data_errors: parseDataErrors(row.name, errors),
  };
  const problems = poolProblems(pool);
  return { pool: { ...pool, healthy: problems.length === 0 }, problems };
}

function parseDatasetLine(line: string): ZfsDataset {
  const fields = line.split('\t');
  if (fields.length !== 7) throw parseError('zfs list: expected 7 tab-separated fields', line);
  const [name = '', type, used, available, referenced, mountpoint = '', ratio] = fields;
  if (type !== 'filesystem' && type !== 'volume') throw parseError(`zfs list: unexpected type of ${name}`, line);
  return {
    name,
    type,
    used_bytes: num(used, `used of ${name}`),
    available_bytes: num(available, `available of ${name}`),
    referenced_bytes: num(referenced, `referenced of ${name}`),
    mountpoint: type === 'volume' || mountpoint === '-' || mountpoint === 'none' ? null : mountpoint,
    compressratio: parseRatio(ratio, `compressratio of ${name}`),
  };
}

export interface ListedSnapshot extends ZfsSnapshot {
  createdAt: number;
  order: number;
}

export function parseSnapshotLine(line: string, order: number): ListedSnapshot {
  const fields = line.split('\t');
  if (fields.length !== 4) throw parseError('zfs list: expected 4 tab-separated fields per snapshot', line);
  const [name = '', used, referenced, creation] = fields;
  const at = name.indexOf('@');
  if (at <= 0) throw parseError('zfs list: snapshot name without dataset@', line);
  const createdAt = num(creation, `creation of ${name}`);
  return {
    name,
    dataset: name.slice(0, at),
    creation: new Date(createdAt * 1000).toISOString(),
    used_bytes: num(used, `used of ${name}`),
    referenced_bytes: num(referenced, `referenced of ${name}`),
    createdAt,
    order,
  };
}

/** Newest first; snapshots of one second keep zpool's order (by transaction), reversed. */
export function newerFirst(a: ListedSnapshot, b: ListedSnapshot): number {
  return b.createdAt - a.createdAt || b.order - a.order;
}

/** Counts and newest snapshot per dataset, and the newest snapshots overall: never the whole listing. */
function summarizeSnapshots(
  lines: readonly string[],
): Pick<ZfsData, 'snapshot_count' | 'snapshots_by_dataset' | 'newest_snapshots'> {
  const snapshots = lines.map(parseSnapshotLine).sort(newerFirst);
  const byDataset = new Map<string, DatasetSnapshots>();
  for (const snapshot of snapshots) {
    const entry = byDataset.get(snapshot.dataset);
    if (entry) entry.count += 1;
    // Sorted newest first, so the first snapshot seen of a dataset is its newest.
    else
      byDataset.set(snapshot.dataset, {
        dataset: snapshot.dataset,
        count: 1,
        newest: { name: snapshot.name, creation: snapshot.creation, used_bytes: snapshot.used_bytes },
      });
  }
  return {
    snapshot_count: snapshots.length,
    snapshots_by_dataset: [...byDataset.values()].sort((a, b) =>
      a.dataset < b.dataset ? -1 : a.dataset > b.dataset ? 1 : 0,
    ),
    newest_snapshots: snapshots
      .slice(0, NEWEST_SNAPSHOTS_KEPT)
      .map(({ name, dataset, creation, used_bytes, referenced_bytes }) => ({
        name,
        dataset,
        creation,
        used_bytes,
        referenced_bytes,
      })),
  };
}

/** kstat rows `name type data` after two header lines. */
function parseArc(sections: Sections): ZfsArc | null {
  if (!sections.has('arcstats')) return null;
  const values = new Map<string, number>();
  for (const line of sections.nonEmptyLines('arcstats')) {
    const match = /^(\w+)\s+\d+\s+(\d+)$/.exec(line.trim());
    if (match?.[1] && match[2]) values.set(match[1], Number(match[2]));
  }
  const value = (key: string): number => {
    const found = values.get(key);
    if (found === undefined) throw parseError(`arcstats has no ${key}`);
    return found;
  };
  const lookups = value('hits') + value('misses');
  return {
    size_bytes: value('size'),
    max_bytes: value('c_max'),
    hit_ratio_percent: lookups > 0 ? round2((value('hits') / lookups) * 100) : null,
  };
}

function unavailable(reason: string): ZfsData {
  return {
    zfs_available: false,
    reason,
    pools: [],
    summary: { pools: 0, healthy: 0, degraded_or_worse: 0 },
    problems: [],
    datasets: [],
    snapshot_count: 0,
    snapshots_by_dataset: [],
    newest_snapshots: [],
    arc: null,
  };
}

function parseZfs(sections: Sections): ZfsData {
  const listed = sectionCommandResult(DATA_TYPE, sections, 'pools');
  if (listed.status !== 0) {
    const stderr = listed.stderr.trim();
    if (ZFS_UNREACHABLE.test(stderr)) return unavailable(stderr.split('\n')[0]?.trim() ?? stderr);
    throw sectionCommandError(DATA_TYPE, 'zpool list', listed);
  }
  // Current releases say "no pools available" on stderr, older ones on stdout.
  const rows = listed.stdoutLines.filter((line) => line !== 'no pools available').map(parsePoolRow);

  const status = sectionCommandResult(DATA_TYPE, sections, 'status');
  if (status.status !== 0) throw sectionCommandError(DATA_TYPE, 'zpool status', status);
  const statusByPool = new Map(splitStatus(status.stdoutLines).map((text) => [text.name, text]));
  const pools: ZfsPool[] = [];
  const problems: string[] = [];
  for (const row of rows) {
    const text = statusByPool.get(row.name);
    if (!text) throw parseError(`zpool status does not report pool ${row.name}`);
    const built = buildPool(row, text);
    pools.push(built.pool);
    problems.push(...built.problems);
  }

  const datasets = sectionCommandResult(DATA_TYPE, sections, 'datasets');
  if (datasets.status !== 0) throw sectionCommandError(DATA_TYPE, 'zfs list', datasets);
  const snapshots = sectionCommandResult(DATA_TYPE, sections, 'snapshots');
  if (snapshots.status !== 0) throw sectionCommandError(DATA_TYPE, 'zfs list -t snapshot', snapshots);

  return {
    zfs_available: true,
    pools,
    summary: {
      pools: pools.length,
      healthy: pools.filter((pool) => pool.healthy).length,
      degraded_or_worse: pools.filter((pool) => pool.health !== 'ONLINE').length,
    },
    problems,
    datasets: datasets.stdoutLines.map(parseDatasetLine),
    ...summarizeSnapshots(snapshots.stdoutLines),
    arc: parseArc(sections),
  };
}
/** The collector's output: no zpool at all, or what zpool and zfs said. */
export function parseZfsOutput(output: CommandOutput): ZfsData {
  const sections = splitSections(DATA_TYPE, output);
  if (sections.has('no-zpool')) return unavailable('zpool not found');
  return parseZfs(sections);
}
