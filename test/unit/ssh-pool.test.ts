import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { collectionScript } from '../../activities/collect.ts';
import { collectorFor } from '../../domain/collectors/registry.ts';
import { SshError } from '../../domain/ssh/errors.ts';
import { SshPool, type SshTarget } from '../../activities/ssh/pool.ts';
import { posixShellCommand } from '../../domain/ssh/quote.ts';
import { startFleet, type Fleet } from '../../simulator/simulator.ts';
import { createLogger } from '../../platform/logger.ts';
import { waitFor } from '../support/poll.ts';

/**
 * The pool against simulated devices that speak real SSH (the fleet simulator, in this process), so
 * the device side counts the TCP connections it accepted and still holds.
 */
/** The metrics collection exactly as the collect activity sends it. */
const METRICS = posixShellCommand(collectionScript('metrics', collectorFor('metrics'), {}));

describe('SSH pool: one connection per device, none left behind', () => {
  let fleet: Fleet;
  let dir: string;
  const pools: SshPool[] = [];
  const newPool = () => {
    const pool = new SshPool({
      logger: createLogger('error', 'ssh-pool-test'),
      readyTimeoutMs: 10_000,
      pinStore: { pinIfUnset: async (_id, identity) => identity.fingerprint },
    });
    pools.push(pool);
    return pool;
  };
  const target = (index: number): SshTarget => {
    const device = fleet.devices[index];
    assert.ok(device);
    return {
      deviceId: `dev-${index}`,
      hostname: device.hostname,
      address: device.address,
      port: device.port,
      username: fleet.username,
      authMethod: 'key',
      identityFile: fleet.clientKeyPath,
      pinnedFingerprint: null,
    };
  };
  /** The device side sees the client's FIN a moment after close: wait for it, bounded. */
  const openConnectionsSettled = (expected: number) =>
    waitFor(`${expected} open connections on the device side`, () => fleet.stats().openConnections, {
      until: (n) => n === expected,
      timeoutMs: 2_000,
      intervalMs: 20,
    });

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'ssh-pool-'));
    fleet = await startFleet({ count: 3, seed: 11, host: '127.0.0.1', firstPort: 0, dir });
  });
  after(async () => {
    for (const pool of pools) pool.closeAll();
    await fleet?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('commands that arrive together on a device with no connection yet share the one connection', async () => {
    const pool = newPool();
    const before = fleet.stats().connections;
    const results = await Promise.all(
      Array.from({ length: 6 }, () => pool.exec(target(0), METRICS, { timeoutMs: 10_000 })),
    );
    assert.ok(results.every((r) => r.exitCode === 0));
    assert.equal(fleet.stats().connections - before, 1, 'the device accepted one connection');
    assert.deepEqual(pool.stats().connectsByDevice, { 'dev-0': 1 });
    pool.closeAll();
    assert.equal(await openConnectionsSettled(0), 0);
  });

  it('closeAll while connections are still being made leaves no connection open and fails the waiting commands as connection_lost', async () => {
    const pool = newPool();
    const pending = [0, 0, 1].map((i) => pool.exec(target(i), METRICS, { timeoutMs: 10_000 }));
    // Before the key file is read (the first await): no socket yet.
    pool.closeAll();
    const outcomes = await Promise.allSettled(pending);
    for (const outcome of outcomes) {
      assert.equal(outcome.status, 'rejected');
      assert.ok(
        outcome.reason instanceof SshError && outcome.reason.code === 'connection_lost',
        String(outcome.reason),
      );
    }
    assert.equal(await openConnectionsSettled(0), 0, 'no socket is left open on any device');
    assert.equal(pool.stats().openConnections, 0);
  });

  it('closeAll during the handshake ends that connection too', async () => {
    const pool = newPool();
    // A server that accepts TCP and never speaks SSH: the client's handshake waits on it until closed.
    const sockets = new Set<net.Socket>();
    const silent = net.createServer((socket) => {
      sockets.add(socket);
      socket.resume(); // reads (and drops) what the client sends, so the client's close is seen
      socket.on('error', () => undefined);
      socket.once('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const port = (silent.address() as net.AddressInfo).port;
      const pending = pool.exec({ ...target(1), deviceId: 'silent', port }, METRICS, { timeoutMs: 10_000 });
      await waitFor('the pool to connect', () => sockets.size, {
        until: (n) => n > 0,
        timeoutMs: 5_000,
        intervalMs: 10,
      });
      assert.equal(sockets.size, 1, 'connected; the handshake waits for the server');
      pool.closeAll();
      await assert.rejects(pending, (err: unknown) => err instanceof SshError && err.code === 'connection_lost');
      await waitFor('the socket to close', () => sockets.size, {
        until: (n) => n === 0,
        timeoutMs: 2_000,
        intervalMs: 20,
      });
      assert.equal(sockets.size, 0, 'the socket is closed');
    } finally {
      silent.close();
    }
  });

  it('counts why established connections ended: lost when the device drops it, closed when the pool does', async () => {
    const pool = newPool();
    await pool.exec(target(1), METRICS, { timeoutMs: 10_000 });
    fleet.setFault(fleet.devices[1]!.hostname, { kind: 'refuse' });
    await waitFor('the dropped connection to be counted', () => pool.stats().disconnects.lost, {
      until: (n) => n > 0,
      timeoutMs: 2_000,
      intervalMs: 20,
    });
    fleet.setFault(fleet.devices[1]!.hostname, null);
    assert.deepEqual(pool.stats().disconnects, { idle: 0, command_timeout: 0, replaced: 0, closed: 0, lost: 1 });
    await pool.exec(target(1), METRICS, { timeoutMs: 10_000 });
    pool.closeAll();
    assert.deepEqual(pool.stats().disconnects, { idle: 0, command_timeout: 0, replaced: 0, closed: 1, lost: 1 });
    assert.equal(await openConnectionsSettled(0), 0);
  });

  it('closeAll ends a watch stream’s own connection', async () => {
    const pool = newPool();
    // A device that never answers: the stream stays open until someone closes it.
    fleet.setFault(fleet.devices[2]!.hostname, { kind: 'hang' });
    const execsBefore = fleet.stats().execs;
    const streaming = pool.stream(target(2), 'inotifywait -m /etc', {
      onLine: () => undefined,
      signal: new AbortController().signal,
    });
    await waitFor('the stream to start on the device', () => fleet.stats().execs, {
      until: (n) => n !== execsBefore,
      timeoutMs: 5_000,
      intervalMs: 20,
    });
    assert.equal(fleet.stats().openConnections, 1, 'the stream runs on its own connection');
    pool.closeAll();
    await assert.rejects(streaming, (err: unknown) => err instanceof SshError && err.code === 'connection_lost');
    assert.equal(await openConnectionsSettled(0), 0);
  });
});
