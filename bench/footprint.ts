/**
 * Idle footprint (`npm run bench:footprint`): `npm start` as a user runs it (the embedded stack: the
 * app, a Temporal dev server, PostgreSQL), with simulated devices (simulator, in this process, not
 * counted) registered through the API. Once every device has its capabilities and config watcher and the
 * settle time has passed (the first collections of the frequent types run), it sums the PSS of every
 * process `npm start` started (/proc/<pid>/smaps_rollup), per component, a few times over a window.
 *   BENCH_FOOTPRINT_DEVICES (default 10)          simulated devices
 *   BENCH_FOOTPRINT_SETTLE_SECONDS (default 300)  after the devices are set up, before sampling
 *   BENCH_FOOTPRINT_SAMPLES (default 6)           samples, BENCH_FOOTPRINT_INTERVAL_SECONDS (20) apart
 * Then it measures the floor the same way: the parts with none of our code in them (a Temporal dev server
 * and PostgreSQL started as the app starts them, idle, and a Node process holding only the Temporal SDK's
 * worker with a no-op workflow, bench/floor-worker.mjs), plus the npm launcher as measured above.
 *   BENCH_FOOTPRINT_FLOOR_SETTLE_SECONDS (default 60)
 */
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, mkdirSync, openSync, readFileSync, readSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { startEmbeddedPostgres } from '../platform/embedded-postgres.ts';
import { createLogger } from '../platform/logger.ts';
import { findTemporalCli } from '../platform/temporal-cli.ts';
import { startTemporalDevServer } from '../platform/temporal-dev-server.ts';
import { registerFleet } from '../simulator/register.ts';
import { startFleet } from '../simulator/simulator.ts';
import { waitFor } from '../test/support/poll.ts';
import { freePort } from '../test/support/ports.ts';
import { descendantsOf, processes } from '../test/support/processes.ts';
import type { DeviceView } from '../schema/device.ts';
import { withoutEmbeddedSources } from '../workers/workflow-bundle.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dir = path.join(root, '.bench-data', 'footprint');
const deviceCount = Number(process.env.BENCH_FOOTPRINT_DEVICES ?? 10);
const settleSeconds = Number(process.env.BENCH_FOOTPRINT_SETTLE_SECONDS ?? 300);
const sampleCount = Number(process.env.BENCH_FOOTPRINT_SAMPLES ?? 6);
const intervalSeconds = Number(process.env.BENCH_FOOTPRINT_INTERVAL_SECONDS ?? 20);
const floorSettleSeconds = Number(process.env.BENCH_FOOTPRINT_FLOOR_SETTLE_SECONDS ?? 60);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mb = (kb: number) => Math.round(kb / 102.4) / 10;
const PAGE = 4096;

/** Proportional set size as this machine sees it: shared pages split among every process that maps them. */
function pssKb(pid: number): number {
  try {
    return Number(/^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0; // exited meanwhile (a PostgreSQL backend)
  }
}

/**
 * The physical pages `pid` has resident (/proc/<pid>/pagemap, as root). Other developers' processes on a
 * shared machine map the same node, temporal and postgres binaries, which lowers the stack's PSS; these
 * let the bench split shared pages among the stack's own processes only, as on a box that runs nothing else.
 */
function residentPages(pid: number): number[] {
  const pages: number[] = [];
  let fd: number | null = null;
  try {
    const smaps = readFileSync(`/proc/${pid}/smaps`, 'utf8');
    fd = openSync(`/proc/${pid}/pagemap`, 'r');
    for (const [, start, end, rss] of smaps.matchAll(/^([0-9a-f]+)-([0-9a-f]+) [\s\S]*?^Rss:\s+(\d+) kB/gm)) {
      if (rss === '0') continue;
      const first = parseInt(start!, 16) / PAGE;
      const count = (parseInt(end!, 16) - parseInt(start!, 16)) / PAGE;
      const entries = Buffer.alloc(count * 8);
      readSync(fd, entries, 0, entries.length, first * 8);
      for (let i = 0; i < count; i++) {
        const entry = entries.readBigUInt64LE(i * 8);
        if (entry >> 63n) pages.push(Number(entry & ((1n << 55n) - 1n)));
      }
    }
  } catch {
    // exited meanwhile
  } finally {
    if (fd !== null) closeSync(fd);
  }
  return pages;
}

/** Which part of the stack a process of npm's tree is. */
function component(pid: number, comm: string, npmPid: number, appPid: number): string {
  if (pid === npmPid) return 'npm (launcher)';
  if (pid === appPid) return 'app (node)';
  if (comm === 'sh') return 'watchdogs (sh)';
  return comm; // temporal, postgres (postmaster and backends), esbuild (tsx's transformer)
}

interface ComponentSample {
  processes: number;
  /** PSS from smaps_rollup, kB: shared pages split with every process on the machine that maps them. */
  pss: number;
  /** PSS with shared pages split among the stack's processes only, kB: the stack alone on a machine. */
  alone: number;
  cpuTicks: number;
}

/** PSS per component of the given processes (pid → component). */
function sampleComponents(componentOf: Map<number, string>): Record<string, ComponentSample> {
  const tree = processes().filter((p) => componentOf.has(p.pid) && !p.zombie);
  const pages = new Map(tree.map((p) => [p.pid, residentPages(p.pid)]));
  const users = new Map<number, number>();
  for (const list of pages.values()) for (const page of list) users.set(page, (users.get(page) ?? 0) + 1);
  const byComponent: Record<string, ComponentSample> = {};
  for (const p of tree) {
    const part = (byComponent[componentOf.get(p.pid)!] ??= { processes: 0, pss: 0, alone: 0, cpuTicks: 0 });
    part.processes += 1;
    part.cpuTicks += p.cpuTicks;
    part.pss += pssKb(p.pid);
    part.alone += (pages.get(p.pid) ?? []).reduce((sum, page) => sum + PAGE / 1024 / users.get(page)!, 0);
  }
  return byComponent;
}

/** PSS per component of `npm start`'s tree. */
function sample(npmPid: number): Record<string, ComponentSample> {
  const all = processes();
  const inTree = new Set(descendantsOf(npmPid, all));
  const tree = all.filter((p) => inTree.has(p.pid) && !p.zombie);
  const appPid = tree.find((p) => p.ppid === npmPid)?.pid ?? -1;
  return sampleComponents(new Map(tree.map((p) => [p.pid, component(p.pid, p.comm, npmPid, appPid)])));
}

/**
 * The floor (see the header): alone PSS in MB of a bare Temporal dev server, a bare PostgreSQL and a Node
 * process with only the SDK's worker, each as this machine keeps it after `floorSettleSeconds` idle.
 */
async function measureFloor(): Promise<Record<string, number>> {
  const floorDir = path.join(dir, 'floor');
  mkdirSync(floorDir, { recursive: true });
  const logger = createLogger('warn', 'footprint-floor');
  const temporal = await startTemporalDevServer({
    cli: findTemporalCli(),
    dataDir: path.join(floorDir, 'temporal'),
    port: await freePort(),
    uiPort: await freePort(),
    namespace: 'default',
    logger,
  });
  const postgres = await startEmbeddedPostgres(path.join(floorDir, 'data'), await freePort(), logger).catch(
    async (e: unknown) => {
      await temporal.stop();
      throw e;
    },
  );
  const bundle = path.join(floorDir, 'noop-workflow-bundle.js');
  try {
    const { code } = await bundleWorkflowCode({
      workflowsPath: path.join(root, 'bench', 'noop-workflow.ts'),
      logger: new DefaultLogger('WARN'),
    });
    writeFileSync(bundle, withoutEmbeddedSources(code));
    const worker = spawn(process.execPath, [path.join(root, 'bench', 'floor-worker.mjs'), temporal.address, bundle], {
      cwd: root,
      env: { ...process.env, MALLOC_ARENA_MAX: '2', NODE_OPTIONS: '' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      await once(worker.stdout, 'data');
      await sleep(floorSettleSeconds * 1000);
      const all = processes();
      const mine = new Set(descendantsOf(process.pid, all));
      const componentOf = new Map<number, string>([[worker.pid!, 'app floor (node + Temporal SDK worker)']]);
      for (const p of all)
        if (mine.has(p.pid) && (p.comm === 'temporal' || p.comm === 'postgres')) componentOf.set(p.pid, p.comm);
      return Object.fromEntries(Object.entries(sampleComponents(componentOf)).map(([name, c]) => [name, mb(c.alone)]));
    } finally {
      worker.kill('SIGTERM');
      await once(worker, 'exit');
    }
  } finally {
    await postgres.stop();
    await temporal.stop();
  }
}

const spread = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return { min: mb(sorted[0]!), median: mb(sorted[Math.floor((sorted.length - 1) / 2)]!), max: mb(sorted.at(-1)!) };
};

rmSync(dir, { recursive: true, force: true });
const fleet = await startFleet({
  count: deviceCount,
  seed: 1,
  host: '127.0.0.1',
  firstPort: 0,
  dir: path.join(dir, 'fleet'),
  clock: () => Date.now(),
});
const apiPort = await freePort();
const api = `http://127.0.0.1:${apiPort}`;
const env: NodeJS.ProcessEnv = {
  ...process.env,
  INFRA_DATA_DIR: path.join(dir, 'data'),
  API_PORT: String(apiPort),
  MCP_PORT: String(await freePort()),
  TEMPORAL_UI_PORT: String(await freePort()),
  EMBEDDED_TEMPORAL_PORT: String(await freePort()),
  EMBEDDED_POSTGRES_PORT: String(await freePort()),
  LOG_LEVEL: 'warn',
};
for (const name of ['TEMPORAL_ADDRESS', 'DATABASE_URL', 'INFRA_WORKFLOW_BUNDLE']) delete env[name];
// detached: its own process group, as a terminal's foreground job.
const npm = spawn('npm', ['start'], { cwd: root, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
let output = '';
npm.stdout.on('data', (c: Buffer) => (output += c.toString()));
npm.stderr.on('data', (c: Buffer) => (output += c.toString()));
const exited = new Promise<void>((resolve) => npm.once('exit', () => resolve()));
let npmAloneMb = 0;

try {
  const startedAt = Date.now();
  const healthy = await waitFor(
    'npm start to be healthy or exit',
    () =>
      fetch(`${api}/health`).then(
        (r) => r.status === 200,
        () => false,
      ),
    { until: (ok) => ok || npm.exitCode !== null, timeoutMs: 300_000, intervalMs: 500 },
  );
  if (!healthy) throw new Error(`npm start did not become healthy:\n${output.slice(-4000)}`);
  const startSeconds = (Date.now() - startedAt) / 1000;
  const registered = await registerFleet(api, fleet);
  if (registered.failed.length > 0) throw new Error(`registration failed: ${JSON.stringify(registered.failed)}`);
  // Set up: capabilities detected (so its schedules exist) and the config watcher running, on every device.
  await waitFor(
    'every device set up (capabilities detected, config watcher running)',
    async () => ((await (await fetch(`${api}/api/devices`)).json()) as { devices: DeviceView[] }).devices,
    {
      until: (devices) =>
        devices.length === deviceCount &&
        devices.every((d) => Object.keys(d.capabilities).length > 0 && d.config_watch_mode !== null),
      timeoutMs: 300_000,
      intervalMs: 2000,
    },
  );
  await sleep(settleSeconds * 1000);

  const samples: Record<string, ComponentSample>[] = [];
  const sampling = { from: 0, to: 0 };
  for (let i = 0; i < sampleCount; i++) {
    if (i > 0) await sleep(intervalSeconds * 1000);
    sampling[i === 0 ? 'from' : 'to'] = Date.now();
    samples.push(sample(npm.pid!));
  }
  const ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
  const windowSeconds = (sampling.to - sampling.from) / 1000;
  const components = [...new Set(samples.flatMap((s) => Object.keys(s)))].sort();
  const figures = (kind: 'pss' | 'alone', exclude: string | null) => ({
    ...Object.fromEntries(components.map((name) => [name, spread(samples.map((s) => s[name]?.[kind] ?? 0))])),
    total: spread(
      samples.map((s) =>
        Object.entries(s)
          .filter(([name]) => name !== exclude)
          .reduce((sum, [, c]) => sum + c[kind], 0),
      ),
    ),
  });
  const result = {
    date: new Date().toISOString(),
    machine: `${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.cpus()[0]?.model ?? 'unknown cpu'}, Node ${process.version}, load ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
    devices: deviceCount,
    start_to_healthy_seconds: Math.round(startSeconds * 10) / 10,
    settle_seconds: settleSeconds,
    samples: `${sampleCount}, ${intervalSeconds} s apart`,
    processes: Object.fromEntries(components.map((name) => [name, samples.at(-1)![name]?.processes ?? 0])),
    pss_mb: figures('pss', null),
    pss_alone_mb: figures('alone', null),
    pss_alone_without_npm_mb: figures('alone', 'npm (launcher)').total,
    // Over the sampling window: what keeping it idle costs (schedules, polls, timers).
    cpu_percent_of_a_core: Object.fromEntries(
      components.map((name) => {
        const ticks = (samples.at(-1)![name]?.cpuTicks ?? 0) - (samples[0]![name]?.cpuTicks ?? 0);
        return [name, Math.round((ticks / ticksPerSecond / windowSeconds) * 1000) / 10];
      }),
    ),
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  npmAloneMb = spread(samples.map((s) => s['npm (launcher)']?.alone ?? 0)).median;
} finally {
  // As Ctrl-C would: the app stops its parts in order.
  if (npm.exitCode === null) process.kill(-npm.pid!, 'SIGINT');
  await Promise.race([exited, sleep(60_000)]);
  await fleet.stop();
}
// After the stack has stopped, so the two do not share pages or cores.
const floor = { ...(await measureFloor()), 'npm (launcher)': npmAloneMb };
const floorTotal = Math.round(Object.values(floor).reduce((sum, v) => sum + v, 0) * 10) / 10;
process.stdout.write(
  `${JSON.stringify({ floor_settle_seconds: floorSettleSeconds, floor_alone_mb: { ...floor, total: floorTotal } }, null, 2)}\n`,
);
