import { END_MARKER } from '../../domain/collectors/sections.ts';
import { section } from '../format.ts';
import { type DeviceModel, USER_HZ } from '../model.ts';
import type { FilesystemSpec } from '../profile.ts';
import { dice } from '../random.ts';
import { linkRows, procNetDev } from './network.ts';
import { datasetUsage } from './zfs.ts';

/**
 * /proc files and df for the metrics collector. The script samples /proc/stat twice 0.25 s apart unless
 * the previous snapshot is from the same boot; the answer follows the script: the boot time it names
 * decides whether the second sample is printed, and printing it moves the device clock on by 0.25 s.
 */

const IN_COMMAND_SAMPLE_SECONDS = 0.25;

/** The boot times (btime ± 1) of the previous snapshot the script was built with, if any. */
function reusedBootTimes(script: string): string[] | null {
  const match = /^(\d+)\|(\d+)\|(\d+)\) ;;$/m.exec(script);
  return match ? match.slice(1) : null;
}

function cpuLines(model: DeviceModel): string[] {
  const { cpu, profile } = model;
  const fields = [cpu.user, cpu.nice, cpu.system, cpu.idle, cpu.iowait, cpu.irq, cpu.softirq, cpu.steal];
  // Cores share the work unevenly but in fixed proportions, so each core's counters only grow too.
  const weights = Array.from({ length: profile.cores }, (_, i) => 1 + 0.6 * dice(model.seed, 21, i));
  const sum = weights.reduce((a, b) => a + b, 0);
  const line = (label: string, share: number) => `${label} ${fields.map((f) => Math.floor(f * share)).join(' ')} 0 0`;
  return [line('cpu ', 1), ...weights.map((w, i) => line(`cpu${i}`, w / sum))];
}

function procStat(model: DeviceModel, t: number): string {
  const running = 1 + Math.floor(model.busy(t) * model.profile.cores);
  return [
    ...cpuLines(model),
    `intr ${Math.floor(model.interrupts)} 0 9 0 0 0 0 0 0 1 0 0 0 156 0 0`,
    `ctxt ${Math.floor(model.contextSwitches)}`,
    `btime ${model.profile.bootTime}`,
    `processes ${Math.floor(model.forks)}`,
    `procs_running ${running}`,
    `procs_blocked ${model.profile.load.iowait > 0.1 && model.busy(t) > 0.3 ? 1 : 0}`,
    `softirq ${Math.floor(model.interrupts * 0.4)} 12 ${Math.floor(model.interrupts * 0.13)} 3 ${Math.floor(model.interrupts * 0.02)} 61 0 ${Math.floor(model.interrupts * 0.03)} ${Math.floor(model.interrupts * 0.11)} 0 ${Math.floor(model.interrupts * 0.1)}`,
  ].join('\n');
}

function processCount(model: DeviceModel, t: number): number {
  const containerProcesses = model.containers
    .filter((c) => !c.removed && model.containerView(c, t).status === 'running')
    .reduce((sum, c) => sum + Math.ceil(c.spec.pids / 3), 0);
  return 80 + 6 * model.profile.cores + containerProcesses + Math.floor(dice(model.seed, 22, Math.floor(t / 60)) * 12);
}

/**
 * The kernel's 1, 5 and 15 minute load averages: the run queue (busy cores, iowait, a per-minute wobble)
 * averaged over windows that reach further back, so the longer ones lag and smooth.
 */
export function loadAverages(model: DeviceModel, t: number): [number, number, number] {
  const { cores, load } = model.profile;
  const at = (secondsAgo: number) => {
    const minute = Math.floor((t - secondsAgo) / 60);
    return cores * model.busy(t - secondsAgo) * (1 + load.iowait) * (0.8 + 0.4 * dice(model.seed, 24, minute));
  };
  const window = (minutes: number) =>
    Array.from({ length: 5 }, (_, i) => at((i * minutes * 60) / 5)).reduce((a, b) => a + b, 0) / 5;
  return [at(0), window(5), window(15)];
}

function loadavg(model: DeviceModel, t: number): string {
  const procs = processCount(model, t);
  const lastPid = 300 + (Math.floor(model.forks) % 4_194_000);
  const running = 1 + Math.floor(model.busy(t) * model.profile.cores);
  return `${loadAverages(model, t)
    .map((l) => l.toFixed(2))
    .join(' ')} ${running}/${Math.floor(procs * 1.6)} ${lastPid}`;
}

function meminfo(model: DeviceModel, t: number): string {
  const { memoryKib: total, swapKib, memoryUsedFraction } = model.profile;
  const wave = 0.04 * Math.sin((t / (5 * 86_400)) * 2 * Math.PI);
  const used = Math.min(0.97, Math.max(0.05, memoryUsedFraction + 0.06 * model.busy(t) + wave));
  const available = Math.round(total * (1 - used));
  const buffers = Math.round(total * 0.012);
  const cached = Math.round(available * 0.62);
  const free = Math.max(0, available - cached - buffers + Math.round(total * 0.01));
  const anon = total - available;
  const swapUsed = Math.round(swapKib * Math.max(0, used - 0.5) * 0.3);
  const rows: [string, number, boolean][] = [
    ['MemTotal', total, true],
    ['MemFree', free, true],
    ['MemAvailable', available, true],
    ['Buffers', buffers, true],
    ['Cached', cached, true],
    ['SwapCached', Math.round(swapUsed / 20), true],
    ['Active', Math.round(anon * 0.6 + cached * 0.5), true],
    ['Inactive', Math.round(anon * 0.3 + cached * 0.5), true],
    ['SwapTotal', swapKib, true],
    ['SwapFree', swapKib - swapUsed, true],
    ['Dirty', Math.round(dice(model.seed, 23, Math.floor(t / 30)) * 2000), true],
    ['Writeback', 0, true],
    ['AnonPages', Math.round(anon * 0.8), true],
    ['Mapped', Math.round(cached * 0.08), true],
    ['Shmem', Math.round(total * 0.009), true],
    ['Slab', Math.round(total * 0.05), true],
    ['SReclaimable', Math.round(total * 0.035), true],
    ['SUnreclaim', Math.round(total * 0.015), true],
    ['KernelStack', 9872 + model.profile.cores * 100, true],
    ['PageTables', Math.round(anon * 0.006), true],
    ['CommitLimit', Math.round(total / 2 + swapKib), true],
    ['Committed_AS', Math.round(anon * 1.4), true],
    ['HugePages_Total', 0, false],
    ['HugePages_Free', 0, false],
    ['Hugepagesize', 2048, true],
  ];
  return rows
    .map(([key, value, kb]) => `${`${key}:`.padEnd(16)}${String(value).padStart(9)}${kb ? ' kB' : ''}`)
    .join('\n');
}

interface DfRow {
  device: string;
  type: string;
  sizeKib: number;
  usedKib: number;
  availKib: number;
  mountpoint: string;
}

function dfRow(model: DeviceModel, fs: FilesystemSpec, t: number): DfRow {
  if (fs.dataset !== undefined) {
    for (const pool of model.profile.pools) {
      const dataset = pool.datasets.find((d) => d.name === fs.dataset);
      if (!dataset) continue;
      const usage = datasetUsage(model, pool, dataset, t);
      const usedKib = Math.round(usage.referenced / 1024);
      const availKib = Math.round(usage.available / 1024);
      return {
        device: fs.device,
        type: fs.type,
        sizeKib: usedKib + availKib,
        usedKib,
        availKib,
        mountpoint: fs.mountpoint,
      };
    }
  }
  const usedKib = Math.round(
    Math.min(fs.sizeKib * 0.999, fs.usedKib + (fs.growthKibPerHour * (t - model.startTime)) / 3600),
  );
  // ext4 keeps 5% for root, which df counts as neither used nor available.
  const reserved = fs.type === 'ext4' ? Math.round(fs.sizeKib * 0.05) : 0;
  return {
    device: fs.device,
    type: fs.type,
    sizeKib: fs.sizeKib,
    usedKib,
    availKib: Math.max(0, fs.sizeKib - reserved - usedKib),
    mountpoint: fs.mountpoint,
  };
}

function df(model: DeviceModel, t: number): string {
  const rows = model.profile.filesystems.map((fs) => dfRow(model, fs, t));
  const root = rows.find((r) => r.mountpoint === '/');
  if (root) {
    // Every running container adds its overlay mount on top of the root filesystem.
    for (const c of model.containers) {
      if (c.removed || model.containerView(c, t).status !== 'running') continue;
      rows.push({
        ...root,
        device: 'overlay',
        type: 'overlay',
        mountpoint: `/var/lib/docker/overlay2/${c.spec.id}/merged`,
      });
    }
  }
  const deviceWidth = Math.max(10, ...rows.map((r) => r.device.length));
  const typeWidth = Math.max(8, ...rows.map((r) => r.type.length));
  const lines = rows.map((r) => {
    const capacity = r.usedKib + r.availKib === 0 ? 0 : Math.ceil((r.usedKib * 100) / (r.usedKib + r.availKib));
    return `${r.device.padEnd(deviceWidth)} ${r.type.padEnd(typeWidth)} ${String(r.sizeKib).padStart(11)} ${String(r.usedKib).padStart(10)} ${String(r.availKib).padStart(10)} ${`${capacity}%`.padStart(8)} ${r.mountpoint}`;
  });
  return [
    `${'Filesystem'.padEnd(deviceWidth)} ${'Type'.padEnd(typeWidth)} 1024-blocks       Used  Available Capacity Mounted on`,
    ...lines,
  ].join('\n');
}

export function metricsOutput(model: DeviceModel, t: number, script: string): string {
  const parts = [section('stat', procStat(model, t))];
  const reused = reusedBootTimes(script);
  let now = t;
  if (reused === null || !reused.includes(String(model.profile.bootTime))) {
    now = model.advanceTo(t + IN_COMMAND_SAMPLE_SECONDS);
    parts.push(
      section('stat2', cpuLines(model).join('\n')),
      section('sample-seconds', String(IN_COMMAND_SAMPLE_SECONDS)),
    );
  }
  const uptime = now - model.profile.bootTime;
  const idleSeconds = model.cpu.idle / USER_HZ;
  parts.push(
    section('uptime', `${uptime.toFixed(2)} ${idleSeconds.toFixed(2)}`),
    section('loadavg', loadavg(model, now)),
    section('meminfo', meminfo(model, now)),
    section('netdev', procNetDev(linkRows(model, now))),
    section('procs', String(processCount(model, now))),
    section('df', df(model, now)),
    `${END_MARKER}\n`,
  );
  return parts.join('');
}
