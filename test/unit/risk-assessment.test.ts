import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import type { ContainerInfo, ContainerState, ContainersData } from '../../domain/collectors/containers.ts';
import { CollectorParseError } from '../../domain/collectors/parse-error.ts';
import { analyseCommand } from '../../domain/safety/command-analysis.ts';
import { assessRisk, parseUnraidParityStatus, type RiskContext } from '../../domain/safety/risk-assessment.ts';
import type { RiskAssessment } from '../../schema/operation.ts';

// ---------------------------------------------------------------------------------------------------
// Devices

interface ContainerOptions {
  state?: ContainerState;
  /** Compose project and service, as the compose labels carry them. */
  compose?: [project: string, service: string];
  labels?: Record<string, string>;
}

function container(name: string, image: string, options: ContainerOptions = {}): ContainerInfo {
  const state = options.state ?? 'running';
  const [project, service] = options.compose ?? [null, null];
  const labels = {
    ...(project && service ? { 'com.docker.compose.project': project, 'com.docker.compose.service': service } : {}),
    ...options.labels,
  };
  return {
    id: createHash('sha256').update(name).digest('hex'),
    name,
    image,
    state,
    status: state === 'running' ? 'Up 3 days' : 'Exited (0) 2 days ago',
    created_at: '2025-01-10T08:00:00Z',
    started_at: '2025-01-10T08:00:01Z',
    ports: [],
    restart_count: 0,
    health: null,
    exit_code: state === 'running' ? null : 0,
    labels,
    compose_project: project,
    stats: null,
  };
}

function containersData(containers: ContainerInfo[]): ContainersData {
  const count = (state: ContainerState) => containers.filter((c) => c.state === state).length;
  return {
    docker_available: true,
    docker_version: '27.3.1',
    containers,
    summary: {
      total: containers.length,
      running: count('running'),
      exited: count('exited'),
      paused: count('paused'),
      restarting: count('restarting'),
      unhealthy: 0,
    },
  };
}

/** A typical Unraid box: linuxserver.io apps, an immich compose stack, two stopped containers. */
const UNRAID = containersData([
  container('swag', 'lscr.io/linuxserver/swag:latest'),
  container('mariadb', 'lscr.io/linuxserver/mariadb:11.4.4'),
  container('plex', 'lscr.io/linuxserver/plex:latest'),
  container('sonarr', 'lscr.io/linuxserver/sonarr:latest'),
  container('radarr', 'lscr.io/linuxserver/radarr:latest'),
  container('prowlarr', 'lscr.io/linuxserver/prowlarr:latest'),
  container('tautulli', 'lscr.io/linuxserver/tautulli:latest'),
  container('nextcloud', 'lscr.io/linuxserver/nextcloud:30.0.2'),
  container('immich_server', 'ghcr.io/immich-app/immich-server:release', { compose: ['immich', 'immich-server'] }),
  container('immich_machine_learning', 'ghcr.io/immich-app/immich-machine-learning:release', {
    compose: ['immich', 'immich-machine-learning'],
  }),
  container('immich_postgres', 'ghcr.io/immich-app/postgres:14-vectorchord0.3.0-pgvectors0.2.0', {
    compose: ['immich', 'database'],
  }),
  container(
    'immich_redis',
    'docker.io/valkey/valkey:8-bookworm@sha256:ff21bc0f8194dc9c105b769aeabf9585fea6a8ed649c0781caeac5cb3c247884',
    { compose: ['immich', 'redis'] },
  ),
  container('duplicati', 'lscr.io/linuxserver/duplicati:latest', { state: 'exited' }),
  container('handbrake', 'jlesage/handbrake:v24.12.1', { state: 'exited' }),
]);
const UNRAID_RUNNING = UNRAID.containers.filter((c) => c.state === 'running').map((c) => c.name);

/** A small Debian box: a monitoring compose project and one stopped container. */
const DEBIAN = containersData([
  container('grafana', 'grafana/grafana-oss:11.3.0', { compose: ['monitoring', 'grafana'] }),
  container('prometheus', 'prom/prometheus:v2.55.0', { compose: ['monitoring', 'prometheus'] }),
  container('uptime-kuma', 'louislam/uptime-kuma:1', { state: 'exited' }),
]);

/** A CI runner that leaves its build containers behind. */
const CI_RUNNER = containersData([
  container('gitea-runner', 'gitea/act_runner:0.2.11'),
  ...Array.from({ length: 12 }, (_, index) => container(`build-${index + 1}`, 'node:20-bookworm', { state: 'exited' })),
]);

function tower(overrides: Partial<RiskContext> = {}): RiskContext {
  return {
    hostname: 'tower',
    deviceType: 'unraid',
    tags: [],
    containers: UNRAID,
    unraidParity: { running: false, detail: 'no parity operation running (array STARTED)' },
    ...overrides,
  };
}

function debian(overrides: Partial<RiskContext> = {}): RiskContext {
  return {
    hostname: 'deb1',
    deviceType: 'linux',
    tags: ['homelab'],
    containers: DEBIAN,
    unraidParity: null,
    ...overrides,
  };
}

function assess(command: string, ctx: RiskContext): RiskAssessment {
  return assessRisk(analyseCommand(command), ctx);
}

const names = (assessment: RiskAssessment): string[] => assessment.affected_items.map((item) => item.name);
const hasWarning = (assessment: RiskAssessment, pattern: RegExp): boolean =>
  assessment.safety_warnings.some((warning) => pattern.test(warning));

// ---------------------------------------------------------------------------------------------------
// Unraid /proc/mdstat (the md driver's key=value status, shortened to the array and two disks)

const MDSTAT_HEADER = `sbName=/boot/config/super.dat
sbVersion=2.9.17
sbCreated=1672531200
sbUpdated=1736496000
sbEvents=412
sbState=1
sbNumDisks=5
sbLabel=a8c3d1f2-1234-4c5d-9e8f-0a1b2c3d4e5f
sbSynced=1735689600
sbSynced2=1735719712
sbSyncErrs=0
sbSyncExit=0
mdVersion=2.9.33
mdState=STARTED
mdNumDisks=5
mdNumDisabled=0
mdNumReplaced=0
mdNumInvalid=0
mdNumMissing=0
mdNumWrong=0
mdNumNew=0
mdSwapP=0
mdSwapQ=0
`;
const MDSTAT_DISKS = `diskNumber.0=0
diskName.0=
diskSize.0=3907018532
diskState.0=7
diskId.0=WDC_WD40EFRX-68N32N0_WD-WCC7K1234567
rdevNumber.0=0
rdevStatus.0=DISK_OK
rdevName.0=sdb
rdevSize.0=3907018532
rdevId.0=WDC_WD40EFRX-68N32N0_WD-WCC7K1234567
rdevNumErrors.0=0
diskNumber.1=1
diskName.1=md1p1
diskSize.1=3907018532
diskState.1=7
diskId.1=ST4000VN008-2DR166_ZGY12345
rdevNumber.1=1
rdevStatus.1=DISK_OK
rdevName.1=sdc
rdevSize.1=3907018532
rdevId.1=ST4000VN008-2DR166_ZGY12345
rdevNumErrors.1=0
`;

/** Idle: mdResyncAction still names the last check (it is sticky). */
const MDSTAT_IDLE = `${MDSTAT_HEADER}mdResyncAction=check P
mdResyncSize=3907018532
mdResyncCorr=1
mdResync=0
mdResyncPos=0
mdResyncDt=0
mdResyncDb=0
${MDSTAT_DISKS}`;

/** A correcting parity check a third of the way through, 5,370,000 blocks in the last 30 seconds. */
const MDSTAT_CHECKING = `${MDSTAT_HEADER}mdResyncAction=check P
mdResyncSize=3907018532
mdResyncCorr=1
mdResync=3907018532
mdResyncPos=1234567890
mdResyncDt=30
mdResyncDb=5370000
${MDSTAT_DISKS}`;

const MDSTAT_PAUSED = MDSTAT_CHECKING.replace('mdResync=3907018532', 'mdResync=0')
  .replace('mdResyncDt=30', 'mdResyncDt=0')
  .replace('mdResyncDb=5370000', 'mdResyncDb=0');

// ---------------------------------------------------------------------------------------------------

describe('assessRisk: containers resolved against the live list', () => {
  it('a bulk stop counts and names the running containers', () => {
    const result = assess('docker stop $(docker ps -q)', tower());
    assert.equal(result.destructive, true);
    assert.equal(result.affected_count, 12);
    assert.deepEqual(names(result), UNRAID_RUNNING);
    assert.ok(!names(result).includes('duplicati'), 'stopped containers are not stopped again');
    assert.match(
      result.reasons[0] ?? '',
      / — running containers on tower \(12\): swag, mariadb, plex, sonarr, radarr, prowlarr and 6 more$/,
    );
    assert.equal(result.risk_level, 'HIGH');
    assert.equal(result.confirmation_phrase, 'STOP 12 CONTAINERS ON tower');
    assert.equal(result.estimated_downtime, 'until the containers are started again');
    assert.equal(result.rollback_possible, true);
    assert.deepEqual(result.categories, ['container_bulk']);
  });

  it('names the critical containers among them and suggests stopping ordinary ones by name', () => {
    const result = assess('docker ps -q | xargs docker stop', tower());
    assert.deepEqual(
      result.affected_items.filter((item) => item.critical).map((item) => item.name),
      ['swag', 'mariadb', 'immich_postgres', 'immich_redis'],
    );
    assert.ok(
      hasWarning(
        result,
        /^Critical containers affected: swag \(reverse proxy\), mariadb \(database\), immich_postgres \(database\), immich_redis \(database\)/,
      ),
    );
    assert.ok(result.safer_alternatives.includes('docker stop plex sonarr radarr (name the containers you mean)'));
    assert.ok(
      result.safer_alternatives.includes(
        'docker compose -p immich stop (one project at a time; keeps containers and volumes)',
      ),
    );
    assert.ok(
      result.safety_checklist.some((item) => /depend on swag, mariadb, immich_postgres, immich_redis/.test(item)),
    );
  });

  it('removing everything counts every container, running or not', () => {
    const result = assess('docker rm -f $(docker ps -aq)', tower());
    assert.equal(result.affected_count, 14);
    assert.equal(result.confirmation_phrase, 'REMOVE 14 CONTAINERS ON tower');
    assert.equal(result.rollback_possible, false);
    assert.equal(result.estimated_downtime, 'until the containers are recreated');
  });

  it('count-based levels never lower the analysis: 2 stays MEDIUM, 5 is MEDIUM, 12 pruned is HIGH', () => {
    const two = assess('docker stop plex sonarr', tower());
    assert.equal(two.destructive, true);
    assert.equal(two.risk_level, 'MEDIUM');
    assert.equal(two.affected_count, 2);

    const five = assess('docker stop plex sonarr radarr prowlarr tautulli', tower());
    assert.equal(five.risk_level, 'MEDIUM');
    assert.equal(five.affected_count, 5);
    assert.equal(five.confirmation_phrase, 'STOP 5 CONTAINERS ON tower');

    const prune = assess('docker container prune -f', debian({ hostname: 'ci1', containers: CI_RUNNER }));
    assert.equal(analyseCommand('docker container prune -f').risk, 'MEDIUM');
    assert.equal(prune.affected_count, 12);
    assert.equal(prune.risk_level, 'HIGH');
  });

  it('a critical database or proxy raises a bulk action to HIGH with a warning', () => {
    const result = assess('docker stop swag mariadb', tower());
    assert.equal(analyseCommand('docker stop swag mariadb').risk, 'MEDIUM');
    assert.equal(result.risk_level, 'HIGH');
    assert.ok(result.affected_items.every((item) => item.critical));
    assert.equal(
      result.affected_items[1]?.detail,
      'running, image lscr.io/linuxserver/mariadb:11.4.4; critical: database',
    );
    assert.ok(hasWarning(result, /swag \(reverse proxy\), mariadb \(database\)/));
  });

  it('containers protected by the device type or marked by label are critical', () => {
    const live = containersData([
      container('unraid-api', 'unraid/api:4.1'),
      container('plex', 'lscr.io/linuxserver/plex:latest'),
    ]);
    const protectedOne = assess('docker stop unraid-api plex', tower({ containers: live }));
    assert.equal(protectedOne.risk_level, 'HIGH');
    assert.match(protectedOne.affected_items[0]?.detail ?? '', /critical: protected on unraid devices$/);

    const labelled = containersData([
      container('homepage', 'ghcr.io/gethomepage/homepage:v0.9', { labels: { 'infrastructor.critical': 'true' } }),
      container('it-tools', 'corentinth/it-tools:latest'),
    ]);
    const marked = assess('docker stop homepage it-tools', debian({ containers: labelled }));
    assert.equal(marked.risk_level, 'HIGH');
    assert.deepEqual(
      marked.affected_items.map((item) => item.critical),
      [true, false],
    );
  });

  it('warns about names that are not on the device and counts only the ones that are', () => {
    const result = assess('docker stop plex jellyfin', tower());
    assert.ok(hasWarning(result, /^Container jellyfin not found on tower/));
    assert.equal(result.affected_count, 1);
    assert.match(result.reasons[0] ?? '', /found on tower: plex$/);
  });

  it('a container prune counts the stopped containers; other prunes say what cannot be counted', () => {
    const containers = assess('docker container prune -f', tower());
    assert.deepEqual(names(containers), ['duplicati', 'handbrake']);
    assert.equal(containers.risk_level, 'MEDIUM');
    assert.equal(containers.confirmation_phrase, 'PRUNE DOCKER DATA ON tower');
    assert.equal(containers.rollback_possible, false);

    const system = assess('docker system prune -af', tower());
    assert.equal(system.affected_count, 2);
    assert.match(
      system.reasons[0] ?? '',
      /stopped containers on tower \(2\): duplicati, handbrake; unused images, networks and build cache: how many is not known here/,
    );

    const images = assess('docker image prune -a -f', tower());
    assert.equal(images.affected_count, 0);
    assert.match(images.reasons[0] ?? '', / — unused images: how many is not known here/);
    assert.ok(
      images.safer_alternatives.includes(
        'docker system df, then docker image prune --filter until=168h (only images unused for a week)',
      ),
    );

    const volumes = assess('docker volume prune -f', tower());
    assert.equal(volumes.confirmation_phrase, 'PRUNE DOCKER VOLUMES ON tower');
    assert.ok(hasWarning(volumes, /^Permanent data loss/));
  });

  it('compose down resolves the project from -p or from the project directory', () => {
    const immich = ['immich_server', 'immich_machine_learning', 'immich_postgres', 'immich_redis'];
    const byName = assess('docker compose -p immich down', tower());
    assert.deepEqual(names(byName), immich);
    assert.equal(byName.risk_level, 'HIGH', 'immich_postgres and immich_redis are critical');
    assert.equal(byName.confirmation_phrase, 'REMOVE COMPOSE PROJECT immich ON tower');
    assert.ok(byName.safer_alternatives.includes('docker compose -p immich stop (keeps containers and volumes)'));

    const byDirectory = assess('cd /mnt/user/appdata/immich && docker compose down', tower());
    assert.deepEqual(names(byDirectory), immich);
    const byFile = assess('docker compose -f /mnt/user/appdata/Immich/docker-compose.yml down -v', tower());
    assert.deepEqual(names(byFile), immich);
    assert.equal(byFile.confirmation_phrase, 'REMOVE COMPOSE PROJECT immich WITH VOLUMES ON tower');
    assert.ok(byFile.safer_alternatives.includes('docker compose -p immich down without -v (keeps the volumes)'));

    const stop = assess('docker compose -p immich stop', tower());
    assert.equal(stop.confirmation_phrase, 'STOP COMPOSE PROJECT immich ON tower');
    assert.equal(stop.rollback_possible, true);
  });

  it('compose down in an unknown directory warns and lists the projects on the device', () => {
    const result = assess('docker compose down', tower());
    assert.equal(result.affected_count, 0);
    assert.ok(hasWarning(result, /^The compose project is not known .*compose projects on tower: immich$/));
    assert.equal(result.confirmation_phrase, 'REMOVE UNKNOWN COMPOSE PROJECT ON tower');
  });

  it('without a live list the names given are listed, unchecked', () => {
    const result = assess('docker stop plex sonarr', tower({ containers: null }));
    assert.deepEqual(names(result), ['plex', 'sonarr']);
    assert.equal(result.affected_items[0]?.detail, 'not checked against the device');
    assert.ok(hasWarning(result, /live container list was not available/));
  });
});

describe('assessRisk: non-destructive commands', () => {
  it('a single-container action is described but not held', () => {
    const result = assess('docker stop plex', tower());
    assert.equal(result.destructive, false);
    assert.equal(result.confirmation_phrase, null);
    assert.equal(result.risk_level, 'LOW');
    assert.deepEqual(result.affected_items, [
      { kind: 'container', name: 'plex', critical: false, detail: 'running, image lscr.io/linuxserver/plex:latest' },
    ]);
    assert.equal(result.rollback_possible, true);
    assert.equal(result.estimated_downtime, 'until the containers are started again');
  });

  it('keeps the analysis level for a critical container but warns (the device only raises held commands)', () => {
    const result = assess('docker stop mariadb', tower());
    assert.equal(result.destructive, false);
    assert.equal(result.risk_level, 'LOW');
    assert.ok(hasWarning(result, /mariadb \(database\)/));
  });

  it('a read-only command has nothing to say, even on production', () => {
    const result = assess('docker ps', debian({ tags: ['production'] }));
    assert.deepEqual(result, {
      destructive: false,
      risk_level: 'NONE',
      categories: [],
      reasons: [],
      affected_count: 0,
      affected_items: [],
      estimated_downtime: null,
      rollback_possible: true,
      safety_warnings: [],
      safer_alternatives: [],
      safety_checklist: [],
      confirmation_phrase: null,
      blocked_reason: null,
    });
  });
});

describe('assessRisk: device rules', () => {
  it('deleting under an Unraid share is HIGH with a protected-path warning; the same path elsewhere is not protected', () => {
    const unraid = assess('rm -rf /mnt/user/media', tower());
    assert.equal(analyseCommand('rm -rf /mnt/user/media').risk, 'MEDIUM');
    assert.equal(unraid.risk_level, 'HIGH');
    assert.ok(hasWarning(unraid, /^\/mnt\/user\/media is inside \/mnt\/user, a protected path on unraid devices$/));
    assert.deepEqual(unraid.affected_items, [
      { kind: 'path', name: '/mnt/user/media', critical: true, detail: 'protected on unraid devices (/mnt/user)' },
    ]);
    assert.ok(hasWarning(unraid, /^Permanent data loss: \/mnt\/user\/media/));
    assert.equal(unraid.estimated_downtime, null);

    const linux = assess('rm -rf /mnt/user/media', debian());
    assert.equal(linux.risk_level, 'MEDIUM');
    assert.ok(!hasWarning(linux, /protected path/));
  });

  it('protected paths match globs on either side, and deleting a parent covers them', () => {
    assert.ok(hasWarning(assess('rm -rf /mnt/disk3/old-backups', tower()), /inside \/mnt\/disk\*/));
    assert.ok(hasWarning(assess('rm -rf /mnt/*', tower()), /^\/mnt\/\* covers \/mnt\/user,/));
    assert.ok(
      hasWarning(assess('rm -rf /var/lib/vz/images/105', debian({ deviceType: 'proxmox' })), /inside \/var\/lib\/vz,/),
    );
    assert.ok(hasWarning(assess('chmod -R 777 /etc', debian()), /^\/etc is a protected path on linux devices$/));
    assert.ok(!hasWarning(assess('rm -rf /srv/www/old', debian()), /protected path/), '`/` protects only itself');
  });

  it('a production tag makes a held command CRITICAL', () => {
    for (const tag of ['prod', 'production', 'Production']) {
      const result = assess('docker stop $(docker ps -q)', debian({ tags: ['homelab', tag] }));
      assert.equal(result.risk_level, 'CRITICAL', tag);
      assert.ok(hasWarning(result, /^deb1 is tagged production/));
      assert.ok(
        result.safety_checklist.includes('This is inside an agreed maintenance window and users have been told'),
      );
    }
    assert.equal(assess('docker stop $(docker ps -q)', debian()).risk_level, 'HIGH');
  });

  it('a running parity check blocks container, disk, file system and power actions, not reads or other actions', () => {
    const parity = parseUnraidParityStatus(MDSTAT_CHECKING);
    const checking = tower({ unraidParity: parity });
    for (const command of [
      'docker stop $(docker ps -q)',
      'reboot',
      'rm -rf /mnt/user/old',
      'docker compose -p immich down',
      'systemctl stop docker',
    ]) {
      const result = assess(command, checking);
      assert.match(
        result.blocked_reason ?? '',
        /^Unraid array operation in progress: parity check 31\.6% \(check P\), about 4 h 9 min left\. Container, disk, file system and power actions are blocked/,
        command,
      );
    }
    assert.equal(assess('docker ps', checking).blocked_reason, null);
    assert.equal(assess('docker stop plex', checking).blocked_reason, null, 'not destructive');
    const packages = assess('apt-get remove nano', checking);
    assert.equal(packages.blocked_reason, null);
    assert.ok(hasWarning(packages, /^Unraid array operation in progress: parity check 31\.6%/));
    assert.equal(
      assess('reboot', tower({ unraidParity: parseUnraidParityStatus(MDSTAT_PAUSED) })).blocked_reason?.startsWith(
        'Unraid array operation in progress: parity check paused at 31.6%',
      ),
      true,
    );
    assert.equal(assess('reboot', tower({ unraidParity: parseUnraidParityStatus(MDSTAT_IDLE) })).blocked_reason, null);
  });
});

describe('assessRisk: rollback and downtime per category', () => {
  const cases: [command: string, rollback: boolean, downtime: string | null][] = [
    ['docker stop $(docker ps -q)', true, 'until the containers are started again'],
    ['docker kill plex sonarr', true, 'until the containers are started again'],
    ['docker restart plex sonarr radarr', true, 'seconds to a minute while it restarts'],
    ['docker rm -f plex sonarr', false, 'until the containers are recreated'],
    ['docker volume rm immich_pgdata', false, null],
    ['reboot', true, '1–5 minutes while the device reboots'],
    ['shutdown -h now', false, 'until someone powers it on'],
    ['systemctl stop docker', true, 'until the service is started again'],
    ['systemctl disable nginx', true, 'none now; from the next boot until re-enabled (or unmasked)'],
    ['systemctl disable --now nginx', true, 'until the service is started again'],
    ['ip link set eth0 down', true, 'until restored from the console — SSH access may be lost'],
    ['zfs destroy -r tank/data', false, null],
    ['wipefs -a /dev/sdb', false, null],
    ['rm -rf /srv/media/old', false, null],
    ['apt-get remove nginx', false, 'until the packages are installed again (for services they provide)'],
    ['curl -fsSL https://get.example.sh | sh', false, null],
  ];
  for (const [command, rollback, downtime] of cases) {
    it(command, () => {
      const result = assess(command, debian({ containers: UNRAID }));
      assert.equal(result.destructive, true);
      assert.equal(result.rollback_possible, rollback);
      assert.equal(result.estimated_downtime, downtime);
    });
  }

  it('the most severe downtime of several findings wins', () => {
    const result = assess('docker stop plex sonarr && shutdown -h now', tower());
    assert.equal(result.estimated_downtime, 'until someone powers it on');
    assert.deepEqual(result.categories, ['power', 'container_bulk']);
  });
});

describe('assessRisk: safer alternatives and checklist', () => {
  it('are concrete, with the names from the command', () => {
    const alternatives = (command: string) => assess(command, debian()).safer_alternatives;
    assert.ok(
      alternatives('zfs destroy tank/data').includes(
        'zfs destroy -n -v tank/data (dry run: lists what would be destroyed)',
      ),
    );
    assert.ok(
      alternatives('rm -rf /srv/media/old').includes('find /srv/media/old -maxdepth 1 -print to review what is there'),
    );
    assert.ok(alternatives('reboot').includes('shutdown -r +5 (cancellable with shutdown -c)'));
    assert.ok(alternatives('apt-get remove nginx').includes('apt-get -s remove nginx (simulate: lists what would go)'));
    assert.ok(
      alternatives('iptables -F').some((text) => text.startsWith('iptables-save > /root/iptables.rules first')),
    );
    assert.ok(alternatives('ip link set eth0 down').some((text) => text.includes('ip link set eth0 up')));
    assert.deepEqual(alternatives('curl -fsSL https://get.example.sh | bash'), [
      "run the script's contents directly so they can be analysed",
    ]);
  });

  it('asks for backups before data loss and for console access before power and network changes', () => {
    const backup = 'A recent backup of the affected data exists and has been restored once';
    const console = 'Console or out-of-band access (IPMI, KVM, physical) is ready in case SSH does not come back';
    assert.ok(assess('zfs destroy tank/data', debian()).safety_checklist.includes(backup));
    assert.ok(assess('reboot', debian()).safety_checklist.includes(console));
    assert.ok(assess('systemctl stop sshd', debian()).safety_checklist.includes(console));
    assert.ok(assess('ufw default deny incoming', debian()).safety_checklist.includes(console));
    assert.ok(!assess('docker stop plex sonarr', tower()).safety_checklist.includes(backup));
  });
});

describe('assessRisk: confirmation phrases', () => {
  const nas01 = (containers: ContainersData | null = null) => debian({ hostname: 'nas01', containers });
  const cases: [command: string, phrase: string, ctx?: RiskContext][] = [
    ['docker stop $(docker ps -q)', 'STOP 12 CONTAINERS ON nas01', nas01(UNRAID)],
    ['docker rm -v nextcloud', 'REMOVE CONTAINER nextcloud WITH VOLUMES ON nas01', nas01(UNRAID)],
    // mariadb is critical: its removal outranks the package removal that makes the command held.
    ['docker rm mariadb && apt-get remove nano', 'REMOVE CONTAINER mariadb ON nas01', nas01(UNRAID)],
    ['docker compose -p web down', 'REMOVE COMPOSE PROJECT web ON nas01'],
    ['docker system prune -af', 'PRUNE DOCKER DATA ON nas01'],
    ['docker volume rm immich_pgdata', 'DELETE VOLUME immich_pgdata ON nas01'],
    ['reboot', 'REBOOT nas01'],
    ['systemctl poweroff', 'POWER OFF nas01'],
    ['zfs destroy tank/data', 'DESTROY ZFS tank/data ON nas01'],
    ['zpool destroy tank', 'DESTROY ZFS POOL tank ON nas01'],
    ['rm -rf /var/lib/docker', 'DELETE /var/lib/docker ON nas01'],
    ['rm -rf /srv/a /srv/b /srv/c', 'DELETE 3 PATHS ON nas01'],
    ['echo "" > /etc/fstab', 'OVERWRITE /etc/fstab ON nas01'],
    ['dd if=/dev/zero of=/dev/sdb bs=1M', 'WIPE /dev/sdb ON nas01'],
    ['systemctl stop docker', 'STOP SERVICE docker ON nas01'],
    ['systemctl disable nginx', 'DISABLE SERVICE nginx ON nas01'],
    ['systemctl disable --now grafana', 'STOP AND DISABLE SERVICE grafana ON nas01'],
    ['systemctl mask nginx', 'MASK SERVICE nginx ON nas01'],
    ['chkconfig httpd off', 'DISABLE SERVICE httpd ON nas01'],
    ['chmod 000 /usr/bin/sudo', 'CHANGE PERMISSIONS OF /usr/bin/sudo ON nas01'],
    ['chown -R nobody /etc', 'CHANGE OWNERSHIP OF /etc ON nas01'],
    ['setfacl -b /etc/sudoers.d', 'CHANGE PERMISSIONS OF /etc/sudoers.d ON nas01'],
    ['pkill nginx', 'KILL PROCESS nginx ON nas01'],
    ['ip link set eth0 down', 'TAKE DOWN eth0 ON nas01'],
    ['iptables -F', 'CHANGE FIREWALL ON nas01'],
    ['apt-get purge openssh-server', 'REMOVE PACKAGE openssh-server ON nas01'],
    ['curl -fsSL https://example.com/install.sh | bash', 'RUN UNANALYSABLE COMMAND ON nas01'],
  ];
  for (const [command, phrase, ctx] of cases) {
    it(`${command} → ${phrase}`, () => {
      assert.equal(assess(command, ctx ?? nas01()).confirmation_phrase, phrase);
    });
  }

  it('keeps the hostname as given', () => {
    assert.equal(assess('reboot', debian({ hostname: 'NAS-01.lan' })).confirmation_phrase, 'REBOOT NAS-01.lan');
  });

  it('counts instead of naming when the name would make the phrase long', () => {
    const path = `/srv/exports/${'very-long-directory-name/'.repeat(4)}old`;
    const phrase = assess(`rm -rf ${path}`, debian({ hostname: 'nas01' })).confirmation_phrase ?? '';
    assert.equal(phrase, 'DELETE 1 PATH ON nas01');
    assert.ok(phrase.length < 80);
  });

  it('is the same for the same input', () => {
    const command = 'docker stop swag mariadb && reboot && rm -rf /mnt/user/old';
    const first = assess(command, tower());
    const second = assess(command, tower());
    assert.deepEqual(first, second);
    assert.equal(
      first.confirmation_phrase,
      'STOP 2 CONTAINERS ON tower',
      'the first of the equally risky findings leads',
    );
  });
});

describe('assessRisk: Proxmox guests', () => {
  const pve = () => debian({ hostname: 'pve1', deviceType: 'proxmox', containers: null });
  const cases: [command: string, phrase: string, downtime: string | null, rollback: boolean][] = [
    ["qm stop '101'", 'STOP GUEST 101 ON pve1', 'until the guests are started again', true],
    ['pct shutdown 204', 'SHUT DOWN GUEST 204 ON pve1', 'until the guests are started again', true],
    ['qm reboot 101', 'REBOOT GUEST 101 ON pve1', 'a minute or two while the guest reboots', true],
    ['qm reset 101', 'RESET GUEST 101 ON pve1', 'a minute or two while the guest reboots', true],
    ['pvesh create /nodes/pve1/stopall', 'STOP ALL GUESTS ON pve1', 'until the guests are started again', true],
    ['qm rollback 101 before-upgrade', 'ROLL BACK GUEST 101 ON pve1', 'a minute or two while the guest reboots', false],
    ['pct destroy 204 --purge', 'DESTROY GUEST 204 ON pve1', null, false],
    ['pvesh delete /nodes/pve1/qemu/101', 'DESTROY GUEST 101 ON pve1', null, false],
  ];
  for (const [command, phrase, downtime, rollback] of cases) {
    it(`${command} → ${phrase}`, () => {
      const result = assess(command, pve());
      assert.equal(result.destructive, true);
      assert.equal(result.confirmation_phrase, phrase);
      assert.equal(result.estimated_downtime, downtime);
      assert.equal(result.rollback_possible, rollback);
    });
  }

  it('offers the clean form of a hard stop, and warns about data loss before destroy and rollback', () => {
    const stop = assess('qm stop 101', pve());
    assert.deepEqual(stop.safer_alternatives, ['qm shutdown 101 lets the guest shut down cleanly']);
    assert.ok(hasWarning(stop, /No clean shutdown: what 101 has not written to disk is lost/));
    assert.deepEqual(assess('pvesh create /nodes/pve1/lxc/204/status/reset', pve()).safer_alternatives, [
      'pct reboot 204 lets the guest restart cleanly',
    ]);
    assert.ok(hasWarning(assess('qm destroy 101', pve()), /Permanent data loss: the disks of 101 are deleted/));
    assert.ok(
      hasWarning(assess('qm rollback 101 snap1', pve()), /everything 101 wrote since the snapshot is discarded/),
    );
    assert.ok(
      assess('qm destroy 101', pve()).safer_alternatives.includes('vzdump 101 first; qm shutdown 101 keeps the guest'),
    );
  });

  it('virsh destroy is held as the hard stop it is, with the clean shutdown offered instead', () => {
    const result = assess('virsh -c qemu:///system destroy web', pve());
    assert.deepEqual(
      [result.destructive, result.risk_level, result.categories, result.confirmation_phrase],
      [true, 'MEDIUM', ['vm_power'], 'STOP GUEST web ON pve1'],
    );
    assert.deepEqual(result.safer_alternatives, ['virsh shutdown web lets the guest shut down cleanly']);
    assert.ok(hasWarning(result, /No clean shutdown: what web has not written to disk is lost/));
    assert.equal(assess('virsh suspend web', pve()).destructive, false);
  });

  it('a suspend is described but not held', () => {
    const result = assess('qm suspend 101', pve());
    assert.deepEqual(
      [result.destructive, result.risk_level, result.categories, result.confirmation_phrase],
      [false, 'LOW', ['vm_power'], null],
    );
    assert.equal(result.estimated_downtime, 'until the guests are resumed');
  });
});

describe('assessRisk: disabled and masked services', () => {
  it('says the service stays down from the next boot, and offers the lighter form', () => {
    const disabled = assess('systemctl disable nginx', debian());
    assert.deepEqual([disabled.destructive, disabled.risk_level], [true, 'MEDIUM']);
    assert.ok(disabled.safety_warnings.includes('nginx will not start when deb1 next boots, until re-enabled'));
    assert.deepEqual(disabled.safer_alternatives, [
      'systemctl stop nginx if it only needs to be down until the next boot',
    ]);

    const masked = assess('systemctl mask nginx', debian());
    assert.ok(masked.safety_warnings.includes('nginx cannot be started at all, at boot or by hand, until unmasked'));
    assert.ok(
      masked.safer_alternatives.includes(
        'systemctl disable nginx keeps it from starting at boot and leaves it startable by hand',
      ),
    );
  });

  it('disabling remote access warns that SSH goes at the next boot', () => {
    const result = assess('systemctl disable sshd', debian());
    assert.ok(
      result.safety_warnings.includes('Remote access goes through sshd: SSH to deb1 may be lost at its next boot'),
    );
    assert.ok(
      result.safety_checklist.includes(
        'Console or out-of-band access (IPMI, KVM, physical) is ready in case SSH does not come back',
      ),
    );
  });
});

describe('assessRisk: processes killed by name', () => {
  it('names the pattern in the phrase and offers to list the matches first', () => {
    const result = assess('pkill -f my-script.py', debian({ hostname: 'nas01' }));
    assert.deepEqual(
      [result.destructive, result.risk_level, result.confirmation_phrase],
      [true, 'MEDIUM', 'KILL PROCESS my-script.py ON nas01'],
    );
    assert.equal(
      result.safer_alternatives[0],
      'pgrep -af my-script.py lists the matching processes; kill the PIDs you mean',
    );
  });

  it('one numeric PID runs at once', () => {
    const result = assess('kill 12345', debian());
    assert.deepEqual([result.destructive, result.risk_level, result.confirmation_phrase], [false, 'LOW', null]);
  });
});

describe('parseUnraidParityStatus', () => {
  it('reads an idle array (the last action is sticky and means nothing)', () => {
    assert.deepEqual(parseUnraidParityStatus(MDSTAT_IDLE), {
      running: false,
      detail: 'no parity operation running (array STARTED)',
    });
  });

  it('reads a running check with its progress and the time left', () => {
    // 1234567890 of 3907018532 blocks; 2672450642 left at 5370000 blocks per 30 s ≈ 14930 s.
    assert.deepEqual(parseUnraidParityStatus(MDSTAT_CHECKING), {
      running: true,
      detail: 'parity check 31.6% (check P), about 4 h 9 min left',
    });
  });

  it('counts a paused check as in progress', () => {
    assert.deepEqual(parseUnraidParityStatus(MDSTAT_PAUSED), {
      running: true,
      detail: 'parity check paused at 31.6% (check P)',
    });
  });

  it('names a parity sync or rebuild, and reads var.ini-style quoted values', () => {
    const rebuilding =
      'mdState="STARTED"\nmdResyncAction="recon P"\nmdResyncSize="3907018532"\nmdResync="3907018532"\nmdResyncPos="390701853"\nmdResyncDt="0"\nmdResyncDb="0"\n';
    assert.deepEqual(parseUnraidParityStatus(rebuilding), {
      running: true,
      detail: 'parity sync or disk rebuild 10.0% (recon P)',
    });
  });

  it('refuses text that is not Unraid md status', () => {
    const linuxMd =
      'Personalities : [raid1]\nmd0 : active raid1 sdb1[0] sdc1[1]\n      1953382400 blocks super 1.2 [2/2] [UU]\n\nunused devices: <none>\n';
    assert.throws(
      () => parseUnraidParityStatus(linuxMd),
      (error: unknown) =>
        error instanceof CollectorParseError && /not the status of Unraid's md driver/.test(error.message),
    );
  });
});
