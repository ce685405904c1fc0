/**
 * `npm test`: type-check and lint, bring the compiled server in dist/ up to date (what `npm start` and
 * the image's commands run), then start the shared real parts once (a Temporal dev server, an embedded
 * PostgreSQL, the workflow bundle) and run every test file with Node's test runner.
 * Test files create their own databases and task queues on these servers.
 * `tsx scripts/run-tests.ts FILE...` runs only those files (no type-check or lint).
 */
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLogger } from '../platform/logger.ts';
import { startSharedServers } from '../test/support/servers.ts';
import { ensureServerBuild } from './server-build.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// Its own directory per concurrent run (INFRA_TEST_DATA_DIR), since each run starts by emptying it.
const testData = path.resolve(root, process.env.INFRA_TEST_DATA_DIR ?? '.test-data');
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
    // The API client's types (the console's and the CLI's) are generated from api/openapi.ts before they are checked.
    if ((await run('npx', ['tsx', 'scripts/build-web.ts', '--types'])) !== 0) return 1;
    if ((await run('npx', ['tsc', '--noEmit', '-p', '.'])) !== 0) return 1;
    if ((await run('npx', ['tsc', '--noEmit', '-p', 'web'])) !== 0) return 1;
    if ((await run('npx', ['eslint', '.'])) !== 0) return 1;
    if ((await run('npx', ['prettier', '--check', '--log-level', 'warn', '.'])) !== 0) return 1;
  }
  const files = only.length
    ? only
    : [...testFiles('unit'), ...testFiles('workflow'), ...testFiles('integration'), ...testFiles('browser')];
  // The browser tests drive the console the API serves: build it when its sources changed.
  if (files.some((f) => path.resolve(root, f).startsWith(path.join(root, 'test', 'browser')))) {
    if ((await run('npx', ['tsx', 'scripts/build-web.ts', '--if-stale'])) !== 0) return 1;
  }
  // Here, once, rather than by an `npm start` under test (within its start-up timeout) or in parallel.
  if (!ensureServerBuild()) return 1;
  const servers = await startSharedServers(testData, logger);
  const env = {
    ...process.env,
    TEMPORAL_CLI: servers.temporalCli,
    TEST_TEMPORAL_ADDRESS: servers.temporalAddress,
    TEST_DATABASE_URL: servers.databaseUrl,
    TEST_WORKFLOW_BUNDLE: servers.workflowBundlePath,
    TEST_DATA_DIR: testData,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'error',
  };
  try {
    return await run(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', ...files], env);
  } finally {
    await servers.stop();
  }
}

process.exitCode = await main();
