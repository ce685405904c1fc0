import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ContainerInfo, ContainersData } from '../../domain/collectors/containers.ts';
import type { FilesystemUsage, MetricsData } from '../../domain/collectors/metrics.ts';
import {
  type ContainerHistoryPoint,
  diagnose,
  diagnoseFleet,
  type DiagnosisInput,
  type DiagnosisReport,
  type FilesystemHistoryPoint,
  type Finding,
  type RecentConfigChange,
} from '../../domain/insights/diagnosis.ts';
import { parsedFixture as parsed } from '../support/collector-fixtures.ts';

const NOW = '2024-07-25T06:12:00.000Z';
const HOUR = 3_600_000;
const GIB = 2 ** 30;

function at(offsetMs: number): string {
  return new Date(Date.parse(NOW) + offsetMs).toISOString();
}

function withContainers(data: ContainersData, containers: ContainerInfo[]): ContainersData {
  const count = (predicate: (c: ContainerInfo) => boolean) => containers.filter(predicate).length;
  return {
    ...data,
    containers,
    summary: {
      total: containers.length,
      running: count((c) => c.state === 'running'),
      exited: count((c) => c.state === 'exited'),
      paused: count((c) => c.state === 'paused'),
      restarting: count((c) => c.state === 'restarting'),
      unhealthy: count((c) => c.health === 'unhealthy'),
    },
  };
}

/** The running containers of the docker 24 host: all up, no healthcheck failing. */
function healthyContainers(): ContainersData {
  const data = parsed<ContainersData>('containers', 'docker-24.0.txt');
  return withContainers(
    data,
    data.containers.filter((c) => c.state === 'running'),
  );
}

function redis(): ContainerInfo {
  const found = parsed<ContainersData>('containers', 'docker-27.1.txt').containers.find(
    (c) => c.name === 'nextcloud-redis-1',
  );
  assert.ok(found);
  return found;
}

/** Hourly history of the given mounts, each growing linearly to its current usage. */
function fsHistory(
  metrics: MetricsData,
  hours: number,
  growthPerDay: Record<string, number>,
): FilesystemHistoryPoint[] {
  const points: FilesystemHistoryPoint[] = [];
  for (let h = hours; h >= 1; h -= 1) {
    points.push({
      collected_at: at(-h * HOUR),
      mounts: metrics.filesystems
        .filter((fs) => fs.mountpoint in growthPerDay)
        .map((fs) => ({
          mount: fs.mountpoint,
          used_bytes: fs.used_bytes - ((growthPerDay[fs.mountpoint] ?? 0) * h) / 24,
          size_bytes: fs.size_bytes,
        })),
    });
  }
  return points;
}

/** Container history in which everything ran fine, then the given changes from the given time on. */
function containerHistory(
  base: ContainersData,
  points: Array<{ offset: number; redis?: { state: string; restart_count: number } }>,
): ContainerHistoryPoint[] {
  return points.map((point) => ({
    collected_at: at(point.offset),
    containers: [
      ...base.containers.map((c) => ({
        name: c.name,
        state: c.state,
        restart_count: c.restart_count,
        health: c.health,
      })),
      {
        name: 'nextcloud-redis-1',
        state: point.redis?.state ?? 'running',
        restart_count: point.redis?.restart_count ?? 0,
        health: null,
      },
    ],
  }));
}

function healthyServices(): unknown {
  return parsed('services', 'ubuntu2404-systemd255.txt', [
    'activating   auto-restart Grafana',
    'active       running      Grafana',
  ]);
}

function healthyInput(overrides: Partial<DiagnosisInput> = {}): DiagnosisInput {
  const metrics = parsed<MetricsData>('metrics', 'alpine319-busybox.txt');
  return {
    device: 'pi',
    focus: 'all',
    collectedAt: NOW,
    snapshots: {
      metrics,
      zfs: parsed('zfs', 'proxmox-ve8-zfs22.txt'),
      drives: parsed('drives', 'debian12-root.txt'),
      containers: healthyContainers(),
      services: healthyServices(),
      updates: parsed('updates', 'debian12-up-to-date.txt'),
    },
    filesystemHistory: fsHistory(metrics, 24, { '/': 0, '/media/data': 0 }),
    recentConfigChanges: [
      {
        path: '/etc/nginx/nginx.conf',
        detected_at: at(-10 * 60_000),
        kind: 'MODIFY',
        risk: 'LOW',
        summary: 'worker_connections 1024 → 2048',
        first_capture: false,
      },
    ],
    containerHistory: containerHistory(healthyContainers(), [{ offset: -2 * HOUR }, { offset: -HOUR }]).map((p) => ({
      ...p,
      containers: p.containers.filter((c) => c.name !== 'nextcloud-redis-1'),
    })),
    ...overrides,
  };
}

/** When the redis container began crash-looping, as its history shows. */
const REDIS_ONSET = at(-42 * 60_000);
const COMPOSE_CHANGE: RecentConfigChange = {
  path: '/opt/nextcloud/docker-compose.yml',
  detected_at: at(-47 * 60_000),
  kind: 'MODIFY',
  risk: 'HIGH',
  summary: 'service redis: image redis:7 → redis:8',
  first_capture: false,
};

/**
 * A host with planted problems: the backup disk 94.7 % full and growing 36 GiB a day, a raidz2 pool
 * resilvering a faulted disk, a failing drive (and the two weak ones of that fixture), the redis
 * container crash-looping since a compose change 5 minutes before, and the two failed units of the
 * Debian fixture. Everything else is the healthy host's.
 */
function plantedInput(overrides: Partial<DiagnosisInput> = {}): DiagnosisInput {
  const metrics = parsed<MetricsData>('metrics', 'debian12-server.txt');
  const containers = healthyContainers();
  return {
    device: 'nas',
    focus: 'all',
    collectedAt: NOW,
    snapshots: {
      metrics,
      zfs: parsed('zfs', 'debian12-zfs22-raidz2-resilver.txt'),
      drives: parsed('drives', 'debian11-failing.txt'),
      containers: withContainers(containers, [...containers.containers, redis()]),
      services: parsed('services', 'debian12-systemd252.txt'),
      updates: parsed('updates', 'debian12-up-to-date.txt'),
    },
    // The root filesystem grows too, but would take most of a year to fill; /srv/data not at all.
    filesystemHistory: fsHistory(metrics, 24, { '/srv/backup': 36 * GIB, '/': GIB, '/srv/data': 0 }),
    recentConfigChanges: [
      {
        path: '/etc/nginx/nginx.conf',
        detected_at: at(-2 * HOUR),
        kind: 'MODIFY',
        risk: 'MEDIUM',
        summary: 'new server block',
        first_capture: false,
      },
      COMPOSE_CHANGE,
    ],
    containerHistory: containerHistory(containers, [
      { offset: -3 * HOUR },
      { offset: -2 * HOUR },
      { offset: -HOUR },
      { offset: -42 * 60_000, redis: { state: 'restarting', restart_count: 12 } },
      { offset: -12 * 60_000, redis: { state: 'restarting', restart_count: 30 } },
    ]),
    ...overrides,
  };
}

function brief(findings: readonly Finding[]): string[] {
  return findings.map((f) => `${f.rank} ${f.severity} ${f.category} ${f.code} ${f.subject}`);
}

function finding(report: DiagnosisReport, code: string, subject?: string): Finding {
  const found = report.findings.find((f) => f.code === code && (subject === undefined || f.subject === subject));
  assert.ok(found, `no ${code} ${subject ?? ''} in ${JSON.stringify(brief(report.findings))}`);
  return found;
}

describe('diagnose a healthy host', () => {
  it('finds nothing, and says what it checked', () => {
    const report = diagnose(healthyInput());
    assert.deepEqual(report.findings, []);
    assert.deepEqual(report.checked, ['metrics', 'zfs', 'drives', 'containers', 'services', 'updates']);
    assert.deepEqual(report.unavailable, []);
    assert.equal(report.summary, 'pi: no problems found (checked metrics, zfs, drives, containers, services, updates)');
  });

  it('finds nothing on the Proxmox host either, whose filesystems are all below the thresholds but one quota', () => {
    const metrics = parsed<MetricsData>('metrics', 'proxmox-ve8.txt');
    const report = diagnose(
      healthyInput({ snapshots: { metrics }, filesystemHistory: fsHistory(metrics, 6, { '/': 0 }) }),
    );
    assert.deepEqual(brief(report.findings), ['1 warning storage filesystem_full /rpool/data/subvol-102-disk-0']);
  });
});

describe('diagnose a host with planted problems', () => {
  const report = diagnose(plantedInput());

  it('finds exactly the planted problems, most urgent first', () => {
    assert.deepEqual(brief(report.findings), [
      '1 critical storage pool_degraded tank',
      '2 critical storage drive_failed /dev/sdb',
      '3 warning storage filesystem_full /srv/backup',
      '4 warning storage drive_warning /dev/sda',
      '5 warning storage drive_warning /dev/sdc',
      '6 warning containers container_restarting nextcloud-redis-1',
      '7 warning services unit_failed nginx.service',
      '8 warning services unit_failed restic-backup.service',
    ]);
    assert.deepEqual(report.checked, ['metrics', 'zfs', 'drives', 'containers', 'services', 'updates']);
    assert.equal(
      report.summary,
      'nas: 2 critical, 6 warnings (checked metrics, zfs, drives, containers, services, updates). ' +
        'Most urgent: tank DEGRADED: ata-WDC_WD80EFAX-68KNBN0_VAGK1234 FAULTED, resilver 18 %, ~1.9 h left',
    );
  });

  it('projects when the growing disk is full from the least-squares slope of its history', () => {
    const backup = finding(report, 'filesystem_full', '/srv/backup');
    assert.equal(backup.evidence.growth_bytes_per_day, 36 * GIB);
    // 91.6 GiB available at 36 GiB a day.
    assert.equal(backup.evidence.days_until_full, 2.55);
    assert.equal(backup.evidence.trend_window_hours, 24);
    assert.equal(backup.evidence.trend_points, 25);
    assert.equal(backup.message, '/srv/backup 94.7 % full: 92 GiB free of 1.8 TiB; +36 GiB/day, full in ~2.5 days');
    // Already over 85 % at the start of the history.
    assert.equal(backup.first_seen, at(-24 * HOUR));
    assert.match(backup.recommendation, /du -xh --max-depth=2 \/srv\/backup .* full in ~2\.5 days\.$/);
  });

  it('attaches the compose change made 5 minutes before the crash loop began, and to nothing else', () => {
    const looping = finding(report, 'container_restarting');
    assert.equal(looping.first_seen, REDIS_ONSET);
    const { first_capture: _firstCapture, ...cited } = COMPOSE_CHANGE;
    assert.deepEqual(looping.related_config_changes, [{ ...cited, minutes_before_onset: 5 }]);
    assert.equal(looping.evidence.restarts_in_window, 37);
    assert.match(looping.recommendation, /^`docker logs --tail 100 nextcloud-redis-1` shows why it exits/);
    assert.match(
      looping.recommendation,
      /\/opt\/nextcloud\/docker-compose\.yml changed 5 min before this began \(risk HIGH: service redis: image redis:7 → redis:8\)/,
    );
    for (const other of report.findings.filter((f) => f !== looping)) {
      assert.equal(other.related_config_changes, undefined, `${other.code} ${other.subject}`);
    }
  });

  it('recommends in words, with the evidence, and never as an action taken', () => {
    const pool = finding(report, 'pool_degraded');
    assert.equal(
      pool.recommendation,
      'The pool survives 1 more device failure. A resilver is running (18 %, ~1.9 h left): let it finish and keep the load low until then. ' +
        'Replace ata-WDC_WD80EFAX-68KNBN0_VAGK1234 with `zpool replace tank <old> <new>`; a hot spare standing in returns to the spares once the replacement is resilvered.',
    );
    assert.match(
      finding(report, 'drive_failed').recommendation,
      /^Copy what is on \/dev\/sdb elsewhere now and replace it \(ST3000DM001-1CH166, serial Z1F2K3L4\)/,
    );
    assert.match(
      finding(report, 'unit_failed', 'nginx.service').recommendation,
      /^`journalctl -u nginx\.service -n 50 --no-pager` shows why it failed/,
    );
    for (const f of report.findings) assert.ok(f.recommendation.length > 0, f.code);
  });

  it('does not change its input', () => {
    const input = plantedInput();
    const before = structuredClone(input);
    diagnose(input);
    assert.deepEqual(input, before);
  });
});

describe('diagnosis details', () => {
  it('offers a recent change to problems a change can cause, never to hardware ones', () => {
    const change: RecentConfigChange = {
      path: '/etc/nginx/sites-enabled/cloud',
      detected_at: at(-10 * 60_000),
      kind: 'MODIFY',
      risk: 'HIGH',
      summary: 'upstream port 8080 → 8081',
      first_capture: false,
    };
    const report = diagnose(plantedInput({ recentConfigChanges: [change] }));
    const withChange = report.findings.filter((f) => f.related_config_changes).map((f) => `${f.code} ${f.subject}`);
    // Onset unknown for the units (no history): the collection time stands for it.
    assert.deepEqual(withChange, ['unit_failed nginx.service', 'unit_failed restic-backup.service']);
    assert.equal(finding(report, 'unit_failed', 'nginx.service').related_config_changes?.[0]?.minutes_before_onset, 10);
  });

  it('never cites the first version of a file the watcher found already there, and says in words how long before a real change came', () => {
    // The watcher's opening scan stores every file it finds as a CREATE, here just as redis began to crash.
    const alreadyThere: RecentConfigChange = {
      path: '/etc/systemd/system/dbus-org.freedesktop.timesync1.service',
      detected_at: REDIS_ONSET,
      kind: 'CREATE',
      risk: 'LOW',
      summary: null,
      first_capture: true,
    };
    const quiet = diagnose(plantedInput({ recentConfigChanges: [alreadyThere] }));
    assert.deepEqual(
      quiet.findings.filter((f) => f.related_config_changes),
      [],
    );
    assert.doesNotMatch(JSON.stringify(quiet), /timesync1/);

    // A file created while watched is a change, cited with its time in sensible units.
    const created: RecentConfigChange = {
      path: '/opt/nextcloud/.env',
      detected_at: at(-42 * 60_000 - 40_000),
      kind: 'CREATE',
      risk: 'MEDIUM',
      summary: 'new file',
      first_capture: false,
    };
    const looping = finding(
      diagnose(plantedInput({ recentConfigChanges: [alreadyThere, created] })),
      'container_restarting',
    );
    assert.deepEqual(
      looping.related_config_changes?.map((c) => c.path),
      ['/opt/nextcloud/.env'],
    );
    assert.match(
      looping.recommendation,
      /\/opt\/nextcloud\/\.env changed less than a minute before this began \(risk MEDIUM: new file\): review/,
    );
    // The units' onset is unknown (no history): the change is placed before the collection that saw them.
    const unit = finding(
      diagnose(plantedInput({ recentConfigChanges: [{ ...created, detected_at: at(-25 * 60_000) }] })),
      'unit_failed',
      'nginx.service',
    );
    assert.match(unit.recommendation, /\/opt\/nextcloud\/\.env changed 25 min before this was seen/);
  });

  it('escalates a filesystem that fills within a day and warns about one that fills within the week', () => {
    const metrics = parsed<MetricsData>('metrics', 'debian12-server.txt');
    const report = diagnose(
      plantedInput({
        focus: 'storage',
        filesystemHistory: fsHistory(metrics, 12, { '/srv/backup': 200 * GIB, '/': 60 * GIB }),
      }),
    );
    const backup = finding(report, 'filesystem_full', '/srv/backup');
    assert.equal(backup.severity, 'critical');
    assert.equal(backup.evidence.days_until_full, 0.46);
    const root = finding(report, 'filesystem_filling', '/');
    assert.equal(root.severity, 'warning');
    assert.match(
      root.message,
      /^\/ filling: \+60 GiB\/day, full in ~4\.2 days \(\/ 42\.5 % full: 250 GiB free of 457 GiB\)$/,
    );
    assert.equal(root.first_seen, undefined);
  });

  it('reports no trend from a window under an hour or from shrinking usage', () => {
    const metrics = parsed<MetricsData>('metrics', 'debian12-server.txt');
    const short = [
      { collected_at: at(-50 * 60_000), mounts: [{ mount: '/', used_bytes: 0, size_bytes: 490_577_010_688 }] },
    ];
    const shrinking = fsHistory(metrics, 24, { '/': -100 * GIB });
    for (const filesystemHistory of [short, shrinking, []]) {
      const report = diagnose(plantedInput({ focus: 'storage', filesystemHistory }));
      assert.equal(report.findings.filter((f) => f.code === 'filesystem_filling').length, 0);
      assert.equal(finding(report, 'filesystem_full', '/srv/backup').evidence.days_until_full, undefined);
    }
  });

  it('reports a container that crashed and came back, from its growing restart count', () => {
    const containers = healthyContainers();
    const homeassistant = containers.containers.find((c) => c.name === 'homeassistant') as ContainerInfo;
    homeassistant.restart_count = 3;
    const history = containerHistory(containers, [{ offset: -2 * HOUR }, { offset: -HOUR }]).map((p) => ({
      ...p,
      containers: p.containers.map((c) =>
        c.name === 'homeassistant' ? { ...c, restart_count: c.restart_count - 3 } : c,
      ),
    }));
    const report = diagnose(healthyInput({ snapshots: { containers }, containerHistory: history }));
    assert.deepEqual(brief(report.findings), ['1 warning containers container_restarts homeassistant']);
    const found = report.findings[0] as Finding;
    assert.equal(found.evidence.restarts_in_window, 3);
    assert.equal(found.first_seen, NOW);
    assert.equal(
      found.message,
      `homeassistant crashed and was restarted 3 times since ${at(-2 * HOUR)} (restart count 0 → 3), running now`,
    );
  });

  it('does not count a recreated container (restart count back to 0) as restarts', () => {
    const containers = healthyContainers();
    const history = containerHistory(containers, [{ offset: -HOUR }]).map((p) => ({
      ...p,
      containers: p.containers.map((c) => (c.name === 'homeassistant' ? { ...c, restart_count: 9 } : c)),
    }));
    assert.deepEqual(diagnose(healthyInput({ snapshots: { containers }, containerHistory: history })).findings, []);
  });

  it('names what the device cannot answer instead of calling it healthy', () => {
    const report = diagnose(
      healthyInput({
        snapshots: {
          metrics: parsed('metrics', 'alpine319-busybox.txt'),
          containers: parsed('containers', 'no-docker.txt'),
          services: parsed('services', 'no-systemd.txt'),
          drives: parsed('drives', 'ubuntu2404-needs-sudo.txt'),
        },
      }),
    );
    assert.deepEqual(report.checked, ['metrics', 'drives']);
    assert.deepEqual(report.unavailable, [
      { data_type: 'containers', reason: 'docker not found on the device' },
      { data_type: 'services', reason: 'systemctl not found' },
    ]);
    assert.deepEqual(brief(report.findings), ['1 info storage drives_need_sudo smartctl']);
    assert.match(report.findings[0]?.recommendation ?? '', /sudoers line/);
    assert.equal(
      report.summary,
      'pi: no problems found (checked metrics, drives); 1 info; not available: containers (docker not found on the device), services (systemctl not found)',
    );
  });

  it('refuses a collection time that is no timestamp', () => {
    assert.throws(() => diagnose(healthyInput({ collectedAt: 'yesterday' })), /collectedAt is not a timestamp/);
  });
});

describe('diagnosis focus', () => {
  it('storage: pools, drives and filesystems only', () => {
    const report = diagnose(plantedInput({ focus: 'storage' }));
    assert.deepEqual(brief(report.findings), [
      '1 critical storage pool_degraded tank',
      '2 critical storage drive_failed /dev/sdb',
      '3 warning storage filesystem_full /srv/backup',
      '4 warning storage drive_warning /dev/sda',
      '5 warning storage drive_warning /dev/sdc',
    ]);
    assert.deepEqual(report.checked, ['metrics', 'zfs', 'drives']);
  });

  it('containers: the crash loop only', () => {
    const report = diagnose(plantedInput({ focus: 'containers' }));
    assert.deepEqual(brief(report.findings), ['1 warning containers container_restarting nextcloud-redis-1']);
    assert.deepEqual(report.checked, ['containers']);
  });

  it('performance: CPU, memory and load, not the full disk that shares their data type', () => {
    assert.deepEqual(diagnose(plantedInput({ focus: 'performance' })).findings, []);
    const metrics = parsed<MetricsData>('metrics', 'debian12-server.txt');
    metrics.memory.used_percent = 93.1;
    metrics.load.load_5 = 20.4;
    const report = diagnose(
      plantedInput({ focus: 'performance', snapshots: { ...plantedInput().snapshots, metrics } }),
    );
    assert.deepEqual(brief(report.findings), [
      '1 critical performance memory_high memory',
      '2 warning performance load_high load',
    ]);
    assert.deepEqual(report.checked, ['metrics']);
    assert.equal(report.findings[1]?.message, 'load 20.4 (5 min) on 8 cores: 2.55 per core (1 min 0.52, 15 min 0.59)');
  });
});

describe('diagnoseFleet', () => {
  const loadedMetrics = parsed<MetricsData>('metrics', 'alpine319-busybox.txt');
  loadedMetrics.memory.used_percent = 96;
  (loadedMetrics.filesystems.find((fs) => fs.mountpoint === '/') as FilesystemUsage).used_percent = 88;
  const reports = [
    diagnose(healthyInput({ device: 'pi' })),
    diagnose(plantedInput({ device: 'nas' })),
    diagnose(
      healthyInput({
        device: 'vm',
        snapshots: { metrics: loadedMetrics, services: parsed('services', 'debian12-systemd252.txt') },
      }),
    ),
  ];
  const fleet = diagnoseFleet(reports);

  it('ranks all findings together, device name breaking ties', () => {
    assert.deepEqual(
      fleet.findings.map((f) => `${f.rank} ${f.device} ${f.severity} ${f.code} ${f.subject}`),
      [
        '1 nas critical pool_degraded tank',
        '2 nas critical drive_failed /dev/sdb',
        '3 vm critical memory_high memory',
        '4 nas warning filesystem_full /srv/backup',
        '5 vm warning filesystem_full /',
        '6 nas warning drive_warning /dev/sda',
        '7 nas warning drive_warning /dev/sdc',
        '8 nas warning container_restarting nextcloud-redis-1',
        '9 nas warning unit_failed nginx.service',
        '10 vm warning unit_failed nginx.service',
        '11 nas warning unit_failed restic-backup.service',
        '12 vm warning unit_failed restic-backup.service',
      ],
    );
  });

  it('counts per device, worst first, and sums up', () => {
    assert.deepEqual(
      fleet.devices.map((d) => [d.device, d.critical, d.warning, d.info]),
      [
        ['nas', 2, 6, 0],
        ['vm', 1, 3, 0],
        ['pi', 0, 0, 0],
      ],
    );
    assert.equal(
      fleet.summary,
      '3 devices: 3 critical, 9 warnings on 2 devices, 1 without problems. Most urgent: nas: tank DEGRADED: ata-WDC_WD80EFAX-68KNBN0_VAGK1234 FAULTED, resilver 18 %, ~1.9 h left',
    );
  });

  it('keeps each finding as its device reported it, apart from the rank', () => {
    const loop = fleet.findings.find((f) => f.code === 'container_restarting');
    const original = reports[1]?.findings.find((f) => f.code === 'container_restarting');
    assert.ok(loop && original);
    const { rank: _fleetRank, device, ...rest } = loop;
    const { rank: _deviceRank, ...expected } = original;
    assert.equal(device, 'nas');
    assert.deepEqual(rest, expected);
  });

  it('says so when no device has a problem', () => {
    const quiet = diagnoseFleet([diagnose(healthyInput({ device: 'a' })), diagnose(healthyInput({ device: 'b' }))]);
    assert.deepEqual(quiet.findings, []);
    assert.equal(quiet.summary, '2 devices: no problems found');
  });
});
