import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { zfsCollector } from '../../domain/collectors/zfs/index.ts';
import { validateSnapshotName } from '../../domain/collectors/zfs/names.ts';
import type { PoolScan, VdevNode, ZfsData, ZfsPool } from '../../domain/collectors/zfs/schema.ts';
import { shellQuote } from '../../domain/ssh/quote.ts';
import {
  fixtureNames,
  fixtureReader,
  fixtureToolScript,
  fixtureUrl,
  parseErrorAsserter,
  schemaCheckedParse,
} from '../support/collector-fixtures.ts';
import { tempDirs } from '../support/temp-dirs.ts';

const fixture = fixtureReader('zfs');
const assertParseError = parseErrorAsserter('zfs');
const TIB = 2 ** 40;
const GIB = 2 ** 30;

/** Every answer parsed here is also held to the collector's schema. */
function parse(stdout: string): ZfsData {
  return schemaCheckedParse(zfsCollector, stdout);
}

function pool(data: ZfsData, name: string): ZfsPool {
  const found = data.pools.find((p) => p.name === name);
  assert.ok(found, `no pool ${name}`);
  return found;
}

/** The node at a path of names from the top of a pool's config, e.g. ['tank', 'raidz2-0', 'spare-3']. */
function vdev(p: ZfsPool, ...path: string[]): VdevNode {
  let nodes = p.config;
  let found: VdevNode | undefined;
  for (const name of path) {
    found = nodes.find((n) => n.name === name);
    assert.ok(found, `no vdev ${path.join(' > ')} in pool ${p.name}`);
    nodes = found.children;
  }
  assert.ok(found);
  return found;
}

/** The Proxmox fixture with its scan line replaced (`scan` may span lines: "...\n\t..."). */
function withScan(scan: string): string {
  const text = fixture('proxmox-ve8-zfs22.txt');
  const replaced = text.replace(/ {2}scan: [^\n]*\n/, scan === '' ? '' : `  scan: ${scan}\n`);
  assert.notEqual(replaced, text);
  return replaced;
}

function scanOf(scan: string): PoolScan {
  return pool(parse(withScan(scan)), 'rpool').scan;
}

/** Replaces text that must occur in the fixture, so a test cannot silently stop exercising anything. */
function edit(name: string, search: string | RegExp, replacement: string): string {
  const text = fixture(name);
  const edited = text.replace(search, replacement);
  assert.notEqual(edited, text, `${String(search)} not found in ${name}`);
  return edited;
}

describe('zfsCollector settings', () => {
  it('polls every 10 minutes into zfs_snapshots', () => {
    assert.equal(zfsCollector.dataType, 'zfs');
    assert.equal(zfsCollector.freshnessSeconds, 600);
    assert.equal(zfsCollector.pollIntervalSeconds, 600);
    assert.equal(zfsCollector.commandTimeoutMs, 30_000);
    assert.equal(zfsCollector.table, 'zfs_snapshots');
    assert.equal(zfsCollector.requiredCapability, 'zfs');
  });

  it('asks zpool and zfs in their scriptable forms and reads the arcstats, in the C locale', () => {
    const script = zfsCollector.command({});
    assert.match(script, /^export LC_ALL=C$/m);
    assert.match(
      script,
      /run pools zpool list -Hp -o name,size,allocated,free,fragmentation,capacity,dedupratio,health/,
    );
    assert.match(script, /run status zpool status -p\n/);
    assert.match(
      script,
      /run datasets zfs list -Hp -t filesystem,volume -o name,type,used,available,referenced,mountpoint,compressratio/,
    );
    assert.match(script, /run snapshots zfs list -Hp -t snapshot -o name,used,referenced,creation -s creation/);
    assert.match(script, /cat \/proc\/spl\/kstat\/zfs\/arcstats/);
    assert.ok(script.trimEnd().endsWith('echo @@end'));
  });
});

describe('zfsCollector.schema', () => {
  it('accepts the answer of every fixture that is not malformed on purpose, and rejects a mistyped field deep in a vdev tree', () => {
    for (const name of fixtureNames('zfs').filter((n) => n !== 'truncated.txt')) parse(fixture(name));
    const data = parse(fixture('debian12-zfs22-raidz2-resilver.txt'));
    const mistyped = (node: VdevNode): VdevNode => ({
      ...node,
      children: node.children.map((child) => ({ ...mistyped(child), read_errors: 'many' as unknown as number })),
    });
    assert.throws(
      () =>
        zfsCollector.schema.parse({
          ...data,
          pools: data.pools.map((p) => ({ ...p, config: p.config.map(mistyped) })),
        }),
      /read_errors/,
    );
  });
});

describe('zfsCollector.parse: Proxmox VE 8 (OpenZFS 2.2), healthy rpool mirror', () => {
  const data = parse(fixture('proxmox-ve8-zfs22.txt'));
  const rpool = pool(data, 'rpool');

  it('reads the pool capacity from zpool list', () => {
    assert.equal(data.zfs_available, true);
    assert.equal(data.reason, undefined);
    assert.deepEqual(
      [rpool.health, rpool.healthy, rpool.size_bytes, rpool.allocated_bytes, rpool.free_bytes],
      ['ONLINE', true, 996_432_412_672, 287_762_808_832, 708_669_603_840],
    );
    assert.deepEqual([rpool.fragmentation_percent, rpool.capacity_percent, rpool.dedup_ratio], [9, 28, 1]);
    assert.deepEqual([rpool.status, rpool.action, rpool.see, rpool.data_errors], [null, null, null, 0]);
  });

  it('builds the vdev tree: pool > mirror > two partitions', () => {
    assert.equal(rpool.config.length, 1);
    const mirror = vdev(rpool, 'rpool', 'mirror-0');
    assert.deepEqual([vdev(rpool, 'rpool').kind, mirror.kind, mirror.state], ['pool', 'mirror', 'ONLINE']);
    assert.deepEqual(
      mirror.children.map((n) => [n.name, n.kind, n.state, n.read_errors, n.write_errors, n.checksum_errors, n.note]),
      [
        ['ata-Samsung_SSD_870_EVO_1TB_S6PTNX0T412345B-part3', 'disk', 'ONLINE', 0, 0, 0, undefined],
        ['ata-Samsung_SSD_870_EVO_1TB_S6PTNX0T412377K-part3', 'disk', 'ONLINE', 0, 0, 0, undefined],
      ],
    );
  });

  it('reads the finished scrub', () => {
    assert.deepEqual(rpool.scan, {
      kind: 'scrub',
      state: 'finished',
      percent_done: 100,
      time_left_seconds: null,
      duration_seconds: 3723,
      errors: 0,
      repaired_bytes: 0,
      resilvered_bytes: null,
      scanned_bytes: null,
      issued_bytes: null,
      total_bytes: null,
      started_at: null,
      ended_at: 'Sun Nov  8 01:26:04 2026',
    });
  });

  it('reads datasets: volumes have no mountpoint, ratios are numbers', () => {
    assert.equal(data.datasets.length, 10);
    assert.deepEqual(
      data.datasets.find((d) => d.name === 'rpool/ROOT/pve-1'),
      {
        name: 'rpool/ROOT/pve-1',
        type: 'filesystem',
        used_bytes: 9_817_989_120,
        available_bytes: 676_738_867_200,
        referenced_bytes: 9_817_989_120,
        mountpoint: '/',
        compressratio: 1.86,
      },
    );
    const vm = data.datasets.find((d) => d.name === 'rpool/data/vm-101-disk-0');
    assert.deepEqual([vm?.type, vm?.mountpoint, vm?.compressratio], ['volume', null, 1.38]);
    assert.equal(
      data.datasets.find((d) => d.name === 'rpool/data/subvol-105-disk-0')?.available_bytes,
      6_716_461_056,
      'refquota',
    );
  });

  it('summarizes snapshots per dataset and keeps the newest first', () => {
    assert.equal(data.snapshot_count, 6);
    assert.deepEqual(
      data.newest_snapshots.map((s) => s.name),
      [
        'rpool/data/vm-100-disk-1@__replicate_100-0_1795845600__', // same second as the next one, listed after it
        'rpool/data/vm-100-disk-0@__replicate_100-0_1795845600__',
        'rpool/data/vm-101-disk-0@__replicate_101-0_1795842000__',
        'rpool/data/subvol-105-disk-0@nextcloud_29',
        'rpool/data/vm-100-disk-0@pre_dist_upgrade',
        'rpool/ROOT/pve-1@before-pve8-upgrade',
      ],
    );
    assert.deepEqual(data.newest_snapshots[2], {
      name: 'rpool/data/vm-101-disk-0@__replicate_101-0_1795842000__',
      dataset: 'rpool/data/vm-101-disk-0',
      creation: '2026-11-22T23:40:00.000Z',
      used_bytes: 1_223_688_192,
      referenced_bytes: 170_001_203_200,
    });
    assert.deepEqual(
      data.snapshots_by_dataset.find((d) => d.dataset === 'rpool/data/vm-100-disk-0'),
      {
        dataset: 'rpool/data/vm-100-disk-0',
        count: 2,
        newest: {
          name: 'rpool/data/vm-100-disk-0@__replicate_100-0_1795845600__',
          creation: '2026-11-23T00:40:00.000Z',
          used_bytes: 55_283_712,
        },
      },
    );
    assert.deepEqual(
      data.snapshots_by_dataset.map((d) => d.dataset),
      [
        'rpool/ROOT/pve-1',
        'rpool/data/subvol-105-disk-0',
        'rpool/data/vm-100-disk-0',
        'rpool/data/vm-100-disk-1',
        'rpool/data/vm-101-disk-0',
      ],
    );
  });

  it('reads the ARC size, limit and hit ratio', () => {
    // hits 1289403921, misses 23487215
    assert.deepEqual(data.arc, { size_bytes: 6_751_233_024, max_bytes: 6_871_947_264, hit_ratio_percent: 98.21 });
  });

  it('reports no problems, and the columns and capability', () => {
    assert.deepEqual(data.problems, []);
    assert.deepEqual(data.summary, { pools: 1, healthy: 1, degraded_or_worse: 0 });
    assert.deepEqual(zfsCollector.columns(data), {
      zfs_available: true,
      pools_total: 1,
      pools_unhealthy: 0,
      max_capacity_percent: 28,
      datasets_total: 10,
      snapshots_total: 6,
      arc_size_bytes: 6_751_233_024,
    });
    assert.deepEqual(zfsCollector.capabilities?.(data), { zfs: true });
  });
});

describe('zfsCollector.parse: Debian 12 (OpenZFS 2.2), raidz2 DEGRADED while resilvering a replacement', () => {
  const data = parse(fixture('debian12-zfs22-raidz2-resilver.txt'));
  const tank = pool(data, 'tank');
  const faulted = 'ata-WDC_WD80EFAX-68KNBN0_VAGK1234';

  it('names the faulted disk and the resilver progress in the problems', () => {
    assert.equal(tank.health, 'DEGRADED');
    assert.equal(tank.healthy, false);
    assert.deepEqual(data.problems, [
      `pool tank is DEGRADED: ${faulted} FAULTED (too many errors); resilver 18.49% done, 01:56:20 to go`,
      `pool tank: 3 read and 184 write errors on ${faulted}`,
    ]);
    assert.deepEqual(data.summary, { pools: 1, healthy: 0, degraded_or_worse: 1 });
  });

  it('nests replacing-0 in spare-3 in raidz2-0, with states, counters and notes', () => {
    const raidz = vdev(tank, 'tank', 'raidz2-0');
    assert.deepEqual([raidz.kind, raidz.state, raidz.children.length], ['raidz', 'DEGRADED', 6]);
    const spare = vdev(tank, 'tank', 'raidz2-0', 'spare-3');
    assert.deepEqual(
      [spare.kind, spare.state, spare.children.map((n) => n.name)],
      ['spare', 'DEGRADED', ['replacing-0', 'ata-WDC_WD80EFAX-68KNBN0_VAGK9012']],
    );
    const replacing = vdev(tank, 'tank', 'raidz2-0', 'spare-3', 'replacing-0');
    assert.deepEqual([replacing.kind, replacing.state], ['replacing', 'DEGRADED']);
    assert.deepEqual(vdev(tank, 'tank', 'raidz2-0', 'spare-3', 'replacing-0', faulted), {
      name: faulted,
      kind: 'disk',
      state: 'FAULTED',
      read_errors: 3,
      write_errors: 184,
      checksum_errors: 0,
      note: 'too many errors',
      children: [],
    });
    const newDisk = vdev(tank, 'tank', 'raidz2-0', 'spare-3', 'replacing-0', 'ata-WDC_WD80EFZZ-68BTXN0_WD-CA0K1A2B');
    assert.deepEqual([newDisk.state, newDisk.note], ['ONLINE', '(resilvering)']);
  });

  it('lists the special class and the hot spares, one INUSE and one AVAIL, without counters', () => {
    assert.deepEqual(
      tank.config.map((n) => [n.name, n.kind, n.state]),
      [
        ['tank', 'pool', 'DEGRADED'],
        ['special', 'special', null],
        ['spares', 'spares', null],
      ],
    );
    const special = vdev(tank, 'special', 'mirror-1');
    assert.deepEqual([special.kind, special.children.length], ['mirror', 2]);
    assert.deepEqual(vdev(tank, 'spares').children, [
      {
        name: 'ata-WDC_WD80EFAX-68KNBN0_VAGK9012',
        kind: 'disk',
        state: 'INUSE',
        read_errors: null,
        write_errors: null,
        checksum_errors: null,
        note: 'currently in use',
        children: [],
      },
      {
        name: 'ata-WDC_WD80EFAX-68KNBN0_VAGK9034',
        kind: 'disk',
        state: 'AVAIL',
        read_errors: null,
        write_errors: null,
        checksum_errors: null,
        children: [],
      },
    ]);
  });

  it('reads the ZFS 2.2 resilver progress ("x / total scanned, y / total issued")', () => {
    assert.deepEqual(tank.scan, {
      kind: 'resilver',
      state: 'in_progress',
      percent_done: 18.49,
      time_left_seconds: 6980,
      duration_seconds: null,
      errors: null,
      repaired_bytes: null,
      resilvered_bytes: 210 * GIB,
      scanned_bytes: Math.round(3.1 * TIB),
      issued_bytes: Math.round(1.01 * TIB),
      total_bytes: Math.round(5.46 * TIB),
      started_at: 'Tue Nov 24 09:12:44 2026',
      ended_at: null,
    });
    assert.equal(
      tank.status,
      'One or more devices is currently being resilvered. The pool will continue to function, possibly in a degraded state.',
    );
    assert.equal(tank.action, 'Wait for the resilver to complete.');
  });

  it('keeps per-dataset newest snapshots of sanoid', () => {
    assert.equal(data.snapshot_count, 48);
    assert.deepEqual(
      data.snapshots_by_dataset.map((d) => [d.dataset, d.count, d.newest.name]),
      [
        ['tank/backups/laptop', 7, 'tank/backups/laptop@autosnap_2026-11-24_00:00:01_daily'],
        ['tank/documents', 31, 'tank/documents@autosnap_2026-11-24_09:00:01_hourly'],
        ['tank/media', 10, 'tank/media@autosnap_2026-11-24_00:00:02_daily'],
      ],
    );
    assert.equal(data.newest_snapshots.length, 48);
    assert.equal(data.datasets.find((d) => d.name === 'tank/vm')?.mountpoint, null, 'mountpoint none');
    assert.deepEqual(zfsCollector.columns(data), {
      zfs_available: true,
      pools_total: 1,
      pools_unhealthy: 1,
      max_capacity_percent: 12,
      datasets_total: 7,
      snapshots_total: 48,
      arc_size_bytes: 33_416_839_168,
    });
  });
});

describe('zfsCollector.parse: Ubuntu 22.04 (OpenZFS 2.1), raidz1 with checksum and data errors during a scrub', () => {
  const data = parse(fixture('ubuntu2204-zfs21-raidz1-errors.txt'));
  const backup = pool(data, 'backup');

  it('is ONLINE but not healthy: checksum errors on sdc and 2 data errors', () => {
    assert.deepEqual([backup.health, backup.healthy, backup.data_errors], ['ONLINE', false, 2]);
    assert.deepEqual(data.problems, ['pool backup: 3 checksum errors on sdc', 'pool backup: 2 data errors']);
    assert.deepEqual(data.summary, { pools: 1, healthy: 0, degraded_or_worse: 0 });
    assert.equal(zfsCollector.columns(data).pools_unhealthy, 1);
  });

  it('reads the multi-line status, action and see', () => {
    assert.equal(
      backup.status,
      'One or more devices has experienced an error resulting in data corruption. Applications may be affected.',
    );
    assert.equal(
      backup.action,
      'Restore the file in question if possible. Otherwise restore the entire pool from backup.',
    );
    assert.equal(backup.see, 'https://openzfs.github.io/openzfs-docs/msg/ZFS-8000-8A');
  });

  it('reads the ZFS 2.1 scrub progress ("scanned at, issued at, total")', () => {
    assert.deepEqual(backup.scan, {
      kind: 'scrub',
      state: 'in_progress',
      percent_done: 33.97,
      time_left_seconds: 2 * 3600 + 20 * 60 + 17,
      duration_seconds: null,
      errors: null,
      repaired_bytes: 128 * 1024,
      resilvered_bytes: null,
      scanned_bytes: Math.round(5.12 * TIB),
      issued_bytes: Math.round(2.47 * TIB),
      total_bytes: Math.round(7.27 * TIB),
      started_at: 'Sun Nov  8 00:24:01 2026',
      ended_at: null,
    });
  });

  it('puts the logs mirror and the cache device under their headings', () => {
    assert.deepEqual(
      backup.config.map((n) => n.kind),
      ['pool', 'logs', 'cache'],
    );
    assert.deepEqual(
      vdev(backup, 'logs', 'mirror-1').children.map((n) => [n.name, n.state]),
      [
        ['nvme0n1p1', 'ONLINE'],
        ['nvme1n1p1', 'ONLINE'],
      ],
    );
    assert.deepEqual(
      vdev(backup, 'cache').children.map((n) => [n.name, n.kind, n.read_errors]),
      [['nvme0n1p2', 'disk', 0]],
    );
    const sdc = vdev(backup, 'backup', 'raidz1-0', 'sdc');
    assert.deepEqual([sdc.checksum_errors, sdc.note], [3, '(repairing)']);
  });

  it('reads ratios printed with an x', () => {
    assert.equal(backup.dedup_ratio, 1);
    assert.equal(data.datasets.find((d) => d.name === 'backup/photos')?.compressratio, 1.01);
    assert.deepEqual(data.arc, { size_bytes: 8_380_213_248, max_bytes: 16_855_597_056, hit_ratio_percent: 95.69 });
  });
});

describe('zfsCollector.parse: Unraid 6.12 (OpenZFS 2.1)', () => {
  const data = parse(fixture('unraid612-zfs21.txt'));

  it('takes a pool named "cache" for the pool, not for a cache heading', () => {
    const cache = pool(data, 'cache');
    assert.deepEqual(
      cache.config.map((n) => [n.name, n.kind]),
      [['cache', 'pool']],
    );
    assert.deepEqual(
      vdev(cache, 'cache', 'mirror-0').children.map((n) => n.name),
      ['sdb1', 'sdc1'],
    );
    assert.deepEqual(
      [cache.scan.kind, cache.scan.state, cache.scan.duration_seconds],
      ['scrub', 'finished', 12 * 60 + 41],
    );
  });

  it('reads a never-scrubbed array disk pool (no scan line) with a feature upgrade notice as healthy', () => {
    const disk1 = pool(data, 'disk1');
    assert.deepEqual([disk1.healthy, disk1.scan.kind, disk1.scan.state], [true, 'none', null]);
    assert.deepEqual(
      vdev(disk1, 'disk1').children.map((n) => [n.name, n.kind]),
      [['md1p1', 'disk']],
    );
    assert.match(
      disk1.status ?? '',
      /^Some supported and requested features are not enabled on the pool\. The pool can still be used/,
    );
    assert.match(disk1.action ?? '', /zpool upgrade.*See zpool-features\(7\) for details\.$/);
  });

  it('has no snapshots and sums up two healthy pools', () => {
    assert.deepEqual([data.snapshot_count, data.snapshots_by_dataset, data.newest_snapshots], [0, [], []]);
    assert.deepEqual(
      data.datasets.map((d) => d.mountpoint),
      ['/mnt/cache', '/mnt/cache/appdata', '/mnt/cache/domains', '/mnt/cache/system', '/mnt/disk1'],
    );
    assert.deepEqual(data.problems, []);
    assert.deepEqual(zfsCollector.columns(data), {
      zfs_available: true,
      pools_total: 2,
      pools_unhealthy: 0,
      max_capacity_percent: 77,
      datasets_total: 5,
      snapshots_total: 0,
      arc_size_bytes: 4_113_211_392,
    });
  });
});

describe('zfsCollector.parse: no pools, no module, no tools', () => {
  const emptyColumns = {
    zfs_available: false,
    pools_total: 0,
    pools_unhealthy: 0,
    max_capacity_percent: null,
    datasets_total: 0,
    snapshots_total: 0,
    arc_size_bytes: null,
  };

  it('reports a machine with ZFS and no pools explicitly, with its idle ARC', () => {
    const data = parse(fixture('no-pools.txt'));
    assert.deepEqual([data.zfs_available, data.pools, data.datasets, data.problems], [true, [], [], []]);
    assert.deepEqual(data.arc, { size_bytes: 0, max_bytes: 16_855_597_056, hit_ratio_percent: null });
    assert.deepEqual(zfsCollector.columns(data), { ...emptyColumns, zfs_available: true, arc_size_bytes: 0 });
  });

  it('reports the tools without a loaded module as unavailable, with the reason', () => {
    const data = parse(fixture('modules-not-loaded.txt'));
    assert.deepEqual([data.zfs_available, data.reason, data.arc], [false, 'The ZFS modules are not loaded.', null]);
    assert.deepEqual(zfsCollector.columns(data), emptyColumns);
    assert.deepEqual(zfsCollector.capabilities?.(data), { zfs: false });
  });

  it('reports a container without /dev/zfs the same way', () => {
    const data = parse(
      edit(
        'modules-not-loaded.txt',
        /The ZFS modules are not loaded\.\n.*/,
        "/dev/zfs and /proc/self/mounts are required.\nTry running 'udevadm trigger' and 'mount -t proc proc /proc' as root.",
      ),
    );
    assert.deepEqual([data.zfs_available, data.reason], [false, '/dev/zfs and /proc/self/mounts are required.']);
  });

  it('reports a machine without zpool explicitly', () => {
    const data = parse(fixture('no-zpool.txt'));
    assert.deepEqual(data, {
      zfs_available: false,
      reason: 'zpool not found',
      pools: [],
      summary: { pools: 0, healthy: 0, degraded_or_worse: 0 },
      problems: [],
      datasets: [],
      snapshot_count: 0,
      snapshots_by_dataset: [],
      newest_snapshots: [],
      arc: null,
    });
    assert.deepEqual(zfsCollector.columns(data), emptyColumns);
  });

  it('accepts "no pools available" on stdout, where older releases print it', () => {
    const data = parse(
      edit(
        'no-pools.txt',
        '@@pools\n\n@@pools-status\n0\n@@pools-stderr\nno pools available\n',
        '@@pools\nno pools available\n@@pools-status\n0\n@@pools-stderr\n\n',
      ),
    );
    assert.deepEqual([data.zfs_available, data.pools], [true, []]);
  });
});

describe('zfsCollector.parse: scan lines of every kind', () => {
  it('ZFS 2.1 resilver in progress', () => {
    const scan = scanOf(
      'resilver in progress since Tue Nov 24 09:12:44 2026\n\t1.23T scanned at 812M/s, 1.01T issued at 667M/s, 5.46T total\n\t210G resilvered, 18.49% done, 01:56:20 to go',
    );
    assert.deepEqual(
      [
        scan.kind,
        scan.state,
        scan.percent_done,
        scan.time_left_seconds,
        scan.resilvered_bytes,
        scan.scanned_bytes,
        scan.total_bytes,
        scan.started_at,
      ],
      [
        'resilver',
        'in_progress',
        18.49,
        7000 - 20,
        210 * GIB,
        Math.round(1.23 * TIB),
        Math.round(5.46 * TIB),
        'Tue Nov 24 09:12:44 2026',
      ],
    );
  });

  it('ZFS 2.2 resilver in progress', () => {
    const scan = scanOf(
      'resilver in progress since Tue Nov 24 09:12:44 2026\n\t3.10T / 5.46T scanned at 1.12G/s, 1.01T / 5.46T issued at 367M/s\n\t210G resilvered, 18.49% done, 03:31:52 to go',
    );
    assert.deepEqual(
      [scan.percent_done, scan.time_left_seconds, scan.issued_bytes],
      [18.49, 3 * 3600 + 31 * 60 + 52, Math.round(1.01 * TIB)],
    );
  });

  it('exact byte counts (status -p), days left and no estimate', () => {
    const exact = scanOf(
      'scrub in progress since Sun Nov  8 00:24:01 2026\n\t3328599654400 / 6003304652800 scanned at 1202590842/s, 1110506744054 / 6003304652800 issued at 699400192/s\n\t131072 repaired, 18.49% done, 1 days 02:03:04 to go',
    );
    assert.deepEqual(
      [exact.scanned_bytes, exact.total_bytes, exact.issued_bytes, exact.repaired_bytes, exact.time_left_seconds],
      [3_328_599_654_400, 6_003_304_652_800, 1_110_506_744_054, 131_072, 86_400 + 2 * 3600 + 3 * 60 + 4],
    );
    const slow = scanOf(
      'scrub in progress since Sun Nov  8 00:24:01 2026\n\t12.1G scanned at 1.20M/s, 2.01G issued at 204K/s, 5.46T total\n\t0B repaired, 0.04% done, no estimated completion time',
    );
    assert.deepEqual([slow.percent_done, slow.time_left_seconds], [0.04, null]);
  });

  it('a paused scrub with its start time', () => {
    const scan = scanOf(
      'scrub paused since Mon Nov  9 07:00:00 2026\n\tscrub started on Sun Nov  8 00:24:01 2026\n\t1.20T / 5.46T scanned, 800G / 5.46T issued\n\t0B repaired, 14.31% done',
    );
    assert.deepEqual(
      [scan.kind, scan.state, scan.started_at, scan.percent_done, scan.time_left_seconds, scan.issued_bytes],
      ['scrub', 'paused', 'Sun Nov  8 00:24:01 2026', 14.31, null, 800 * GIB],
    );
  });

  it('finished, canceled and never-run scans', () => {
    const resilvered = scanOf('resilvered 1.2T in 10:11:12 with 0 errors on Wed Nov 25 19:23:56 2026');
    assert.deepEqual(
      [
        resilvered.kind,
        resilvered.state,
        resilvered.resilvered_bytes,
        resilvered.repaired_bytes,
        resilvered.duration_seconds,
        resilvered.ended_at,
      ],
      ['resilver', 'finished', Math.round(1.2 * TIB), null, 10 * 3600 + 11 * 60 + 12, 'Wed Nov 25 19:23:56 2026'],
    );
    const withErrors = scanOf('scrub repaired 1.50M in 3 days 04:05:06 with 7 errors on Sun Nov  8 01:26:04 2026');
    assert.deepEqual(
      [withErrors.errors, withErrors.repaired_bytes, withErrors.duration_seconds],
      [7, Math.round(1.5 * 2 ** 20), 3 * 86_400 + 4 * 3600 + 5 * 60 + 6],
    );
    assert.equal(
      scanOf('scrub repaired 0B in 0h52m with 0 errors on Tue Nov 20 00:23:13 2018').duration_seconds,
      52 * 60,
      'ZFS on Linux 0.7',
    );
    const canceled = scanOf('scrub canceled on Sun Nov  8 03:00:00 2026');
    assert.deepEqual(
      [canceled.kind, canceled.state, canceled.percent_done, canceled.ended_at],
      ['scrub', 'canceled', null, 'Sun Nov  8 03:00:00 2026'],
    );
    assert.deepEqual([scanOf('none requested').kind, scanOf('none requested').state], ['none', null]);
  });

  it('sequential resilvers name their vdev; a running one wins over an older scrub line', () => {
    const scan = scanOf(
      'scrub repaired 0B in 00:10:00 with 0 errors on Sun Nov  8 00:34:01 2026\n' +
        '  scan: resilver (draid2:4d:12c:1s-0) in progress since Tue Nov 24 09:12:44 2026\n' +
        '\t1.50T scanned at 1.20G/s, 1.40T issued 1.10G/s, 5.46T total\n\t300G resilvered, 27.47% done, 00:59:01 to go\n' +
        '    scan warning: skipping blocks that are only referenced by the checkpoint.',
    );
    assert.deepEqual(
      [scan.kind, scan.state, scan.percent_done, scan.resilvered_bytes],
      ['resilver', 'in_progress', 27.47, 300 * GIB],
    );
    assert.equal(
      scanOf('resilvered (mirror-0) 1.2T in 00:10:11 with 0 errors on Wed Nov 25 19:23:56 2026').state,
      'finished',
    );
  });

  it('rejects scan lines it does not know and progress that was cut off', () => {
    assertParseError(
      () => parse(withScan('defragmenting since Tue Nov 24 09:12:44 2026')),
      /unrecognized scan of pool rpool/,
    );
    assertParseError(
      () =>
        parse(
          withScan(
            'resilver in progress since Tue Nov 24 09:12:44 2026\n\t3.10T / 5.46T scanned at 1.12G/s, 1.01T / 5.46T issued at 667M/s',
          ),
        ),
      /no progress line in the scan of pool rpool/,
    );
    assertParseError(
      () =>
        parse(
          withScan('scrub in progress since Tue Nov 24 09:12:44 2026\n\t3.10T frobnicated\n\t0B repaired, 1.00% done'),
        ),
      /unrecognized line in the scan of pool rpool/,
    );
    assertParseError(
      () => parse(withScan('scrub repaired 0B in forever with 0 errors on Sun Nov  8 01:26:04 2026')),
      /unreadable duration/,
    );
  });
});

describe('zfsCollector.parse: devices in trouble', () => {
  const proxmox = 'proxmox-ve8-zfs22.txt';
  const secondDisk = '\t    ata-Samsung_SSD_870_EVO_1TB_S6PTNX0T412377K-part3  ONLINE       0     0     0';

  it('names a missing device by its old path and the pool state', () => {
    const text = edit(
      proxmox,
      secondDisk,
      '\t    15883729371920385542                               UNAVAIL      0     0     0  was /dev/disk/by-id/ata-Samsung_SSD_870_EVO_1TB_S6PTNX0T412377K-part3',
    ).replace('\tONLINE\n@@pools-status', '\tDEGRADED\n@@pools-status');
    const data = parse(text);
    assert.deepEqual(data.problems, [
      'pool rpool is DEGRADED: 15883729371920385542 UNAVAIL (was /dev/disk/by-id/ata-Samsung_SSD_870_EVO_1TB_S6PTNX0T412377K-part3)',
    ]);
    assert.deepEqual(data.summary, { pools: 1, healthy: 0, degraded_or_worse: 1 });
  });

  it('flags a device that is not ONLINE even in an ONLINE pool', () => {
    const data = parse(edit(proxmox, secondDisk, secondDisk.replace('ONLINE ', 'OFFLINE')));
    assert.deepEqual(data.problems, ['pool rpool: ata-Samsung_SSD_870_EVO_1TB_S6PTNX0T412377K-part3 OFFLINE']);
    assert.equal(pool(data, 'rpool').healthy, false);
  });

  it('falls back to the status text when no single device is at fault', () => {
    const text = edit(proxmox, '\tONLINE\n@@pools-status', '\tSUSPENDED\n@@pools-status').replace(
      ' state: ONLINE\n',
      " state: SUSPENDED\nstatus: One or more devices are faulted in response to IO failures.\naction: Make sure the affected devices are connected, then run 'zpool clear'.\n",
    );
    assert.deepEqual(parse(text).problems, [
      'pool rpool is SUSPENDED: One or more devices are faulted in response to IO failures.',
    ]);
  });

  it('reports counters on every level, abbreviated ones (without -p) included, and a single data error', () => {
    const text = edit(proxmox, /\trpool( +)ONLINE {7}0 {5}0 {5}0/, '\trpool$1ONLINE       0     0     2')
      .replace(/\t {2}mirror-0( +)ONLINE {7}0 {5}0 {5}0/, '\t  mirror-0$1ONLINE       0     0     4')
      .replace(secondDisk, secondDisk.replace('    0     0     0', ' 1.2K     1    12'))
      .replace('errors: No known data errors', "errors: 1 data errors, use '-v' for a list");
    const data = parse(text);
    assert.deepEqual(data.problems, [
      'pool rpool: 2 checksum errors on rpool',
      'pool rpool: 4 checksum errors on mirror-0',
      'pool rpool: 1229 read, 1 write and 12 checksum errors on ata-Samsung_SSD_870_EVO_1TB_S6PTNX0T412377K-part3',
      'pool rpool: 1 data error',
    ]);
  });
});

describe('zfsCollector.parse: snapshot bounding', () => {
  const DATASETS = 40;
  const TOTAL = 20_000;
  const BASE = Date.UTC(2025, 0, 1) / 1000;
  const lines = Array.from({ length: TOTAL }, (_, i) => {
    const dataset = `tank/data/ds${String(i % DATASETS).padStart(2, '0')}`;
    return `${dataset}@autosnap_${String(i).padStart(5, '0')}_frequently\t${i * 4096}\t${1_000_000 + i}\t${BASE + i * 60}`;
  });
  const text = edit(
    'debian12-zfs22-raidz2-resilver.txt',
    /@@snapshots\n[\s\S]*?\n@@snapshots-status/,
    `@@snapshots\n${lines.join('\n')}\n@@snapshots-status`,
  );
  const data = parse(text);

  it('counts all 20 000 snapshots but keeps only the 100 newest', () => {
    assert.equal(data.snapshot_count, TOTAL);
    assert.equal(zfsCollector.columns(data).snapshots_total, TOTAL);
    assert.equal(data.newest_snapshots.length, 100);
    assert.equal(data.newest_snapshots[0]?.name, 'tank/data/ds39@autosnap_19999_frequently');
    assert.equal(data.newest_snapshots[0]?.creation, new Date((BASE + 19_999 * 60) * 1000).toISOString());
    assert.equal(data.newest_snapshots[99]?.name, 'tank/data/ds20@autosnap_19900_frequently');
    assert.ok(JSON.stringify(data).length < 60_000, 'the stored document stays small');
  });

  it('keeps one entry per dataset with its count and newest snapshot', () => {
    assert.equal(data.snapshots_by_dataset.length, DATASETS);
    assert.ok(data.snapshots_by_dataset.every((d) => d.count === TOTAL / DATASETS));
    assert.deepEqual(data.snapshots_by_dataset[0], {
      dataset: 'tank/data/ds00',
      count: 500,
      newest: {
        name: 'tank/data/ds00@autosnap_19960_frequently',
        creation: new Date((BASE + 19_960 * 60) * 1000).toISOString(),
        used_bytes: 19_960 * 4096,
      },
    });
  });
});

describe('zfsCollector.parse: malformed and failed output', () => {
  const proxmox = 'proxmox-ve8-zfs22.txt';

  it('rejects output without @@end, cut in the middle of the vdev tree', () => {
    assertParseError(() => parse(fixture('truncated.txt')), /output truncated: no @@end line/);
  });

  it('rejects a zpool status that stops before its errors: line', () => {
    const cut = edit(
      proxmox,
      /\t {4}ata-Samsung_SSD_870_EVO_1TB_S6PTNX0T412377K-part3[^\n]*\n\nerrors: No known data errors\n/,
      '',
    );
    assertParseError(() => parse(cut), /pool rpool has no errors: line \(output cut short\?\)/);
  });

  it('rejects vdev lines that are cut, unknown or out of place', () => {
    assertParseError(
      () => parse(edit(proxmox, /(S6PTNX0T412377K-part3 +)ONLINE {7}0 {5}0 {5}0/, '$1ONL')),
      /unreadable vdev line in pool rpool/,
    );
    assertParseError(
      () => parse(edit(proxmox, /(S6PTNX0T412377K-part3 +)ONLINE /, '$1BROKEN ')),
      /unreadable vdev line in pool rpool/,
    );
    assertParseError(
      () => parse(edit(proxmox, /(S6PTNX0T412377K-part3 +ONLINE) {7}0 {5}0 {5}0/, '$1')),
      /vdev line in pool rpool lacks error counters/,
    );
    assertParseError(
      () =>
        parse(
          edit(
            proxmox,
            '\t    ata-Samsung_SSD_870_EVO_1TB_S6PTNX0T412345B',
            '\t      ata-Samsung_SSD_870_EVO_1TB_S6PTNX0T412345B',
          ),
        ),
      /indented too deep/,
    );
    assertParseError(
      () =>
        parse(edit('unraid612-zfs21.txt', /(\t {4}sdb1[^\n]*\n)/, '$1\t      sdz1    ONLINE       0     0     0\n')),
      /sdb1 in pool cache has devices under it but no known vdev type/,
    );
    assertParseError(
      () => parse(edit('debian12-zfs22-raidz2-resilver.txt', /(VAGK9034 +AVAIL) +/, '$1       0     0     0')),
      /vdev line in pool tank has error counters/,
    );
    assertParseError(
      () => parse(edit(proxmox, /\trpool( +ONLINE)/, '\tpool2$1')),
      /vdev tree of pool rpool starts with pool2/,
    );
    assertParseError(() => parse(edit(proxmox, '\tNAME', '\tDEVICE')), /no vdev table for pool rpool/);
  });

  it('rejects status lines it cannot place and an unreadable errors: line', () => {
    assertParseError(
      () => parse(edit(proxmox, '@@status\n', '@@status\nzpool: something else entirely\n')),
      /text before the first pool: line/,
    );
    assertParseError(
      () => parse(edit(proxmox, 'config:\n', 'config:\nwhatever this is\n')),
      /zpool status: unreadable line/,
    );
    assertParseError(
      () => parse(edit(proxmox, 'errors: No known data errors', 'errors: it is complicated')),
      /unreadable errors: line of pool rpool/,
    );
    assertParseError(() => parse(edit(proxmox, ' state: ONLINE\n', '')), /pool rpool has no state: line/);
  });

  it('rejects a pool that zpool list names but zpool status does not report', () => {
    const text = edit(
      proxmox,
      '\tONLINE\n@@pools-status',
      '\tONLINE\nbackup\t996432412672\t287762808832\t708669603840\t9\t28\t1.00\tONLINE\n@@pools-status',
    );
    assertParseError(() => parse(text), /zpool status does not report pool backup/);
  });

  it('rejects unreadable zpool list, zfs list and arcstats lines', () => {
    assertParseError(
      () => parse(edit(proxmox, '\t1.00\tONLINE\n', '\tONLINE\n')),
      /zpool list: expected 8 tab-separated fields/,
    );
    assertParseError(
      () => parse(edit(proxmox, '\t9\t28\t1.00\t', '\t9\t28%\t1.00\t')),
      /capacity of pool rpool: expected a number/,
    );
    assertParseError(
      () => parse(edit(proxmox, 'rpool/var-lib-vz\tfilesystem', 'rpool/var-lib-vz\tbookmark')),
      /zfs list: unexpected type of rpool\/var-lib-vz/,
    );
    assertParseError(
      () => parse(edit(proxmox, '/var/lib/vz\t1.08', '/var/lib/vz\tlots')),
      /compressratio of rpool\/var-lib-vz: expected a ratio/,
    );
    assertParseError(
      () => parse(edit(proxmox, 'rpool/ROOT/pve-1@before-pve8-upgrade', 'rpool/ROOT/pve-1')),
      /snapshot name without dataset@/,
    );
    assertParseError(() => parse(edit(proxmox, /\n(c_max +4 +)\d+/, '\nc_maximum    4    1')), /arcstats has no c_max/);
  });

  it('turns failing commands into errors naming the command and its stderr', () => {
    const failed = (section: string, message: string) =>
      edit(
        proxmox,
        `@@${section}-status\n0\n@@${section}-stderr\n\n`,
        `@@${section}-status\n1\n@@${section}-stderr\n${message}\n`,
      );
    assertParseError(
      () => parse(failed('pools', 'Permission denied the ZFS utilities must be run as root.')),
      /zpool list failed with exit status 1: Permission denied/,
    );
    assertParseError(
      () => parse(failed('status', 'internal error: Bad file descriptor')),
      /zpool status failed with exit status 1: internal error: Bad file descriptor/,
    );
    assertParseError(
      () => parse(failed('datasets', "cannot open 'rpool': pool I/O is currently suspended")),
      /zfs list failed with exit status 1: cannot open 'rpool'/,
    );
    assertParseError(
      () => parse(failed('snapshots', 'out of memory')),
      /zfs list -t snapshot failed with exit status 1: out of memory/,
    );
  });
});

describe('validateSnapshotName', () => {
  it('returns dataset@snapshot for valid names', () => {
    assert.equal(
      validateSnapshotName('tank/media', 'autosnap_2026-11-24_09:00:01_hourly'),
      'tank/media@autosnap_2026-11-24_09:00:01_hourly',
    );
    assert.equal(
      validateSnapshotName('rpool/data/vm-100-disk-0', 'before.upgrade-2'),
      'rpool/data/vm-100-disk-0@before.upgrade-2',
    );
    assert.equal(validateSnapshotName('tank', 'x'), 'tank@x');
    const longest = `tank/${'a'.repeat(245)}`;
    assert.equal(validateSnapshotName(longest, 'abcd').length, 255);
  });

  it('rejects bad dataset names with a clear reason', () => {
    const rejects = (dataset: string, reason: RegExp) =>
      assert.throws(() => validateSnapshotName(dataset, 'snap'), reason);
    rejects('', /the dataset name is empty/);
    rejects('/tank', /must not start with "\/"/);
    rejects('tank/', /must not end with "\/"/);
    rejects('tank//media', /empty component/);
    rejects('tank/../etc', /must not contain a "\.\." component/);
    rejects('tank/./media', /must not contain a "\." component/);
    rejects('tank/my media', /may only contain letters, digits and _ \. : -/);
    rejects('tank/mé', /may only contain letters/);
    rejects('-rf', /must start with a letter/);
    rejects('1tank', /must start with a letter/);
  });

  it('rejects bad snapshot names with a clear reason', () => {
    const rejects = (snapshot: string, reason: RegExp) =>
      assert.throws(() => validateSnapshotName('tank/media', snapshot), reason);
    rejects('', /the snapshot name is empty/);
    rejects('a@b', /must not contain "@"/);
    rejects('a/b', /must not contain "\/"/);
    rejects('a b', /must not contain whitespace/);
    rejects('a\tb', /must not contain whitespace/);
    rejects('-r', /must not start with "-"/);
    rejects('..', /must not be "\.\."/);
    rejects('snap$(id)', /may only contain letters, digits and _ \. : -/);
    assert.throws(
      () => validateSnapshotName(`tank/${'a'.repeat(245)}`, 'abcde'),
      /the full name has 256 characters, ZFS allows 255/,
    );
    assert.throws(() => validateSnapshotName('tank', 'x;rm'), /invalid snapshot "tank@x;rm"/);
  });
});

describe('zfsCollector.command on this machine', () => {
  const tempDir = tempDirs();

  const ARCSTATS = '/proc/spl/kstat/zfs/arcstats';

  /** The real script, optionally reading the arcstats from another file (the only path it reads directly). */
  function runScript(env: NodeJS.ProcessEnv, arcstatsPath?: string): string {
    const script = zfsCollector.command({});
    assert.equal(script.split(ARCSTATS).length - 1, 2, 'the script names the arcstats path twice');
    return execFileSync(
      '/bin/sh',
      ['-c', arcstatsPath === undefined ? script : script.replaceAll(ARCSTATS, arcstatsPath)],
      { encoding: 'utf8', env },
    );
  }

  /** The lines of one section of a fixture, blank lines kept: zpool status has them. */
  function sectionOf(text: string, name: string): string | undefined {
    const start = text.indexOf(`@@${name}\n`);
    if (start < 0) return undefined;
    const body = text.slice(start + name.length + 3);
    return body.slice(0, body.search(/^@@/m));
  }

  /** A `zpool` and a `zfs` answering from a recorded fixture (stdout, stderr, exit status per section), logging their arguments. */
  function fakeZfsTools(fixtureName: string): { env: NodeJS.ProcessEnv; calls: () => string[] } {
    const dir = tempDir('zfs-tools-');
    const log = join(dir, 'calls.log');
    writeFileSync(log, '');
    const fixturePath = fileURLToPath(fixtureUrl('zfs', fixtureName));
    const tool = (name: string, cases: string[]) => {
      writeFileSync(
        join(dir, name),
        fixtureToolScript({ name, fixturePath, cases, logTo: shellQuote(log), keepBlankLines: true }),
      );
      chmodSync(join(dir, name), 0o755);
    };
    tool('zpool', ["'list '*) section=pools ;;", "'status '*) section=status ;;"]);
    tool('zfs', ["*'-t snapshot '*) section=snapshots ;;", "*'-t filesystem,volume '*) section=datasets ;;"]);
    return {
      env: { PATH: `${dir}:/usr/bin:/bin` },
      calls: () =>
        readFileSync(log, 'utf8')
          .split('\n')
          .filter((line) => line !== ''),
    };
  }

  /** The fixture's arcstats section as a file, or a path that does not exist when the fixture has none. */
  function arcstatsFile(fixtureName: string): string {
    const path = join(tempDir('zfs-arcstats-'), 'arcstats');
    const arcstats = sectionOf(fixture(fixtureName), 'arcstats');
    if (arcstats !== undefined) writeFileSync(path, arcstats);
    return path;
  }

  const zpoolInstalled = ['/usr/local/sbin', '/usr/sbin', '/sbin', '/usr/bin', '/bin'].some((dir) =>
    existsSync(join(dir, 'zpool')),
  );

  it('parses the real answer of this machine: ZFS, or explicitly no ZFS', () => {
    const data = parse(runScript(process.env));
    if (data.zfs_available) {
      assert.equal(data.summary.pools, data.pools.length);
      assert.equal(data.snapshot_count >= data.newest_snapshots.length, true);
    } else {
      assert.match(data.reason ?? '', /zpool not found|ZFS modules|\/dev\/zfs/);
      assert.deepEqual(data.pools, []);
    }
  });

  it('reports no zpool when it is not on PATH', { skip: zpoolInstalled && 'zpool is installed here' }, () => {
    assert.equal(runScript({ PATH: tempDir('zfs-empty-') }), fixture('no-zpool.txt'));
  });

  it('prints exactly what the fixtures record, asking each tool once per listing', () => {
    for (const name of [
      'proxmox-ve8-zfs22.txt',
      'debian12-zfs22-raidz2-resilver.txt',
      'ubuntu2204-zfs21-raidz1-errors.txt',
      'unraid612-zfs21.txt',
      'no-pools.txt',
    ]) {
      const tools = fakeZfsTools(name);
      assert.equal(runScript(tools.env, arcstatsFile(name)), fixture(name), name);
      assert.deepEqual(
        tools.calls(),
        [
          'zpool list -Hp -o name,size,allocated,free,fragmentation,capacity,dedupratio,health',
          'zpool status -p',
          'zfs list -Hp -t filesystem,volume -o name,type,used,available,referenced,mountpoint,compressratio',
          'zfs list -Hp -t snapshot -o name,used,referenced,creation -s creation',
        ],
        name,
      );
    }
  });

  it('stops after zpool list when the kernel module is not loaded', () => {
    const tools = fakeZfsTools('modules-not-loaded.txt');
    assert.equal(runScript(tools.env, arcstatsFile('proxmox-ve8-zfs22.txt')), fixture('modules-not-loaded.txt'));
    assert.deepEqual(
      tools.calls().map((call) => call.split(' ').slice(0, 2).join(' ')),
      ['zpool list'],
    );
  });

  it(
    'leaves the arcstats out where the kernel has none',
    { skip: existsSync(ARCSTATS) && 'this kernel has arcstats' },
    () => {
      const stdout = runScript(fakeZfsTools('proxmox-ve8-zfs22.txt').env);
      const expected = fixture('proxmox-ve8-zfs22.txt');
      assert.equal(stdout, expected.slice(0, expected.indexOf('@@arcstats\n')) + '@@end\n');
      assert.equal(parse(stdout).arc, null);
    },
  );
});
