import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client } from 'ssh2';
import type { CapabilitiesData } from '../../domain/collectors/capabilities.ts';
import type { CollectorContext } from '../../domain/collectors/collector.ts';
import type { ContainersData } from '../../domain/collectors/containers.ts';
import type { DrivesData } from '../../domain/collectors/drives/schema.ts';
import type { DockerNetworksData } from '../../domain/collectors/docker-networks.ts';
import type { PortsData } from '../../domain/collectors/ports.ts';
import type { GuestsData } from '../../domain/collectors/guests.ts';
import type { DiskIoData } from '../../domain/collectors/disk-io.ts';
import type { GpuData } from '../../domain/collectors/gpu.ts';
import type { ProcessesData } from '../../domain/collectors/processes.ts';
import type { SensorsData } from '../../domain/collectors/sensors.ts';
import type { MetricsData } from '../../domain/collectors/metrics.ts';
import type { NetworkData } from '../../domain/collectors/network.ts';
import { CollectorParseError } from '../../domain/collectors/parse-error.ts';
import { collectorFor, DATA_TYPES, type DataType } from '../../domain/collectors/registry.ts';
import type { ServicesData } from '../../domain/collectors/services.ts';
import type { UpdatesData } from '../../domain/collectors/updates.ts';
import type { ZfsData } from '../../domain/collectors/zfs/schema.ts';
import { semanticChanges } from '../../domain/config/config-diff.ts';
import { parseFileRead, readFileScript } from '../../domain/config/file-read.ts';
import type { ComposeConfig, NginxConfig } from '../../domain/config/parsed-config.ts';
import { parseConfig } from '../../domain/config/parse-config.ts';
import {
  discoveryScript,
  hashScanScript,
  isWatchedFile,
  parseDiscovery,
  parseHashScanResult,
  parseWatchLine,
  watchScript,
  type WatchTargets,
} from '../../domain/config/watch-scripts.ts';
import { SshError } from '../../domain/ssh/errors.ts';
import { hostKeyIdentity } from '../../domain/ssh/host-key.ts';
import { SshPool } from '../../activities/ssh/pool.ts';
import { collectionScript } from '../../activities/collect.ts';
import { posixShellCommand } from '../../domain/ssh/quote.ts';
import { configEditsBetween, configFiles, nextConfigEdit } from '../../simulator/config-files.ts';
import { buildProfile, ROLE_ORDER, type Role } from '../../simulator/profile.ts';
import { type Fleet, type SimulatedDevice, startFleet } from '../../simulator/simulator.ts';
import { createLogger } from '../../platform/logger.ts';

/** Every wait in this file ends: a device that does not answer fails the test, it never stalls it. */
const TIMEOUT_MS = 5000;
const HOUR_MS = 3_600_000;
const START = Date.parse('2026-03-02T09:00:00Z');

/** A clock the test moves by hand, so days of device life pass in milliseconds. */
function manualClock() {
  let now = START;
  return { now: () => now, advance: (ms: number) => void (now += ms) };
}

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'fleet-sim-'));
  dirs.push(dir);
  return dir;
}
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

interface Connected {
  client: Client;
  /** Fingerprint of the host key the server presented. */
  presented: string;
  closed: Promise<void>;
}

async function connect(fleet: Fleet, device: SimulatedDevice): Promise<Connected> {
  const client = new Client();
  let presented = '';
  const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    client.once('ready', () => resolve());
    client.once('error', reject);
    client.connect({
      host: device.address,
      port: device.port,
      username: fleet.username,
      privateKey: readFileSync(fleet.clientKeyPath),
      readyTimeout: TIMEOUT_MS,
      hostVerifier: (key: Buffer) => {
        presented = hostKeyIdentity(key).fingerprint;
        return true;
      },
    });
  });
  // A dropped or refused connection reports an error after ready; the tests look at the outcome instead.
  client.on('error', () => {});
  // As the SSH pool does: without it, Nagle's algorithm holds each exec request for a delayed ACK.
  client.setNoDelay(true);
  return { client, presented, closed };
}

interface ExecResult {
  stdout: string;
  stderr: string;
  exitCode: number | null;
  ms: number;
}

function exec(client: Client, command: string, timeoutMs = TIMEOUT_MS): Promise<ExecResult> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    client.exec(command, (err, stream) => {
      if (err) {
        clearTimeout(timer);
        reject(err);
        return;
      }
      let stdout = '';
      let stderr = '';
      let exitCode: number | null = null;
      stream.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
      stream.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
      stream.on('exit', (code: number | null) => (exitCode = code));
      stream.on('close', () => {
        clearTimeout(timer);
        resolve({ stdout, stderr, exitCode, ms: performance.now() - started });
      });
    });
  });
}

/** The collection script exactly as activities/collect.ts sends it. */
function collectionCommand(type: DataType, ctx: CollectorContext<unknown> = {}): string {
  return posixShellCommand(collectionScript(type, collectorFor(type), ctx));
}

async function collect<T>(client: Client, type: DataType, ctx: CollectorContext<unknown> = {}): Promise<T> {
  const out = await exec(client, collectionCommand(type, ctx));
  assert.equal(out.exitCode, 0, `${type} exit code`);
  return collectorFor(type).parse(out, ctx) as T;
}

function deviceWithRole(fleet: Fleet, role: Role): SimulatedDevice {
  const device = fleet.devices.find((d) => d.profile.role === role);
  assert.ok(device, `no ${role} in the fleet`);
  return device;
}

describe('fleet simulator: six devices, one of each role', () => {
  const clock = manualClock();
  let fleet: Fleet;
  const sessions = new Map<string, Connected>();
  const session = (device: SimulatedDevice) => {
    const s = sessions.get(device.hostname);
    assert.ok(s, `no session to ${device.hostname}`);
    return s.client;
  };

  before(async () => {
    fleet = await startFleet({ count: 6, seed: 42, host: '127.0.0.1', firstPort: 0, dir: tempDir(), clock: clock.now });
    for (const device of fleet.devices) sessions.set(device.hostname, await connect(fleet, device));
  });
  after(async () => {
    for (const s of sessions.values()) s.client.end();
    await fleet?.stop();
  });

  it('gives every device its own address, port and host key, and the client sees that key', () => {
    assert.deepEqual(
      fleet.devices.map((d) => d.profile.role),
      ROLE_ORDER,
    );
    assert.equal(new Set(fleet.devices.map((d) => d.port)).size, 6);
    assert.equal(new Set(fleet.devices.map((d) => d.hostKeyFingerprint)).size, 6);
    for (const device of fleet.devices) {
      assert.match(device.hostKeyFingerprint, /^SHA256:[A-Za-z0-9+/]{43}$/);
      assert.equal(sessions.get(device.hostname)?.presented, device.hostKeyFingerprint, device.hostname);
    }
  });

  it('answers every collector script with output its parser accepts, consistent with the device capabilities', async () => {
    const managers = new Set<string | null>();
    for (const device of fleet.devices) {
      const client = session(device);
      const caps = (await collect<CapabilitiesData>(client, 'capabilities')).capabilities;
      assert.deepEqual(caps, device.profile.capabilities, device.hostname);
      const containers = await collect<ContainersData>(client, 'containers');
      const services = await collect<ServicesData>(client, 'services');
      const drives = await collect<DrivesData>(client, 'drives');
      const zfs = await collect<ZfsData>(client, 'zfs');
      const network = await collect<NetworkData>(client, 'network');
      const updates = await collect<UpdatesData>(client, 'updates');
      const metrics = await collect<MetricsData>(client, 'metrics');
      const guests = await collect<GuestsData>(client, 'guests');
      const processes = await collect<ProcessesData>(client, 'processes');
      const diskIo = await collect<DiskIoData>(client, 'disk_io');
      const sensors = await collect<SensorsData>(client, 'sensors');
      const gpu = await collect<GpuData>(client, 'gpu');
      assert.ok(processes.available && processes.top_memory.length > 0, `${device.hostname} lists processes`);
      assert.ok(diskIo.devices.length > 0 && diskIo.sample_window_seconds === 1, `${device.hostname} has disk rates`);
      assert.equal(sensors.source === null, device.profile.virtual, `${device.hostname}: sensors on hardware only`);
      assert.equal(gpu.available, caps.gpu, `${device.hostname} gpu`);
      const ports = await collect<PortsData>(client, 'ports');
      const networks = await collect<DockerNetworksData>(client, 'docker_networks');
      assert.equal(networks.docker_available, caps.docker, `${device.hostname} docker networks`);
      assert.ok(
        ports.ports.some((p) => p.port === 22 && p.process === 'sshd'),
        `${device.hostname} listens for SSH`,
      );
      const published = containers.containers.filter(
        (c) => c.state === 'running' && c.ports.some((p) => p.host_port !== undefined),
      );
      for (const c of published)
        assert.ok(
          ports.ports.some((p) => p.container === c.name),
          `${device.hostname} ${c.name} publishes a listening port`,
        );
      assert.equal(containers.docker_available, caps.docker, `${device.hostname} docker`);
      assert.equal(guests.available, caps.proxmox, `${device.hostname} proxmox`);
      if (caps.proxmox)
        assert.deepEqual(
          [guests.status, guests.node, guests.summary.running],
          ['ok', device.hostname, 3],
          `${device.hostname} guests`,
        );
      assert.equal(services.systemd_available, caps.systemd, `${device.hostname} systemd`);
      assert.equal(drives.smartctl_available, caps.smartctl, `${device.hostname} smartctl`);
      assert.equal(zfs.zfs_available, caps.zfs, `${device.hostname} zfs`);
      if (caps.docker) assert.ok(containers.summary.total > 0, `${device.hostname} runs containers`);
      if (caps.systemd) assert.ok(services.summary.total > 20, `${device.hostname} has systemd units`);
      assert.ok(network.summary.up >= 1 && network.default_route !== null, `${device.hostname} is on the network`);
      assert.equal(metrics.cpu.cores, device.profile.cores);
      assert.ok(
        metrics.filesystems.some((fs) => fs.mountpoint === '/'),
        `${device.hostname} has a root filesystem`,
      );
      managers.add(updates.package_manager);
    }
    assert.deepEqual([...managers].sort(), ['apk', 'apt', 'dnf']);
    const byType = fleet.stats().byType;
    for (const type of DATA_TYPES) assert.ok((byType[type] ?? 0) >= 6, `${type} counted per device`);
  });

  it('advances CPU counters, uptime and traffic between metrics polls and uses the previous snapshot like a real device', async () => {
    const client = session(deviceWithRole(fleet, 'nas'));
    const first = await collect<MetricsData>(client, 'metrics');
    assert.equal(first.cpu.source, 'in_command_sample');
    clock.advance(300_000);
    // The second script carries the first snapshot's boot time, so the device prints only one sample.
    const ctx = { previous: { data: first, collectedAt: new Date() } };
    const second = await collect<MetricsData>(client, 'metrics', ctx);
    assert.equal(second.cpu.source, 'previous_snapshot');
    assert.equal(second.boot_time, first.boot_time);
    assert.ok(second.uptime_seconds - first.uptime_seconds >= 299, 'uptime grows with the clock');
    assert.ok(
      second.cpu_raw.user > first.cpu_raw.user && second.cpu_raw.idle > first.cpu_raw.idle,
      'CPU counters advance',
    );
    assert.ok(second.cpu.usage_percent > 0 && second.cpu.usage_percent < 100);
    const rx = (m: MetricsData) => m.network.find((n) => n.interface === 'eno1')?.rx_bytes ?? 0;
    assert.ok(rx(second) > rx(first), 'traffic counters advance');

    clock.advance(24 * HOUR_MS);
    const dayLater = await collect<MetricsData>(client, 'metrics');
    const rootUsed = (m: MetricsData) => m.filesystems.find((fs) => fs.mountpoint === '/')?.used_bytes ?? 0;
    assert.ok(rootUsed(dayLater) > rootUsed(first), 'filesystems fill up');
    assert.notDeepEqual(dayLater.load, first.load);
  });

  it('lets containers restart, crash and turn unhealthy over simulated days', async () => {
    const hosts = fleet.devices.filter((d) => d.profile.capabilities.docker);
    const restartCounts = new Map<string, number>();
    let restarted = 0;
    let troubled = 0;
    for (let poll = 0; poll < 96; poll++) {
      clock.advance(30 * 60_000);
      for (const device of hosts) {
        const data = await collect<ContainersData>(session(device), 'containers');
        for (const c of data.containers) {
          const key = `${device.hostname}/${c.name}`;
          if (c.restart_count > (restartCounts.get(key) ?? c.restart_count)) restarted++;
          restartCounts.set(key, c.restart_count);
          if (c.state === 'restarting' || c.health === 'unhealthy' || (c.state === 'exited' && c.exit_code !== 0))
            troubled++;
        }
      }
    }
    assert.ok(restarted > 0, 'some container restarted');
    assert.ok(troubled > 0, 'some container crashed, loops or is unhealthy');
  });

  it('runs docker start/stop/restart/rm on the device and shows the result in the next collection', async () => {
    const device = deviceWithRole(fleet, 'docker');
    const client = session(device);
    const state = async (name: string) =>
      (await collect<ContainersData>(client, 'containers')).containers.find((c) => c.name === name);
    const name = (await collect<ContainersData>(client, 'containers')).containers.find(
      (c) => c.state === 'running',
    )?.name;
    assert.ok(name, 'a running container');

    assert.deepEqual(await exec(client, `docker stop '${name}'`).then((r) => [r.stdout, r.exitCode]), [`${name}\n`, 0]);
    assert.equal((await state(name))?.state, 'exited');
    clock.advance(6 * HOUR_MS);
    assert.equal((await state(name))?.state, 'exited', 'an operator-stopped container stays stopped');
    assert.deepEqual(await exec(client, `docker start ${name}`).then((r) => [r.stdout, r.exitCode]), [`${name}\n`, 0]);
    const started = await state(name);
    assert.equal(started?.state, 'running');
    assert.equal(started?.started_at, new Date(clock.now()).toISOString());
    assert.equal((await exec(client, `docker restart -t 5 ${name}`)).exitCode, 0);

    const refused = await exec(client, `docker rm ${name}`);
    assert.equal(refused.exitCode, 1);
    assert.match(refused.stderr, /container is running/);
    assert.equal((await exec(client, `docker rm -f ${name}`)).exitCode, 0);
    assert.equal(await state(name), undefined);
    const missing = await exec(client, `docker restart ${name}`);
    assert.equal(missing.exitCode, 1);
    assert.match(missing.stderr, /No such container/);
  });

  it('runs the $(docker ps -q) inside a command first, as sh does: docker stop $(docker ps -q) stops every running container', async () => {
    const client = session(deviceWithRole(fleet, 'docker'));
    const running = (await collect<ContainersData>(client, 'containers')).containers.filter(
      (c) => c.state !== 'exited',
    );
    assert.ok(running.length > 1, 'several running containers');
    const ids = await exec(client, 'docker ps -q');
    assert.deepEqual(ids.stdout.split('\n').filter(Boolean).sort(), running.map((c) => c.id.slice(0, 12)).sort());

    const stopped = await exec(client, 'docker stop $(docker ps -q)');
    assert.deepEqual([stopped.stdout, stopped.stderr, stopped.exitCode], [ids.stdout, '', 0]);
    assert.deepEqual(await exec(client, 'docker ps -q').then((r) => [r.stdout, r.exitCode]), ['', 0]);
    assert.ok((await collect<ContainersData>(client, 'containers')).containers.every((c) => c.state === 'exited'));
    // The table lists them only with -a, each as docker prints a stopped one, in the header's columns.
    // What docker 27 prints when it has nothing to list.
    assert.equal(
      (await exec(client, 'docker ps')).stdout,
      'CONTAINER ID   IMAGE     COMMAND   CREATED   STATUS    PORTS     NAMES\n',
    );
    const [header = '', ...rows] = (await exec(client, 'docker ps -a')).stdout.split('\n').filter(Boolean);
    assert.match(header, /^CONTAINER ID {3}IMAGE +COMMAND +CREATED +STATUS +PORTS +NAMES$/);
    for (const c of running) {
      const row = rows.find((line) => line.endsWith(`   ${c.name}`)) ?? '';
      assert.ok(row.startsWith(c.id.slice(0, 12)), `${c.name} listed`);
      assert.equal(row.indexOf('Exited (0) '), header.indexOf('STATUS'), row);
      assert.equal(row.lastIndexOf(c.name), header.indexOf('NAMES'), row);
    }
    // Nothing is running now: the substitution is empty and docker says what it lacks.
    const again = await exec(client, 'docker stop $(docker ps -q)');
    assert.deepEqual([again.stderr, again.exitCode], ['"docker stop" requires at least 1 argument.\n', 1]);

    const started = await exec(client, 'docker start $(docker ps -aq)');
    assert.equal(started.exitCode, 0);
    assert.equal(started.stdout.split('\n').filter(Boolean).length, rows.length);
    assert.ok((await collect<ContainersData>(client, 'containers')).containers.every((c) => c.state === 'running'));
  });

  it('fails services now and then, and reports no systemd where there is none', async () => {
    const failed = new Set<string>();
    for (let poll = 0; poll < 84; poll++) {
      clock.advance(2 * HOUR_MS);
      for (const device of fleet.devices.filter((d) => d.profile.capabilities.systemd)) {
        const data = await collect<ServicesData>(session(device), 'services');
        for (const unit of data.failed_units) failed.add(`${device.hostname}/${unit}`);
      }
    }
    assert.ok(failed.size > 0, 'some unit failed during the week');
    const router = await collect<ServicesData>(session(deviceWithRole(fleet, 'router')), 'services');
    assert.equal(router.systemd_available, false);
  });

  it('lets pending updates pile up and get applied', async () => {
    const counts = new Set<number>();
    const client = session(deviceWithRole(fleet, 'docker'));
    for (let day = 0; day < 12; day++) {
      clock.advance(24 * HOUR_MS);
      const data = await collect<UpdatesData>(client, 'updates');
      assert.equal(data.package_manager, 'apt');
      assert.ok(data.metadata_age_seconds !== null && data.metadata_age_seconds < 86_400, 'apt refreshes daily');
      counts.add(data.upgradable);
    }
    assert.ok(counts.size > 2, `update counts vary: ${[...counts].join(', ')}`);
  });

  it('lists Proxmox guests whose usage moves, and locks them in turn during the nightly backup', async () => {
    const device = deviceWithRole(fleet, 'proxmox');
    const client = session(device);
    const first = await collect<GuestsData>(client, 'guests');
    assert.deepEqual(
      first.guests.slice(0, 3).map((g) => [g.vmid, g.type, g.status]),
      [
        [100, 'qemu', 'running'],
        [101, 'qemu', 'running'],
        [102, 'lxc', 'running'],
      ],
    );
    assert.equal(first.pve_version, '8.2.7');
    assert.ok(
      first.guests.every((g) => g.status === 'running' || (g.cpu_percent === 0 && g.uptime_seconds === 0)),
      'stopped guests use nothing',
    );
    const locked = new Set<string>();
    const memory = new Set<number | null>();
    for (let poll = 0; poll < 288; poll++) {
      clock.advance(5 * 60_000);
      const data = await collect<GuestsData>(client, 'guests');
      for (const problem of data.problems.filter((p) => p.endsWith('locked (backup)'))) locked.add(problem);
      memory.add(data.guests[0]?.memory_bytes ?? null);
    }
    const last = await collect<GuestsData>(client, 'guests');
    const vm = (data: GuestsData) => data.guests.find((g) => g.vmid === 100);
    assert.ok(
      (vm(last)?.uptime_seconds ?? 0) - (vm(first)?.uptime_seconds ?? 0) >= 86_400,
      'uptime grows with the clock',
    );
    assert.ok((vm(last)?.netin_bytes ?? 0) > (vm(first)?.netin_bytes ?? 0), 'traffic counters grow');
    assert.ok(memory.size > 10, 'memory use varies over the day');
    assert.ok(locked.size > 0, 'the nightly backup locks guests in turn');
  });

  it('answers a few plain commands and says "not found" for the rest', async () => {
    const device = deviceWithRole(fleet, 'database');
    const client = session(device);
    assert.equal((await exec(client, 'hostname')).stdout, `${device.hostname}\n`);
    assert.equal((await exec(client, "echo 'hello  world' again")).stdout, 'hello  world again\n');
    assert.deepEqual(await exec(client, 'true').then((r) => [r.stdout, r.exitCode]), ['', 0]);
    assert.match(
      (await exec(client, 'uptime')).stdout,
      /^ \d\d:\d\d:\d\d up .*load average: \d+\.\d\d, \d+\.\d\d, \d+\.\d\d\n$/,
    );
    const unknown = await exec(client, 'systemctl restart nginx');
    assert.deepEqual([unknown.stderr, unknown.exitCode], ['sh: 1: systemctl: not found\n', 127]);
    // This device has no docker at all.
    assert.equal((await exec(client, 'docker restart web')).exitCode, 127);
  });

  describe('faults', () => {
    const target = () => deviceWithRole(fleet, 'router');

    it('refuse: closes open connections and every new one', async () => {
      const device = target();
      const open = await connect(fleet, device);
      fleet.setFault(device.hostname, { kind: 'refuse' });
      await open.closed;
      await assert.rejects(connect(fleet, device));
      fleet.setFault(device.hostname, null);
      (await connect(fleet, device)).client.end();
    });

    it('auth_fail: rejects the key', async () => {
      const device = target();
      fleet.setFault(device.hostname, { kind: 'auth_fail' });
      await assert.rejects(connect(fleet, device), /authentication methods failed/);
      fleet.setFault(device.hostname, null);
      (await connect(fleet, device)).client.end();
    });

    it('hang: accepts the command and never answers', async () => {
      const device = target();
      const { client } = await connect(fleet, device);
      fleet.setFault(device.hostname, { kind: 'hang' });
      await assert.rejects(exec(client, collectionCommand('metrics'), 500), /no answer within 500 ms/);
      fleet.setFault(device.hostname, null);
      assert.equal((await exec(client, 'true')).exitCode, 0);
      client.end();
    });

    it('drop: sends part of the output, then the connection dies and the parser sees it truncated', async () => {
      const device = target();
      const { client, closed } = await connect(fleet, device);
      fleet.setFault(device.hostname, { kind: 'drop' });
      const out = await exec(client, collectionCommand('network'));
      await closed;
      fleet.setFault(device.hostname, null);
      assert.equal(out.exitCode, null);
      assert.ok(out.stdout.startsWith('@@addr-text'), 'part of the output arrived');
      assert.throws(
        () => collectorFor('network').parse(out, {}),
        (err: unknown) => err instanceof CollectorParseError && /output truncated/.test(err.message),
      );
    });

    it('slow: delays every answer by the given time', async () => {
      const device = target();
      const { client } = await connect(fleet, device);
      fleet.setFault(device.hostname, { kind: 'slow', ms: 300 });
      const slow = await exec(client, collectionCommand('capabilities'));
      assert.ok(slow.ms >= 300, `answered after ${slow.ms} ms`);
      assert.equal(slow.exitCode, 0);
      fleet.setFault(device.hostname, null);
      client.end();
    });

    it('rejects faults for devices it does not have', () => {
      assert.throws(() => fleet.setFault('nope-999', { kind: 'hang' }), /no simulated device named nope-999/);
    });
  });
});

describe('fleet simulator: scenarios over simulated time', () => {
  const clock = manualClock();
  let fleet: Fleet;
  let nas: Connected;
  let pve: Connected;

  before(async () => {
    fleet = await startFleet({ count: 2, seed: 7, host: '127.0.0.1', firstPort: 0, dir: tempDir(), clock: clock.now });
    nas = await connect(fleet, deviceWithRole(fleet, 'nas'));
    pve = await connect(fleet, deviceWithRole(fleet, 'proxmox'));
  });
  after(async () => {
    nas?.client.end();
    pve?.client.end();
    await fleet?.stop();
  });

  it('has one degrading drive and one resilvering pool', () => {
    assert.equal(deviceWithRole(fleet, 'nas').profile.scenarios.degradingDrive, '/dev/sdc');
    assert.equal(deviceWithRole(fleet, 'proxmox').profile.scenarios.resilveringPool, 'rpool');
  });

  it('walks the degrading drive from passed to warning to failed, and ZFS faults it', async () => {
    const drive = async () => {
      const data = await collect<DrivesData>(nas.client, 'drives');
      const sdc = data.drives.find((d) => d.name === '/dev/sdc');
      assert.ok(sdc, 'the scan lists /dev/sdc');
      return { data, sdc };
    };
    const healthy = await drive();
    assert.equal(healthy.sdc.verdict, 'passed');
    assert.equal(healthy.data.summary.passed, healthy.data.summary.total);

    clock.advance(3 * HOUR_MS);
    const warning = await drive();
    assert.equal(warning.sdc.verdict, 'warning');
    assert.match(warning.sdc.reasons.join('; '), /Reallocated_Sector_Ct raw \d+/);

    clock.advance(27 * HOUR_MS);
    const failed = await drive();
    assert.equal(failed.sdc.verdict, 'failed');
    assert.equal(failed.data.summary.failed, 1);
    const zfs = await collect<ZfsData>(nas.client, 'zfs');
    assert.equal(zfs.pools[0]?.health, 'DEGRADED');
    assert.ok(
      zfs.problems.some((p) => p.includes(failed.sdc.serial ?? '?')),
      zfs.problems.join('\n'),
    );
  });

  it('advances the resilver until the pool is ONLINE again', async () => {
    // The clock is already 30 h on: the resilver (2 h) is over by now; a fresh fleet shows it running.
    const fresh = await startFleet({
      count: 2,
      seed: 7,
      host: '127.0.0.1',
      firstPort: 0,
      dir: tempDir(),
      clock: clock.now,
    });
    const own = await connect(fresh, deviceWithRole(fresh, 'proxmox'));
    try {
      const rpool = async () => (await collect<ZfsData>(own.client, 'zfs')).pools.find((p) => p.name === 'rpool');
      const early = await rpool();
      assert.equal(early?.health, 'DEGRADED');
      assert.equal(early?.scan.kind, 'resilver');
      assert.equal(early?.scan.state, 'in_progress');
      clock.advance(30 * 60_000);
      const later = await rpool();
      assert.ok((later?.scan.percent_done ?? 0) > (early?.scan.percent_done ?? 100), 'the resilver progresses');
      clock.advance(3 * HOUR_MS);
      const done = await rpool();
      assert.equal(done?.health, 'ONLINE');
      assert.deepEqual([done?.scan.kind, done?.scan.state, done?.healthy], ['resilver', 'finished', true]);
    } finally {
      own.client.end();
      await fresh.stop();
    }
    // The long-running fleet agrees: its resilver finished long ago.
    const old = (await collect<ZfsData>(pve.client, 'zfs')).pools.find((p) => p.name === 'rpool');
    assert.equal(old?.health, 'ONLINE');
  });
});

describe('fleet simulator: through the worker SSH pool', () => {
  it('collects over the pool, pins the device host key, and reports a dropped connection as connection_lost', async () => {
    const fleet = await startFleet({ count: 1, seed: 3, host: '127.0.0.1', firstPort: 0, dir: tempDir() });
    const [device] = fleet.devices;
    assert.ok(device);
    const pinned: string[] = [];
    const pool = new SshPool({
      logger: createLogger('error', 'fleet-simulator-test'),
      readyTimeoutMs: TIMEOUT_MS,
      pinStore: {
        pinIfUnset: async (_deviceId, identity) => {
          pinned.push(identity.fingerprint);
          return identity.fingerprint;
        },
      },
    });
    const target = {
      deviceId: 'sim-1',
      hostname: device.hostname,
      address: device.address,
      port: device.port,
      username: fleet.username,
      authMethod: 'key' as const,
      identityFile: fleet.clientKeyPath,
      pinnedFingerprint: null,
    };
    try {
      const out = await pool.exec(target, collectionCommand('metrics'), { timeoutMs: TIMEOUT_MS });
      const data = collectorFor('metrics').parse(out, {}) as MetricsData;
      assert.ok(data.uptime_seconds > 0);
      assert.deepEqual(pinned, [device.hostKeyFingerprint]);

      fleet.setFault(device.hostname, { kind: 'drop' });
      await assert.rejects(
        pool.exec(target, collectionCommand('containers'), { timeoutMs: TIMEOUT_MS }),
        (err: unknown) => err instanceof SshError && err.code === 'connection_lost',
      );
      const stats = fleet.stats();
      assert.equal(stats.connections, 1, 'the pool reused its connection until the drop');
      assert.deepEqual(stats.byType, { metrics: 1, containers: 1 });
    } finally {
      pool.closeAll();
      await fleet.stop();
    }
  });
});

describe('fleet simulator: configuration files', () => {
  const profiles = Array.from({ length: 40 }, (_, i) => buildProfile(11, i, START / 1000));
  const t = START / 1000;

  it('writes a compose file per project and a SWAG proxy conf per proxied app, the same for the same profile and time, all parsing', () => {
    assert.deepEqual(
      profiles.map((p) => configFiles(p, t)),
      profiles.map((p) => configFiles(buildProfile(11, profiles.indexOf(p), t), t)),
    );
    let proxyConfs = 0;
    for (const profile of profiles) {
      const files = configFiles(profile, t);
      const projects = new Set(profile.containers.flatMap((c) => c.project ?? []));
      for (const c of profile.containers.filter((x) => x.project !== null)) {
        const path = c.labels['com.docker.compose.project.config_files'] ?? '';
        const parsed = parseConfig(path, files.get(path) ?? '');
        assert.ok(parsed.ok, `${profile.hostname} ${path}: ${JSON.stringify(parsed)}`);
        const service = (parsed.data as ComposeConfig).services.find((s) => s.name === c.service);
        assert.ok(service, `${path} defines ${c.service}`);
        // The image is the container's, or the next version once the owner has bumped it.
        assert.equal(
          service.image?.replace(/\d+(?=(-[a-z][\w.-]*)?$)/, ''),
          c.image.replace(/\d+(?=(-[a-z][\w.-]*)?$)/, ''),
          `${path} ${c.service} image`,
        );
        assert.equal(service.container_name ?? `${c.project}-${c.service}-1`, c.name);
      }
      const confs = [...files.keys()].filter((f) => f.endsWith('.subdomain.conf'));
      assert.equal(files.size, projects.size + confs.length, profile.hostname);
      assert.equal(confs.length > 0, profile.capabilities.swag, `${profile.hostname}: proxy confs only on SWAG hosts`);
      for (const path of confs) {
        const parsed = parseConfig(path, files.get(path) ?? '');
        assert.ok(parsed.ok, `${path}: ${JSON.stringify(parsed)}`);
        const [server] = (parsed.data as NginxConfig).servers;
        const app = path.split('/').at(-1)?.replace('.subdomain.conf', '');
        assert.deepEqual(
          [server?.server_names, server?.ssl, server?.includes.includes('/config/nginx/ssl.conf')],
          [[`${app}.*`], true, true],
        );
        assert.match(server?.upstreams[0] ?? '', /^https?:\/\/[\w.-]+:\d+$/);
        proxyConfs++;
      }
    }
    assert.ok(proxyConfs > 5, 'the fleet has SWAG hosts');
  });

  it('makes one edit per period, at its boundary, that the semantic diff describes, and comes back to the start after two rounds', () => {
    const profile = profiles.find((p) => p.capabilities.swag);
    assert.ok(profile);
    const { periodSeconds } = profile.configEdits;
    const start = configFiles(profile, t);
    let at = t;
    const kinds = new Set<string>();
    let cycled = false;
    for (let i = 0; i < 12 && !cycled; i++) {
      const edit = nextConfigEdit(profile, at);
      assert.ok(edit && edit.at > at && edit.at - at <= periodSeconds);
      assert.ok(periodSeconds >= 30 * 60 && periodSeconds <= 90 * 60);
      const before = configFiles(profile, edit.at - 1);
      assert.deepEqual(before, configFiles(profile, at), 'nothing changes between edits');
      const after = configFiles(profile, edit.at);
      assert.deepEqual(
        [...after.keys()].filter((p) => after.get(p) !== before.get(p)),
        [edit.path],
        'exactly the edited file changes',
      );
      const changes = semanticChanges(
        parseConfig(edit.path, before.get(edit.path) ?? ''),
        parseConfig(edit.path, after.get(edit.path) ?? ''),
      );
      assert.ok(changes.length > 0, `edit of ${edit.path} is described`);
      for (const c of changes) kinds.add(c.description.replace(/[\w.-]*\d[\w.-]*/g, '#'));
      assert.deepEqual(configEditsBetween(profile, at, edit.at), [edit]);
      at = edit.at;
      cycled = [...start].every(([path, content]) => configFiles(profile, at).get(path) === content);
    }
    assert.ok(cycled, 'after two rounds of toggles the files are as they began');
    assert.ok(kinds.size >= 3, `several kinds of edit: ${[...kinds].join('; ')}`);
  });

  describe('over SSH', () => {
    const clock = manualClock();
    let fleet: Fleet;
    let pool: SshPool;
    const targetOf = (device: SimulatedDevice) => ({
      deviceId: device.hostname,
      hostname: device.hostname,
      address: device.address,
      port: device.port,
      username: fleet.username,
      authMethod: 'key' as const,
      identityFile: fleet.clientKeyPath,
      pinnedFingerprint: device.hostKeyFingerprint,
    });
    const run = (device: SimulatedDevice, script: string) =>
      pool.exec(targetOf(device), posixShellCommand(script), { timeoutMs: TIMEOUT_MS });
    const discover = async (device: SimulatedDevice, userPaths: string[] = []) =>
      parseDiscovery(await run(device, discoveryScript(userPaths)));

    /** Runs the watch script as watch.ts does; `until` ends it (true) or waits for more lines. */
    async function watch(device: SimulatedDevice, targets: WatchTargets, until: (lines: string[]) => boolean) {
      const lines: string[] = [];
      let satisfied = false;
      const stop = new AbortController();
      const timer = setTimeout(() => stop.abort(), TIMEOUT_MS);
      try {
        const end = await pool.stream(targetOf(device), posixShellCommand(watchScript(targets)), {
          signal: stop.signal,
          onLine: (line) => {
            lines.push(line);
            if (!satisfied && until(lines)) {
              satisfied = true;
              stop.abort();
            }
          },
        });
        return { lines, end, timedOut: !satisfied };
      } finally {
        clearTimeout(timer);
      }
    }

    before(async () => {
      fleet = await startFleet({
        count: 4,
        seed: 7,
        host: '127.0.0.1',
        firstPort: 0,
        dir: tempDir(),
        clock: clock.now,
      });
      pool = new SshPool({
        logger: createLogger('error', 'fleet-simulator-test'),
        readyTimeoutMs: TIMEOUT_MS,
        pinStore: { pinIfUnset: async (_id, identity) => identity.fingerprint },
      });
    });
    after(async () => {
      pool?.closeAll();
      await fleet?.stop();
    });

    it('answers discovery, hash scan and reads with what the real parsers accept, all agreeing on the content', async () => {
      const nas = deviceWithRole(fleet, 'nas');
      const files = configFiles(nas.profile, clock.now() / 1000);
      const targets = await discover(nas, ['/opt/stacks/media', '/etc/hosts']);
      const composeFiles = [...files.keys()].filter(
        (f) => f.endsWith('/compose.yaml') && !f.startsWith('/opt/stacks/media/'),
      );
      assert.deepEqual(targets.files, [...composeFiles, '/etc/hosts'].sort());
      assert.deepEqual(targets.directories, [
        { path: '/etc/systemd/system', patterns: ['*.mount', '*.path', '*.service', '*.socket', '*.timer'] },
        { path: '/opt/appdata/swag/nginx/proxy-confs', patterns: ['*.conf'] },
        { path: '/opt/stacks/media', patterns: ['*'] },
      ]);

      const scan = parseHashScanResult(await run(nas, hashScanScript(targets)));
      const sha = (text: string) => createHash('sha256').update(text).digest('hex');
      assert.deepEqual(scan.hashes, new Map([...files].map(([path, content]) => [path, sha(content)])));
      assert.deepEqual(scan.unreadable, []);
      for (const [path, content] of files) {
        const read = parseFileRead(path, await run(nas, readFileScript(path)));
        assert.deepEqual(read, {
          state: 'present',
          content,
          sha256: scan.hashes.get(path),
          sizeBytes: Buffer.byteLength(content),
        });
      }
      assert.deepEqual(parseFileRead('/etc/hosts', await run(nas, readFileScript('/etc/hosts'))), { state: 'absent' });
      assert.deepEqual(parseFileRead('/opt/stacks', await run(nas, readFileScript('/opt/stacks'))), {
        state: 'not_regular',
      });

      const pve = deviceWithRole(fleet, 'proxmox');
      assert.deepEqual(await discover(pve), {
        files: [],
        directories: [
          { path: '/etc/systemd/system', patterns: ['*.mount', '*.path', '*.service', '*.socket', '*.timer'] },
        ],
      });
      assert.equal(fleet.stats().byType['config-read'], files.size + 2);
    });

    it('streams inotifywait events for each edit of a watched file as the device clock passes it, until the client closes the channel', async () => {
      const nas = deviceWithRole(fleet, 'nas');
      assert.equal(nas.profile.capabilities.inotifywait, true);
      const targets = await discover(nas);
      const edit = nextConfigEdit(nas.profile, clock.now() / 1000);
      assert.ok(edit);
      const watched = await watch(nas, targets, (lines) => {
        // Once watching, the clock passes the next edit; the device notices within a second.
        if (lines.at(-1) === 'Watches established.') clock.advance((edit.at + 1) * 1000 - clock.now());
        return lines.some((l) => parseWatchLine(l).type === 'event');
      });
      assert.equal(watched.timedOut, false, watched.lines.join('\n'));
      assert.deepEqual(watched.lines, [
        'Setting up watches.',
        'Watches established.',
        `CLOSE_WRITE,CLOSE|${edit.path}`,
      ]);
      assert.ok(isWatchedFile(targets, edit.path));
      assert.equal(watched.end.exitCode, null, 'closed by the client');
    });

    it('ends the watch with status 0 when the client sends EOF, and says when inotifywait is missing', async () => {
      const docker = deviceWithRole(fleet, 'docker');
      const { client } = await connect(fleet, docker);
      try {
        const command = posixShellCommand(watchScript(await discover(docker)));
        const ended = await new Promise<{ stdout: string; code: number | null }>((resolve, reject) => {
          client.exec(command, (err, stream) => {
            if (err) return reject(err);
            let stdout = '';
            let code: number | null = null;
            stream.on('data', (chunk: Buffer) => {
              stdout += chunk.toString('utf8');
              if (stdout.endsWith('Watches established.\n')) stream.end();
            });
            stream.on('exit', (c: number | null) => (code = c));
            stream.on('close', () => resolve({ stdout, code }));
          });
        });
        assert.deepEqual(ended, { stdout: 'Setting up watches.\nWatches established.\n', code: 0 });
      } finally {
        client.end();
      }
      const pi = deviceWithRole(fleet, 'pi');
      assert.equal(pi.profile.capabilities.inotifywait, false);
      const answer = await run(pi, watchScript(await discover(pi)));
      assert.deepEqual([answer.stdout, answer.exitCode], ['@@no-inotifywait\n', 0]);
      assert.equal(parseWatchLine('@@no-inotifywait').type, 'no_inotifywait');
    });

    it('holds events back while hung and loses the connection on a drop', async () => {
      const nas = deviceWithRole(fleet, 'nas');
      const targets = await discover(nas);
      const edit = nextConfigEdit(nas.profile, clock.now() / 1000);
      assert.ok(edit);
      let released = false;
      const held = await watch(nas, targets, (lines) => {
        if (lines.at(-1) === 'Watches established.') {
          fleet.setFault(nas.hostname, { kind: 'hang' });
          clock.advance((edit.at + 1) * 1000 - clock.now());
          // Two ticks of silence, then the device goes on and prints what it held. A deliberate pause, not a
          // wait: the hang must outlast two watch ticks, and a hung device shows nothing to poll for.
          setTimeout(() => {
            released = true;
            fleet.setFault(nas.hostname, null);
          }, 2500);
        }
        return lines.some((l) => l.startsWith('CLOSE_WRITE'));
      });
      assert.equal(released, true, 'no event while hung');
      assert.equal(held.lines.at(-1), `CLOSE_WRITE,CLOSE|${edit.path}`);

      const dropped = watch(nas, targets, (lines) => {
        if (lines.at(-1) === 'Watches established.') fleet.setFault(nas.hostname, { kind: 'drop' });
        return false;
      });
      await assert.rejects(dropped, (err: unknown) => err instanceof SshError && err.code === 'connection_lost');
      fleet.setFault(nas.hostname, null);
    });
  });
});

describe('fleet simulator: setup', () => {
  it('builds the same fleet from the same seed, and another from another seed', () => {
    const a = Array.from({ length: 20 }, (_, i) => buildProfile(5, i, START / 1000));
    const b = Array.from({ length: 20 }, (_, i) => buildProfile(5, i, START / 1000));
    const c = Array.from({ length: 20 }, (_, i) => buildProfile(6, i, START / 1000));
    assert.deepEqual(a, b);
    assert.notDeepEqual(
      a.map((p) => p.containers.map((x) => x.id)),
      c.map((p) => p.containers.map((x) => x.id)),
    );
  });

  it('mixes the usual self-hosted containers, with compose labels', () => {
    const containers = Array.from({ length: 60 }, (_, i) => buildProfile(11, i, START / 1000)).flatMap(
      (p) => p.containers,
    );
    const images = containers.map((c) => c.image).join('\n');
    for (const image of [/linuxserver\/swag/, /grafana/, /postgres|mariadb/, /nextcloud/, /jellyfin/, /sonarr|radarr/])
      assert.match(images, image);
    const composed = containers.filter((c) => c.project !== null);
    assert.ok(composed.length > 0 && composed.every((c) => c.labels['com.docker.compose.project'] === c.project));
    // Only the first nas degrades and only the first proxmox resilvers.
    const profiles = Array.from({ length: 60 }, (_, i) => buildProfile(11, i, START / 1000));
    assert.equal(profiles.filter((p) => p.scenarios.degradingDrive !== null).length, 1);
    assert.equal(profiles.filter((p) => p.scenarios.resilveringPool !== null).length, 1);
  });

  it('keeps its keys in the directory, so a restarted fleet presents the same host keys', async () => {
    const dir = tempDir();
    const first = await startFleet({ count: 2, host: '127.0.0.1', firstPort: 0, dir });
    const fingerprints = first.devices.map((d) => d.hostKeyFingerprint);
    const clientKey = readFileSync(first.clientKeyPath, 'utf8');
    await first.stop();
    const second = await startFleet({ count: 2, host: '127.0.0.1', firstPort: 0, dir });
    try {
      assert.deepEqual(
        second.devices.map((d) => d.hostKeyFingerprint),
        fingerprints,
      );
      assert.equal(readFileSync(second.clientKeyPath, 'utf8'), clientKey);
    } finally {
      await second.stop();
    }
  });

  it('adds the base latency to every answer', async () => {
    const fleet = await startFleet({ count: 1, latencyMs: 200, host: '127.0.0.1', firstPort: 0, dir: tempDir() });
    const [device] = fleet.devices;
    assert.ok(device);
    const { client } = await connect(fleet, device);
    try {
      const out = await exec(client, 'true');
      assert.ok(out.ms >= 200, `answered after ${out.ms} ms`);
    } finally {
      client.end();
      await fleet.stop();
    }
  });
});
