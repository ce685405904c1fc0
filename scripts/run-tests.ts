/**
 * `npm test`: type-check and lint, then start the shared real parts once (a Temporal dev server, an
 * embedded PostgreSQL, the workflow bundle) and run every test file with Node's test runner.
 * Test files create their own databases and task queues on these servers.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { startEmbeddedPostgres } from '../platform/embedded-postgres.ts';
import { createLogger } from '../platform/logger.ts';
import { findTemporalCli } from '../platform/temporal-cli.ts';
import { startTemporalDevServer } from '../platform/temporal-dev-server.ts';
import { freePort } from '../test/support/ports.ts';
import { WORKFLOWS_PATH } from '../workers/worker.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const testData = path.join(root, '.test-data');
const logger = createLogger(process.env.LOG_LEVEL ?? 'warn', 'test-harness');

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: 'inherit', env, cwd: root });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

const testFiles = (dir: string) =>
  readdirSync(path.join(root, 'test', dir))
    .filter((f) => f.endsWith('.test.ts'))
    .sort()
    .map((f) => path.join('test', dir, f));

async function main(): Promise<number> {
  const only = process.argv.slice(2);
  if (only.length === 0) {
    if ((await run('npx', ['tsc', '--noEmit', '-p', '.'])) !== 0) return 1;
    if ((await run('npx', ['eslint', '.'])) !== 0) return 1;
  }

  rmSync(testData, { recursive: true, force: true });
  mkdirSync(testData, { recursive: true });

  const bundle = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: new DefaultLogger('WARN') });
  const bundlePath = path.join(testData, 'workflow-bundle.js');
  writeFileSync(bundlePath, bundle.code);

  const temporalCli = findTemporalCli();
  const [temporal, postgres] = await Promise.all([
    startTemporalDevServer({ cli: temporalCli, dataDir: path.join(testData, 'temporal'), port: await freePort(), uiPort: null, namespace: 'default', logger }),
    freePort().then((port) => startEmbeddedPostgres(path.join(testData, 'postgres'), port, logger)),
  ]);

  const env = {
    ...process.env,
    TEMPORAL_CLI: temporalCli,
    TEST_TEMPORAL_ADDRESS: temporal.address,
    TEST_DATABASE_URL: postgres.url,
    TEST_WORKFLOW_BUNDLE: bundlePath,
    TEST_DATA_DIR: testData,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'error',
  };
  const files = only.length ? only : [...testFiles('unit'), ...testFiles('workflow'), ...testFiles('integration')];
  let code = 1;
  try {
    code = await run(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', ...files], env);
  } finally {
    await temporal.stop();
    await postgres.stop();
  }
  return code;
}

process.exitCode = await main();
