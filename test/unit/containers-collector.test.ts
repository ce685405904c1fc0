import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { type ContainerInfo, type ContainersData, containersCollector } from '../../domain/collectors/containers.ts';
import { shellQuote } from '../../domain/ssh/quote.ts';
import {
  fixtureReader,
  fixtureToolScript,
  fixtureUrl,
  parseErrorAsserter,
  schemaCheckedParse,
} from '../support/collector-fixtures.ts';
import { tempDirs } from '../support/temp-dirs.ts';

const fixture = fixtureReader('containers');
const MIB = 2 ** 20;
const GIB = 2 ** 30;

function parse(stdout: string): ContainersData {
  return schemaCheckedParse(containersCollector, stdout);
}

function container(data: ContainersData, name: string): ContainerInfo {
  const found = data.containers.find((c) => c.name === name);
  assert.ok(found, `no container ${name}`);
  return found;
}

const assertParseError = parseErrorAsserter('containers');

describe('containersCollector settings', () => {
  it('polls every 30 seconds into containers_snapshots', () => {
    assert.equal(containersCollector.dataType, 'containers');
    assert.equal(containersCollector.freshnessSeconds, 30);
    assert.equal(containersCollector.pollIntervalSeconds, 30);
    assert.equal(containersCollector.commandTimeoutMs, 30_000);
    assert.equal(containersCollector.table, 'containers_snapshots');
  });
});

describe('containersCollector.parse: docker 27.1', () => {
  const data = parse(fixture('docker-27.1.txt'));

  it('summarizes states and health', () => {
    assert.equal(data.docker_available, true);
    assert.equal(data.docker_version, '27.1.1');
    assert.deepEqual(data.summary, { total: 7, running: 3, exited: 1, paused: 1, restarting: 1, unhealthy: 1 });
    assert.deepEqual(containersCollector.columns(data), {
      total: 7,
      running: 3,
      exited: 1,
      unhealthy: 1,
      docker_available: true,
    });
  });

  it('reads a running compose service with published IPv4 and IPv6 ports', () => {
    const traefik = container(data, 'proxy-traefik-1');
    assert.match(traefik.id, /^[0-9a-f]{64}$/);
    assert.equal(traefik.image, 'traefik:v3.1');
    assert.equal(traefik.state, 'running');
    assert.equal(traefik.status, 'Up 3 days (healthy)');
    assert.equal(traefik.health, 'healthy');
    assert.equal(traefik.exit_code, null);
    assert.equal(traefik.created_at, '2024-07-20T08:00:00.412Z');
    assert.equal(traefik.started_at, '2024-07-22T06:14:09.118Z');
    assert.equal(traefik.compose_project, 'proxy');
    assert.deepEqual(traefik.ports, [
      { host_ip: '0.0.0.0', host_port: 80, container_port: 80, protocol: 'tcp' },
      { host_ip: '::', host_port: 80, container_port: 80, protocol: 'tcp' },
      { host_ip: '0.0.0.0', host_port: 443, container_port: 443, protocol: 'tcp' },
      { host_ip: '::', host_port: 443, container_port: 443, protocol: 'tcp' },
    ]);
    // labels come from inspect, so values with commas survive (ps joins all labels with commas)
    assert.equal(
      traefik.labels['traefik.http.routers.dashboard.rule'],
      'Host(`traefik.home.lan`) && (PathPrefix(`/api`) || PathPrefix(`/dashboard`))',
    );
    assert.equal(
      container(data, 'nextcloud-app-1').labels['com.docker.compose.project.config_files'],
      '/opt/stacks/nextcloud/compose.yaml,/opt/stacks/nextcloud/compose.override.yaml',
    );
  });

  it('converts binary memory units and decimal I/O units', () => {
    assert.deepEqual(container(data, 'proxy-traefik-1').stats, {
      cpu_percent: 0.12,
      memory_usage_bytes: Math.round(38.2 * MIB),
      memory_limit_bytes: Math.round(31.28 * GIB),
      memory_percent: 0.12,
      net_rx_bytes: 1_270_000_000,
      net_tx_bytes: 1_310_000_000,
      block_read_bytes: 21_500_000,
      block_write_bytes: 0,
      pids: 14,
    });
    const jellyfin = container(data, 'jellyfin');
    assert.equal(jellyfin.state, 'paused');
    assert.equal(jellyfin.stats?.memory_limit_bytes, 4 * GIB);
    assert.equal(jellyfin.stats?.net_tx_bytes, 412_000_000_000);
  });

  it('reads unhealthy, restarting, exited and never-started containers', () => {
    const db = container(data, 'nextcloud-db-1');
    assert.equal(db.health, 'unhealthy');
    assert.equal(db.restart_count, 2);

    const redis = container(data, 'nextcloud-redis-1');
    assert.equal(redis.state, 'restarting');
    assert.equal(redis.restart_count, 37);
    assert.equal(redis.exit_code, 1);
    assert.deepEqual(redis.ports, []);

    const backup = container(data, 'restic-backup');
    assert.equal(backup.state, 'exited');
    assert.equal(backup.exit_code, 0);
    assert.equal(backup.stats, null);
    assert.equal(backup.compose_project, null);
    assert.deepEqual(backup.labels, {});

    const created = container(data, 'watchtower-once');
    assert.equal(created.state, 'created');
    assert.equal(created.started_at, null);
    assert.equal(created.exit_code, null);
    assert.deepEqual(created.ports, [{ container_port: 8080, protocol: 'tcp' }]);
  });
});

describe('containersCollector.parse: older docker versions', () => {
  it('docker 24.0: old IPv6 notation, port ranges and unreadable stats', () => {
    const data = parse(fixture('docker-24.0.txt'));
    assert.equal(data.docker_version, '24.0.7');
    const unifi = container(data, 'unifi-controller');
    assert.deepEqual(unifi.ports[1], { host_ip: '::', host_port: 3478, container_port: 3478, protocol: 'udp' });
    assert.equal(unifi.stats?.memory_usage_bytes, Math.round(1.021 * GIB));
    const coturn = container(data, 'coturn');
    assert.deepEqual(coturn.ports[1], {
      host_ip: '0.0.0.0',
      host_port: 49160,
      host_port_end: 49200,
      container_port: 49160,
      container_port_end: 49200,
      protocol: 'udp',
    });
    assert.equal(coturn.stats, null, 'docker printed -- for every value');
    assert.equal(container(data, 'pihole').exit_code, 137);
    assert.deepEqual(data.summary, { total: 5, running: 4, exited: 1, paused: 0, restarting: 0, unhealthy: 0 });
  });

  it('docker 20.10: drops a container removed between docker ps and inspect', () => {
    const data = parse(fixture('docker-20.10.txt'));
    assert.deepEqual(
      data.containers.map((c) => c.name),
      ['mosquitto', 'zigbee2mqtt', 'node-red'],
    );
    const mosquitto = container(data, 'mosquitto');
    assert.deepEqual(
      mosquitto.stats && [mosquitto.stats.block_read_bytes, mosquitto.stats.block_write_bytes],
      [4_100, 1_200_000],
    );
    assert.equal(mosquitto.stats?.memory_usage_bytes, Math.round(3.113 * MIB));
    assert.equal(container(data, 'node-red').restart_count, 5);
  });

  it('docker 19.03: no State in ps JSON, legacy link names, containers without labels', () => {
    const data = parse(fixture('docker-19.03-no-state.txt'));
    assert.deepEqual(
      data.containers.map((c) => [c.name, c.state]),
      [
        ['plex', 'running'],
        ['transmission', 'running'],
        ['old-nginx', 'dead'],
      ],
    );
    assert.deepEqual(container(data, 'plex').labels, {});
    assert.equal(container(data, 'old-nginx').exit_code, 128);
    assert.equal(container(data, 'transmission').stats?.net_tx_bytes, 7_450_000_000_000);
  });

  it('matches stats rows by name when their id is not the full container id', () => {
    const text = fixture('docker-27.1.txt');
    const traefikId = container(parse(text), 'proxy-traefik-1').id;
    const stats = text.slice(text.indexOf('@@stats\n'), text.indexOf('@@stats-status'));
    const shortIds = stats.replaceAll(`"${traefikId}"`, `"${traefikId.slice(0, 12)}"`);
    assert.equal(container(parse(text.replace(stats, shortIds)), 'proxy-traefik-1').stats?.pids, 14);
  });
});

describe('containersCollector.parse: no docker and daemon failures', () => {
  it('reports a host without docker explicitly', () => {
    const data = parse(fixture('no-docker.txt'));
    assert.deepEqual(data, {
      docker_available: false,
      containers: [],
      summary: { total: 0, running: 0, exited: 0, paused: 0, restarting: 0, unhealthy: 0 },
    });
    assert.deepEqual(containersCollector.columns(data), {
      total: 0,
      running: 0,
      exited: 0,
      unhealthy: 0,
      docker_available: false,
    });
  });

  it('turns a refused docker socket into an error, not an empty list', () => {
    assertParseError(
      () => parse(fixture('permission-denied.txt')),
      /docker ps: permission denied on the Docker daemon socket/,
    );
    // docker 29 words it differently
    const docker29 = fixture('permission-denied.txt').replaceAll(
      /permission denied while trying to connect to the Docker daemon socket at [^\n]*/g,
      'permission denied while trying to connect to the docker API at unix:///var/run/docker.sock',
    );
    assertParseError(() => parse(docker29), /permission denied on the Docker daemon socket/);
  });

  it('turns a stopped daemon into an error', () => {
    assertParseError(() => parse(fixture('docker-daemon-down.txt')), /cannot connect to the Docker daemon/);
  });

  it('reports other failures of stats and inspect with their stderr', () => {
    const text = fixture('docker-27.1.txt');
    assertParseError(
      () =>
        parse(
          text.replace(
            '@@stats-status\n0\n@@stats-stderr\n',
            '@@stats-status\n1\n@@stats-stderr\nError response from daemon: context deadline exceeded\n',
          ),
        ),
      /docker stats failed with exit status 1: Error response from daemon: context deadline exceeded/,
    );
    assertParseError(
      () =>
        parse(
          text.replace(
            '@@inspect-status\n0\n@@inspect-stderr\n',
            '@@inspect-status\n1\n@@inspect-stderr\ntemplate parsing error: unexpected EOF\n',
          ),
        ),
      /docker container inspect failed with exit status 1: template parsing error/,
    );
  });
});

describe('containersCollector.parse: malformed output', () => {
  const text = fixture('docker-27.1.txt');

  it('rejects truncated output', () => {
    assertParseError(() => parse(text.replace('@@end\n', '')), /output truncated/);
  });

  it('rejects a broken JSON line', () => {
    assertParseError(() => parse(text.replace('{"Command"', '{"Command"\n{"Comm')), /docker ps: not a JSON object/);
  });

  it('rejects unknown size units and port notations', () => {
    assertParseError(
      () => parse(text.replace('38.2MiB / 31.28GiB', '38.2MiB / 31.28XiB')),
      /MemUsage: unreadable size/,
    );
    assertParseError(() => parse(text.replace('"Ports":"80/tcp"', '"Ports":"http"')), /unreadable port mapping/);
  });

  it('rejects a container that inspect silently left out', () => {
    const firstInspectLine = /@@inspect\n(.*\n)/.exec(text)?.[1] ?? '';
    assertParseError(() => parse(text.replace(firstInspectLine, '')), /inspect returned nothing for container/);
  });
});

describe('containersCollector.command on this machine', () => {
  const tempDir = tempDirs();

  function runScript(env: NodeJS.ProcessEnv): string {
    return execFileSync('/bin/sh', ['-c', containersCollector.command({})], { encoding: 'utf8', env });
  }

  /** A `docker` that answers from a recorded fixture (stdout, stderr and exit status per section) and logs its arguments. */
  function fakeDocker(fixtureName: string): { env: NodeJS.ProcessEnv; calls: () => string[] } {
    const dir = tempDir('containers-docker-');
    const log = join(dir, 'calls.log');
    writeFileSync(log, '');
    writeFileSync(
      join(dir, 'docker'),
      fixtureToolScript({
        name: 'docker',
        fixturePath: fileURLToPath(fixtureUrl('containers', fixtureName)),
        logTo: shellQuote(log),
        cases: ["'version '*|'ps '*|'stats '*) section=$1 ;;", "'container '*) section=inspect ;;"],
      }),
    );
    chmodSync(join(dir, 'docker'), 0o755);
    return {
      env: { PATH: `${dir}:/usr/bin:/bin` },
      calls: () =>
        readFileSync(log, 'utf8')
          .split('\n')
          .filter((line) => line !== ''),
    };
  }

  it('reports no docker when docker is not on PATH', () => {
    const stdout = runScript({ PATH: tempDir('containers-empty-') });
    assert.equal(parse(stdout).docker_available, false);
  });

  it('prints exactly what the fixtures record, with one stats and one inspect call for all containers', () => {
    const docker = fakeDocker('docker-27.1.txt');
    const stdout = runScript(docker.env);
    assert.equal(stdout, fixture('docker-27.1.txt'));
    const ids = parse(stdout).containers.map((c) => c.id);
    const calls = docker.calls();
    assert.deepEqual(
      calls.map((call) => call.split(' ').slice(0, 2).join(' ')),
      ['docker version', 'docker ps', 'docker stats', 'docker container'],
    );
    assert.equal(calls[2], 'docker stats --no-stream --no-trunc --format {{json .}}');
    assert.ok(calls[3]?.startsWith('docker container inspect --format {"id":{{json .Id}}'));
    assert.ok(calls[3]?.endsWith(` ${ids.join(' ')}`), 'inspect gets every container id from docker ps');
  });

  it('carries exit status and stderr of each docker command through', () => {
    assert.equal(runScript(fakeDocker('docker-20.10.txt').env), fixture('docker-20.10.txt'));
    const denied = fakeDocker('permission-denied.txt');
    assert.equal(runScript(denied.env), fixture('permission-denied.txt'));
    assert.deepEqual(
      denied.calls().map((call) => call.split(' ').slice(0, 2).join(' ')),
      ['docker version', 'docker ps'],
      'nothing more after docker ps failed',
    );
  });
});

describe('containersCollector.schema', () => {
  it('describes every parsed answer (each parse above is checked against it) and rejects a missing or mistyped field', () => {
    const data = parse(fixture('docker-27.1.txt'));
    assert.throws(
      () =>
        containersCollector.schema.parse({ ...data, containers: data.containers.map((c) => ({ ...c, state: 'up' })) }),
      /state/,
    );
    assert.throws(
      () => containersCollector.schema.parse({ ...data, summary: { ...data.summary, running: '3' } }),
      /running/,
    );
  });
});
