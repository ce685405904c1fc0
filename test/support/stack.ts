import { randomBytes } from 'node:crypto';
import path from 'node:path';
import pg from 'pg';
import type { WatchSettings } from '../../activities/config/watch.ts';
import { createLogger } from '../../platform/logger.ts';
import { startSystem, type RunningSystem, type SystemOptions } from '../../app/system.ts';

/** Settings `scripts/run-tests.ts` passes to every test file: the shared real servers. */
export function testEnv() {
  const need = (name: string) => {
    const v = process.env[name];
    if (!v)
      throw new Error(`${name} is not set: run the tests with \`npm test\` (scripts/run-tests.ts starts the servers)`);
    return v;
  };
  return {
    temporalAddress: need('TEST_TEMPORAL_ADDRESS'),
    databaseUrl: need('TEST_DATABASE_URL'),
    workflowBundlePath: need('TEST_WORKFLOW_BUNDLE'),
    dataDir: need('TEST_DATA_DIR'),
  };
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

/** A new, empty database on the shared PostgreSQL server. */
export async function createTestDatabase(): Promise<string> {
  const { databaseUrl } = testEnv();
  const name = `t_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  await client.query(`CREATE DATABASE ${name}`);
  await client.end();
  const url = new URL(databaseUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** The bundle built once per test run by scripts/run-tests.ts. */
export function workflowBundle() {
  return { codePath: testEnv().workflowBundlePath };
}

export function testDir(name: string): string {
  return path.join(testEnv().dataDir, name);
}

/** The whole system (worker, API, MCP) in this process, on its own database and task queue. */
export async function startTestSystem(
  opts: {
    pollingEnabled?: boolean;
    configWatchEnabled?: boolean;
    confirmationTimeoutSeconds?: number;
    /** As in production unless a test says otherwise (the local owner of an open setup confirms its own requests anyway). */
    requireDistinctConfirmer?: boolean;
    publicUrl?: string;
    watchSettings?: Partial<WatchSettings>;
    security?: SystemOptions['security'];
    bindAddress?: string;
  } = {},
): Promise<RunningSystem & { instance: string; databaseUrl: string }> {
  const env = testEnv();
  const instance = uniqueName('t');
  const databaseUrl = await createTestDatabase();
  const system = await startSystem({
    temporalAddress: env.temporalAddress,
    temporalUi: null,
    namespace: 'default',
    databaseUrl,
    instance,
    bindAddress: opts.bindAddress ?? '127.0.0.1',
    security: opts.security,
    apiPort: 0,
    mcpPort: 0,
    runWorker: true,
    pollingEnabled: opts.pollingEnabled ?? false,
    configWatchEnabled: opts.configWatchEnabled ?? false,
    maxHeartbeatThrottleMs: 1000,
    watchSettings: opts.watchSettings,
    operationSettings: {
      confirmationTimeoutSeconds: opts.confirmationTimeoutSeconds ?? 300,
      maxAttempts: 3,
      requireDistinctConfirmer: opts.requireDistinctConfirmer ?? true,
      publicUrl: opts.publicUrl ?? null,
    },
    workflowBundle: workflowBundle(),
    logger: createLogger(process.env.LOG_LEVEL ?? 'error', 'test'),
  });
  return Object.assign(system, { instance, databaseUrl });
}
