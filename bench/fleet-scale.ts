/**
 * Fleet scale benchmark (`npm run bench:fleet`): N simulated devices (simulator, real SSH on
 * loopback, in a child process of their own) polled at the registry's default intervals by a fresh
 * system per N (embedded PostgreSQL, Temporal dev server, worker + services in this process; config
 * watching off). Measures schedule lag, CPU and memory per process, database growth, Temporal actions,
 * SSH handshakes at steady state and coalescing of concurrent forced reads.
 *   BENCH_FLEET_SIZES (default "50,200,500")  fleet sizes, one fresh system each
 *   BENCH_FLEET_MINUTES (default 10)          measured window per size
 *   BENCH_FLEET_WARMUP_SECONDS (default 60)   after registration, before the window opens
 */
import { type ChildProcess, execFileSync, fork } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { WorkflowExecutionInfo } from '@temporalio/client';
import pg from 'pg';
import { createLogger } from '../platform/logger.ts';
import { startSystem, type RunningSystem } from '../app/system.ts';
import { collectMarkers } from '../test/support/collect-evidence.ts';
import { startSharedServers, type SharedServers } from '../test/support/servers.ts';
import type { SimDevice, SimMessage } from './fleet-scale-sim.ts';
import { summary } from './stats.ts';
import { ownerContext } from '../services/device-service.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dir = path.join(root, '.bench-data', 'fleet-scale');
// Outside `dir` (wiped per size): device keys are made once and reused.
const fleetDir = path.join(root, '.bench-data', 'fleet-scale-keys');
const sizes = (process.env.BENCH_FLEET_SIZES ?? '50,200,500')
  .split(',')
  .map((s) => Number(s.trim()))
  .filter((n) => n > 0);
const minutes = Number(process.env.BENCH_FLEET_MINUTES ?? 10);
const warmupSeconds = Number(process.env.BENCH_FLEET_WARMUP_SECONDS ?? 60);
const COALESCE_CALLS = 50;
const HISTORY_SAMPLE = 400;
const logger = createLogger(process.env.LOG_LEVEL ?? 'error', 'bench');
const ctx = ownerContext('api');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
const round = (n: number, d = 1) => Math.round(n * 10 ** d) / 10 ** d;

// --- /proc sampling ---------------------------------------------------------------------------------
type Group = 'bench' | 'temporal' | 'postgres' | 'simulator';
interface ProcSample {
  pid: number;
  ppid: number;
  comm: string;
  /** utime + stime (+ cutime + cstime: reaped children, e.g. PostgreSQL backends that ended), ticks */
  ticks: number;
  rssKb: number;
}
function readProc(pid: number): ProcSample | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = stat.lastIndexOf(')');
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    const f = stat.slice(close + 2).split(' '); // f[0] is field 3 (state)
    const ticks = Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
    const rss = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return { pid, ppid: Number(f[1]), comm, ticks, rssKb: rss ? Number(rss[1]) : 0 };
  } catch {
    return null;
  }
}
/** PSS (shared pages split among sharers): PostgreSQL's shared buffers would count once per backend in RSS. */
function pssKb(pid: number): number {
  try {
    const m = /Pss:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}
/** This process's descendants, grouped. */
function processGroups(simPid: number | undefined): Record<Group, ProcSample[]> {
  const all = readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map((d) => readProc(Number(d)))
    .filter((p): p is ProcSample => p !== null);
  const children = new Map<number, ProcSample[]>();
  for (const p of all) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p]);
  const groups: Record<Group, ProcSample[]> = {
    bench: [readProc(process.pid)!],
    temporal: [],
    postgres: [],
    simulator: [],
  };
  const walk = (pid: number, group: Group | null) => {
    for (const c of children.get(pid) ?? []) {
      const g: Group | null =
        group ??
        (c.pid === simPid
          ? 'simulator'
          : c.comm.startsWith('temporal')
            ? 'temporal'
            : c.comm.startsWith('postgres')
              ? 'postgres'
              : null);
      if (g) groups[g].push(c);
      walk(c.pid, g);
    }
  };
  walk(process.pid, null);
  return groups;
}
interface GroupUsage {
  ticks: number;
  memKb: number;
  processes: number;
}
function usage(simPid: number | undefined): Record<Group, GroupUsage> {
  const g = processGroups(simPid);
  const out = {} as Record<Group, GroupUsage>;
  for (const [name, procs] of Object.entries(g) as [Group, ProcSample[]][]) {
    // PostgreSQL: only the postmaster's cutime/cstime count reaped backends; a backend's own children none.
    const ticks = procs.reduce((a, p) => a + p.ticks, 0);
    const memKb =
      name === 'postgres' ? procs.reduce((a, p) => a + pssKb(p.pid), 0) : procs.reduce((a, p) => a + p.rssKb, 0);
    out[name] = { ticks, memKb, processes: procs.length };
  }
  return out;
}

// --- simulator child -------------------------------------------------------------------------------
interface Sim {
  child: ChildProcess;
  devices: SimDevice[];
  clientKeyPath: string;
  username: string;
  stats(): Promise<{ connections: number; execs: number; byType: Record<string, number> }>;
  stop(): Promise<void>;
}
async function startSim(count: number): Promise<Sim> {
  const child = fork(path.join(root, 'bench', 'fleet-scale-sim.ts'), [String(count), fleetDir], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let nextId = 0;
  const waiting = new Map<number, (s: Extract<SimMessage, { type: 'stats' }>['stats']) => void>();
  const ready = await new Promise<Extract<SimMessage, { type: 'ready' }>>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`simulator exited with ${code}`)));
    child.on('message', (m: SimMessage) => {
      if (m.type === 'ready') resolve(m);
      else waiting.get(m.id)?.(m.stats);
    });
  });
  return {
    child,
    devices: ready.devices,
    clientKeyPath: ready.clientKeyPath,
    username: ready.username,
    stats: () =>
      new Promise((resolve) => {
        const id = nextId++;
        waiting.set(id, (s) => {
          waiting.delete(id);
          resolve(s);
        });
        child.send({ type: 'stats', id });
      }),
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        child.send({ type: 'stop' });
      }),
  };
}

// --- one fleet size --------------------------------------------------------------------------------
interface SizeResult {
  n: number;
  minutes: number;
  registerSeconds: number;
  schedules: number;
  lagStart: ReturnType<typeof summary>;
  lagActivity: ReturnType<typeof summary>;
  scheduledAttributePresent: string;
  failedOrOpen: number;
  cpuPct: Record<Group, number>;
  memMaxMb: Record<Group, number>;
  processes: Record<Group, number>;
  eventLoopP99Ms: number;
  dbBytesBefore: number;
  dbBytesAfter: number;
  dbMbPerDeviceDay: number;
  /** audit_log with its indexes: growth, and rows written, per device-day. */
  auditMbPerDeviceDay: number;
  auditRowsPerDeviceDay: number;
  workflowsPerMin: number;
  collectPerMin: number;
  activitiesPerWorkflow: number;
  activitiesPerMin: number;
  actionsPerMin: number;
  historyEventsPerMin: number;
  handshakesPerDeviceHour: number;
  simConnectionsPerDeviceHour: number;
  openConnections: number;
  /** Established connections ended during the window's second half, by reason (pool stats). */
  disconnects: Record<string, number>;
  execsPerSec: number;
  coalesce: { execs: number; fleetExecs: number; latency: ReturnType<typeof summary>; errors: number; device: string };
}

async function pool<T, R>(items: T[], concurrency: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!);
      }
    }),
  );
  return out;
}

const ms = (t: { seconds?: { toString(): string } | null; nanos?: number | null } | null | undefined) =>
  Number(t?.seconds?.toString() ?? 0) * 1000 + (t?.nanos ?? 0) / 1e6;

async function runSize(n: number): Promise<SizeResult> {
  let servers: SharedServers | null = null;
  let system: RunningSystem | null = null;
  let sim: Sim | null = null;
  const probe = { client: null as pg.Client | null };
  try {
    servers = await startSharedServers(dir, logger);
    system = await startSystem({
      temporalAddress: servers.temporalAddress,
      temporalUi: null,
      namespace: 'default',
      databaseUrl: servers.databaseUrl,
      instance: 'fleet',
      bindAddress: '127.0.0.1',
      apiPort: null,
      mcpPort: null,
      runWorker: true,
      pollingEnabled: true,
      configWatchEnabled: false,
      workflowBundle: { codePath: servers.workflowBundlePath },
      logger,
    });
    const sys = system;
    probe.client = new pg.Client({ connectionString: servers.databaseUrl });
    await probe.client.connect();
    const dbSize = async () =>
      Number(
        (await probe.client!.query<{ s: string }>('select pg_database_size(current_database())::text as s')).rows[0]!.s,
      );
    const auditSize = async () => {
      const { rows } = await probe.client!.query<{ bytes: string; rows: string }>(
        "select pg_total_relation_size('audit_log')::text as bytes, (select count(*) from audit_log)::text as rows",
      );
      return { bytes: Number(rows[0]!.bytes), rows: Number(rows[0]!.rows) };
    };

    sim = await startSim(n);
    const s = sim;
    const registerStarted = Date.now();
    await pool(s.devices, 32, (d) =>
      sys.devices.create(
        {
          hostname: d.hostname,
          address: d.address,
          port: d.port,
          username: s.username,
          identity_file: s.clientKeyPath,
          auth_method: 'key',
          device_type: d.deviceType as 'linux',
          tags: ['fleet-sim', d.role],
          location: null,
          description: null,
          monitoring_enabled: true,
        },
        ctx,
      ),
    );
    const registerSeconds = (Date.now() - registerStarted) / 1000;
    process.stderr.write(`[${n}] registered in ${round(registerSeconds)} s; warming up ${warmupSeconds} s\n`);
    await sleep(warmupSeconds * 1000);

    // --- measured window ---
    const windowMs = minutes * 60_000;
    const loop = monitorEventLoopDelay({ resolution: 10 });
    loop.enable();
    const dbBytesBefore = await dbSize();
    const auditBefore = await auditSize();
    const u0 = usage(s.child.pid);
    const memMax = Object.fromEntries(Object.entries(u0).map(([k, v]) => [k, v.memKb])) as Record<Group, number>;
    const procMax = Object.fromEntries(Object.entries(u0).map(([k, v]) => [k, v.processes])) as Record<Group, number>;
    const sim0 = await s.stats();
    const t0 = Date.now();
    let mid: { pool: number; disconnects: Record<string, number>; sim: number; at: number } | null = null;
    while (Date.now() - t0 < windowMs) {
      await sleep(Math.min(5000, windowMs - (Date.now() - t0)));
      const u = usage(s.child.pid);
      for (const g of Object.keys(u) as Group[]) {
        memMax[g] = Math.max(memMax[g], u[g].memKb);
        procMax[g] = Math.max(procMax[g], u[g].processes);
      }
      if (!mid && Date.now() - t0 >= windowMs / 2) {
        const pool = sys.worker!.pool.stats();
        mid = {
          pool: pool.connectsTotal,
          disconnects: pool.disconnects,
          sim: (await s.stats()).connections,
          at: Date.now(),
        };
      }
    }
    const t1 = Date.now();
    const u1 = usage(s.child.pid);
    const sim1 = await s.stats();
    const poolEnd = sys.worker!.pool.stats();
    const dbBytesAfter = await dbSize();
    const auditAfter = await auditSize();
    loop.disable();
    const seconds = (t1 - t0) / 1000;
    const cpuPct = Object.fromEntries(
      (Object.keys(u1) as Group[]).map((g) => [g, round(((u1[g].ticks - u0[g].ticks) / CLK_TCK / seconds) * 100)]),
    ) as Record<Group, number>;
    const halfHours = (t1 - mid!.at) / 3_600_000;

    // --- schedule lag, from visibility and a sample of histories ---
    await sleep(3000); // workflows scheduled in the last seconds of the window: let them start
    const from = new Date(t0).toISOString();
    const to = new Date(t1).toISOString();
    const scheduled: WorkflowExecutionInfo[] = [];
    for await (const wf of sys.client.workflow.list({
      query: `WorkflowType='collectWorkflow' AND TemporalScheduledStartTime >= '${from}' AND TemporalScheduledStartTime < '${to}'`,
    }))
      scheduled.push(wf);
    const scheduledAt = (wf: WorkflowExecutionInfo): number | null => {
      const v = (wf.searchAttributes as Record<string, unknown[] | undefined>).TemporalScheduledStartTime?.[0];
      return v === undefined ? null : new Date(v as string | Date).getTime();
    };
    const withAttr = scheduled.filter((wf) => scheduledAt(wf) !== null);
    const lagStart = withAttr.map((wf) => wf.startTime.getTime() - scheduledAt(wf)!);
    const failedOrOpen = scheduled.filter((wf) => wf.status.name !== 'COMPLETED').length;
    // Sample histories: scheduled time → first activity started, and activities per workflow.
    const step = Math.max(1, Math.floor(withAttr.length / HISTORY_SAMPLE));
    const sample = withAttr.filter((_, i) => i % step === 0).slice(0, HISTORY_SAMPLE);
    const lagActivity: number[] = [];
    let activities = 0;
    await pool(sample, 8, async (wf) => {
      const history = await sys.client.workflow.getHandle(wf.workflowId, wf.runId).fetchHistory();
      const events = history.events ?? [];
      // collect runs as a local activity (a marker in the history): it starts as soon as the run's first
      // workflow task reaches the worker, so that task's start is when the device is asked.
      const localActivities = collectMarkers(events);
      activities += events.filter((e) => e.activityTaskScheduledEventAttributes).length + localActivities.length;
      const started = localActivities.length
        ? events.find((e) => e.workflowTaskStartedEventAttributes)
        : events.find((e) => e.activityTaskStartedEventAttributes);
      if (started) lagActivity.push(ms(started.eventTime) - scheduledAt(wf)!);
    });
    const activitiesPerWorkflow = sample.length ? activities / sample.length : 0;
    const startedQuery = `StartTime >= '${from}' AND StartTime < '${to}'`;
    const workflowsStarted = Number((await sys.client.workflow.count(startedQuery)).count);
    let historyEvents = 0;
    for await (const wf of sys.client.workflow.list({ query: startedQuery })) historyEvents += wf.historyLength;
    const windowMin = seconds / 60;
    const collectPerMin = scheduled.length / windowMin;
    const activitiesPerMin = collectPerMin * activitiesPerWorkflow;
    const workflowsPerMin = workflowsStarted / windowMin;

    // --- coalescing under load: 50 concurrent forced reads of one device's containers ---
    const target = s.devices.find((d) => d.role !== 'router')?.hostname ?? s.devices[0]!.hostname;
    const before = (await s.stats()).byType.containers ?? 0;
    const coalesceFrom = new Date();
    const latencies: number[] = [];
    let errors = 0;
    await Promise.all(
      Array.from({ length: COALESCE_CALLS }, async () => {
        const started = performance.now();
        try {
          await sys.collection.read(target, 'containers', { forceRefresh: true }, ctx);
        } catch {
          errors++;
        }
        latencies.push(performance.now() - started);
      }),
    );
    const after = (await s.stats()).byType.containers ?? 0;
    // The simulator counts execs fleet-wide (scheduled collections of other devices run meanwhile): the
    // target's own collections are its `collect` audit rows (one per device exec) since the burst began.
    const targetCollects = Number(
      (
        await probe.client.query<{ c: string }>(
          "select count(*)::text as c from audit_log where action = 'collect' and hostname = $1 and data_type = 'containers' and time >= $2",
          [target, coalesceFrom],
        )
      ).rows[0]!.c,
    );

    let scheduleCount = 0;
    for await (const sc of sys.client.schedule.list()) if (sc.scheduleId.startsWith('fleet-poll-')) scheduleCount++;

    return {
      n,
      minutes: round(windowMin, 2),
      registerSeconds: round(registerSeconds),
      schedules: scheduleCount,
      lagStart: summary(lagStart),
      lagActivity: summary(lagActivity),
      scheduledAttributePresent: `${withAttr.length}/${scheduled.length}`,
      failedOrOpen,
      cpuPct,
      memMaxMb: Object.fromEntries(Object.entries(memMax).map(([k, v]) => [k, round(v / 1024)])) as Record<
        Group,
        number
      >,
      processes: procMax,
      eventLoopP99Ms: round(loop.percentile(99) / 1e6),
      dbBytesBefore,
      dbBytesAfter,
      dbMbPerDeviceDay: round((dbBytesAfter - dbBytesBefore) / n / (seconds / 86_400) / 2 ** 20, 2),
      auditMbPerDeviceDay: round((auditAfter.bytes - auditBefore.bytes) / n / (seconds / 86_400) / 2 ** 20, 2),
      auditRowsPerDeviceDay: Math.round((auditAfter.rows - auditBefore.rows) / n / (seconds / 86_400)),
      workflowsPerMin: round(workflowsPerMin),
      collectPerMin: round(collectPerMin),
      activitiesPerWorkflow: round(activitiesPerWorkflow, 3),
      activitiesPerMin: round(activitiesPerMin),
      // Temporal Cloud style: one action per schedule invocation, per workflow start, per activity.
      actionsPerMin: round(collectPerMin + workflowsPerMin + activitiesPerMin),
      historyEventsPerMin: round(historyEvents / windowMin),
      handshakesPerDeviceHour: round((poolEnd.connectsTotal - mid!.pool) / n / halfHours, 3),
      simConnectionsPerDeviceHour: round((sim1.connections - mid!.sim) / n / halfHours, 3),
      openConnections: poolEnd.openConnections,
      disconnects: Object.fromEntries(
        Object.entries(poolEnd.disconnects).map(([reason, count]) => [reason, count - (mid!.disconnects[reason] ?? 0)]),
      ),
      execsPerSec: round((sim1.execs - sim0.execs) / seconds, 2),
      coalesce: {
        execs: targetCollects,
        fleetExecs: after - before,
        latency: summary(latencies),
        errors,
        device: target,
      },
    };
  } finally {
    await probe.client?.end().catch(() => undefined);
    await system?.stop().catch((err: unknown) => process.stderr.write(`system stop: ${String(err)}\n`));
    await sim?.stop();
    await servers?.stop();
  }
}

// --- plot ------------------------------------------------------------------------------------------
function svg(results: SizeResult[]): string {
  const W = 640;
  const H = 300;
  const pad = { l: 56, r: 56, t: 36, b: 44 };
  const xs = results.map((r) => r.n);
  const xMax = Math.max(...xs) * 1.05;
  const lagMax = Math.max(5, ...results.map((r) => r.lagActivity.p99 / 1000)) * 1.15;
  const cpuSeries: { key: Group | 'total'; color: string; label: string }[] = [
    { key: 'total', color: '#444', label: 'CPU total' },
    { key: 'bench', color: '#d62728', label: 'API+worker' },
    { key: 'temporal', color: '#2ca02c', label: 'Temporal' },
    { key: 'postgres', color: '#9467bd', label: 'PostgreSQL' },
    { key: 'simulator', color: '#8c564b', label: 'simulator' },
  ];
  const cpuOf = (r: SizeResult, k: Group | 'total') =>
    k === 'total' ? Object.values(r.cpuPct).reduce((a, b) => a + b, 0) : r.cpuPct[k];
  const cpuMax = Math.max(200, ...results.map((r) => cpuOf(r, 'total'))) * 1.1;
  const X = (v: number) => pad.l + (v / xMax) * (W - pad.l - pad.r);
  const YL = (v: number) => H - pad.b - (v / lagMax) * (H - pad.t - pad.b);
  const YC = (v: number) => H - pad.b - (v / cpuMax) * (H - pad.t - pad.b);
  const line = (pts: [number, number][], color: string, dash = '') =>
    `<polyline fill="none" stroke="${color}" stroke-width="2"${dash ? ` stroke-dasharray="${dash}"` : ''} points="${pts.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(' ')}"/>` +
    pts.map(([x, y]) => `<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="3" fill="${color}"/>`).join('');
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="16" text-anchor="middle" font-size="13">Fleet scale: schedule lag p99 and CPU vs devices (${minutes} min per size)</text>`,
    `<line x1="${pad.l}" y1="${H - pad.b}" x2="${W - pad.r}" y2="${H - pad.b}" stroke="black"/>`,
    `<line x1="${pad.l}" y1="${pad.t}" x2="${pad.l}" y2="${H - pad.b}" stroke="#1f77b4"/>`,
    `<line x1="${W - pad.r}" y1="${pad.t}" x2="${W - pad.r}" y2="${H - pad.b}" stroke="#444"/>`,
    `<text x="${W / 2}" y="${H - 8}" text-anchor="middle">devices</text>`,
    `<text transform="translate(14 ${H / 2}) rotate(-90)" text-anchor="middle" fill="#1f77b4">lag p99, s (scheduled → first activity started)</text>`,
    `<text transform="translate(${W - 12} ${H / 2}) rotate(90)" text-anchor="middle" fill="#444">CPU, % of one core</text>`,
    // goal: lag p99 ≤ 5 s, and 2 cores = 200 %
    `<line x1="${pad.l}" y1="${YL(5).toFixed(1)}" x2="${W - pad.r}" y2="${YL(5).toFixed(1)}" stroke="#1f77b4" stroke-dasharray="2,3"/>`,
    `<text x="${pad.l + 4}" y="${(YL(5) - 3).toFixed(1)}" fill="#1f77b4">lag goal 5 s</text>`,
    `<line x1="${pad.l}" y1="${YC(200).toFixed(1)}" x2="${W - pad.r}" y2="${YC(200).toFixed(1)}" stroke="#444" stroke-dasharray="2,3"/>`,
    `<text x="${W - pad.r - 4}" y="${(YC(200) - 3).toFixed(1)}" text-anchor="end" fill="#444">2 cores</text>`,
  ];
  for (const x of xs) parts.push(`<text x="${X(x).toFixed(1)}" y="${H - pad.b + 14}" text-anchor="middle">${x}</text>`);
  for (let i = 0; i <= 4; i++) {
    parts.push(
      `<text x="${pad.l - 4}" y="${(YL((lagMax * i) / 4) + 4).toFixed(1)}" text-anchor="end" fill="#1f77b4">${round((lagMax * i) / 4, 1)}</text>`,
    );
    parts.push(
      `<text x="${W - pad.r + 4}" y="${(YC((cpuMax * i) / 4) + 4).toFixed(1)}" fill="#444">${Math.round((cpuMax * i) / 4)}</text>`,
    );
  }
  parts.push(
    line(
      results.map((r) => [X(r.n), YL(r.lagActivity.p99 / 1000)]),
      '#1f77b4',
    ),
  );
  for (const s of cpuSeries)
    parts.push(
      line(
        results.map((r) => [X(r.n), YC(cpuOf(r, s.key))]),
        s.color,
        s.key === 'total' ? '' : '5,3',
      ),
    );
  const legend = [
    { color: '#1f77b4', label: 'lag p99 (left)' },
    ...cpuSeries.map((s) => ({ color: s.color, label: `${s.label} (right)` })),
  ];
  legend.forEach((l, i) => {
    const x = pad.l + 8 + (i % 3) * 150;
    const y = pad.t + 6 + Math.floor(i / 3) * 14;
    parts.push(
      `<rect x="${x}" y="${y - 8}" width="10" height="10" fill="${l.color}"/><text x="${x + 14}" y="${y + 1}">${l.label}</text>`,
    );
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

// --- main ------------------------------------------------------------------------------------------
const results: SizeResult[] = [];
for (const n of sizes) {
  process.stderr.write(`[${n}] starting (${minutes} min window, ${warmupSeconds} s warm-up)\n`);
  const r = await runSize(n);
  results.push(r);
  process.stderr.write(`[${n}] ${JSON.stringify(r)}\n`);
}
writeFileSync(path.join(root, 'bench', 'fleet-scale.svg'), svg(results));

const machine = `${os.cpus().length} cores (nproc ${execFileSync('nproc', { encoding: 'utf8' }).trim()}), ${round(os.totalmem() / 2 ** 30)} GiB, ${os.cpus()[0]?.model ?? 'unknown cpu'}, Node ${process.version}`;
const s2 = (x: ReturnType<typeof summary>) =>
  `${round(x.p50 / 1000, 2)} / ${round(x.p99 / 1000, 2)} / ${round(x.max / 1000, 2)} s`;
const table = [
  `| measure | ${results.map((r) => `N = ${r.n}`).join(' | ')} |`,
  `|---|${results.map(() => '---').join('|')}|`,
  `| schedules (device × type) | ${results.map((r) => r.schedules).join(' | ')} |`,
  `| scheduled collections in window (per min) | ${results.map((r) => `${r.lagStart.n} (${r.collectPerMin})`).join(' | ')} |`,
  `| lag scheduled → workflow start p50 / p99 / max | ${results.map((r) => s2(r.lagStart)).join(' | ')} |`,
  `| **lag scheduled → first activity started** p50 / p99 / max (sampled histories) | ${results.map((r) => `${s2(r.lagActivity)} (n=${r.lagActivity.n})`).join(' | ')} |`,
  `| not completed (failed, timed out or still open) | ${results.map((r) => r.failedOrOpen).join(' | ')} |`,
  `| CPU API+worker (this process) | ${results.map((r) => `${r.cpuPct.bench} %`).join(' | ')} |`,
  `| CPU Temporal dev server | ${results.map((r) => `${r.cpuPct.temporal} %`).join(' | ')} |`,
  `| CPU PostgreSQL (all processes) | ${results.map((r) => `${r.cpuPct.postgres} %`).join(' | ')} |`,
  `| CPU simulator (child process) | ${results.map((r) => `${r.cpuPct.simulator} %`).join(' | ')} |`,
  `| **CPU total** (200 % = both cores) | ${results.map((r) => `${round(Object.values(r.cpuPct).reduce((a, b) => a + b, 0))} %`).join(' | ')} |`,
  `| RSS max API+worker | ${results.map((r) => `${r.memMaxMb.bench} MB`).join(' | ')} |`,
  `| RSS max Temporal | ${results.map((r) => `${r.memMaxMb.temporal} MB`).join(' | ')} |`,
  `| PSS max PostgreSQL (sum, ${results.map((r) => r.processes.postgres).join('/')} processes) | ${results.map((r) => `${r.memMaxMb.postgres} MB`).join(' | ')} |`,
  `| RSS max simulator | ${results.map((r) => `${r.memMaxMb.simulator} MB`).join(' | ')} |`,
  `| event-loop delay p99 (this process) | ${results.map((r) => `${r.eventLoopP99Ms} ms`).join(' | ')} |`,
  `| DB growth per device-day | ${results.map((r) => `${r.dbMbPerDeviceDay} MB`).join(' | ')} |`,
  `| … of which audit_log with its indexes (rows) | ${results.map((r) => `${r.auditMbPerDeviceDay} MB (${r.auditRowsPerDeviceDay})`).join(' | ')} |`,
  `| workflows started / min (all types) | ${results.map((r) => r.workflowsPerMin).join(' | ')} |`,
  `| activities / min (${results.map((r) => r.activitiesPerWorkflow).join('/')} per collection) | ${results.map((r) => r.activitiesPerMin).join(' | ')} |`,
  `| **Temporal actions / min** (schedule invocations + workflow starts + activities) | ${results.map((r) => r.actionsPerMin).join(' | ')} |`,
  `| history events / min | ${results.map((r) => r.historyEventsPerMin).join(' | ')} |`,
  `| device execs / s (simulator) | ${results.map((r) => r.execsPerSec).join(' | ')} |`,
  `| **SSH handshakes per device-hour**, 2nd half (pool connects) | ${results.map((r) => r.handshakesPerDeviceHour).join(' | ')} |`,
  `| TCP connections accepted per device-hour, 2nd half (simulator) | ${results.map((r) => r.simConnectionsPerDeviceHour).join(' | ')} |`,
  `| pool connections open at the end | ${results.map((r) => r.openConnections).join(' | ')} |`,
  `| connections ended, 2nd half, by reason | ${results
    .map(
      (r) =>
        Object.entries(r.disconnects)
          .filter(([, n]) => n > 0)
          .map(([reason, n]) => `${reason} ${n}`)
          .join(', ') || 'none',
    )
    .join(' | ')} |`,
  `| coalescing: ${COALESCE_CALLS} concurrent forced \`containers\` reads → collections of that device (fleet-wide containers execs meanwhile) | ${results.map((r) => `${r.coalesce.execs} (${r.coalesce.fleetExecs})${r.coalesce.errors ? ` (${r.coalesce.errors} errors)` : ''}`).join(' | ')} |`,
  `| … their latency p50 / p99 | ${results.map((r) => `${Math.round(r.coalesce.latency.p50)} / ${Math.round(r.coalesce.latency.p99)} ms`).join(' | ')} |`,
  `| registration of N devices (32 at a time) | ${results.map((r) => `${r.registerSeconds} s`).join(' | ')} |`,
];
process.stdout.write(
  [
    `Fleet scale — ${new Date().toISOString()} — ${machine}`,
    `window ${minutes} min per size after ${warmupSeconds} s warm-up; config watching off; simulator in a child process`,
    `TemporalScheduledStartTime present: ${results.map((r) => `${r.n}: ${r.scheduledAttributePresent}`).join(', ')}`,
    '',
    ...table,
    '',
    JSON.stringify({ machine, minutes, warmupSeconds, results }, null, 2),
    '',
  ].join('\n'),
);
process.exit(0);
