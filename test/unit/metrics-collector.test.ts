import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { CollectorContext } from '../../domain/collectors/collector.ts';
import { type MetricsData, metricsCollector } from '../../domain/collectors/metrics.ts';
import { fixtureReader, parseErrorAsserter, schemaCheckedParse } from '../support/collector-fixtures.ts';
import { waitFor } from '../support/poll.ts';

const fixture = fixtureReader('metrics');
const KIB = 1024;

function parse(stdout: string, ctx: CollectorContext<MetricsData> = {}): MetricsData {
  return schemaCheckedParse(metricsCollector, stdout, ctx);
}

function parseFixture(name: string, ctx: CollectorContext<MetricsData> = {}): MetricsData {
  return parse(fixture(name), ctx);
}

function mountpoints(data: MetricsData): string[] {
  return data.filesystems.map((fs) => fs.mountpoint);
}

function filesystem(data: MetricsData, mountpoint: string) {
  const found = data.filesystems.find((fs) => fs.mountpoint === mountpoint);
  assert.ok(found, `no filesystem at ${mountpoint}`);
  return found;
}

/** A previous snapshot of the Ubuntu VM, 300 s of uptime before the fixture, with known counter deltas. */
function ubuntuPrevious(overrides: Partial<MetricsData> = {}, ageMs = 300_000): CollectorContext<MetricsData> {
  const data: MetricsData = {
    ...parseFixture('debian12-server.txt'),
    boot_time: 1718000000,
    uptime_seconds: 345378.91,
    // fixture counters minus user 9000, system 3000, idle 104400, iowait 1200, softirq 600, steal 1800 (= 120000 ticks, 4 cores x 300 s)
    cpu_raw: {
      user: 1225567,
      nice: 2345,
      system: 453789,
      idle: 132241278,
      iowait: 33367,
      irq: 0,
      softirq: 11745,
      steal: 4989,
      guest: 0,
      guest_nice: 0,
    },
    ...overrides,
  };
  return { previous: { data, collectedAt: new Date(Date.now() - ageMs) } };
}

const assertParseError = parseErrorAsserter('metrics');

describe('metricsCollector settings', () => {
  it('polls every 5 minutes into metrics_snapshots', () => {
    assert.equal(metricsCollector.dataType, 'metrics');
    assert.equal(metricsCollector.freshnessSeconds, 300);
    assert.equal(metricsCollector.pollIntervalSeconds, 300);
    assert.equal(metricsCollector.commandTimeoutMs, 15_000);
    assert.equal(metricsCollector.table, 'metrics_snapshots');
  });
});

describe('metricsCollector.parse: Debian 12 server (in-command CPU sample)', () => {
  const data = parseFixture('debian12-server.txt');

  it('computes CPU % from the two /proc/stat samples', () => {
    // deltas: user 23, system 7, idle 164, iowait 4, softirq 2 = 200 ticks; busy 32
    assert.deepEqual(data.cpu, {
      usage_percent: 16,
      iowait_percent: 2,
      steal_percent: 0,
      cores: 8,
      sample_window_seconds: 0.25,
      source: 'in_command_sample',
    });
  });

  it('keeps the counters of the later sample and the boot time for the next delta', () => {
    assert.deepEqual(data.cpu_raw, {
      user: 41234590,
      nice: 123456,
      system: 12345685,
      idle: 975432273,
      iowait: 2345682,
      irq: 0,
      softirq: 1234569,
      steal: 0,
      guest: 0,
      guest_nice: 0,
    });
    assert.equal(data.boot_time, 1716500000);
    assert.equal(data.uptime_seconds, 1296123.45);
  });

  it('reads memory from MemAvailable', () => {
    assert.deepEqual(data.memory, {
      total_bytes: 32803160 * KIB,
      available_bytes: 20123456 * KIB,
      used_bytes: (32803160 - 20123456) * KIB,
      used_percent: 38.65,
      buffers_bytes: 456789 * KIB,
      cached_bytes: 17654321 * KIB,
      swap_total_bytes: 999420 * KIB,
      swap_used_bytes: (999420 - 998396) * KIB,
    });
  });

  it('reads load, processes and network counters without lo', () => {
    assert.deepEqual(data.load, { load_1: 0.52, load_5: 0.58, load_15: 0.59, running: 2, total_entities: 345 });
    assert.equal(data.process_count, 312);
    assert.deepEqual(
      data.network.map((n) => n.interface),
      ['eth0', 'docker0', 'veth1a2b3c4', 'veth9f8e7d6'],
    );
    assert.deepEqual(data.network[0], {
      interface: 'eth0',
      rx_bytes: 987654321098,
      tx_bytes: 123456789012,
      rx_packets: 765432109,
      tx_packets: 234567890,
      rx_errors: 0,
      tx_errors: 0,
      rx_dropped: 1234,
      tx_dropped: 0,
    });
  });

  it('keeps real filesystems and drops docker overlays, tmpfs and shm', () => {
    assert.deepEqual(mountpoints(data), ['/', '/boot/efi', '/srv/data', '/srv/backup', '/mnt/media']);
    assert.deepEqual(filesystem(data, '/srv/backup'), {
      device: '/dev/sdb1',
      fs_type: 'ext4',
      mountpoint: '/srv/backup',
      size_bytes: 1921724676 * KIB,
      used_bytes: 1729552196 * KIB,
      available_bytes: 96086246 * KIB,
      used_percent: 94.74, // df shows 95%: root-reserved blocks count as used capacity
    });
    assert.equal(filesystem(data, '/mnt/media').fs_type, 'nfs4');
  });

  it('extracts the time-series columns', () => {
    assert.deepEqual(metricsCollector.columns(data), {
      cpu_percent: 16,
      memory_used_percent: 38.65,
      load_1: 0.52,
      load_5: 0.58,
      load_15: 0.59,
      uptime_seconds: 1296123.45,
      process_count: 312,
      disk_max_used_percent: 94.74,
    });
  });
});

describe('metricsCollector.parse: Ubuntu 22.04 VM (CPU delta against the previous snapshot)', () => {
  it('computes CPU % against the previous counters over the uptime difference', () => {
    const data = parseFixture('ubuntu2204-vm.txt', ubuntuPrevious());
    // busy = 120000 - 104400 idle - 1200 iowait = 14400 ticks
    assert.deepEqual(data.cpu, {
      usage_percent: 12,
      iowait_percent: 1,
      steal_percent: 1.5,
      cores: 4,
      sample_window_seconds: 300,
      source: 'previous_snapshot',
    });
    assert.equal(data.cpu_raw.user, 1234567);
  });

  it('tolerates the one-second btime jitter of a single boot', () => {
    assert.equal(parseFixture('ubuntu2204-vm.txt', ubuntuPrevious({ boot_time: 1718000001 })).cpu.usage_percent, 12);
  });

  it('refuses a single sample without a previous snapshot of the same boot', () => {
    assertParseError(() => parseFixture('ubuntu2204-vm.txt'), /only one cpu sample and no previous snapshot/);
    assertParseError(
      () => parseFixture('ubuntu2204-vm.txt', ubuntuPrevious({ boot_time: 1717990000 })),
      /another boot/,
    );
    assertParseError(
      () => parseFixture('ubuntu2204-vm.txt', ubuntuPrevious({ uptime_seconds: 345678.91 })),
      /uptime did not advance/,
    );
  });

  it('handles mountpoints and devices containing spaces, and drops snaps and CD images', () => {
    const data = parseFixture('ubuntu2204-vm.txt', ubuntuPrevious());
    assert.deepEqual(mountpoints(data), ['/', '/boot', '/boot/efi', '/mnt/Backup Drive', '/mnt/shared docs']);
    const share = filesystem(data, '/mnt/shared docs');
    assert.equal(share.device, '//nas.lan/Shared Docs');
    assert.equal(share.fs_type, 'cifs');
    assert.equal(share.used_percent, 40);
    assert.equal(filesystem(data, '/mnt/Backup Drive').used_percent, 44.46);
  });
});

describe('metricsCollector.parse: other device families', () => {
  it('reads busybox df output on Alpine and lists a repeated mount once', () => {
    const data = parseFixture('alpine319-busybox.txt');
    assert.deepEqual(
      data.filesystems.map((fs) => [fs.device, fs.fs_type, fs.mountpoint, fs.used_percent]),
      [
        ['/dev/sda3', 'ext4', '/', 15.83],
        ['/dev/sda1', 'ext4', '/boot', 9.72],
        ['/dev/sdb1', 'xfs', '/media/data', 37.95],
      ],
    );
    assert.equal(data.cpu.usage_percent, 10);
    assert.equal(data.cpu.cores, 2);
    assert.equal(data.memory.swap_total_bytes, 0);
    assert.deepEqual(data.load, { load_1: 0, load_5: 0.01, load_15: 0.05, running: 1, total_entities: 98 });
  });

  it('keeps Unraid array disks, cache pool and user shares but not the RAM root', () => {
    const data = parseFixture('unraid612.txt');
    assert.deepEqual(mountpoints(data), [
      '/boot',
      '/mnt/disk1',
      '/mnt/disk2',
      '/mnt/disk3',
      '/mnt/cache',
      '/mnt/user0',
      '/mnt/user',
      '/var/lib/docker',
      '/etc/libvirt',
    ]);
    assert.equal(filesystem(data, '/mnt/user').fs_type, 'fuse.shfs');
    assert.equal(filesystem(data, '/mnt/cache').fs_type, 'btrfs');
    assert.equal(filesystem(data, '/mnt/disk1').device, '/dev/md1p1');
    assert.equal(metricsCollector.columns(data).disk_max_used_percent, 87.96);
    assert.equal(data.cpu.cores, 12);
  });

  it('keeps Proxmox ZFS datasets and pmxcfs, drops efivarfs, and does not count guest time twice', () => {
    const data = parseFixture('proxmox-ve8.txt');
    assert.deepEqual(mountpoints(data), [
      '/',
      '/rpool',
      '/rpool/ROOT',
      '/rpool/data',
      '/rpool/data/subvol-101-disk-0',
      '/rpool/data/subvol-102-disk-0',
      '/etc/pve',
      '/mnt/pve/local-backup',
      '/mnt/pve/nas-backup',
    ]);
    assert.equal(filesystem(data, '/rpool/data/subvol-102-disk-0').used_percent, 89.77);
    // deltas: user 88 (of which guest 40), system 27, idle 262, iowait 12, softirq 11 = 400 ticks
    assert.equal(data.cpu.usage_percent, 31.5);
    assert.equal(data.cpu.cores, 16);
    assert.ok(data.network.some((n) => n.interface === 'tap100i0'));
    assert.ok(data.network.some((n) => n.interface === 'vmbr0'));
  });

  it('takes filesystem types from /proc/mounts when df has no -T, and estimates memory without MemAvailable', () => {
    const data = parseFixture('old-busybox-no-df-type.txt');
    assert.deepEqual(
      data.filesystems.map((fs) => [fs.device, fs.fs_type, fs.mountpoint]),
      [
        ['/dev/md0', 'ext4', '/'],
        ['/dev/vg1000/lv', 'ext4', '/volume1'],
        ['/dev/sdq1', 'vfat', '/volumeUSB1/usb disk'],
      ],
    );
    assert.equal(data.memory.available_bytes, (34567 + 45678 + 512345) * KIB);
    assert.equal(data.memory.used_percent, 41.94);
    assert.equal(data.cpu.sample_window_seconds, 1);
    assert.equal(data.cpu.usage_percent, 23.25);
  });
});

describe('metricsCollector.parse: malformed output', () => {
  const debian = fixture('debian12-server.txt');

  it('rejects output cut short', () => {
    assertParseError(() => parseFixture('truncated.txt'), /output truncated/);
  });

  it('rejects a missing section', () => {
    assertParseError(() => parse(debian.replace(/@@loadavg\n.*\n/, '')), /@@loadavg is missing/);
  });

  it('rejects non-numeric values instead of reading them as 0', () => {
    assertParseError(() => parse(debian.replace('0.52 0.58 0.59', 'n/a 0.58 0.59')), /load 1: expected a number/);
    assertParseError(() => parse(debian.replace('@@procs\n312', '@@procs\nls: too many arguments')), /process count/);
    assertParseError(() => parse(debian.replace('MemTotal:       32803160 kB\n', '')), /meminfo has no MemTotal/);
  });

  it('rejects unreadable df and /proc/net/dev lines', () => {
    assertParseError(() => parse(debian.replace(' 3124087856 ', ' 3124O87856 ')), /unreadable df line/);
    assertParseError(() => parse(debian.replace(/^ *eth0:.*$/m, '  eth0: 1 2 3')), /eth0 has too few fields/);
  });

  it('rejects CPU samples that did not advance', () => {
    const stat2 = debian.slice(debian.indexOf('@@stat2'), debian.indexOf('@@sample-seconds'));
    const firstCpuLines = debian.slice(debian.indexOf('cpu  '), debian.indexOf('intr '));
    assertParseError(() => parse(debian.replace(stat2, `@@stat2\n${firstCpuLines}`)), /did not advance/);
  });
});

describe('metricsCollector.command', () => {
  it('samples the CPU twice when there is no previous snapshot', () => {
    const script = metricsCollector.command({});
    assert.match(script, /sleep 0\.25 2>\/dev\/null/);
    assert.doesNotMatch(script, /btime/);
    assert.match(script, /@@end$/);
  });

  it('reuses a recent previous snapshot only when the device is still on the same boot', () => {
    const script = metricsCollector.command(ubuntuPrevious());
    assert.match(script, /^1717999999\|1718000000\|1718000001\) ;;$/m);
    assert.match(script, /sleep 0\.25/); // still there for the other-boot branch
  });

  it('ignores a previous snapshot older than 15 minutes or without usable counters', () => {
    assert.doesNotMatch(metricsCollector.command(ubuntuPrevious({}, 16 * 60_000)), /btime/);
    const corrupt = ubuntuPrevious({ boot_time: Number.NaN });
    assert.doesNotMatch(metricsCollector.command(corrupt), /btime/);
  });
});

describe('metricsCollector on this machine', () => {
  const tempDirs: string[] = [];
  after(() => tempDirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  function runScript(
    script: string,
    shell: readonly string[] = ['/bin/sh'],
    env: NodeJS.ProcessEnv = process.env,
  ): string {
    const [program = '/bin/sh', ...args] = shell;
    return execFileSync(program, [...args, '-c', script], { encoding: 'utf8', env });
  }

  function firstLoad(): number {
    return Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
  }

  function memTotalBytes(): number {
    const match = /^MemTotal:\s+(\d+) kB$/m.exec(readFileSync('/proc/meminfo', 'utf8'));
    assert.ok(match?.[1]);
    return Number(match[1]) * KIB;
  }

  function assertMatchesProc(data: MetricsData, loadBefore: number, loadAfter: number): void {
    // /proc/loadavg changes every 5 s: the script's reading must equal the one before or after it.
    assert.ok(
      [loadBefore, loadAfter].includes(data.load.load_1),
      `load_1 ${data.load.load_1} not in [${loadBefore}, ${loadAfter}]`,
    );
    assert.equal(data.memory.total_bytes, memTotalBytes());
    assert.ok(data.process_count > 0);
    assert.ok(data.cpu.cores > 0);
    assert.ok(data.cpu.usage_percent >= 0 && data.cpu.usage_percent <= 100);
    assert.ok(data.filesystems.length > 0, 'the root filesystem at least');
  }

  function collect(
    ctx: CollectorContext<MetricsData>,
    shell?: readonly string[],
    env?: NodeJS.ProcessEnv,
  ): MetricsData {
    const loadBefore = firstLoad();
    const stdout = runScript(metricsCollector.command(ctx), shell, env);
    const data = parse(stdout, ctx);
    assertMatchesProc(data, loadBefore, firstLoad());
    return data;
  }

  it('runs under sh and reads the same values as /proc', () => {
    const data = collect({});
    assert.equal(data.cpu.source, 'in_command_sample');
    assert.equal(data.cpu.sample_window_seconds, 0.25);
  });

  it('uses the previous snapshot of the same boot and samples again after a reboot', async () => {
    const first = collect({});
    // The counters and uptime (10 ms resolution) must advance past the first snapshot's.
    const firstTicks = Object.values(first.cpu_raw).reduce((sum, n) => sum + n, 0);
    await waitFor(
      'uptime and the CPU counters to advance',
      () => {
        const uptime = Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
        const [, ...ticks] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/);
        return uptime > first.uptime_seconds && ticks.reduce((sum, n) => sum + Number(n), 0) > firstTicks;
      },
      { intervalMs: 10 },
    );
    const sameBoot = collect({ previous: { data: first, collectedAt: new Date() } });
    assert.equal(sameBoot.cpu.source, 'previous_snapshot');
    const otherBoot = collect({
      previous: { data: { ...first, boot_time: first.boot_time - 86_400 }, collectedAt: new Date() },
    });
    assert.equal(otherBoot.cpu.source, 'in_command_sample');
  });

  it('falls back to df without -T and /proc/mounts', () => {
    const dir = mkdtempSync(join(tmpdir(), 'metrics-df-'));
    tempDirs.push(dir);
    const realDf = execFileSync('/bin/sh', ['-c', 'command -v df'], { encoding: 'utf8' }).trim();
    writeFileSync(
      join(dir, 'df'),
      `#!/bin/sh\ncase " $* " in *" -T "*) echo "df: invalid option -- 'T'" >&2; exit 1;; esac\nexec ${realDf} "$@"\n`,
    );
    chmodSync(join(dir, 'df'), 0o755);
    const withTypes = collect({});
    const withoutTypes = collect({}, undefined, { ...process.env, PATH: `${dir}:${process.env.PATH ?? ''}` });
    assert.deepEqual(
      withoutTypes.filesystems.map((fs) => [fs.device, fs.fs_type, fs.mountpoint]),
      withTypes.filesystems.map((fs) => [fs.device, fs.fs_type, fs.mountpoint]),
    );
  });

  const busybox = (() => {
    try {
      return execFileSync('/bin/sh', ['-c', 'command -v busybox'], { encoding: 'utf8' }).trim();
    } catch {
      return undefined;
    }
  })();

  it('runs under busybox ash with busybox applets only', { skip: busybox ? false : 'busybox is not installed' }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'metrics-busybox-'));
    tempDirs.push(dir);
    for (const applet of ['cat', 'df', 'grep', 'sed', 'sleep']) symlinkSync(busybox ?? '', join(dir, applet));
    const data = collect({}, [busybox ?? '', 'sh'], { PATH: dir });
    assert.equal(data.cpu.source, 'in_command_sample');
  });
});

describe('metricsCollector.schema', () => {
  it('describes every parsed answer (each parse above is checked against it) and rejects a missing or mistyped field', () => {
    const data = parse(fixture('debian12-server.txt'));
    assert.throws(() => metricsCollector.schema.parse({ ...data, cpu: { ...data.cpu, source: 'guess' } }), /source/);
    assert.throws(() => metricsCollector.schema.parse({ ...data, uptime_seconds: '3600' }), /uptime_seconds/);
  });
});
