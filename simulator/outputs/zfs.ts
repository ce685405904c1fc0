import { END_MARKER } from '../../domain/collectors/sections.ts';
import { ctime, runSection, section, zfsDuration, zfsNice } from '../format.ts';
import type { DeviceModel } from '../model.ts';
import type { DatasetSpec, PoolSpec } from '../profile.ts';
import { dice } from '../random.ts';
import { reallocatedSectors } from './drives.ts';

/**
 * zpool and zfs for the zfs collector, as OpenZFS 2.2 prints them: `zpool list -Hp`, `zpool status -p`
 * (vdev tree, monthly scrubs, the resilver that is running when the fleet starts), `zfs list -Hp` for
 * datasets and sanoid-style snapshots, and the ARC kstats. Pools fill slowly; a pool holding the
 * degrading drive counts its read errors and faults it once the drive fails.
 */

const SCRUB_PERIOD_SECONDS = 30 * 86_400;

/** Usable bytes per raw byte: raidz loses its parity disks, and `zpool list` already counts a mirror once. */
function usableFactor(pool: PoolSpec): number {
  return pool.vdev.startsWith('raidz') ? (pool.disks.length - pool.parityDisks) / pool.disks.length : 1;
}

function allocated(model: DeviceModel, pool: PoolSpec, t: number): number {
  return Math.min(
    pool.sizeBytes * 0.92,
    pool.allocatedBytes + (pool.growthBytesPerHour * (t - model.startTime)) / 3600,
  );
}

export interface DatasetUsage {
  used: number;
  available: number;
  referenced: number;
}

/** A dataset's numbers at `t`, as `zfs list -p` prints them and df shows them for its mount. */
export function datasetUsage(model: DeviceModel, pool: PoolSpec, dataset: DatasetSpec, t: number): DatasetUsage {
  const factor = usableFactor(pool);
  const used = allocated(model, pool, t) * factor;
  // ZFS keeps 1/32 of the pool back (slop space).
  const available = Math.max(0, pool.sizeBytes * factor * (31 / 32) - used);
  const subtree = pool.datasets
    .filter((d) => d.name === dataset.name || d.name.startsWith(`${dataset.name}/`))
    .reduce((sum, d) => sum + d.share, 0);
  return {
    used: Math.round(used * subtree),
    available: Math.round(available),
    referenced: Math.max(98_304, Math.round(used * dataset.share)),
  };
}

interface VdevRow {
  depth: number;
  name: string;
  state: string;
  errors?: [number, number, number];
  note?: string;
}

interface PoolView {
  health: 'ONLINE' | 'DEGRADED';
  rows: VdevRow[];
  status?: string;
  action?: string;
  see?: string;
  scan: string[];
}

/** zpool's explanation text, wrapped the way it prints it: continuation lines start with a tab. */
function wrapped(text: string): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && line.length + word.length + 1 > 68) {
      lines.push(line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  lines.push(line);
  return lines.join('\n\t');
}

function scanInProgress(
  kind: 'scrub' | 'resilver',
  since: number,
  t: number,
  seconds: number,
  total: number,
): string[] {
  const fraction = Math.min(1, Math.max(0, (t - since) / seconds));
  const issued = total * fraction;
  const scanned = Math.min(total, issued * 1.12 + total * 0.01);
  const elapsed = Math.max(1, t - since);
  const rate = (bytes: number) => `${zfsNice(bytes / elapsed)}/s`;
  const done = kind === 'scrub' ? '0B repaired' : `${zfsNice(issued)} resilvered`;
  return [
    `${kind} in progress since ${ctime(since)}`,
    `${zfsNice(scanned)} / ${zfsNice(total)} scanned at ${rate(scanned)}, ${zfsNice(issued)} / ${zfsNice(total)} issued at ${rate(issued)}`,
    `${done}, ${(fraction * 100).toFixed(2)}% done, ${zfsDuration((1 - fraction) * seconds)} to go`,
  ];
}

function poolView(model: DeviceModel, pool: PoolSpec, t: number): PoolView {
  const total = allocated(model, pool, t);
  const resilver = pool.resilver;
  const resilvering = resilver !== undefined && t < resilver.startedAt + resilver.seconds;
  let faulted = false;
  let errored = false;
  const diskRows = pool.disks.map((name, index): VdevRow[] => {
    if (resilvering && resilver.diskIndex === index) {
      return [
        { depth: 2, name: `replacing-${index}`, state: 'DEGRADED', errors: [0, 0, 0] },
        { depth: 3, name: resilver.oldDisk, state: 'FAULTED', errors: [0, 21, 0], note: 'too many errors' },
        { depth: 3, name, state: 'ONLINE', errors: [0, 0, 0], note: '(resilvering)' },
      ];
    }
    const drive = model.profile.drives.find((d) => d.vdevName === name);
    const realloc = drive ? reallocatedSectors(model, drive, t) : 0;
    const readErrors = Math.floor(realloc / 3);
    if (readErrors > 0) errored = true;
    // ZFS faults a device after persistent errors: here, once the drive fails by sector count.
    const deviceFaulted = realloc >= 100;
    if (deviceFaulted) faulted = true;
    return [
      {
        depth: 2,
        name,
        state: deviceFaulted ? 'FAULTED' : 'ONLINE',
        errors: [readErrors, 0, Math.floor(readErrors / 4)],
        ...(deviceFaulted && { note: 'too many errors' }),
      },
    ];
  });
  const health = resilvering || faulted ? 'DEGRADED' : 'ONLINE';
  const rows: VdevRow[] = [
    { depth: 0, name: pool.name, state: health, errors: [0, 0, 0] },
    { depth: 1, name: pool.vdev, state: health, errors: [0, 0, 0] },
    ...diskRows.flat(),
  ];

  // The latest scan: the running resilver, a running or finished monthly scrub, or the finished resilver.
  const cycles = Math.floor((t - pool.lastScrubEnd) / SCRUB_PERIOD_SECONDS);
  const lastScrubEnd = pool.lastScrubEnd + cycles * SCRUB_PERIOD_SECONDS;
  const nextScrubStart = lastScrubEnd + SCRUB_PERIOD_SECONDS - pool.lastScrubSeconds;
  let scan: string[];
  if (resilvering) scan = scanInProgress('resilver', resilver.startedAt, t, resilver.seconds, total);
  else if (t >= nextScrubStart) scan = scanInProgress('scrub', nextScrubStart, t, pool.lastScrubSeconds, total);
  else if (resilver !== undefined && resilver.startedAt + resilver.seconds > lastScrubEnd) {
    scan = [
      `resilvered ${zfsNice(total)} in ${zfsDuration(resilver.seconds)} with 0 errors on ${ctime(resilver.startedAt + resilver.seconds)}`,
    ];
  } else scan = [`scrub repaired 0B in ${zfsDuration(pool.lastScrubSeconds)} with 0 errors on ${ctime(lastScrubEnd)}`];

  if (resilvering) {
    return {
      health,
      rows,
      status:
        'One or more devices is currently being resilvered.  The pool will continue to function, possibly in a degraded state.',
      action: 'Wait for the resilver to complete.',
      scan,
    };
  }
  if (faulted) {
    return {
      health,
      rows,
      status:
        'One or more devices are faulted in response to persistent errors. Sufficient replicas exist for the pool to continue functioning in a degraded state.',
      action: "Replace the faulted device, or use 'zpool clear' to mark the device repaired.",
      see: 'https://openzfs.github.io/openzfs-docs/msg/ZFS-8000-K4',
      scan,
    };
  }
  if (errored) {
    return {
      health,
      rows,
      status:
        'One or more devices has experienced an unrecoverable error.  An attempt was made to correct the error.  Applications are unaffected.',
      action:
        "Determine if the device needs to be replaced, and clear the errors using 'zpool clear' or replace the device with 'zpool replace'.",
      see: 'https://openzfs.github.io/openzfs-docs/msg/ZFS-8000-9P',
      scan,
    };
  }
  return { health, rows, scan };
}

function statusText(pool: PoolSpec, view: PoolView): string {
  const width = Math.max(...view.rows.map((r) => r.depth * 2 + r.name.length)) + 2;
  const table = view.rows.map((r) => {
    const name = `${' '.repeat(r.depth * 2)}${r.name}`.padEnd(width);
    const counts = r.errors ? ` ${r.errors.map((n) => String(n).padStart(5)).join(' ')}` : '';
    return `\t${name}${r.state.padEnd(8)}${counts}${r.note ? `  ${r.note}` : ''}`;
  });
  return [
    `  pool: ${pool.name}`,
    ` state: ${view.health}`,
    ...(view.status ? [`status: ${wrapped(view.status)}`] : []),
    ...(view.action ? [`action: ${wrapped(view.action)}`] : []),
    ...(view.see ? [`   see: ${view.see}`] : []),
    `  scan: ${view.scan.join('\n\t')}`,
    'config:',
    '',
    `\t${'NAME'.padEnd(width)}STATE     READ WRITE CKSUM`,
    ...table,
    '',
    'errors: No known data errors',
  ].join('\n');
}

const pad = (n: number) => String(n).padStart(2, '0');
const snapshotStamp = (unix: number) => {
  const d = new Date(unix * 1000);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}_${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
};

/** sanoid's autosnap: a daily snapshot for the last two weeks, and hourly ones for the last day where asked. */
function snapshotLines(model: DeviceModel, pool: PoolSpec, t: number): string[] {
  const snapshots: { name: string; used: number; referenced: number; creation: number }[] = [];
  pool.datasets.forEach((dataset, index) => {
    if (!dataset.snapshots) return;
    const { referenced } = datasetUsage(model, pool, dataset, t);
    const add = (creation: number, kind: 'daily' | 'hourly') => {
      const ageDays = (t - creation) / 86_400;
      snapshots.push({
        name: `${dataset.name}@autosnap_${snapshotStamp(creation)}_${kind}`,
        used: Math.round(referenced * 0.0005 * (0.2 + dice(model.seed, 60 + index, creation))),
        referenced: Math.round(referenced * (1 - 0.0004 * ageDays)),
        creation,
      });
    };
    const today = Math.floor(t / 86_400);
    for (let day = today - 13; day <= today; day++) {
      const creation = day * 86_400 + 1 + index;
      if (creation <= t) add(creation, 'daily');
    }
    if (dataset.snapshots === 'hourly') {
      const hour = Math.floor(t / 3600);
      for (let h = hour - 23; h <= hour; h++) {
        const creation = h * 3600 + 1 + index;
        if (creation <= t) add(creation, 'hourly');
      }
    }
  });
  snapshots.sort((a, b) => a.creation - b.creation || (a.name < b.name ? -1 : 1));
  return snapshots.map((s) => `${s.name}\t${s.used}\t${s.referenced}\t${s.creation}`);
}

function arcstats(model: DeviceModel, t: number): string {
  const maxBytes = Math.floor((model.profile.memoryKib * 1024) / 2);
  const size = Math.floor(maxBytes * (0.75 + 0.2 * model.busy(t)));
  const uptime = t - model.profile.bootTime;
  const hits = Math.floor(uptime * 2500 * model.profile.cores);
  const rows: [string, number][] = [
    ['hits', hits],
    ['iohits', Math.floor(hits / 300)],
    ['misses', Math.floor(hits * 0.035)],
    ['demand_data_hits', Math.floor(hits * 0.41)],
    ['demand_data_misses', Math.floor(hits * 0.018)],
    ['demand_metadata_hits', Math.floor(hits * 0.55)],
    ['demand_metadata_misses', Math.floor(hits * 0.007)],
    ['c', maxBytes],
    ['c_min', Math.floor(maxBytes / 16)],
    ['c_max', maxBytes],
    ['size', size],
    ['compressed_size', Math.floor(size * 0.71)],
    ['uncompressed_size', Math.floor(size * 1.12)],
    ['memory_throttle_count', 0],
  ];
  return [
    `13 1 0x01 147 39984 5471457282 ${Math.floor(uptime * 1e9)}`,
    'name                            type data',
    ...rows.map(([name, value]) => `${name.padEnd(32)}4    ${value}`),
  ].join('\n');
}

export function zfsOutput(model: DeviceModel, t: number): string {
  const { pools } = model.profile;
  if (pools.length === 0) return `@@no-zpool\n${END_MARKER}\n`;
  const viewed = pools.map((pool) => ({ pool, view: poolView(model, pool, t) }));
  const poolRows = viewed.map(({ pool, view }) => {
    const alloc = Math.round(allocated(model, pool, t));
    const capacity = Math.floor((alloc * 100) / pool.sizeBytes);
    return [
      pool.name,
      pool.sizeBytes,
      alloc,
      pool.sizeBytes - alloc,
      pool.fragmentationPercent,
      capacity,
      '1.00',
      view.health,
    ].join('\t');
  });
  const datasetRows = pools.flatMap((pool) =>
    pool.datasets.map((dataset) => {
      const usage = datasetUsage(model, pool, dataset, t);
      return [
        dataset.name,
        dataset.type,
        usage.used,
        usage.available,
        usage.referenced,
        dataset.type === 'volume' ? '-' : dataset.mountpoint,
        dataset.compressratio,
      ].join('\t');
    }),
  );
  return [
    runSection('pools', poolRows.join('\n')),
    runSection('status', viewed.map(({ pool, view }) => statusText(pool, view)).join('\n\n')),
    runSection('datasets', datasetRows.join('\n')),
    runSection('snapshots', pools.flatMap((pool) => snapshotLines(model, pool, t)).join('\n')),
    section('arcstats', arcstats(model, t)),
    `${END_MARKER}\n`,
  ].join('');
}
