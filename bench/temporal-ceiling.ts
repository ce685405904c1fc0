/**
 * Temporal's own ceiling for polling (`npm run bench:temporal`): the dev server the embedded default
 * runs (same flags), a worker whose workflow does nothing, and nothing of ours. Three loads per size:
 *   - `schedules`: N interval schedules every 30 s, overlap SKIP, offsets spread over the interval: each
 *     tick is a scheduler-workflow task and a workflow start, and the scheduler follows the run to its end;
 *   - `schedules allowing overlap`: the same with overlap ALLOW_ALL (as ours are), which the scheduler
 *     does not follow;
 *   - `direct starts`: the same number of runs per minute started by a client: the run without a schedule.
 * Reports the server's CPU, runs per minute achieved against those due, and scheduled → started lag.
 *   BENCH_TEMPORAL_SCHEDULES (default "500,1000")  schedules per size (runs due/min = 2 × N)
 *   BENCH_TEMPORAL_LOADS (default all three)       which loads, comma-separated, by the names above
 *   BENCH_TEMPORAL_SECONDS (default 120)           measured window per load, after 30 s of settling
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection, ScheduleOverlapPolicy } from '@temporalio/client';
import { bundleWorkflowCode, NativeConnection, Worker } from '@temporalio/worker';
import { createLogger } from '../platform/logger.ts';
import { findTemporalCli } from '../platform/temporal-cli.ts';
import { startTemporalDevServer } from '../platform/temporal-dev-server.ts';
import { installTemporalRuntime } from '../platform/temporal-runtime.ts';
import { freePort } from '../test/support/ports.ts';
import { summary } from './stats.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dir = path.join(root, '.bench-data', 'temporal-ceiling');
const sizes = (process.env.BENCH_TEMPORAL_SCHEDULES ?? '500,1000')
  .split(',')
  .map(Number)
  .filter((n) => n > 0);
const windowSeconds = Number(process.env.BENCH_TEMPORAL_SECONDS ?? 120);
const INTERVAL_SECONDS = 30;
const SETTLE_MS = 30_000;
const TASK_QUEUE = 'ceiling';
const logger = createLogger('error', 'bench');
const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round = (n: number, d = 1) => Math.round(n * 10 ** d) / 10 ** d;

/** CPU ticks of this process's `temporal` children (the dev server). */
function serverTicks(): number {
  let ticks = 0;
  for (const entry of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const f = stat.slice(close + 2).split(' ');
      if (Number(f[1]) === process.pid && stat.slice(stat.indexOf('(') + 1, close).startsWith('temporal'))
        ticks += Number(f[11]) + Number(f[12]);
    } catch {
      // a process that ended meanwhile
    }
  }
  return ticks;
}

const LOADS = ['schedules', 'schedules allowing overlap', 'direct starts'] as const;
type Load = (typeof LOADS)[number];
const isLoad = (name: string): name is Load => (LOADS as readonly string[]).includes(name);
const loadNames = (process.env.BENCH_TEMPORAL_LOADS ?? LOADS.join(',')).split(',');
const unknownLoads = loadNames.filter((name) => !isLoad(name));
if (unknownLoads.length > 0)
  throw new Error(`BENCH_TEMPORAL_LOADS: unknown ${unknownLoads.join(', ')}; known: ${LOADS.join(', ')}`);
const loads = loadNames.filter(isLoad);

interface LoadResult {
  load: Load;
  n: number;
  duePerMin: number;
  startedPerMin: number;
  serverCpuPct: number;
  lag: ReturnType<typeof summary> | null;
}

async function measure(n: number, load: LoadResult['load'], workflowBundle: { code: string }): Promise<LoadResult> {
  rmSync(dir, { recursive: true, force: true });
  const server = await startTemporalDevServer({
    cli: findTemporalCli(),
    dataDir: dir,
    port: await freePort(),
    uiPort: null,
    namespace: 'default',
    logger,
  });
  const connection = await Connection.connect({ address: server.address });
  const native = await NativeConnection.connect({ address: server.address });
  const client = new Client({ connection });
  const worker = await Worker.create({ connection: native, taskQueue: TASK_QUEUE, workflowBundle });
  const running = worker.run();
  const duePerMin = (n * 60) / INTERVAL_SECONDS;
  try {
    let stopStarting = false;
    let starter: Promise<void> = Promise.resolve();
    if (load !== 'direct starts') {
      for (let i = 0; i < n; i += 20) {
        await Promise.all(
          Array.from({ length: Math.min(20, n - i) }, (_, j) =>
            client.schedule.create({
              scheduleId: `ceiling-${i + j}`,
              spec: { intervals: [{ every: `${INTERVAL_SECONDS}s`, offset: `${(i + j) % INTERVAL_SECONDS}s` }] },
              action: {
                type: 'startWorkflow',
                workflowType: 'noopWorkflow',
                workflowId: `ceiling-${i + j}`,
                taskQueue: TASK_QUEUE,
                args: [],
              },
              policies: {
                overlap: load === 'schedules' ? ScheduleOverlapPolicy.SKIP : ScheduleOverlapPolicy.ALLOW_ALL,
                catchupWindow: '1 minute',
              },
            }),
          ),
        );
      }
    } else {
      // Evenly paced, as the schedules would be if they never queued.
      starter = (async () => {
        const t0 = Date.now();
        let started = 0;
        while (!stopStarting) {
          const due = Math.floor(((Date.now() - t0) / 60_000) * duePerMin);
          const batch: Promise<unknown>[] = [];
          while (started < due)
            batch.push(
              client.workflow.start('noopWorkflow', { taskQueue: TASK_QUEUE, workflowId: `direct-${started++}` }),
            );
          await Promise.all(batch);
          await sleep(20);
        }
      })();
    }
    await sleep(SETTLE_MS);
    const from = new Date();
    const ticks0 = serverTicks();
    await sleep(windowSeconds * 1000);
    const ticks1 = serverTicks();
    const to = new Date();
    stopStarting = true;
    await starter;
    const lags: number[] = [];
    let started = 0;
    if (load !== 'direct starts') {
      for await (const wf of client.workflow.list({
        query: `TemporalScheduledStartTime >= '${from.toISOString()}' AND TemporalScheduledStartTime < '${to.toISOString()}'`,
      })) {
        const at = (wf.searchAttributes as Record<string, unknown[] | undefined>).TemporalScheduledStartTime?.[0];
        if (at !== undefined) lags.push(wf.startTime.getTime() - new Date(at as string | Date).getTime());
        started++;
      }
    } else {
      started = Number(
        (await client.workflow.count(`StartTime >= '${from.toISOString()}' AND StartTime < '${to.toISOString()}'`))
          .count,
      );
    }
    const minutes = (to.getTime() - from.getTime()) / 60_000;
    return {
      load,
      n,
      duePerMin,
      startedPerMin: round(started / minutes),
      serverCpuPct: round(((ticks1 - ticks0) / CLK_TCK / (minutes * 60)) * 100),
      lag: lags.length ? summary(lags) : null,
    };
  } finally {
    worker.shutdown();
    await running;
    await native.close();
    await connection.close();
    await server.stop();
  }
}

installTemporalRuntime(logger);
const workflowBundle = await bundleWorkflowCode({
  workflowsPath: path.join(root, 'bench', 'noop-workflow.ts'),
  logger: { trace() {}, debug() {}, info() {}, warn() {}, error: (m) => logger.error(m), log() {} },
});
const results: LoadResult[] = [];
for (const n of sizes) {
  for (const load of loads) {
    process.stderr.write(`[${n}] ${load}\n`);
    results.push(await measure(n, load, workflowBundle));
  }
}
const secs = (ms: number | undefined) => (ms === undefined ? '–' : `${round(ms / 1000, 2)}`);
const lines = [
  `Temporal ceiling — ${new Date().toISOString()} — ${os.cpus().length} cores, ${round(os.totalmem() / 2 ** 30)} GiB, ${os.cpus()[0]?.model.trim()}, Node ${process.version}`,
  `dev server as embedded (WAL); no-op workflow; ${windowSeconds} s window per load after ${SETTLE_MS / 1000} s`,
  '',
  '| load | runs due / min | runs started / min | dev server CPU | lag scheduled → started p50 / p99 / max |',
  '|---|---|---|---|---|',
  ...results.map(
    (r) =>
      `| ${r.n} ${r.load === 'direct starts' ? 'runs/30 s started by a client' : `${r.load} every ${INTERVAL_SECONDS} s`} | ${r.duePerMin} | ${r.startedPerMin} | ${r.serverCpuPct} % | ${r.lag ? `${secs(r.lag.p50)} / ${secs(r.lag.p99)} / ${secs(r.lag.max)} s` : 'n/a'} |`,
  ),
];
process.stdout.write(`${lines.join('\n')}\n\n${JSON.stringify(results, null, 2)}\n`);
