import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ContainersData } from '../../domain/collectors/containers.ts';
import type { DrivesData } from '../../domain/collectors/drives/schema.ts';
import type { FilesystemUsage, MetricsData } from '../../domain/collectors/metrics.ts';
import { formatBytes, formatDuration, insightsFor, unavailableReason } from '../../domain/insights/data-insights.ts';
import { compareInsights, type Insight, INSIGHT_THRESHOLDS } from '../../domain/insights/insight.ts';
import { collectors } from '../../domain/collectors/registry.ts';
import { fixtureReader, parsedFixture as parsed } from '../support/collector-fixtures.ts';

/** Severity, code and subject of each insight, the part most assertions compare. */
function brief(insights: readonly Insight[]): string[] {
  return insights.map((i) => `${i.severity} ${i.code} ${i.subject}`);
}

function only(insights: readonly Insight[], code: string): Insight {
  const found = insights.filter((i) => i.code === code);
  assert.equal(found.length, 1, `expected one ${code} in ${JSON.stringify(brief(insights))}`);
  return found[0] as Insight;
}

describe('thresholds', () => {
  it('take the design document numbers where it gives them', () => {
    assert.equal(INSIGHT_THRESHOLDS.cpu.warning_percent, 80);
    assert.equal(INSIGHT_THRESHOLDS.memory.critical_percent, 90);
    assert.equal(INSIGHT_THRESHOLDS.filesystem.warning_percent, 85);
    assert.equal(INSIGHT_THRESHOLDS.filesystem.critical_percent, 95);
    assert.equal(INSIGHT_THRESHOLDS.diagnosis.config_change_window_minutes, 30);
  });
});

describe('formatting', () => {
  it('writes sizes in binary units and durations in the unit a person reads', () => {
    assert.equal(formatBytes(98_392_315_904), '92 GiB');
    assert.equal(formatBytes(1_967_846_068_224), '1.8 TiB');
    assert.equal(formatBytes(512), '512 B');
    assert.equal(formatDuration(6980), '1.9 h');
    assert.equal(formatDuration(36_000), '10 h');
    assert.equal(formatDuration(1200), '20 min');
    assert.equal(formatDuration(3.2 * 86_400), '3.2 days');
  });
});

describe('metrics insights', () => {
  it('report the nearly full backup disk of the Debian server and nothing else', () => {
    const insights = insightsFor('metrics', parsed('metrics', 'debian12-server.txt'));
    assert.deepEqual(brief(insights), ['warning filesystem_full /srv/backup']);
    const [backup] = insights;
    assert.equal(backup?.message, '/srv/backup 94.7 % full: 92 GiB free of 1.8 TiB');
    assert.equal(backup?.evidence.used_percent, 94.74);
    assert.equal(backup?.evidence.available_bytes, 98_392_315_904);
    assert.equal(backup?.evidence.device, '/dev/sdb1');
  });

  it('are empty for a quiet host', () => {
    assert.deepEqual(insightsFor('metrics', parsed('metrics', 'alpine319-busybox.txt')), []);
  });

  it('flag CPU, memory, load and space at their thresholds, critical first', () => {
    const m = parsed<MetricsData>('metrics', 'alpine319-busybox.txt');
    m.cpu.usage_percent = 93.5;
    m.memory.used_percent = 92.5;
    m.load.load_5 = 5; // 2 cores: 2.5 per core
    const root = m.filesystems.find((fs) => fs.mountpoint === '/') as FilesystemUsage;
    root.used_percent = 96.2;
    const insights = insightsFor('metrics', m);
    assert.deepEqual(brief(insights), [
      'critical filesystem_full /',
      'critical memory_high memory',
      'warning load_high load',
      'warning cpu_high cpu',
    ]);
    assert.match(only(insights, 'cpu_high').message, /^CPU 93\.5 % busy \(iowait 2 %, 0\.25 s sample, 2 cores\)$/);
    assert.equal(only(insights, 'load_high').evidence.load_per_core, 2.5);
    assert.match(only(insights, 'memory_high').message, /^memory 92\.5 % used: /);
  });

  it('treat each threshold as "at or above"', () => {
    const m = parsed<MetricsData>('metrics', 'alpine319-busybox.txt');
    m.memory.used_percent = 85;
    m.cpu.usage_percent = 79.99;
    m.load.load_5 = 3.99;
    (m.filesystems[0] as FilesystemUsage).used_percent = 85;
    assert.deepEqual(brief(insightsFor('metrics', m)), ['warning filesystem_full /', 'warning memory_high memory']);
  });

  it('report a full ZFS pool once, not once per dataset sharing its space', () => {
    const m = parsed<MetricsData>('metrics', 'proxmox-ve8.txt');
    const shared = m.filesystems.find((fs) => fs.mountpoint === '/')?.available_bytes;
    const poolMounts = m.filesystems.filter((fs) => fs.available_bytes === shared);
    assert.ok(poolMounts.length > 1);
    for (const fs of poolMounts) {
      fs.available_bytes = 10 * 2 ** 30;
      fs.size_bytes = fs.used_bytes + fs.available_bytes;
      fs.used_percent = 97;
    }
    const insights = insightsFor('metrics', m);
    assert.deepEqual(brief(insights), [
      'critical filesystem_full /',
      'warning filesystem_full /rpool/data/subvol-102-disk-0',
    ]);
    assert.equal(insights[0]?.evidence.other_mounts, poolMounts.length - 1);
    assert.match(insights[0]?.message ?? '', /\(shared with \d+ other mounts\)$/);
  });
});

describe('container insights', () => {
  it('name the crash-looping and the unhealthy container, and leave paused, cleanly exited and created ones alone', () => {
    const insights = insightsFor('containers', parsed('containers', 'docker-27.1.txt'));
    assert.deepEqual(brief(insights), [
      'warning container_restarting nextcloud-redis-1',
      'warning container_unhealthy nextcloud-db-1',
    ]);
    assert.equal(
      insights[0]?.message,
      'nextcloud-redis-1 restarting: exit code 1, 37 restarts (Restarting (1) 12 seconds ago)',
    );
    assert.equal(insights[0]?.evidence.restart_count, 37);
    assert.equal(insights[1]?.evidence.health, 'unhealthy');
  });

  it('explain a SIGKILLed container and flag a dead one', () => {
    const killed = only(insightsFor('containers', parsed('containers', 'docker-24.0.txt')), 'container_exited');
    assert.equal(killed.subject, 'pihole');
    assert.match(killed.message, /exit code 137, killed \(SIGKILL: out of memory or stop timeout\)/);
    assert.deepEqual(brief(insightsFor('containers', parsed('containers', 'docker-19.03-no-state.txt'))), [
      'warning container_exited old-nginx',
    ]);
  });

  it('do not flag a container stopped by docker stop (SIGTERM)', () => {
    const data = parsed<ContainersData>('containers', 'docker-20.10.txt');
    assert.deepEqual(brief(insightsFor('containers', data)), ['warning container_exited node-red']);
    const nodeRed = data.containers.find((c) => c.name === 'node-red');
    assert.ok(nodeRed);
    nodeRed.exit_code = 143;
    assert.deepEqual(insightsFor('containers', data), []);
  });

  it('are empty without docker', () => {
    const data = parsed('containers', 'no-docker.txt');
    assert.deepEqual(insightsFor('containers', data), []);
    assert.equal(unavailableReason('containers', data), 'docker not found on the device');
  });
});

describe('drive insights', () => {
  it('put the failing drive first, then the warnings with the most evidence', () => {
    const insights = insightsFor('drives', parsed('drives', 'debian11-failing.txt'));
    assert.deepEqual(brief(insights), [
      'critical drive_failed /dev/sdb',
      'warning drive_warning /dev/sda',
      'warning drive_warning /dev/sdc',
    ]);
    const failed = insights[0] as Insight;
    assert.equal(
      failed.message,
      '/dev/sdb ST3000DM001-1CH166 (Z1F2K3L4) FAILED: smartctl reports FAILING; attribute 5 Reallocated_Sector_Ct value 5 at or below threshold 10 (+7 more)',
    );
    assert.equal(failed.evidence.serial, 'Z1F2K3L4');
    assert.equal(failed.evidence.reason_count, 9);
    assert.match(String(failed.evidence.reasons), /attribute 197 Current_Pending_Sector raw 1224/);
  });

  it('keep the verdict of a drive asleep now, saying when it was read', () => {
    const earlier = parsed<DrivesData>('drives', 'debian11-failing.txt');
    const now = collectors.drives.parse(
      { stdout: fixtureReader('drives')('debian11-failing-asleep.txt'), stderr: '', exitCode: 0 },
      { previous: { data: earlier, collectedAt: new Date('2024-04-01T09:00:00.000Z') } },
    );
    const failed = only(insightsFor('drives', now), 'drive_failed');
    assert.equal(failed.subject, '/dev/sdb');
    assert.match(failed.message, /FAILED as read 2024-04-01T09:00:00\.000Z, asleep now: /);
    assert.equal(failed.evidence.health_from, '2024-04-01T09:00:00.000Z');
  });

  it('leave healthy, unreadable-by-design and sleeping drives alone', () => {
    for (const name of [
      'debian12-root.txt',
      'proxmox-vm-qemu.txt',
      'unraid7-spun-down.txt',
      'no-smartctl.txt',
      'virtio-vm-no-devices.txt',
    ]) {
      assert.deepEqual(insightsFor('drives', parsed('drives', name)), [], name);
    }
  });

  it('say that SMART needs sudo instead of calling unread drives healthy', () => {
    const insights = insightsFor('drives', parsed('drives', 'ubuntu2404-needs-sudo.txt'));
    assert.deepEqual(brief(insights), ['info drives_need_sudo smartctl']);
    assert.equal(insights[0]?.message, 'SMART unread on 2 of 2 drives: smartctl needs sudo');
    assert.match(String(insights[0]?.evidence.note), /NOPASSWD: \/usr\/sbin\/smartctl/);
  });
});

describe('ZFS insights', () => {
  it('sum up the degraded, resilvering pool in one line', () => {
    const insights = insightsFor('zfs', parsed('zfs', 'debian12-zfs22-raidz2-resilver.txt'));
    assert.deepEqual(brief(insights), ['critical pool_degraded tank']);
    const tank = insights[0] as Insight;
    assert.equal(tank.message, 'tank DEGRADED: ata-WDC_WD80EFAX-68KNBN0_VAGK1234 FAULTED, resilver 18 %, ~1.9 h left');
    assert.equal(tank.evidence.redundancy_left, 1); // raidz2 with one member being replaced
    assert.equal(tank.evidence.scan_time_left_seconds, 6980);
    assert.equal(tank.evidence.devices, 'ata-WDC_WD80EFAX-68KNBN0_VAGK1234');
    assert.match(String(tank.evidence.device_details), /FAULTED \(too many errors\), 3 read and 184 write errors/);
  });

  it('count the redundancy a mirror has left', () => {
    const data = parsed(
      'zfs',
      'proxmox-ve8-zfs22.txt',
      ['\t28\t1.00\tONLINE', '\t28\t1.00\tDEGRADED'],
      [
        /(\trpool {2,})ONLINE(.*\n\t {2}mirror-0 +)ONLINE(.*\n\t {4}\S+ +)ONLINE {7}0 +0 +0/,
        '$1DEGRADED$2DEGRADED$3FAULTED      0    12     0',
      ],
    );
    const degraded = only(insightsFor('zfs', data), 'pool_degraded');
    assert.equal(degraded.evidence.redundancy_left, 0);
    assert.equal(degraded.message, 'rpool DEGRADED: ata-Samsung_SSD_870_EVO_1TB_S6PTNX0T412345B-part3 FAULTED');
  });

  it('report data errors as critical and counters on an ONLINE device as a warning', () => {
    const insights = insightsFor('zfs', parsed('zfs', 'ubuntu2204-zfs21-raidz1-errors.txt'));
    assert.deepEqual(brief(insights), ['critical pool_data_errors backup', 'warning vdev_errors backup']);
    assert.equal(insights[1]?.message, 'backup: 3 checksum errors on sdc (still ONLINE)');
    assert.equal(insights[0]?.evidence.data_errors, 2);
  });

  it('flag a scrub that ended with errors and a pool past 80 % allocated', () => {
    const scrubbed = parsed('zfs', 'proxmox-ve8-zfs22.txt', ['with 0 errors on', 'with 4 errors on']);
    assert.deepEqual(brief(insightsFor('zfs', scrubbed)), ['warning scrub_errors rpool']);
    const full = parsed('zfs', 'proxmox-ve8-zfs22.txt', ['\t9\t28\t1.00\tONLINE', '\t31\t84\t1.00\tONLINE']);
    const capacity = only(insightsFor('zfs', full), 'pool_capacity');
    assert.equal(capacity.severity, 'warning');
    assert.match(capacity.message, /^rpool 84 % allocated: .* free, fragmentation 31 %$/);
  });

  it('are empty for healthy pools and where ZFS cannot be asked', () => {
    for (const name of [
      'proxmox-ve8-zfs22.txt',
      'unraid612-zfs21.txt',
      'no-pools.txt',
      'no-zpool.txt',
      'modules-not-loaded.txt',
    ]) {
      assert.deepEqual(insightsFor('zfs', parsed('zfs', name)), [], name);
    }
    assert.equal(unavailableReason('zfs', parsed('zfs', 'modules-not-loaded.txt')), 'The ZFS modules are not loaded.');
  });
});

describe('service insights', () => {
  it('name each failed unit and a unit in a restart loop', () => {
    assert.deepEqual(brief(insightsFor('services', parsed('services', 'debian12-systemd252.txt'))), [
      'warning unit_failed nginx.service',
      'warning unit_failed restic-backup.service',
    ]);
    const looping = insightsFor('services', parsed('services', 'ubuntu2404-systemd255.txt'));
    assert.deepEqual(brief(looping), ['warning unit_restarting grafana-server.service']);
    assert.equal(looping[0]?.evidence.sub, 'auto-restart');
  });

  it('are empty without systemd', () => {
    assert.deepEqual(insightsFor('services', parsed('services', 'not-booted.txt')), []);
  });
});

describe('update insights', () => {
  it('warn about security updates and a pending reboot', () => {
    const insights = insightsFor('updates', parsed('updates', 'debian12-security-reboot.txt'));
    assert.deepEqual(brief(insights), ['warning security_updates packages', 'warning reboot_required reboot']);
    assert.equal(
      insights[0]?.message,
      '6 security updates pending (11 in all): bind9-dnsutils, bind9-host, bind9-libs, +3 more',
    );
    assert.equal(insights[1]?.message, 'reboot required by linux-image-6.1.0-26-amd64');
  });

  it('only inform about other updates and stale package lists', () => {
    const insights = insightsFor('updates', parsed('updates', 'centos7-yum.txt'));
    assert.deepEqual(brief(insights), ['info updates_pending packages', 'info update_metadata_stale packages']);
    assert.match(insights[0]?.message ?? '', /^12 updates pending \(security status unknown\): /);
    assert.equal(insights[1]?.message, 'package lists last refreshed 49 days ago: newer updates are not counted');
  });

  it('are empty for an up-to-date host and one without a package manager', () => {
    assert.deepEqual(insightsFor('updates', parsed('updates', 'debian12-up-to-date.txt')), []);
    assert.deepEqual(insightsFor('updates', parsed('updates', 'unraid612-no-manager.txt')), []);
  });
});

describe('insightsFor', () => {
  it('gives nothing for types without insights and for values it cannot read, without throwing', () => {
    assert.deepEqual(insightsFor('network', { interfaces: [] }), []);
    for (const value of [null, undefined, 'text', 42, [], {}, { pools: null }, { drives: 'x' }]) {
      for (const type of ['metrics', 'containers', 'drives', 'zfs', 'services', 'updates']) {
        assert.deepEqual(insightsFor(type, value), [], `${type} ${JSON.stringify(value)}`);
      }
    }
    assert.match(unavailableReason('zfs', { pools: 'x' }) ?? '', /^unreadable zfs answer/);
    assert.equal(unavailableReason('network', null), null);
  });

  it('sorts critical first, then by category and the harm of the code', () => {
    const all = [
      ...insightsFor('services', parsed('services', 'debian12-systemd252.txt')),
      ...insightsFor('updates', parsed('updates', 'debian12-security-reboot.txt')),
      ...insightsFor('containers', parsed('containers', 'docker-27.1.txt')),
      ...insightsFor('zfs', parsed('zfs', 'ubuntu2204-zfs21-raidz1-errors.txt')),
    ].sort(compareInsights);
    assert.deepEqual(brief(all), [
      'critical pool_data_errors backup',
      'warning vdev_errors backup',
      'warning container_restarting nextcloud-redis-1',
      'warning container_unhealthy nextcloud-db-1',
      'warning unit_failed nginx.service',
      'warning unit_failed restic-backup.service',
      'warning security_updates packages',
      'warning reboot_required reboot',
    ]);
  });
});
