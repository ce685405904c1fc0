import { z } from 'zod';
import { InterfaceCounters } from './network.ts';
import type { Collector, CollectorContext } from './collector.ts';
import { CollectorParseError } from './parse-error.ts';
import { END_MARKER, parseNumber, round2, type Sections, splitSections } from './sections.ts';

/**
 * Host metrics read straight from /proc and `df`, which every Linux userland we meet has (GNU
 * coreutils, busybox). CPU % is computed from /proc/stat counter deltas: against the previous snapshot
 * when it is recent and from the same boot, otherwise from two samples taken inside the command.
 */

const DATA_TYPE = 'metrics';
/** Older snapshots would turn CPU % into a long-term average; sample inside the command instead. */
const PREVIOUS_SNAPSHOT_MAX_AGE_MS = 15 * 60 * 1000;
/** The kernel derives btime from the wall clock, so it can differ by a second between reads of one boot. */
const BOOT_TIME_TOLERANCE_SECONDS = 1;

const ticks = z.number().describe('USER_HZ ticks since boot');
const bytes = z.number().describe('bytes');
const percent = z.number().describe('percent, 0-100');

/** Aggregate `cpu` line of /proc/stat, in USER_HZ ticks since boot. */
export const CpuCounters = z.object({
  user: ticks,
  nice: ticks,
  system: ticks,
  idle: ticks,
  iowait: ticks,
  irq: ticks,
  softirq: ticks,
  steal: ticks,
  guest: ticks,
  guest_nice: ticks,
});
export type CpuCounters = z.infer<typeof CpuCounters>;

export const FilesystemUsage = z.object({
  device: z.string(),
  fs_type: z.string(),
  mountpoint: z.string(),
  size_bytes: bytes,
  used_bytes: bytes,
  available_bytes: bytes,
  /** df's Capacity formula, used / (used + available), so root-reserved blocks count as full. */
  used_percent: percent.describe('percent, used / (used + available) as df computes it'),
});
export type FilesystemUsage = z.infer<typeof FilesystemUsage>;

export const NetworkInterfaceCounters = InterfaceCounters.extend({
  interface: z.string(),
});
export type NetworkInterfaceCounters = z.infer<typeof NetworkInterfaceCounters>;

export const MetricsData = z.object({
  cpu: z.object({
    usage_percent: percent,
    iowait_percent: percent,
    steal_percent: percent,
    cores: z.number(),
    sample_window_seconds: z.number().describe('seconds between the two /proc/stat samples'),
    source: z.enum(['previous_snapshot', 'in_command_sample']),
  }),
  memory: z.object({
    total_bytes: bytes,
    available_bytes: bytes,
    used_bytes: bytes,
    used_percent: percent,
    buffers_bytes: bytes,
    cached_bytes: bytes,
    swap_total_bytes: bytes,
    swap_used_bytes: bytes,
  }),
  filesystems: z.array(FilesystemUsage),
  load: z.object({
    load_1: z.number(),
    load_5: z.number(),
    load_15: z.number(),
    running: z.number(),
    total_entities: z.number(),
  }),
  uptime_seconds: z.number().describe('seconds'),
  /** Unix time of boot (btime); identifies the boot the CPU counters belong to. */
  boot_time: z.number().describe('Unix time of boot, seconds'),
  network: z.array(NetworkInterfaceCounters),
  process_count: z.number(),
  /** Counters of the latest sample, kept so the next collection can compute its CPU delta from them. */
  cpu_raw: CpuCounters,
});
export type MetricsData = z.infer<typeof MetricsData>;

/**
 * Mounts that hold no user data (kernel interfaces, RAM-backed, container layers) or read-only images
 * that always read 100% full (squashfs snaps, iso9660/udf media, erofs) and would only trip disk alerts.
 */
const EXCLUDED_FS_TYPES = new Set([
  'autofs',
  'aufs',
  'binfmt_misc',
  'bpf',
  'cgroup',
  'cgroup2',
  'configfs',
  'debugfs',
  'devfs',
  'devpts',
  'devtmpfs',
  'efivarfs',
  'erofs',
  'fusectl',
  'fuse.gvfsd-fuse',
  'fuse.lxcfs',
  'fuse.portal',
  'fuse.snapfuse',
  'hugetlbfs',
  'iso9660',
  'mqueue',
  'nfsd',
  'nsfs',
  'overlay',
  'proc',
  'pstore',
  'ramfs',
  'rootfs',
  'rpc_pipefs',
  'securityfs',
  'selinuxfs',
  'shm',
  'squashfs',
  'sysfs',
  'tmpfs',
  'tracefs',
  'udf',
]);

/**
 * Second CPU sample for when no previous snapshot can serve as the first one. Busybox built without
 * fractional sleep rejects 0.25; a whole second still gives a valid window.
 */
const IN_COMMAND_CPU_SAMPLE = [
  'if sleep 0.25 2>/dev/null; then sample_seconds=0.25; else sleep 1; sample_seconds=1; fi',
  'echo @@stat2',
  "grep '^cpu' /proc/stat",
  'echo @@sample-seconds',
  'echo "$sample_seconds"',
].join('\n');

/** Boot time of a previous snapshot whose counters can be the first CPU sample, if there is one. */
function reusableBootTime(ctx: CollectorContext<MetricsData>): number | undefined {
  if (!ctx.previous) return undefined;
  const age = Date.now() - ctx.previous.collectedAt.getTime();
  if (!(age >= 0 && age < PREVIOUS_SNAPSHOT_MAX_AGE_MS)) return undefined;
  const { boot_time: bootTime, cpu_raw: cpuRaw } = ctx.previous.data;
  // Snapshots stored by an older collector may lack the counters; and only a plain integer goes into the script.
  return cpuRaw && Number.isSafeInteger(bootTime) ? bootTime : undefined;
}

function buildCommand(ctx: CollectorContext<MetricsData>): string {
  const bootTime = reusableBootTime(ctx);
  const cpuSample =
    bootTime === undefined
      ? IN_COMMAND_CPU_SAMPLE
      : [
          // Same boot as the previous snapshot: its counters are the first sample, no need to sleep.
          "case $(sed -n 's/^btime //p' /proc/stat) in",
          `${bootTime - 1}|${bootTime}|${bootTime + 1}) ;;`,
          `*)\n${IN_COMMAND_CPU_SAMPLE}\n;;`,
          'esac',
        ].join('\n');
  return [
    'echo @@stat',
    'cat /proc/stat',
    cpuSample,
    // Right after the last CPU sample, so uptime differences measure the CPU window.
    // One-line files are read by the shell itself: on small devices each fork costs more than the read.
    'echo @@uptime',
    'IFS= read -r line < /proc/uptime; printf \'%s\\n\' "$line"',
    'echo @@loadavg',
    'IFS= read -r line < /proc/loadavg; printf \'%s\\n\' "$line"',
    'echo @@meminfo',
    'cat /proc/meminfo',
    'echo @@netdev',
    'cat /proc/net/dev',
    'echo @@procs',
    'set -- /proc/[0-9]*',
    'echo $#',
    // Old busybox df has no -T: then /proc/mounts supplies the filesystem types.
    'echo @@df',
    'if df -P -T -k / >/dev/null 2>&1; then df -P -T -k 2>/dev/null; else df -P -k 2>/dev/null; echo @@mounts; cat /proc/mounts; fi',
    `echo ${END_MARKER}`,
  ].join('\n');
}

function parseError(message: string, excerpt?: string): CollectorParseError {
  return new CollectorParseError(DATA_TYPE, message, excerpt);
}

function num(text: string | undefined, what: string): number {
  return parseNumber(DATA_TYPE, text, what);
}

const CPU_COUNTER_NAMES = [
  'user',
  'nice',
  'system',
  'idle',
  'iowait',
  'irq',
  'softirq',
  'steal',
  'guest',
  'guest_nice',
] as const satisfies readonly (keyof CpuCounters)[];
/** guest and guest_nice are already included in user and nice, so they are left out of the total. */
const CPU_TIME_NAMES = CPU_COUNTER_NAMES.filter((name) => name !== 'guest' && name !== 'guest_nice');

function parseCpuCounters(statLines: readonly string[], section: string): CpuCounters {
  const line = statLines.find((l) => l.startsWith('cpu '));
  if (!line) throw parseError(`no aggregate cpu line in @@${section}`);
  const fields = line.trim().split(/\s+/).slice(1);
  // Kernels before 2.6.33 print fewer columns; the missing counters did not exist there and are 0.
  if (fields.length < 4) throw parseError(`cpu line in @@${section} has too few fields`, line);
  const counters = {} as CpuCounters;
  CPU_COUNTER_NAMES.forEach((name, i) => {
    counters[name] = i < fields.length ? num(fields[i], `cpu ${name}`) : 0;
  });
  return counters;
}

function cpuPercentages(before: CpuCounters, after: CpuCounters) {
  // Clamped at 0: proc(5) warns that iowait (and idle on some tickless kernels) can decrease.
  const delta = (name: keyof CpuCounters) => Math.max(0, after[name] - before[name]);
  const total = CPU_TIME_NAMES.reduce((sum, name) => sum + delta(name), 0);
  // `!(> 0)` also catches NaN from a stored snapshot that lacks some counters.
  if (!(total > 0)) throw parseError('cpu counters did not advance between the two samples');
  const percentOfTotal = (ticks: number) => round2((ticks / total) * 100);
  return {
    usage_percent: percentOfTotal(total - delta('idle') - delta('iowait')),
    iowait_percent: percentOfTotal(delta('iowait')),
    steal_percent: percentOfTotal(delta('steal')),
  };
}

function parseCpu(
  sections: Sections,
  ctx: CollectorContext<MetricsData>,
  bootTime: number,
  uptimeSeconds: number,
): { cpu: MetricsData['cpu']; cpuRaw: CpuCounters } {
  const statLines = sections.nonEmptyLines('stat');
  const first = parseCpuCounters(statLines, 'stat');
  const cores = statLines.filter((line) => /^cpu\d+\s/.test(line)).length;
  if (cores === 0) throw parseError('no per-core cpu lines in @@stat');

  if (sections.has('stat2')) {
    const second = parseCpuCounters(sections.nonEmptyLines('stat2'), 'stat2');
    const sampleSeconds = num(sections.nonEmptyLines('sample-seconds')[0], 'cpu sample seconds');
    return {
      cpu: {
        ...cpuPercentages(first, second),
        cores,
        sample_window_seconds: sampleSeconds,
        source: 'in_command_sample',
      },
      cpuRaw: second,
    };
  }

  // One sample only: the script found the previous snapshot usable, so it must be there and match.
  const previous = ctx.previous?.data;
  if (!previous) throw parseError('only one cpu sample and no previous snapshot to compare it with');
  if (Math.abs(previous.boot_time - bootTime) > BOOT_TIME_TOLERANCE_SECONDS) {
    throw parseError(
      `only one cpu sample but the previous snapshot is from another boot (btime ${previous.boot_time} vs ${bootTime})`,
    );
  }
  const windowSeconds = round2(uptimeSeconds - previous.uptime_seconds);
  if (!(windowSeconds > 0)) throw parseError('uptime did not advance since the previous snapshot');
  return {
    cpu: {
      ...cpuPercentages(previous.cpu_raw, first),
      cores,
      sample_window_seconds: windowSeconds,
      source: 'previous_snapshot',
    },
    cpuRaw: first,
  };
}

function parseBootTime(sections: Sections): number {
  const line = sections.nonEmptyLines('stat').find((l) => l.startsWith('btime '));
  if (!line) throw parseError('no btime line in @@stat');
  return num(line.slice('btime '.length).trim(), 'btime');
}

function parseUptime(sections: Sections): number {
  const line = sections.nonEmptyLines('uptime')[0];
  return num(line?.trim().split(/\s+/)[0], 'uptime');
}

function parseLoad(sections: Sections): MetricsData['load'] {
  // e.g. "0.52 0.58 0.59 2/345 12345"
  const line = sections.nonEmptyLines('loadavg')[0] ?? '';
  const [load1, load5, load15, entities] = line.trim().split(/\s+/);
  const [running, total] = (entities ?? '').split('/');
  return {
    load_1: num(load1, 'load 1'),
    load_5: num(load5, 'load 5'),
    load_15: num(load15, 'load 15'),
    running: num(running, 'running entities'),
    total_entities: num(total, 'total entities'),
  };
}

function parseMemory(sections: Sections): MetricsData['memory'] {
  const kibByKey = new Map<string, number>();
  for (const line of sections.nonEmptyLines('meminfo')) {
    const match = /^([^:]+):\s+(\d+)(?: kB)?$/.exec(line.trim());
    if (match?.[1] && match[2]) kibByKey.set(match[1], Number(match[2]));
  }
  const bytes = (key: string): number => {
    const kib = kibByKey.get(key);
    if (kib === undefined) throw parseError(`meminfo has no ${key}`);
    return kib * 1024;
  };
  const total = bytes('MemTotal');
  if (total === 0) throw parseError('meminfo reports MemTotal 0');
  const buffers = bytes('Buffers');
  const cached = bytes('Cached');
  // MemAvailable exists since Linux 3.14; before that, free + buffers + page cache is the usual estimate.
  const available = kibByKey.has('MemAvailable') ? bytes('MemAvailable') : bytes('MemFree') + buffers + cached;
  const used = total - available;
  const swapTotal = bytes('SwapTotal');
  return {
    total_bytes: total,
    available_bytes: available,
    used_bytes: used,
    used_percent: round2((used / total) * 100),
    buffers_bytes: buffers,
    cached_bytes: cached,
    swap_total_bytes: swapTotal,
    swap_used_bytes: swapTotal - bytes('SwapFree'),
  };
}

/** /proc/mounts escapes space, tab, newline and backslash as octal (`\040`). */
function decodeMountField(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

/** Type lookup for a df without -T: the topmost mount on the mountpoint, preferring the same device. */
function mountTypeLookup(mountLines: readonly string[]): (device: string, mountpoint: string) => string | undefined {
  const mounts = mountLines.map((line) => {
    const [device = '', mountpoint = '', fsType] = line.split(' ');
    return { device: decodeMountField(device), mountpoint: decodeMountField(mountpoint), fsType };
  });
  return (device, mountpoint) => {
    const candidates = mounts.filter((m) => m.mountpoint === mountpoint).reverse();
    return (candidates.find((m) => m.device === device) ?? candidates[0])?.fsType;
  };
}

// df -P prints one line per mount; device and mountpoint may contain spaces, the number columns cannot.
const DF_ROW_WITH_TYPE = /^(.+?)\s+(\S+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(?:\d+%|-)\s+(\/.*)$/;
const DF_ROW_WITHOUT_TYPE = /^(.+?)\s+(\d+)\s+(\d+)\s+(\d+)\s+(?:\d+%|-)\s+(\/.*)$/;

function parseFilesystems(sections: Sections): FilesystemUsage[] {
  const [header, ...rows] = sections.nonEmptyLines('df');
  if (!header?.startsWith('Filesystem')) throw parseError('df output has no header line', header);
  const hasTypeColumn = header.split(/\s+/)[1] === 'Type';
  const mountType = hasTypeColumn ? undefined : mountTypeLookup(sections.nonEmptyLines('mounts'));

  const byDeviceAndMountpoint = new Map<string, FilesystemUsage>();
  for (const row of rows) {
    let device: string, fsType: string | undefined, size: string, used: string, available: string, mountpoint: string;
    if (mountType) {
      const match = DF_ROW_WITHOUT_TYPE.exec(row);
      if (!match) throw parseError('unreadable df line', row);
      [, device = '', size = '', used = '', available = '', mountpoint = ''] = match;
      fsType = mountType(device, mountpoint);
      if (fsType === undefined) throw parseError(`no /proc/mounts entry for ${mountpoint}`, row);
    } else {
      const match = DF_ROW_WITH_TYPE.exec(row);
      if (!match) throw parseError('unreadable df line', row);
      [, device = '', fsType = '', size = '', used = '', available = '', mountpoint = ''] = match;
    }
    const usage = {
      device,
      fs_type: fsType,
      mountpoint,
      size_bytes: Number(size) * 1024,
      used_bytes: Number(used) * 1024,
      available_bytes: Number(available) * 1024,
    };
    // A placeholder with no capacity (zero-sized entry) has no usage to report.
    const capacityBytes = usage.used_bytes + usage.available_bytes;
    if (EXCLUDED_FS_TYPES.has(fsType) || capacityBytes === 0) continue;
    // The same mount listed twice (busybox df does not elide stacked or repeated mounts) is one filesystem.
    const key = `${device}\0${mountpoint}`;
    if (byDeviceAndMountpoint.has(key)) continue;
    byDeviceAndMountpoint.set(key, { ...usage, used_percent: round2((usage.used_bytes / capacityBytes) * 100) });
  }
  return [...byDeviceAndMountpoint.values()];
}

function parseNetwork(sections: Sections): NetworkInterfaceCounters[] {
  const interfaces: NetworkInterfaceCounters[] = [];
  for (const line of sections.nonEmptyLines('netdev')) {
    if (line.includes('|')) continue; // the two header lines
    const colon = line.indexOf(':');
    if (colon < 0) throw parseError('unreadable /proc/net/dev line', line);
    const name = line.slice(0, colon).trim();
    if (name === 'lo') continue;
    const fields = line
      .slice(colon + 1)
      .trim()
      .split(/\s+/);
    if (fields.length < 16) throw parseError(`/proc/net/dev line for ${name} has too few fields`, line);
    const field = (index: number, what: string) => num(fields[index], `${name} ${what}`);
    interfaces.push({
      interface: name,
      rx_bytes: field(0, 'rx bytes'),
      rx_packets: field(1, 'rx packets'),
      rx_errors: field(2, 'rx errors'),
      rx_dropped: field(3, 'rx dropped'),
      tx_bytes: field(8, 'tx bytes'),
      tx_packets: field(9, 'tx packets'),
      tx_errors: field(10, 'tx errors'),
      tx_dropped: field(11, 'tx dropped'),
    });
  }
  return interfaces;
}

function parseProcessCount(sections: Sections): number {
  const count = num(sections.nonEmptyLines('procs')[0]?.trim(), 'process count');
  // The glob always matches at least the shell running the script.
  if (count < 1) throw parseError('process count is 0');
  return count;
}

export const metricsCollector: Collector<MetricsData> = {
  dataType: DATA_TYPE,
  tool: {
    name: 'get_metrics',
    title: 'System metrics',
    description:
      'CPU % (from /proc/stat deltas), memory, filesystems, load, uptime, network counters and process count. Cached for up to 300 s.',
  },
  description:
    'CPU % from `/proc/stat` deltas, memory, every real filesystem, load 1/5/15, uptime, network rx/tx per interface, process count — one SSH round-trip',
  schema: MetricsData,
  freshnessSeconds: 300,
  pollIntervalSeconds: 300,
  commandTimeoutMs: 15_000,
  usesPrevious: true,
  retentionDays: 30,
  table: 'metrics_snapshots',

  command: buildCommand,

  parse(output, ctx) {
    const sections = splitSections(DATA_TYPE, output);
    const bootTime = parseBootTime(sections);
    const uptimeSeconds = parseUptime(sections);
    const { cpu, cpuRaw } = parseCpu(sections, ctx, bootTime, uptimeSeconds);
    return {
      cpu,
      memory: parseMemory(sections),
      filesystems: parseFilesystems(sections),
      load: parseLoad(sections),
      uptime_seconds: uptimeSeconds,
      boot_time: bootTime,
      network: parseNetwork(sections),
      process_count: parseProcessCount(sections),
      cpu_raw: cpuRaw,
    };
  },

  columns(data) {
    const diskPercents = data.filesystems.map((fs) => fs.used_percent);
    return {
      cpu_percent: data.cpu.usage_percent,
      memory_used_percent: data.memory.used_percent,
      load_1: data.load.load_1,
      load_5: data.load.load_5,
      load_15: data.load.load_15,
      uptime_seconds: data.uptime_seconds,
      process_count: data.process_count,
      disk_max_used_percent: diskPercents.length > 0 ? Math.max(...diskPercents) : null,
    };
  },
};
