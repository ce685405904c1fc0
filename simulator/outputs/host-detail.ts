import { END_MARKER } from '../../domain/collectors/sections.ts';
import { TOP_PROCESSES } from '../../domain/collectors/processes.ts';
import { section } from '../format.ts';
import type { DeviceModel } from '../model.ts';
import { dice } from '../random.ts';

/**
 * The answers of the processes, disk_io, sensors and gpu collectors: procps `ps auxww`, two /proc/diskstats
 * samples, hwmon attributes (the simulated devices have no lm-sensors) and no GPU. The figures follow the
 * device's load curve and its running containers, so a busy device shows busy processes and disks.
 */

const PS_HEADER = 'USER         PID %CPU %MEM    VSZ   RSS TTY      STAT START   TIME COMMAND';

interface PsRow {
  user: string;
  pid: number;
  cpu: number;
  mem: number;
  rssKib: number;
  command: string;
}

function psLine(row: PsRow, bootTime: number): string {
  const vsz = row.rssKib * 3 + 4096;
  // ps START of a process started on an earlier day this year: `Dec07`.
  const boot = new Date(bootTime * 1000);
  const start = `${boot.toUTCString().slice(8, 11)}${String(boot.getUTCDate()).padStart(2, '0')}`;
  const cpuSeconds = Math.round(row.cpu * 36);
  const time = `${Math.floor(cpuSeconds / 60)}:${String(cpuSeconds % 60).padStart(2, '0')}`;
  return `${row.user.padEnd(8)} ${String(row.pid).padStart(7)} ${row.cpu.toFixed(1).padStart(4)} ${row.mem.toFixed(1).padStart(4)} ${String(vsz).padStart(6)} ${String(row.rssKib).padStart(5)} ?        Ssl  ${start}  ${time.padStart(5)} ${row.command}`;
}

export function processesOutput(model: DeviceModel, t: number): string {
  const { memoryKib, cores, bootTime } = model.profile;
  const busy = model.busy(t);
  const share = (kib: number) => Math.round((kib / memoryKib) * 1000) / 10;
  const rows: PsRow[] = [
    { user: 'root', pid: 1, cpu: 0.1, mem: share(12_000), rssKib: 12_000, command: '/sbin/init' },
    {
      user: 'root',
      pid: 412,
      cpu: 0,
      mem: share(9_000),
      rssKib: 9_000,
      command: 'sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups',
    },
  ];
  const running = model.containers.filter((c) => !c.removed && model.containerView(c, t).status === 'running');
  if (running.length > 0)
    rows.push({
      user: 'root',
      pid: 903,
      cpu: 0.4,
      mem: share(80_000),
      rssKib: 80_000,
      command: '/usr/bin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock',
    });
  running.forEach((c, i) => {
    const rssKib = c.spec.memoryMiB * 1024;
    const cpu =
      Math.round(c.spec.cpuPercent * (0.5 + busy) * (0.8 + 0.4 * dice(model.seed, 90, i, Math.floor(t / 300))) * 10) /
      10;
    rows.push({
      user: 'root',
      pid: 2000 + i * 37,
      cpu: Math.min(cpu, cores * 100),
      mem: share(rssKib),
      rssKib,
      command: c.spec.command.replace(/^"|"$/g, '') || c.spec.image,
    });
  });
  const listing = (key: (row: PsRow) => number) =>
    [
      PS_HEADER,
      ...[...rows]
        .sort((a, b) => key(b) - key(a))
        .slice(0, TOP_PROCESSES)
        .map((row) => psLine(row, bootTime)),
    ].join('\n');
  return [
    section(
      'by-cpu',
      listing((r) => r.cpu),
    ),
    section(
      'by-memory',
      listing((r) => r.rssKib),
    ),
    `${END_MARKER}\n`,
  ].join('');
}

/** Whole disks: the profile's drives, else the disks its filesystems' partitions are on, else (LVM on a VM) vda. */
function disks(model: DeviceModel): string[] {
  const names = model.profile.drives.map((d) => d.name.replace(/^\/dev\//, ''));
  if (names.length > 0) return names;
  const fromFilesystems = model.profile.filesystems
    .map((fs) => /^\/dev\/((?:s|v|xv)d[a-z]+|nvme\d+n\d+|mmcblk\d+)/.exec(fs.device)?.[1])
    .filter((n): n is string => n !== undefined);
  return fromFilesystems.length > 0 ? [...new Set(fromFilesystems)] : ['vda'];
}

export function diskIoOutput(model: DeviceModel, t: number): string {
  const names = disks(model);
  const up = Math.max(1, t - model.profile.bootTime);
  const busy = model.busy(t);
  // Counters since boot at a per-disk average rate; the second sample adds a second at the current load.
  const counters = (i: number, extraSeconds: number) => {
    const readRate = 5 + 40 * dice(model.seed, 91, i);
    const writeRate = 10 + 60 * dice(model.seed, 92, i);
    const reads = Math.floor(readRate * up + readRate * busy * 4 * extraSeconds);
    const writes = Math.floor(writeRate * up + writeRate * busy * 4 * extraSeconds);
    const ticks = Math.floor(up * 1000 * 0.02 + busy * 700 * extraSeconds);
    return [reads, 0, reads * 64, reads * 2, writes, 0, writes * 24, writes * 3, 0, ticks, ticks * 2, 0, 0, 0, 0, 0, 0];
  };
  const diskstats = (extra: number) =>
    names
      .map(
        (name, i) =>
          `${String(name.startsWith('nvme') ? 259 : 8).padStart(4)} ${String(i * 16).padStart(7)} ${name} ${counters(i, extra).join(' ')}`,
      )
      .join('\n');
  const uptime = (seconds: number) => `${seconds.toFixed(2)} ${(seconds * model.profile.cores * 0.9).toFixed(2)}`;
  return [
    section('block', names.join('\n')),
    section('sample1', `${uptime(up)}\n${diskstats(0)}`),
    section('sample2', `${uptime(up + 1)}\n${diskstats(1)}`),
    `${END_MARKER}\n`,
  ].join('');
}

export function sensorsOutput(model: DeviceModel, t: number): string {
  // Virtual machines expose no sensors; hardware has coretemp, warmer when busy.
  const lines = model.profile.virtual
    ? []
    : [
        '/sys/class/hwmon/hwmon1/name:coretemp',
        ...Array.from({ length: Math.min(4, model.profile.cores) + 1 }, (_, i) => {
          const milli = Math.round((38 + 40 * model.busy(t) + 3 * dice(model.seed, 93, i)) * 1000);
          return [
            `/sys/class/hwmon/hwmon1/temp${i + 1}_input:${milli}`,
            `/sys/class/hwmon/hwmon1/temp${i + 1}_label:${i === 0 ? 'Package id 0' : `Core ${i - 1}`}`,
            `/sys/class/hwmon/hwmon1/temp${i + 1}_max:80000`,
            `/sys/class/hwmon/hwmon1/temp${i + 1}_crit:100000`,
          ];
        }).flat(),
      ];
  return [section('hwmon', lines.join('\n')), section('thermal', ''), `${END_MARKER}\n`].join('');
}
