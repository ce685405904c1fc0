import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from '../../platform/embedded-postgres.ts';
import { createLogger } from '../../platform/logger.ts';
import { startSystem, type RunningSystem } from '../../app/system.ts';
import { findTemporalCli } from '../../platform/temporal-cli.ts';
import { startTemporalDevServer, type TemporalDevServerHandle } from '../../platform/temporal-dev-server.ts';
import type { DeviceCreate } from '../../schema/device.ts';
import { freePort } from './ports.ts';
import type { TestSshd } from './sshd.ts';
import { testEnv, uniqueName, workflowBundle } from './stack.ts';

/**
 * What fault tests need beyond `stack.ts`: servers of their own that they can stop and start again
 * (the shared ones must stay up for other test files), a worker in a process of its own that they can
 * `kill -9`, and bounded waits.
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const WORKER_SCRIPT = path.join(root, 'test', 'support', 'worker-process.ts');
const logger = () => createLogger(process.env.LOG_LEVEL ?? 'error', 'fault-test');

export type FaultSystem = RunningSystem & { instance: string; databaseUrl: string; temporalAddress: string };

/** The system on the given servers (the shared ones by default), with the API on a free port. */
export async function startFaultSystem(o: {
  databaseUrl: string;
  temporalAddress?: string;
  runWorker: boolean;
  pollingEnabled?: boolean;
  configWatchEnabled?: boolean;
  reconcileAtStart?: boolean;
}): Promise<FaultSystem> {
  const temporalAddress = o.temporalAddress ?? testEnv().temporalAddress;
  const instance = uniqueName('t');
  const system = await startSystem({
    temporalAddress,
    temporalUi: null,
    namespace: 'default',
    databaseUrl: o.databaseUrl,
    instance,
    bindAddress: '127.0.0.1',
    apiPort: 0,
    mcpPort: null,
    runWorker: o.runWorker,
    pollingEnabled: o.pollingEnabled ?? false,
    configWatchEnabled: o.configWatchEnabled ?? false,
    reconcileAtStart: o.reconcileAtStart,
    maxHeartbeatThrottleMs: 1000,
    operationSettings: {
      confirmationTimeoutSeconds: 300,
      maxAttempts: 3,
      requireDistinctConfirmer: false,
      publicUrl: null,
    },
    workflowBundle: workflowBundle(),
    logger: logger(),
  });
  return Object.assign(system, { instance, databaseUrl: o.databaseUrl, temporalAddress });
}

/** A device record pointing at a test sshd. */
export function testDevice(hostname: string, sshd: TestSshd, monitoring: boolean): DeviceCreate {
  return {
    hostname,
    address: '127.0.0.1',
    port: sshd.port,
    username: sshd.username,
    identity_file: sshd.clientKeyPath,
    auth_method: 'key',
    device_type: 'linux',
    tags: [],
    location: null,
    description: null,
    monitoring_enabled: monitoring,
  };
}

export interface WorkerProcess {
  pid: number;
  /** Resolves with how the process ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal: NodeJS.Signals): void;
  /** SIGTERM and wait (SIGKILL after 15 s). */
  stop(): Promise<void>;
  /** The process's recent stderr, for failure messages. */
  output(): string;
}

/** `node --import tsx test/support/worker-process.ts`, resolved once it says it is ready (within `timeoutMs`). */
export async function startWorkerProcess(
  o: { temporalAddress: string; databaseUrl: string; taskQueue: string; polling?: boolean; configWatch?: boolean },
  timeoutMs = 30_000,
): Promise<WorkerProcess> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', WORKER_SCRIPT], {
    cwd: root,
    env: {
      ...process.env,
      FAULT_WORKER_TEMPORAL_ADDRESS: o.temporalAddress,
      FAULT_WORKER_DATABASE_URL: o.databaseUrl,
      FAULT_WORKER_TASK_QUEUE: o.taskQueue,
      FAULT_WORKER_POLLING: o.polling ? '1' : '0',
      FAULT_WORKER_CONFIG_WATCH: o.configWatch ? '1' : '0',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      process.removeListener('exit', killOnExit);
      resolve({ code, signal });
    }),
  );
  const stderr: string[] = [];
  child.stderr!.on('data', (c: Buffer) => {
    stderr.push(c.toString());
    if (stderr.length > 100) stderr.shift();
  });
  const output = () => stderr.join('');
  let stdout = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`worker process did not get ready within ${timeoutMs} ms:\n${output()}`));
    }, timeoutMs);
    child.stdout!.on('data', (c: Buffer) => {
      stdout += c.toString();
      if (/^ready \d+$/m.test(stdout)) {
        clearTimeout(timer);
        resolve();
      }
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`worker process exited (${code ?? signal}) before it was ready:\n${output()}`));
    });
  });
  return {
    pid: child.pid!,
    exited,
    kill: (signal) => void child.kill(signal),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
    output,
  };
}

export interface RestartableServer {
  /** Stops the server (data stays). */
  stop(): Promise<void>;
  /** Starts it again on the same port with the same data. */
  start(): Promise<void>;
}

/** An embedded PostgreSQL of the test's own under `dir`, on a free port, restartable with its data. */
export async function startDedicatedPostgres(dir: string): Promise<RestartableServer & { port: number; url: string }> {
  const port = await freePort();
  let handle: EmbeddedPostgresHandle | null = await startEmbeddedPostgres(dir, port, logger());
  const { url } = handle;
  return {
    port,
    url,
    async stop() {
      await handle?.stop();
      handle = null;
    },
    async start() {
      if (handle) return;
      handle = await startEmbeddedPostgres(dir, port, logger());
    },
  };
}

/** A Temporal dev server of the test's own, its state in a SQLite file under `dir`, restartable with that state. */
export async function startDedicatedTemporal(dir: string): Promise<RestartableServer & { address: string }> {
  const port = await freePort();
  const options = { cli: findTemporalCli(), dataDir: dir, port, uiPort: null, namespace: 'default', logger: logger() };
  let handle: TemporalDevServerHandle | null = await startTemporalDevServer(options);
  return {
    address: handle.address,
    async stop() {
      await handle?.stop();
      handle = null;
    },
    async start() {
      if (handle) return;
      handle = await startTemporalDevServer(options);
    },
  };
}
