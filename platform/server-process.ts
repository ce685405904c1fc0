import { spawn } from 'node:child_process';

/**
 * The watchdog every embedded server runs under (`sh -c WATCHDOG sh STOP_SIGNAL COMMAND ARGS...`): it
 * starts the server and holds the read end of a pipe from us. The pipe ends when we stop the server or
 * when this process is gone, however it died (even SIGKILL): the watchdog then sends the server its
 * stop signal, so no server outlives us holding its port and data.
 */
const WATCHDOG = [
  'stop_signal=$1',
  'shift',
  'exec 3<&0',
  '"$@" </dev/null 3<&- &',
  'server=$!',
  '{ read -r _ <&3; kill -s "$stop_signal" "$server" 2>/dev/null; } &',
  'watcher=$!',
  'exec 3<&-',
  'wait "$server"',
  'status=$?',
  'kill "$watcher" 2>/dev/null',
  'exit "$status"',
].join('\n');

const KEPT_LINES = 50;

export interface ServerProcessOptions {
  /** What stops the server in order (PostgreSQL: SIGINT, its fast shutdown). */
  stopSignal: NodeJS.Signals;
  /** Runs it as this user (root starting PostgreSQL, which refuses to run as root). */
  owner?: { uid: number; gid: number } | null;
  env?: NodeJS.ProcessEnv;
  /** Each line the server writes (stdout and stderr). */
  onLine?: (line: string) => void;
}

export interface ServerProcess {
  /** The last lines the server wrote, for a failure's explanation. */
  recentOutput(): string[];
  hasExited(): boolean;
  /** Resolves once the server (and its watchdog) have exited. */
  exited: Promise<void>;
  /** In order: the stop signal, then SIGKILL after `graceMs`. */
  stop(graceMs: number): Promise<void>;
  /** At once (a forced exit): SIGKILL to the server's process group. */
  kill(): void;
}

/**
 * Starts a server we own, in a session of its own: the Ctrl-C a terminal sends to its foreground process
 * group then reaches only us, and we stop the server after the parts that use it.
 */
export function startServerProcess(command: string, args: string[], o: ServerProcessOptions): ServerProcess {
  // kill -s takes the name without SIG in dash.
  const child = spawn('/bin/sh', ['-c', WATCHDOG, 'sh', o.stopSignal.replace(/^SIG/, ''), command, ...args], {
    detached: true,
    stdio: ['pipe', 'pipe', 'pipe'],
    env: o.env ?? process.env,
    ...(o.owner ? { uid: o.owner.uid, gid: o.owner.gid } : {}),
  });
  const lines: string[] = [];
  const keep = (line: string) => {
    lines.push(line);
    if (lines.length > KEPT_LINES) lines.shift();
    o.onLine?.(line);
  };
  for (const stream of [child.stdout, child.stderr]) {
    let partial = '';
    stream.on('data', (chunk: Buffer) => {
      const parts = (partial + chunk.toString()).split('\n');
      partial = parts.pop() ?? '';
      parts.filter((line) => line.trim() !== '').forEach(keep);
    });
  }
  // Ending the pipe is how we stop the server: the watchdog may have gone already.
  child.stdin.on('error', () => undefined);
  let gone = false;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', (err) => {
      keep(`could not start ${command}: ${err.message}`);
      resolve();
    });
  }).then(() => {
    gone = true;
  });
  const kill = () => {
    if (gone || child.pid === undefined) return;
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // The group is gone already.
    }
  };
  return {
    recentOutput: () => [...lines],
    hasExited: () => gone,
    exited,
    async stop(graceMs) {
      if (gone) return;
      child.stdin.end();
      const timer = setTimeout(kill, graceMs);
      await exited;
      clearTimeout(timer);
    },
    kill,
  };
}
