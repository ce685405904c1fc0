import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import ssh2, { type Connection, type ParsedKey, type ServerChannel } from 'ssh2';
import { hostKeyIdentity } from '../domain/ssh/host-key.ts';
import { type Answer, classify, respond } from './commands.ts';
import { watchEvents, watchOpening } from './config-answers.ts';
import { DeviceModel } from './model.ts';
import { buildProfile, type DeviceProfile } from './profile.ts';

/**
 * A fleet of simulated Linux devices that speak real SSH: one ssh2 `Server` per device, each with its
 * own ed25519 host key, on its own loopback address (or port), all in this process. Collection scripts
 * are answered with generated output that follows a per-device model (see model.ts and outputs/), the
 * config watcher's scripts from the device's simulated configuration files (config-files.ts), its
 * inotifywait as a stream of events; faults make a device refuse, hang, drop, slow down or reject the key.
 *
 * Addresses: by default device i listens on 127.0.X.Y:2222 (127.0.1.1, 127.0.1.2, ...). All of
 * 127.0.0.0/8 is loopback on Linux without any setup, so each device looks like a host of its own (its
 * own address in the device list, the same port everywhere, like real SSH) and nothing collides with
 * ephemeral ports. Where only 127.0.0.1 exists (macOS) or in tests, `host` puts every device on one
 * address with ports firstPort, firstPort+1, ... (firstPort 0: any free port).
 */

export type Fault =
  /** Close every TCP connection as soon as it is accepted (and the open ones now). */
  | { kind: 'refuse' }
  /** Accept commands and never answer them. */
  | { kind: 'hang' }
  /** Send the first half of an answer's stdout, then destroy the connection. */
  | { kind: 'drop' }
  /** Delay every answer by `ms` (on top of the fleet's latency). */
  | { kind: 'slow'; ms: number }
  /** Reject every authentication attempt (and close the open connections now). */
  | { kind: 'auth_fail' };

export interface FleetOptions {
  count: number;
  /** Same seed, same fleet: roles, hostnames, containers, drives, histories. Default 1. */
  seed?: number;
  /** Added to every answer, as a network and a busy device would. Default 0. */
  latencyMs?: number;
  /** One address for all devices (ports firstPort + i); default: 127.0.X.Y per device. */
  host?: string;
  /** Default 2222; with `host`, 0 lets the system pick a free port per device. */
  firstPort?: number;
  /** Where keys are kept: reused on the next start, so registered devices keep their pinned host keys. */
  dir: string;
  /** Milliseconds since the epoch; tests move time forward with it. Default Date.now. */
  clock?: () => number;
}

export interface SimulatedDevice {
  hostname: string;
  address: string;
  port: number;
  /** OpenSSH format, `SHA256:...`, as `ssh-keygen -lf` prints it and the SSH pool pins it. */
  hostKeyFingerprint: string;
  profile: DeviceProfile;
}

export interface FleetStats {
  /** TCP connections accepted, refused ones included. */
  connections: number;
  /** TCP connections open now, on all devices. */
  openConnections: number;
  execs: number;
  /** Execs by collection data type, `command` for all others. */
  byType: Record<string, number>;
}

export interface Fleet {
  devices: SimulatedDevice[];
  /** Private key every device accepts; register devices with it as identity_file. */
  clientKeyPath: string;
  username: string;
  setFault(hostname: string, fault: Fault | null): void;
  stats(): FleetStats;
  stop(): Promise<void>;
}

// Node's CommonJS interop does not see these two among ssh2's named exports.
const { Server, utils } = ssh2;

const USERNAME = 'infra';
const DEFAULT_PORT = 2222;
/** How often a running watch looks for edits: at the demo's 150× clock, every 2.5 device minutes. */
const WATCH_TICK_MS = 1000;

interface KeyPair {
  private: string;
  parsed: ParsedKey;
}

/**
 * A new ed25519 key pair that parses. ssh2's keygen strips a leading zero byte off the public key, so
 * about one key in 256 comes out malformed (mscdex/ssh2#1390, #1513): those are drawn again.
 */
function generateKey(): { private: string; public: string; parsed: ParsedKey } {
  for (;;) {
    const pair = utils.generateKeyPairSync('ed25519');
    const parsed = utils.parseKey(pair.private);
    if (!(parsed instanceof Error) && !(utils.parseKey(pair.public) instanceof Error)) return { ...pair, parsed };
  }
}

/** The ed25519 key at `file`, created (with its `.pub`) on first use. */
function loadOrCreateKey(file: string): KeyPair {
  if (existsSync(file)) {
    const text = readFileSync(file, 'utf8');
    const parsed = utils.parseKey(text);
    if (parsed instanceof Error) throw new Error(`${file}: ${parsed.message} (delete it to have a new key made)`);
    return { private: text, parsed };
  }
  const pair = generateKey();
  writeFileSync(file, pair.private, { mode: 0o600 });
  // ssh and the SSH pool refuse private keys others can read.
  chmodSync(file, 0o600);
  writeFileSync(`${file}.pub`, `${pair.public}\n`);
  return { private: pair.private, parsed: pair.parsed };
}

/** Device i's address: 127.0.1.1 to 127.0.1.254, then 127.0.2.1, ... */
function loopbackAddress(index: number): string {
  return `127.0.${1 + Math.floor(index / 254)}.${1 + (index % 254)}`;
}

interface FleetContext {
  clock: () => number;
  latencyMs: number;
  clientKey: ParsedKey;
  stats: Omit<FleetStats, 'openConnections'>;
  timers: Set<NodeJS.Timeout>;
}

class DeviceServer {
  private fault: Fault | null = null;
  private readonly sockets = new Set<net.Socket>();
  private readonly ssh: InstanceType<typeof Server>;
  private readonly tcp: net.Server;

  constructor(
    private readonly model: DeviceModel,
    hostKey: string,
    private readonly fleet: FleetContext,
  ) {
    this.ssh = new Server({ hostKeys: [hostKey], ident: model.profile.sshServer }, (client, info) =>
      this.onClient(client, info.ip, info.port),
    );
    // Our own listener hands sockets to ssh2, so a refusing device can drop them before any handshake.
    this.tcp = net.createServer((socket) => {
      fleet.stats.connections += 1;
      if (this.fault?.kind === 'refuse') {
        socket.destroy();
        return;
      }
      this.sockets.add(socket);
      // Answers go out in several small writes; Nagle's algorithm would hold each for the client's delayed ACK.
      socket.setNoDelay(true);
      socket.once('close', () => this.sockets.delete(socket));
      // A client that vanishes (reset, killed) is the client's problem, never the fleet's.
      socket.on('error', () => {});
      this.ssh.injectSocket(socket);
    });
  }

  listen(address: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.tcp.once('error', reject);
      this.tcp.listen(port, address, () => {
        this.tcp.off('error', reject);
        resolve((this.tcp.address() as net.AddressInfo).port);
      });
    });
  }

  get openConnections(): number {
    return this.sockets.size;
  }

  setFault(fault: Fault | null): void {
    this.fault = fault;
    // A pooled client would go on using its authenticated connection: make it meet the fault now.
    if (fault?.kind === 'refuse' || fault?.kind === 'auth_fail') this.dropConnections();
  }

  private dropConnections(): void {
    for (const socket of this.sockets) socket.destroy();
  }

  close(): Promise<void> {
    this.dropConnections();
    return new Promise((resolve) => this.tcp.close(() => resolve()));
  }

  private onClient(client: Connection, remoteAddress: string, remotePort: number): void {
    // The raw socket under this SSH connection, which the drop fault destroys.
    const socket = [...this.sockets].find((s) => s.remoteAddress === remoteAddress && s.remotePort === remotePort);
    client.on('error', () => {});
    client.on('authentication', (ctx) => {
      const key = this.fleet.clientKey;
      if (this.fault?.kind === 'auth_fail' || ctx.method !== 'publickey' || ctx.username !== USERNAME)
        return ctx.reject(['publickey']);
      if (ctx.key.algo !== key.type || !ctx.key.data.equals(key.getPublicSSH())) return ctx.reject(['publickey']);
      // Without a signature the client only asks whether the key would do; with one, it must verify.
      if (ctx.signature && (!ctx.blob || key.verify(ctx.blob, ctx.signature, ctx.hashAlgo) !== true))
        return ctx.reject(['publickey']);
      ctx.accept();
    });
    client.on('ready', () => {
      client.on('session', (acceptSession) => {
        const session = acceptSession();
        session.on('exec', (accept, _reject, info) => this.exec(accept(), info.command, socket));
      });
    });
  }

  private exec(channel: ServerChannel, command: string, socket: net.Socket | undefined): void {
    const { kind, script } = classify(command);
    const { stats, clock } = this.fleet;
    stats.execs += 1;
    stats.byType[kind] = (stats.byType[kind] ?? 0) + 1;
    let closed = false;
    channel.on('error', () => {});
    channel.once('close', () => {
      closed = true;
    });
    const fault = this.fault;
    if (fault?.kind === 'hang') return;

    // The answer is what the device printed when the command ran; the delay is the way back.
    const t = this.model.advanceTo(clock() / 1000);
    if (kind === 'config-watch') {
      const opening = watchOpening(this.model.profile, script);
      if (opening.kind === 'stream') return this.watch(channel, opening, t, socket);
      return this.answer(channel, opening.answer, fault, socket, () => closed);
    }
    this.answer(channel, respond(this.model, kind, script, t), fault, socket, () => closed);
  }

  /** Writes a whole answer and ends the channel, after the fleet's latency and a slow fault's delay. */
  private answer(
    channel: ServerChannel,
    answer: Answer,
    fault: Fault | null,
    socket: net.Socket | undefined,
    isClosed: () => boolean,
  ): void {
    const deliver = () => {
      if (isClosed()) return;
      if (fault?.kind === 'drop') return dropAfter(channel, answer.stdout, socket);
      if (answer.stdout) channel.write(answer.stdout);
      if (answer.stderr) channel.stderr.write(answer.stderr);
      channel.exit(answer.exitCode);
      channel.end();
    };
    this.after(this.delayMs(fault), deliver);
  }

  /**
   * A running watch script: inotifywait's opening lines, then one event line per edit of a file in a
   * watched directory, looked for every WATCH_TICK_MS against the device clock. It ends when the client
   * closes the channel or the connection goes, or sends EOF (the script's `cat` ends, the script exits 0).
   * Faults set meanwhile apply: a hung device holds its lines back, a dropping one dies, a slow one lags.
   */
  private watch(
    channel: ServerChannel,
    opening: { directories: string[]; stdout: string },
    since: number,
    socket: net.Socket | undefined,
  ): void {
    const { timers, clock } = this.fleet;
    let seen = since;
    let pending = opening.stdout;
    // Lines go out in order even when a slow fault comes or goes between two ticks.
    let writeAt = 0;
    let done = false;
    const stop = () => {
      done = true;
      clearInterval(ticker);
      timers.delete(ticker);
    };
    const tick = () => {
      const fault = this.fault;
      if (fault?.kind === 'hang') return;
      if (fault?.kind === 'drop') {
        stop();
        return dropAfter(channel, pending, socket);
      }
      const now = this.model.advanceTo(clock() / 1000);
      pending += watchEvents(this.model.profile, opening.directories, seen, now);
      seen = now;
      if (pending === '') return;
      const text = pending;
      pending = '';
      writeAt = Math.max(writeAt, Date.now() + this.delayMs(fault));
      this.after(writeAt - Date.now(), () => {
        if (!done) channel.write(text);
      });
    };
    const ticker = setInterval(tick, WATCH_TICK_MS);
    timers.add(ticker);
    channel.once('close', stop);
    // The script's `cat` reads stdin to its end; only a read stream ever sees that end.
    channel.resume();
    channel.once('end', () => {
      if (done) return;
      stop();
      channel.exit(0);
      channel.end();
    });
    tick();
  }

  private delayMs(fault: Fault | null): number {
    return this.fleet.latencyMs + (fault?.kind === 'slow' ? fault.ms : 0);
  }

  /** Runs `action` after `ms` (at once when there is no delay), on a timer the fleet's stop clears. */
  private after(ms: number, action: () => void): void {
    if (ms <= 0) return action();
    const { timers } = this.fleet;
    const timer = setTimeout(() => {
      timers.delete(timer);
      action();
    }, ms);
    timers.add(timer);
  }
}

/** The drop fault: the first half of `stdout` goes out, then the connection dies without an SSH goodbye. */
function dropAfter(channel: ServerChannel, stdout: string, socket: net.Socket | undefined): void {
  const destroy = () => {
    if (!socket || socket.writableLength === 0) socket?.destroy();
    else socket.once('drain', () => socket.destroy());
  };
  const part = stdout.slice(0, Math.floor(stdout.length / 2));
  if (part === '') return destroy();
  channel.write(part, destroy);
}

export async function startFleet(options: FleetOptions): Promise<Fleet> {
  const { count, seed = 1, latencyMs = 0, host, firstPort = DEFAULT_PORT, dir, clock = Date.now } = options;
  if (!Number.isInteger(count) || count < 1) throw new Error(`count must be a positive integer, got ${count}`);
  mkdirSync(path.join(dir, 'host-keys'), { recursive: true });
  const clientKeyPath = path.join(dir, 'client_ed25519');
  const clientKey = loadOrCreateKey(clientKeyPath);
  const context: FleetContext = {
    clock,
    latencyMs,
    clientKey: clientKey.parsed,
    stats: { connections: 0, execs: 0, byType: {} },
    timers: new Set(),
  };
  const startTime = clock() / 1000;

  const servers = new Map<string, DeviceServer>();
  const devices: SimulatedDevice[] = [];
  try {
    for (let index = 0; index < count; index++) {
      const profile = buildProfile(seed, index, startTime);
      const hostKey = loadOrCreateKey(path.join(dir, 'host-keys', `${profile.hostname}_ed25519`));
      const server = new DeviceServer(new DeviceModel(profile, seed, startTime), hostKey.private, context);
      servers.set(profile.hostname, server);
      const address = host ?? loopbackAddress(index);
      const port = await server
        .listen(address, host === undefined || firstPort === 0 ? firstPort : firstPort + index)
        .catch((err: NodeJS.ErrnoException) => {
          const hint = err.code === 'EADDRNOTAVAIL' ? ' (only 127.0.0.1 is loopback here: pass host 127.0.0.1)' : '';
          throw new Error(`${profile.hostname} could not listen on ${address}: ${err.message}${hint}`);
        });
      devices.push({
        hostname: profile.hostname,
        address,
        port,
        hostKeyFingerprint: hostKeyIdentity(hostKey.parsed.getPublicSSH()).fingerprint,
        profile,
      });
    }
  } catch (err) {
    await Promise.all([...servers.values()].map((s) => s.close()));
    throw err;
  }

  const serverOf = (hostname: string) => {
    const server = servers.get(hostname);
    if (!server) throw new Error(`no simulated device named ${hostname}`);
    return server;
  };
  return {
    devices,
    clientKeyPath,
    username: USERNAME,
    setFault: (hostname, fault) => serverOf(hostname).setFault(fault),
    stats: () => ({
      ...context.stats,
      openConnections: [...servers.values()].reduce((n, s) => n + s.openConnections, 0),
      byType: { ...context.stats.byType },
    }),
    async stop() {
      for (const timer of context.timers) clearTimeout(timer);
      context.timers.clear();
      await Promise.all([...servers.values()].map((s) => s.close()));
    },
  };
}
