import { z } from 'zod';
import type { Collector } from './collector.ts';
import { isStackedDevice } from './block-devices.ts';
import { CollectorParseError } from './parse-error.ts';
import { END_MARKER, excerptOf, parseNumber, round2, type Sections, splitSections } from './sections.ts';

/**
 * Per block device I/O rates from two samples of /proc/diskstats taken about a second apart in one
 * command, each preceded by /proc/uptime so the window is measured, not assumed. Whole devices only:
 * a partition's I/O is already counted in its disk's line. /sys/block lists exactly the whole devices;
 * where it is missing (a container without /sys) partitions are recognised by name. RAM disks, loop
 * devices, zram swap, floppies and optical drives are left out: they are not storage anyone sizes.
 *
 * %util is the share of the window the device had I/O in flight (io_ticks), as iostat computes it. For a
 * single spinning disk 100 % means saturated; SSDs and NVMe serve many requests at once and can be busy
 * every millisecond with capacity to spare, which the insight says.
 */

const DATA_TYPE = 'disk_io';
const SECTOR_BYTES = 512;
const SAMPLE_SECONDS = 1;

export const DiskIo = z.object({
  device: z.string(),
  read_bytes_per_second: z.number().describe('bytes per second'),
  write_bytes_per_second: z.number().describe('bytes per second'),
  reads_per_second: z.number(),
  writes_per_second: z.number(),
  /** Completed reads plus writes per second. */
  iops: z.number().describe('completed reads plus writes per second'),
  /** Share of the window with I/O in flight (0–100). */
  utilization_percent: z.number().describe('percent of the window with I/O in flight (0-100)'),
  /** Average time a completed request took, queue included; null without I/O in the window. */
  await_ms: z.number().nullable().describe('milliseconds per completed request, queue included'),
  /** Requests in flight at the second sample. */
  in_flight: z.number(),
});
export type DiskIo = z.infer<typeof DiskIo>;

export const DiskIoData = z.object({
  sample_window_seconds: z.number().describe('seconds'),
  /** Busiest first (utilization, then IOPS). */
  devices: z.array(DiskIo),
});
export type DiskIoData = z.infer<typeof DiskIoData>;

const COMMAND = [
  'export LC_ALL=C',
  'echo @@block',
  'ls /sys/block 2>/dev/null',
  'echo @@sample1',
  'cat /proc/uptime /proc/diskstats',
  `sleep ${SAMPLE_SECONDS}`,
  'echo @@sample2',
  'cat /proc/uptime /proc/diskstats',
  `echo ${END_MARKER}`,
].join('\n');

/** Devices that hold no data worth watching (RAM, loop files, compressed swap, floppies, optical). */
const IGNORED = /^(ram|loop|zram|fd|sr)\d+$/;
/** Partitions by name, for a device without /sys/block: sda1, vdb2, xvda1, nvme0n1p1, mmcblk0p1, md0p1. */
const PARTITION = /^((s|h|v|xv)d[a-z]+\d+|(nvme\d+n\d+|mmcblk\d+|md\d+|nbd\d+|loop\d+)p\d+)$/;

interface Counters {
  reads: number;
  readSectors: number;
  readMs: number;
  writes: number;
  writeSectors: number;
  writeMs: number;
  inFlight: number;
  ioTicksMs: number;
}

interface Sample {
  uptime: number;
  devices: Map<string, Counters>;
}

function parseError(message: string, excerpt?: string): CollectorParseError {
  return new CollectorParseError(DATA_TYPE, message, excerpt === undefined ? undefined : excerptOf(excerpt));
}

/**
 * `major minor name` and at least 11 counters (14 fields before Linux 4.18, 18 with discards, 20 with
 * flushes): reads, reads merged, sectors read, ms reading, writes, writes merged, sectors written,
 * ms writing, in flight, ms doing I/O, weighted ms.
 */
function parseDiskstatsLine(line: string): [string, Counters] {
  const fields = line.trim().split(/\s+/);
  const [major, minor, name, ...counters] = fields;
  if (!/^\d+$/.test(major ?? '') || !/^\d+$/.test(minor ?? '') || !name || counters.length < 11)
    throw parseError('unreadable /proc/diskstats line', line);
  const n = (i: number, what: string) => parseNumber(DATA_TYPE, counters[i], `${name} ${what}`);
  return [
    name,
    {
      reads: n(0, 'reads'),
      readSectors: n(2, 'sectors read'),
      readMs: n(3, 'ms reading'),
      writes: n(4, 'writes'),
      writeSectors: n(6, 'sectors written'),
      writeMs: n(7, 'ms writing'),
      inFlight: n(8, 'in flight'),
      ioTicksMs: n(9, 'ms doing I/O'),
    },
  ];
}

function parseSample(sections: Sections, name: string): Sample {
  const [uptimeLine, ...lines] = sections.nonEmptyLines(name);
  const uptime = parseNumber(DATA_TYPE, uptimeLine?.trim().split(/\s+/)[0], `@@${name} uptime`);
  if (lines.length === 0) throw parseError(`@@${name}: /proc/diskstats is empty`);
  return { uptime, devices: new Map(lines.map(parseDiskstatsLine)) };
}

function isWholeDevice(name: string, blockDevices: ReadonlySet<string>): boolean {
  if (IGNORED.test(name)) return false;
  return blockDevices.size > 0 ? blockDevices.has(name) : !PARTITION.test(name);
}

function rates(device: string, before: Counters, after: Counters, seconds: number): DiskIo {
  // Counters are unsigned longs that wrap (at 2^32 on 32-bit kernels): a wrapped counter counts as idle for one window.
  const delta = (key: keyof Counters) => Math.max(0, after[key] - before[key]);
  const reads = delta('reads');
  const writes = delta('writes');
  const perSecond = (value: number) => round2(value / seconds);
  const ios = reads + writes;
  return {
    device,
    read_bytes_per_second: perSecond(delta('readSectors') * SECTOR_BYTES),
    write_bytes_per_second: perSecond(delta('writeSectors') * SECTOR_BYTES),
    reads_per_second: perSecond(reads),
    writes_per_second: perSecond(writes),
    iops: perSecond(ios),
    // io_ticks can run a little ahead of uptime's 10 ms resolution.
    utilization_percent: Math.min(100, round2((delta('ioTicksMs') / (seconds * 1000)) * 100)),
    await_ms: ios === 0 ? null : round2((delta('readMs') + delta('writeMs')) / ios),
    in_flight: after.inFlight,
  };
}

export const diskIoCollector: Collector<DiskIoData> = {
  dataType: DATA_TYPE,
  tool: {
    name: 'get_disk_io',
    title: 'Disk I/O rates',
    description:
      'Per whole block device (partitions, loop, RAM and zram devices left out): read and write bytes per second, reads/writes per second, IOPS, %util (share of the second with I/O in flight) and average wait, from two /proc/diskstats samples a second apart. Busiest first. Cached for up to 60 s.',
  },
  description:
    'per whole block device: read/write bytes/s, reads/writes/s, IOPS, %util and average wait from two `/proc/diskstats` samples a second apart (`/sys/block` decides what is a whole device; loop, RAM, zram, floppy and optical devices left out)',
  schema: DiskIoData,
  freshnessSeconds: 60,
  pollIntervalSeconds: 300,
  commandTimeoutMs: 15_000,
  retentionDays: 30,
  table: 'disk_io_snapshots',

  command: () => COMMAND,

  parse(output) {
    const sections = splitSections(DATA_TYPE, output);
    const blockDevices = new Set(sections.lines('block').map((line) => line.trim()));
    const first = parseSample(sections, 'sample1');
    const second = parseSample(sections, 'sample2');
    const seconds = round2(second.uptime - first.uptime);
    if (!(seconds > 0))
      throw parseError(`uptime did not advance between the samples (${first.uptime} then ${second.uptime})`);
    const devices: DiskIo[] = [];
    for (const [name, after] of second.devices) {
      const before = first.devices.get(name);
      // A device that appeared between the samples has no rate yet.
      if (before && isWholeDevice(name, blockDevices)) devices.push(rates(name, before, after, seconds));
    }
    devices.sort(
      (a, b) => b.utilization_percent - a.utilization_percent || b.iops - a.iops || (a.device < b.device ? -1 : 1),
    );
    return { sample_window_seconds: seconds, devices };
  },

  columns(data) {
    const disks = data.devices.filter((d) => !isStackedDevice(d.device));
    const sum = (value: (d: DiskIo) => number) => round2(disks.reduce((total, d) => total + value(d), 0));
    return {
      max_utilization_percent:
        data.devices.length > 0 ? Math.max(...data.devices.map((d) => d.utilization_percent)) : null,
      read_bytes_per_second: sum((d) => d.read_bytes_per_second),
      write_bytes_per_second: sum((d) => d.write_bytes_per_second),
      iops: sum((d) => d.iops),
    };
  },
};
