import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, test, type TestContext } from 'node:test';
import { waitFor } from '../support/poll.ts';
import { freePort } from '../support/ports.ts';
import { descendantsOf, processes } from '../support/processes.ts';
import { testDir, testEnv, uniqueName } from '../support/stack.ts';

/**
 * `npm start` itself, in a process group of its own as a terminal runs it: it must stop in order and
 * leave nothing behind (npm, the app, the Temporal dev server, PostgreSQL and its backends) when Ctrl-C
 * signals the whole group, when only npm is signalled, and even when the app is killed outright.
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Of `pids` and of process group `pgid`, the processes still running. */
function leftOf(pids: number[], pgid: number): number[] {
  return processes()
    .filter((p) => !p.zombie && (pids.includes(p.pid) || p.pgid === pgid))
    .map((p) => p.pid);
}

interface StartedNpm {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
  /** npm and all it started, the servers in their own sessions included. */
  tree: number[];
  /** The app: npm's child, which `exec` in the start script makes the node process. */
  app: number;
}

async function startNpm(dataDir: string): Promise<StartedNpm> {
  const apiPort = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    INFRA_DATA_DIR: dataDir,
    API_PORT: String(apiPort),
    MCP_PORT: String(await freePort()),
    TEMPORAL_UI_PORT: String(await freePort()),
    EMBEDDED_TEMPORAL_PORT: String(await freePort()),
    EMBEDDED_POSTGRES_PORT: String(await freePort()),
    INFRA_WORKFLOW_BUNDLE: testEnv().workflowBundlePath,
    LOG_LEVEL: 'info',
  };
  delete env.TEMPORAL_ADDRESS;
  delete env.DATABASE_URL;
  // detached: a process group of its own, as a shell gives a foreground job.
  const child = spawn('npm', ['start'], { cwd: root, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const { health } = await waitFor(
    'npm start to answer on /health or exit',
    async () => ({
      health: await fetch(`http://127.0.0.1:${apiPort}/health`).then(
        (r) => r.status,
        () => null,
      ),
      output: output.slice(-4000),
    }),
    { until: ({ health }) => health !== null || child.exitCode !== null, timeoutMs: 120_000, intervalMs: 200 },
  );
  assert.notEqual(health, null, `npm start did not answer on /health:\n${output}`);
  const tree = descendantsOf(child.pid!);
  const app = processes().find((p) => p.ppid === child.pid)?.pid;
  assert.ok(app, 'npm has a child');
  return { child, output: () => output, exited, tree, app };
}

/** After a stop: "stopped" said, exit 0, nothing of the tree or the group left, no server gone first. */
async function assertStoppedInOrder(t: TestContext, npm: StartedNpm, signalledAt: number): Promise<void> {
  await waitFor('"stopped" in the output', () => npm.output().slice(-4000), {
    until: () => npm.output().includes('"message":"stopped"'),
    timeoutMs: 60_000,
    intervalMs: 50,
  });
  const stoppedAfter = Date.now() - signalledAt;
  const code = await npm.exited;
  const left = await waitFor('every process of the tree to be gone', () => leftOf(npm.tree, npm.child.pid!), {
    until: (pids) => pids.length === 0,
    timeoutMs: 30_000,
    intervalMs: 50,
  });
  t.diagnostic(
    `"stopped" ${stoppedAfter} ms after the signal, every process gone after ${Date.now() - signalledAt} ms`,
  );
  assert.match(npm.output(), /"message":"stopped"/, npm.output());
  assert.equal(code, 0, npm.output());
  assert.deepEqual(left, [], `still running: ${left.join(' ')}`);
  // PostgreSQL and Temporal outlive what uses them: they got no signal of their own.
  assert.doesNotMatch(npm.output(), /lost the database|ECONNREFUSED|terminating connection/);
}

describe('npm start stops in order and leaves nothing running', { timeout: 400_000 }, () => {
  const dataDir = testDir(uniqueName('npm-start'));

  test('Ctrl-C: SIGINT to the whole process group', async (t) => {
    const npm = await startNpm(dataDir);
    // The servers run in sessions of their own, out of the group the terminal signals.
    const groups = new Set(
      processes()
        .filter((p) => npm.tree.includes(p.pid))
        .map((p) => p.pgid),
    );
    assert.ok(groups.size > 1, 'the servers are in process groups of their own');
    const signalledAt = Date.now();
    process.kill(-npm.child.pid!, 'SIGINT');
    await assertStoppedInOrder(t, npm, signalledAt);
  });

  test('SIGINT to npm alone (the same data found again)', async (t) => {
    const npm = await startNpm(dataDir);
    assert.doesNotMatch(
      npm.output(),
      /embedded PostgreSQL initialised/,
      'the second start finds the cluster of the first',
    );
    const signalledAt = Date.now();
    process.kill(npm.child.pid!, 'SIGINT');
    await assertStoppedInOrder(t, npm, signalledAt);
  });

  test('the app killed with SIGKILL: the servers stop anyway', async (t) => {
    const npm = await startNpm(dataDir);
    const killedAt = Date.now();
    process.kill(npm.app, 'SIGKILL');
    await npm.exited;
    const left = await waitFor('every process of the tree to be gone', () => leftOf(npm.tree, npm.child.pid!), {
      until: (pids) => pids.length === 0,
      timeoutMs: 30_000,
      intervalMs: 50,
    });
    t.diagnostic(`every process gone ${Date.now() - killedAt} ms after the SIGKILL`);
    assert.deepEqual(left, [], `still running: ${left.join(' ')}`);
  });
});
