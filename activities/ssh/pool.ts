import { readFile } from 'node:fs/promises';
import { Client, type ClientChannel, type ConnectConfig } from 'ssh2';
import type { Logger } from '../../platform/logger.ts';
import { classifyConnectionError, SshError } from '../../domain/ssh/errors.ts';
import { hostKeyIdentity, type HostKeyIdentity } from '../../domain/ssh/host-key.ts';

export interface SshTarget {
  deviceId: string;
  hostname: string;
  address: string;
  port: number;
  username: string;
  authMethod: 'key' | 'agent';
  identityFile: string | null;
  /** null until the first connection pins it. */
  pinnedFingerprint: string | null;
}

export interface ExecOptions {
  timeoutMs: number;
  /** Per stream; output beyond it is dropped and reported as truncated. */
  maxOutputBytes?: number;
  /** Bytes for the command's stdin (then EOF): file contents too large for a command line. */
  stdin?: Buffer;
}

export interface ExecResult {
  stdout: string;
  stderr: string;
  exitCode: number | null;
  signal: string | null;
  durationMs: number;
  stdoutTruncated: boolean;
  stderrTruncated: boolean;
}

export interface HostKeyPinStore {
  /** Pins `identity` when the device has no key yet; returns the fingerprint pinned now (maybe another's). */
  pinIfUnset(deviceId: string, identity: HostKeyIdentity): Promise<string>;
}

export interface SshPoolOptions {
  pinStore: HostKeyPinStore;
  logger: Logger;
  /** Below OpenSSH's default MaxSessions (10), leaving room for an interactive login. */
  maxChannelsPerConnection?: number;
  idleCloseMs?: number;
  keepaliveIntervalMs?: number;
  keepaliveCountMax?: number;
  readyTimeoutMs?: number;
  agentSocket?: string;
}

export interface PipeExit {
  exitCode: number | null;
  signal: string | null;
  stderr: string;
}

export interface RemotePipe {
  /** Writable: the command's stdin; readable: its stdout. */
  channel: ClientChannel;
  finished: Promise<PipeExit>;
  close(): void;
}

/** Why an established connection ended: what a handshake count above one per device needs explaining by. */
export type DisconnectReason = 'idle' | 'command_timeout' | 'replaced' | 'closed' | 'lost';

interface PooledConnection {
  /** Settings the connection was made with; a device edit forces a new connection. */
  signature: string;
  client: Client;
  ready: Promise<void>;
  closed: boolean;
  activeChannels: number;
  waiters: Array<() => void>;
  idleTimer: NodeJS.Timeout | null;
  hostKeyMismatch: { expected: string; presented: string } | null;
  /** Handshake done: only such a connection's end is counted as a disconnect. */
  established: boolean;
}

interface ReconnectState {
  failures: number;
  retryAt: number;
  lastError: SshError;
}

const DEFAULT_MAX_OUTPUT = 8 * 1024 * 1024;

/**
 * One SSH connection per device, shared by every collection and action on this worker. Channels are
 * capped per connection; idle connections close; failed connects back off before the next attempt.
 */
export class SshPool {
  private readonly connections = new Map<string, PooledConnection>();
  /** Watch streams' own connections: not shared, but closed by closeAll too. */
  private readonly streams = new Set<PooledConnection>();
  private readonly reconnect = new Map<string, ReconnectState>();
  private readonly connectsByDevice = new Map<string, number>();
  private readonly disconnects: Record<DisconnectReason, number> = {
    idle: 0,
    command_timeout: 0,
    replaced: 0,
    closed: 0,
    lost: 0,
  };
  private readonly maxChannels: number;
  private readonly idleCloseMs: number;

  constructor(private readonly options: SshPoolOptions) {
    this.maxChannels = options.maxChannelsPerConnection ?? 8;
    this.idleCloseMs = options.idleCloseMs ?? 5 * 60_000;
  }

  async exec(target: SshTarget, command: string, opts: ExecOptions): Promise<ExecResult> {
    const conn = await this.connection(target);
    await this.acquireChannel(conn);
    try {
      return await this.runOnChannel(conn, target, command, opts);
    } catch (err) {
      // A command that hung may have wedged the session (a stuck mount, a dead NFS server): the next
      // command gets a fresh connection rather than a channel beside it.
      if (err instanceof SshError && err.code === 'command_timeout')
        this.discard(target.deviceId, conn, 'command_timeout');
      throw err;
    } finally {
      this.releaseChannel(target.deviceId, conn);
    }
  }

  /**
   * Runs a long-lived command (a file watcher) on a connection of its own: its channel never competes
   * with collections, and a watch that drops never drops them. Each stdout line goes to `onLine` as it
   * arrives. Resolves when the command ends or `signal` aborts (which closes channel and connection);
   * rejects with a classified error when the connection fails or drops.
   */
  async stream(
    target: SshTarget,
    command: string,
    opts: { onLine: (line: string) => void; signal: AbortSignal },
  ): Promise<{ exitCode: number | null; stderr: string }> {
    const where = `${target.hostname} (${target.address}:${target.port})`;
    const conn = this.open(target, 'stream');
    this.streams.add(conn);
    try {
      await conn.ready;
    } catch (err) {
      this.streams.delete(conn);
      this.end(conn);
      throw this.classifyConnectFailure(err, target, conn);
    }
    return new Promise((resolve, reject) => {
      let channel: ClientChannel | undefined;
      const finish = (outcome: () => void) => {
        opts.signal.removeEventListener('abort', abort);
        this.streams.delete(conn);
        this.end(conn);
        outcome();
      };
      // Closing our side first sends EOF to the command's stdin, which the watch script waits for.
      const abort = () => {
        channel?.end();
        finish(() => resolve({ exitCode: null, stderr: '' }));
      };
      if (opts.signal.aborted) return abort();
      opts.signal.addEventListener('abort', abort, { once: true });
      conn.client.exec(command, (err, stream) => {
        if (err) return finish(() => reject(classifyConnectionError(err, where)));
        channel = stream;
        const errOut = new BoundedBuffer(64 * 1024);
        let partial = '';
        let exitCode: number | null = null;
        stream.on('data', (chunk: Buffer) => {
          const lines = (partial + chunk.toString('utf8')).split('\n');
          partial = lines.pop() ?? '';
          for (const line of lines) opts.onLine(line);
        });
        stream.stderr.on('data', (chunk: Buffer) => errOut.push(chunk));
        stream.on('exit', (code: number | null) => {
          exitCode = code;
        });
        stream.on('close', () => {
          if (opts.signal.aborted) return;
          if (partial) opts.onLine(partial);
          if (exitCode === null)
            return finish(() => reject(new SshError('connection_lost', `${where}: connection lost while watching`)));
          finish(() => resolve({ exitCode, stderr: errOut.text() }));
        });
      });
    });
  }

  /**
   * Runs a command on a connection of its own and hands over its channel as a byte stream: write to it
   * for the command's stdin, read it for its stdout (for piping one device's output into another's
   * input, with the channel's own flow control). Its stdout must be read (piped, or `resume()`d) for
   * `finished` to settle: it settles when the command ends (exit status and stderr) and rejects with `connection_lost` when the connection drops first. `close()` ends
   * channel and connection.
   */
  async pipe(target: SshTarget, command: string): Promise<RemotePipe> {
    const where = `${target.hostname} (${target.address}:${target.port})`;
    const conn = this.open(target, 'pipe');
    this.streams.add(conn);
    const close = () => {
      this.streams.delete(conn);
      this.end(conn);
    };
    try {
      await conn.ready;
    } catch (err) {
      close();
      throw this.classifyConnectFailure(err, target, conn);
    }
    return new Promise<RemotePipe>((resolve, reject) => {
      conn.client.exec(command, (err, channel) => {
        if (err) {
          close();
          return reject(classifyConnectionError(err, where));
        }
        const errOut = new BoundedBuffer(64 * 1024);
        channel.stderr.on('data', (chunk: Buffer) => errOut.push(chunk));
        let exitCode: number | null = null;
        let signal: string | null = null;
        channel.on('exit', (code: number | null, sig?: string) => {
          exitCode = code;
          signal = sig ?? null;
        });
        const finished = new Promise<PipeExit>((done, fail) => {
          channel.on('close', () => {
            close();
            if (exitCode === null && signal === null)
              fail(new SshError('connection_lost', `${where}: connection lost while the command ran`));
            else done({ exitCode, signal, stderr: errOut.text() });
          });
        });
        // Settled by whoever awaits it; a caller that closes early must not leave an unhandled rejection.
        finished.catch(() => undefined);
        resolve({ channel, finished, close });
      });
    });
  }

  /** Opens (or reuses) the device's connection without running anything. */
  async connect(target: SshTarget): Promise<void> {
    await this.connection(target);
  }

  /** Connections currently open and connects made so far (per device and in total). */
  stats(): {
    openConnections: number;
    activeChannels: number;
    connectsTotal: number;
    connectsByDevice: Record<string, number>;
    disconnects: Record<DisconnectReason, number>;
  } {
    let activeChannels = 0;
    for (const c of this.connections.values()) activeChannels += c.activeChannels;
    const connectsByDevice = Object.fromEntries(this.connectsByDevice);
    const connectsTotal = [...this.connectsByDevice.values()].reduce((a, b) => a + b, 0);
    return {
      openConnections: this.connections.size,
      activeChannels,
      connectsTotal,
      connectsByDevice,
      disconnects: { ...this.disconnects },
    };
  }

  /** Drops a device's connection (device edited or removed, or a command hung). */
  close(deviceId: string): void {
    const conn = this.connections.get(deviceId);
    if (conn) this.discard(deviceId, conn, 'closed');
    this.reconnect.delete(deviceId);
  }

  /** Every connection, watch streams' and those still connecting included (worker shutdown). */
  closeAll(): void {
    for (const id of [...this.connections.keys()]) this.close(id);
    for (const conn of [...this.streams]) {
      this.streams.delete(conn);
      this.end(conn);
    }
  }

  private async connection(target: SshTarget): Promise<PooledConnection> {
    // The pinned key is not part of it: an open connection was verified against the key pinned then.
    const signature = [target.address, target.port, target.username, target.authMethod, target.identityFile].join('|');
    const existing = this.connections.get(target.deviceId);
    if (existing && !existing.closed && existing.signature === signature) {
      // Possibly still connecting for another command; its failure is classified the same for each.
      await existing.ready.catch((err: unknown) => Promise.reject(this.classifyConnectFailure(err, target, existing)));
      return existing;
    }
    if (existing) this.discard(target.deviceId, existing, 'replaced');

    const backoff = this.reconnect.get(target.deviceId);
    if (backoff && Date.now() < backoff.retryAt) throw backoff.lastError;

    // In the map before anything is awaited: commands arriving meanwhile wait for this connection
    // instead of opening their own, and close()/closeAll() reach it while it is still connecting.
    const conn = this.open(target, signature);
    this.connections.set(target.deviceId, conn);
    try {
      await conn.ready;
    } catch (err) {
      this.discard(target.deviceId, conn, 'closed');
      const classified = this.classifyConnectFailure(err, target, conn);
      if (classified.retryable) {
        const failures = (backoff?.failures ?? 0) + 1;
        const delay = Math.min(500 * 2 ** (failures - 1), 30_000);
        this.reconnect.set(target.deviceId, { failures, retryAt: Date.now() + delay, lastError: classified });
      } else {
        this.reconnect.delete(target.deviceId);
      }
      throw classified;
    }
    this.reconnect.delete(target.deviceId);
    return conn;
  }

  /** A connection whose `ready` settles once the key is read and the handshake is done (or failed). */
  private open(target: SshTarget, signature: string): PooledConnection {
    const where = `${target.hostname} (${target.address}:${target.port})`;
    const config: ConnectConfig = {
      host: target.address,
      port: target.port,
      username: target.username,
      readyTimeout: this.options.readyTimeoutMs ?? 10_000,
      keepaliveInterval: this.options.keepaliveIntervalMs ?? 10_000,
      keepaliveCountMax: this.options.keepaliveCountMax ?? 3,
    };
    const client = new Client();
    const conn: PooledConnection = {
      signature,
      client,
      ready: Promise.resolve(),
      closed: false,
      activeChannels: 0,
      waiters: [],
      idleTimer: null,
      hostKeyMismatch: null,
      established: false,
    };
    config.hostVerifier = (key: Buffer, verify: (ok: boolean) => void) => {
      const presented = hostKeyIdentity(key);
      const check = (pinned: string) => {
        if (pinned !== presented.fingerprint)
          conn.hostKeyMismatch = { expected: pinned, presented: presented.fingerprint };
        verify(pinned === presented.fingerprint);
      };
      if (target.pinnedFingerprint) check(target.pinnedFingerprint);
      else {
        this.options.pinStore.pinIfUnset(target.deviceId, presented).then(check, (err: unknown) => {
          this.options.logger.error('could not pin host key', { device: target.hostname, error: String(err) });
          verify(false);
        });
      }
    };

    const credentials = async () => {
      if (target.authMethod === 'agent') {
        const agent = this.options.agentSocket ?? process.env.SSH_AUTH_SOCK;
        if (!agent)
          throw new SshError('key_missing', `${where}: ssh-agent requested but SSH_AUTH_SOCK is not set on the worker`);
        config.agent = agent;
        return;
      }
      if (!target.identityFile) throw new SshError('key_missing', `${where}: no private key path configured`);
      try {
        config.privateKey = await readFile(target.identityFile);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        throw new SshError(
          code === 'ENOENT' ? 'key_missing' : 'key_unreadable',
          `${where}: private key ${code === 'ENOENT' ? 'not found' : 'unreadable'} (${code})`,
        );
      }
    };
    conn.ready = credentials().then(
      () =>
        new Promise<void>((resolve, reject) => {
          // Closed while the key was read: connecting now would leave a socket nobody closes.
          if (conn.closed)
            return reject(new SshError('connection_lost', `${where}: connection closed before it was made`));
          client.once('ready', () => {
            client.setNoDelay(true);
            conn.established = true;
            resolve();
          });
          client.once('error', reject);
          // Ended during the handshake (closed by the pool) without an error: waiters must not wait forever.
          client.once('close', () =>
            reject(new SshError('connection_lost', `${where}: connection closed during the handshake`)),
          );
          this.connectsByDevice.set(target.deviceId, (this.connectsByDevice.get(target.deviceId) ?? 0) + 1);
          client.connect(config);
          this.options.logger.debug('ssh connecting', { device: target.hostname });
        }),
    );
    client.on('error', (err) => {
      this.options.logger.debug('ssh connection error', { device: target.hostname, error: err.message });
    });
    client.once('close', () => {
      // Not ended by the pool: the device, the network or a keepalive timeout ended it.
      if (conn.established && !conn.closed) this.disconnects.lost++;
      conn.closed = true;
      if (this.connections.get(target.deviceId) === conn) this.connections.delete(target.deviceId);
      for (const wake of conn.waiters.splice(0)) wake();
    });
    return conn;
  }

  private classifyConnectFailure(err: unknown, target: SshTarget, conn: PooledConnection): SshError {
    const where = `${target.hostname} (${target.address}:${target.port})`;
    if (conn.hostKeyMismatch) {
      return new SshError(
        'host_key_mismatch',
        `${where}: host key changed: pinned ${conn.hostKeyMismatch.expected}, presented ${conn.hostKeyMismatch.presented}. Refusing to connect; if the device was reinstalled, reset its pinned key.`,
      );
    }
    return classifyConnectionError(err, where);
  }

  private async acquireChannel(conn: PooledConnection): Promise<void> {
    if (conn.idleTimer) {
      clearTimeout(conn.idleTimer);
      conn.idleTimer = null;
    }
    while (conn.activeChannels >= this.maxChannels) {
      if (conn.closed) throw new SshError('connection_lost', 'connection closed while waiting for a channel');
      await new Promise<void>((resolve) => conn.waiters.push(resolve));
    }
    if (conn.closed) throw new SshError('connection_lost', 'connection closed while waiting for a channel');
    conn.activeChannels++;
  }

  private releaseChannel(deviceId: string, conn: PooledConnection): void {
    conn.activeChannels--;
    conn.waiters.shift()?.();
    if (conn.activeChannels === 0 && !conn.closed) {
      conn.idleTimer = setTimeout(() => this.discard(deviceId, conn, 'idle'), this.idleCloseMs);
      conn.idleTimer.unref();
    }
  }

  private discard(deviceId: string, conn: PooledConnection, reason: DisconnectReason): void {
    if (conn.idleTimer) clearTimeout(conn.idleTimer);
    if (conn.established && !conn.closed) this.disconnects[reason]++;
    if (this.connections.get(deviceId) === conn) this.connections.delete(deviceId);
    this.end(conn);
    for (const wake of conn.waiters.splice(0)) wake();
  }

  /** Marks it closed by the pool (so its close is not counted as lost) and ends it. */
  private end(conn: PooledConnection): void {
    conn.closed = true;
    // Mid-handshake there is no session to end politely, and a server that never answers would hold the
    // socket until the ready timeout.
    if (conn.established) conn.client.end();
    else conn.client.destroy();
  }

  private runOnChannel(
    conn: PooledConnection,
    target: SshTarget,
    command: string,
    opts: ExecOptions,
  ): Promise<ExecResult> {
    const started = performance.now();
    const limit = opts.maxOutputBytes ?? DEFAULT_MAX_OUTPUT;
    const where = `${target.hostname} (${target.address}:${target.port})`;
    return new Promise<ExecResult>((resolve, reject) => {
      conn.client.exec(command, (err, stream) => {
        if (err) {
          reject(classifyConnectionError(err, where));
          return;
        }
        const out = new BoundedBuffer(limit);
        const errOut = new BoundedBuffer(limit);
        let exitCode: number | null = null;
        let signal: string | null = null;
        let timedOut = false;
        const timer = setTimeout(() => {
          timedOut = true;
          // Ask the remote side to kill the command, then drop the channel either way.
          try {
            stream.signal('KILL');
          } catch {
            /* the server may not support signals */
          }
          stream.close();
        }, opts.timeoutMs);
        stream.on('data', (chunk: Buffer) => out.push(chunk));
        stream.stderr.on('data', (chunk: Buffer) => errOut.push(chunk));
        if (opts.stdin) stream.end(opts.stdin);
        stream.on('exit', (code: number | null, sig?: string) => {
          exitCode = code;
          signal = sig ?? null;
        });
        stream.on('close', () => {
          clearTimeout(timer);
          if (timedOut) {
            reject(new SshError('command_timeout', `${where}: command did not finish within ${opts.timeoutMs} ms`));
            return;
          }
          if (conn.closed && exitCode === null) {
            reject(new SshError('connection_lost', `${where}: connection lost while the command ran`));
            return;
          }
          resolve({
            stdout: out.text(),
            stderr: errOut.text(),
            exitCode,
            signal,
            durationMs: performance.now() - started,
            stdoutTruncated: out.truncated,
            stderrTruncated: errOut.truncated,
          });
        });
      });
    });
  }
}

class BoundedBuffer {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  truncated = false;
  constructor(private readonly limit: number) {}
  push(chunk: Buffer): void {
    const room = this.limit - this.size;
    if (room <= 0) {
      this.truncated = true;
      return;
    }
    const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
    if (part !== chunk) this.truncated = true;
    this.chunks.push(part);
    this.size += part.length;
  }
  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}
