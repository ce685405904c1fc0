/**
 * Configuration watch benchmark (`npm run bench:config`): how long from a file written on a device to
 * its new version stored with its change event, and how many SSH connections the watchers hold per
 * device. Everything is real: loopback sshd instances as the devices with the real `inotifywait`,
 * embedded PostgreSQL, a Temporal dev server, the worker (watchers and captures) in this process.
 *   BENCH_CONFIG_ITERATIONS (default 100)  measured writes of one compose file
 *   BENCH_CONFIG_GAP_MS (default 300)      pause after each captured write, beyond the 200 ms debounce
 *   BENCH_CONFIG_DEVICES (default 5)       devices (one sshd each) for the connection count
 *   BENCH_CONFIG_STEADY_SECONDS (default 15) how long connections are sampled at steady state
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultPayloadConverter } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import pg from 'pg';
import { readFileScript } from '../domain/config/file-read.ts';
import { posixShellCommand } from '../domain/ssh/quote.ts';
import { sshTargetOf } from '../store/devices.ts';
import { createLogger } from '../platform/logger.ts';
import { startSystem, type RunningSystem } from '../app/system.ts';
import { startSharedServers } from '../test/support/servers.ts';
import { startTestSshd, TEST_DEVICE_USER, type TestSshd } from '../test/support/sshd.ts';
import { summary } from './stats.ts';
import { ownerContext } from '../services/device-service.ts';
import { configChangesSignal, type ObservedChange } from '../workflows/config-watch-messages.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dir = path.join(root, '.bench-data', 'config-watch');
const iterations = Number(process.env.BENCH_CONFIG_ITERATIONS ?? 100);
const gapMs = Number(process.env.BENCH_CONFIG_GAP_MS ?? 300);
const deviceCount = Math.max(1, Number(process.env.BENCH_CONFIG_DEVICES ?? 5));
const steadySeconds = Number(process.env.BENCH_CONFIG_STEADY_SECONDS ?? 15);
const WARM_UP = 3;
const EVENT_TIMEOUT_MS = 15_000;
const POLL_MS = 5;
const ctx = ownerContext('api');
const logger = createLogger(process.env.LOG_LEVEL ?? 'error', 'bench');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
/** Wall-clock ms with sub-ms precision, on the same clock as the worker's `new Date()`. */
const wallNow = () => performance.timeOrigin + performance.now();
const compose = (tag: string) => `services:\n  web:\n    image: nginx:${tag}\n    ports:\n      - "8080:80"\n`;

interface Device {
  hostname: string;
  sshd: TestSshd;
  sshdDir: string;
  watchedDir: string;
  file: string;
}

interface EventRow {
  id: string;
  detected_at: Date;
  stored_at: Date;
  detection_latency_ms: number | null;
  content_sha256: string | null;
}

/** Counts lines of a command's output; a command that finds nothing (exit 1) counts 0. */
function countLines(cmd: string, args: string[]): number {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8' })
      .split('\n')
      .filter((l) => l.trim() !== '').length;
  } catch {
    return 0;
  }
}
/** Established server-side TCP connections on an sshd's port. */
const sshdConnections = (port: number) => countLines('ss', ['-tnH', 'state', 'established', `( sport = :${port} )`]);
/**
 * Session processes of the device user under one of our sshd listeners (its PidFile): per connection,
 * sshd forks a root `[priv]` monitor whose child runs as the user. Only our listeners' descendants are
 * counted, so test sshds of other runs on the machine do not show up here.
 */
function deviceUserSessions(sshdDir: string): number {
  const pidFile = path.join(sshdDir, 'sshd.pid');
  if (!existsSync(pidFile)) return NaN;
  const listener = readFileSync(pidFile, 'utf8').trim();
  let monitors: string[];
  try {
    monitors = execFileSync('pgrep', ['-P', listener], { encoding: 'utf8' }).split('\n').filter(Boolean);
  } catch {
    return 0;
  }
  return countLines('pgrep', ['-u', TEST_DEVICE_USER, '-P', monitors.join(','), 'sshd']);
}
const inotifywaitsFor = (watched: string) => countLines('pgrep', ['-f', `inotifywait.*${watched}`]);

const servers = await startSharedServers(dir, logger);
const sshds: TestSshd[] = [];
let system: RunningSystem | null = null;
const probe = new pg.Client({ connectionString: servers.databaseUrl });
const devices: Device[] = [];

try {
  for (let i = 1; i <= deviceCount; i++) sshds.push(await startTestSshd(path.join(dir, `sshd-${i}`)));
  system = await startSystem({
    temporalAddress: servers.temporalAddress,
    temporalUi: null,
    namespace: 'default',
    databaseUrl: servers.databaseUrl,
    instance: 'bench-config',
    bindAddress: '127.0.0.1',
    apiPort: null,
    mcpPort: null,
    runWorker: true,
    // No scheduled collections: only the watchers (and one forced collection per device below) use SSH.
    pollingEnabled: false,
    configWatchEnabled: true,
    workflowBundle: { codePath: servers.workflowBundlePath },
    logger,
  });
  const sys = system;
  await probe.connect();

  /** The first event row after `afterId` for the file whose content has `sha`, polled every POLL_MS. */
  const waitForEvent = async (
    device: Device,
    afterId: string,
    sha: string,
    timeoutMs = EVENT_TIMEOUT_MS,
  ): Promise<{ row: EventRow; visibleAt: number; visibleWall: number } | null> => {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const res = await probe.query<EventRow>(
        `select e.id, e.detected_at, s.stored_at, s.detection_latency_ms, s.content_sha256
           from config_change_events e join config_snapshots s on s.id = e.snapshot_id
          where e.hostname = $1 and e.path = $2 and e.id > $3 order by e.id`,
        [device.hostname, device.file, afterId],
      );
      const visibleAt = performance.now();
      const row = res.rows.find((r) => r.content_sha256 === sha);
      if (row) return { row, visibleAt, visibleWall: wallNow() };
      if (visibleAt > deadline) return null;
      await sleep(POLL_MS);
    }
  };
  const lastEventId = async (device: Device) =>
    (
      await probe.query<{ id: string | null }>(
        'select max(id)::text as id from config_change_events where hostname = $1 and path = $2',
        [device.hostname, device.file],
      )
    ).rows[0]?.id ?? '0';
  const watchMode = async (hostname: string) =>
    (await sys.db.selectFrom('devices').select('config_watch_mode').where('hostname', '=', hostname).executeTakeFirst())
      ?.config_watch_mode ?? null;

  /** A device on its own sshd, a watched directory with a compose file, and its watcher up on inotify. */
  const addDevice = async (i: number): Promise<Device> => {
    const sshd = sshds[i - 1]!;
    const watchedDir = path.join(dir, `watched-${i}`);
    mkdirSync(watchedDir, { recursive: true });
    chmodSync(watchedDir, 0o755);
    const device: Device = {
      hostname: `cw-${i}`,
      sshd,
      sshdDir: path.join(dir, `sshd-${i}`),
      watchedDir,
      file: path.join(watchedDir, 'docker-compose.yml'),
    };
    const initial = compose('1.25');
    writeFileSync(device.file, initial, { mode: 0o644 });
    await sys.devices.create(
      {
        hostname: device.hostname,
        address: '127.0.0.1',
        port: sshd.port,
        username: sshd.username,
        identity_file: sshd.clientKeyPath,
        auth_method: 'key',
        device_type: 'linux',
        tags: [],
        location: null,
        description: null,
        monitoring_enabled: true,
      },
      ctx,
    );
    await sys.configHistory.addWatchPath(device.hostname, watchedDir);
    if (!(await waitForEvent(device, '0', sha256(initial), 60_000)))
      throw new Error(`${device.hostname}: initial version not stored within 60 s`);
    const deadline = Date.now() + 30_000;
    while ((await watchMode(device.hostname)) !== 'inotify') {
      if (Date.now() > deadline)
        throw new Error(`${device.hostname}: watch mode ${await watchMode(device.hostname)}, not inotify`);
      await sleep(100);
    }
    return device;
  };

  interface Sample {
    detectedAt: string;
    visibleWall: number;
    e2e: number;
    delivery: number;
    capture: number;
    storeAndPoll: number;
    storedAfterWrite: number;
  }
  /** One write of new content, and the time until its change event is visible; null when it never showed. */
  const measureWrite = async (device: Device, tag: string): Promise<Sample | null> => {
    const content = compose(tag);
    const after = await lastEventId(device);
    writeFileSync(device.file, content);
    const writtenPerf = performance.now();
    const writtenWall = wallNow();
    const seen = await waitForEvent(device, after, sha256(content));
    if (!seen) return null;
    const e2e = seen.visibleAt - writtenPerf;
    const delivery = seen.row.detected_at.getTime() - writtenWall;
    const capture = seen.row.detection_latency_ms ?? NaN;
    return {
      detectedAt: seen.row.detected_at.toISOString(),
      visibleWall: seen.visibleWall,
      e2e,
      delivery,
      capture,
      storeAndPoll: e2e - delivery - capture,
      storedAfterWrite: seen.row.stored_at.getTime() - writtenWall,
    };
  };

  // --- Latency: one device, one watched compose file, writes one at a time. ---------------------------
  const first = await addDevice(1);
  devices.push(first);
  for (let w = 0; w < WARM_UP; w++) {
    if (!(await measureWrite(first, `0.${w}`)))
      throw new Error('warm-up write was not captured: the inotify watch is not live');
    await sleep(gapMs);
  }
  const samples: Sample[] = [];
  let missed = 0;
  const firstId = (
    await sys.db.selectFrom('devices').select('id').where('hostname', '=', first.hostname).executeTakeFirstOrThrow()
  ).id;
  const connectsBefore = sys.worker!.pool.stats().connectsByDevice[firstId] ?? 0;
  const loadBefore = os.loadavg()[0]!;
  const latencyStarted = Date.now();
  for (let i = 0; i < iterations; i++) {
    const sample = await measureWrite(first, `2.${i}`);
    if (sample) samples.push(sample);
    else missed++;
    await sleep(gapMs);
  }
  const latencySeconds = (Date.now() - latencyStarted) / 1000;
  const connectsDuring = (sys.worker!.pool.stats().connectsByDevice[firstId] ?? 0) - connectsBefore;
  const pick = (k: 'e2e' | 'delivery' | 'capture' | 'storeAndPoll' | 'storedAfterWrite') =>
    summary(samples.map((s) => s[k]));

  // Where "capture" goes, from the watcher workflow's history (server timestamps, same host clock):
  // the signal carrying the change, the capture activity scheduled, started and completed.
  const ms = (t: temporal.api.history.v1.IHistoryEvent['eventTime']) =>
    Number(t?.seconds?.toString() ?? 0) * 1000 + (t?.nanos ?? 0) / 1e6;
  const history = await sys.client.workflow.getHandle(sys.watchers.workflowId(first.hostname)).fetchHistory();
  const signalledAt = new Map<string, number>();
  const scheduled = new Map<string, { detectedAt: string; at: number }>();
  const timeline = new Map<string, { scheduled: number; started?: number; completed?: number }>();
  for (const e of history.events ?? []) {
    const signal = e.workflowExecutionSignaledEventAttributes;
    if (signal?.signalName === configChangesSignal.name && signal.input?.payloads?.[0]) {
      for (const c of defaultPayloadConverter.fromPayload<ObservedChange[]>(signal.input.payloads[0])) {
        if (c.path === first.file && !signalledAt.has(c.detectedAt)) signalledAt.set(c.detectedAt, ms(e.eventTime));
      }
    }
    const sch = e.activityTaskScheduledEventAttributes;
    if (sch?.activityType?.name === 'captureConfigChange' && sch.input?.payloads?.[0]) {
      const input = defaultPayloadConverter.fromPayload<{ path: string; detectedAt: string }>(sch.input.payloads[0]);
      if (input.path === first.file)
        scheduled.set(String(e.eventId), { detectedAt: input.detectedAt, at: ms(e.eventTime) });
    }
    const started = e.activityTaskStartedEventAttributes;
    const completed = e.activityTaskCompletedEventAttributes;
    const ref = started?.scheduledEventId ?? completed?.scheduledEventId;
    const s = ref ? scheduled.get(String(ref)) : undefined;
    if (s) {
      const t = timeline.get(s.detectedAt) ?? { scheduled: s.at };
      if (started) t.started = ms(e.eventTime);
      if (completed) t.completed = ms(e.eventTime);
      timeline.set(s.detectedAt, t);
    }
  }
  const stages = {
    debounce_and_signal: [] as number[],
    workflow_task: [] as number[],
    activity_dispatch: [] as number[],
    activity_to_visible: [] as number[],
    activity_run: [] as number[],
  };
  for (const s of samples) {
    const detected = Date.parse(s.detectedAt);
    const signalled = signalledAt.get(s.detectedAt);
    const t = timeline.get(s.detectedAt);
    if (signalled === undefined || !t?.started || !t.completed) continue;
    stages.debounce_and_signal.push(signalled - detected);
    stages.workflow_task.push(t.scheduled - signalled);
    stages.activity_dispatch.push(t.started - t.scheduled);
    stages.activity_to_visible.push(s.visibleWall - t.started);
    stages.activity_run.push(t.completed - t.started);
  }
  // The capture's SSH part alone: the same file-read script over the same pooled connection.
  const target = sshTargetOf(
    await sys.db.selectFrom('devices').selectAll().where('id', '=', firstId).executeTakeFirstOrThrow(),
  );
  const sshRead: number[] = [];
  for (let i = 0; i < 50; i++) {
    const started = performance.now();
    await sys.worker!.pool.exec(target, posixShellCommand(readFileScript(first.file)), { timeoutMs: 30_000 });
    sshRead.push(performance.now() - started);
  }

  const latency = {
    n: iterations,
    missed,
    seconds: Math.round(latencySeconds),
    ssh_connects_during_measurement: connectsDuring,
    /** 1-minute load average before and after the measured writes: anything else running shows here. */
    load_average: [loadBefore, os.loadavg()[0]!].map((l) => Math.round(l * 100) / 100),
    end_to_end_ms: pick('e2e'),
    delivery_ms: pick('delivery'),
    capture_ms: pick('capture'),
    store_and_poll_ms: pick('storeAndPoll'),
    stored_at_after_write_ms: pick('storedAfterWrite'),
    ssh_file_read_ms: summary(sshRead),
    capture_stages_ms: Object.fromEntries(Object.entries(stages).map(([k, v]) => [k, summary(v)])) as Record<
      keyof typeof stages,
      ReturnType<typeof summary>
    >,
  };

  // --- Connections: every device watched; then one change and one forced collection per device. ------
  for (let i = 2; i <= deviceCount; i++) devices.push(await addDevice(i));
  const countConnections = async () => {
    const stats = sys.worker!.pool.stats();
    const ids = new Map(
      (await sys.db.selectFrom('devices').select(['id', 'hostname']).execute()).map((d) => [d.hostname, d.id]),
    );
    return {
      pool_open_connections: stats.openConnections,
      pool_active_channels: stats.activeChannels,
      per_device: devices.map((d) => ({
        device: d.hostname,
        sshd_established: sshdConnections(d.sshd.port),
        device_user_sessions: deviceUserSessions(d.sshdDir),
        connects_since_start: stats.connectsByDevice[ids.get(d.hostname)!] ?? 0,
      })),
    };
  };
  /** Samples once a second; answers the last sample and the range of the sshd-side totals seen. */
  const steadyState = async (seconds: number) => {
    let last = await countConnections();
    const totals: number[] = [];
    for (let s = 0; s < Math.max(1, seconds); s++) {
      await sleep(1000);
      last = await countConnections();
      totals.push(last.per_device.reduce((a, d) => a + d.sshd_established, 0));
    }
    return {
      ...last,
      sshd_established_total_min: Math.min(...totals),
      sshd_established_total_max: Math.max(...totals),
    };
  };
  await sleep(2000);
  const watchingOnly = await countConnections();
  for (const d of devices) {
    if (!(await measureWrite(d, '3.0'))) throw new Error(`${d.hostname}: change not captured`);
  }
  for (const d of devices) await sys.collection.read(d.hostname, 'metrics', { forceRefresh: true }, ctx);
  const steady = await steadyState(steadySeconds);

  const result = {
    date: new Date().toISOString(),
    machine: `${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.cpus()[0]?.model ?? 'unknown cpu'}, Node ${process.version}`,
    settings: {
      iterations,
      warm_up: WARM_UP,
      gap_ms: gapMs,
      poll_ms: POLL_MS,
      devices: deviceCount,
      steady_seconds: steadySeconds,
    },
    latency,
    connections_watching_only: watchingOnly,
    connections_after_changes_and_collections: steady,
  };

  const line = (label: string, s: ReturnType<typeof summary>) =>
    `  ${label.padEnd(38)} p50 ${s.p50} ms  p95 ${s.p95} ms  p99 ${s.p99} ms  max ${s.max} ms`;
  process.stdout.write(
    [
      `Configuration watch latency (${samples.length}/${iterations} writes captured, ${missed} missed, ${latency.seconds} s)`,
      line('write → change event visible', latency.end_to_end_ms),
      line('  write → detected (inotify, SSH)', latency.delivery_ms),
      line('  detected → capture stores', latency.capture_ms),
      line('  store + poll granularity', latency.store_and_poll_ms),
      line('write → stored_at (txn start)', latency.stored_at_after_write_ms),
      `  capture stages, from the watcher's history (n=${latency.capture_stages_ms.debounce_and_signal.n}):`,
      line('  detected → signal recorded', latency.capture_stages_ms.debounce_and_signal),
      line('  signal → capture scheduled', latency.capture_stages_ms.workflow_task),
      line('  scheduled → started', latency.capture_stages_ms.activity_dispatch),
      line('  started → event visible', latency.capture_stages_ms.activity_to_visible),
      line('  capture activity run', latency.capture_stages_ms.activity_run),
      line('  of which SSH read (measured apart)', latency.ssh_file_read_ms),
      `  SSH connects to the device during the measurement: ${connectsDuring}; load average before/after: ${latency.load_average.join(' / ')}`,
      `  goal p95 ≤ 1000 ms: ${latency.end_to_end_ms.p95 <= 1000 ? 'met' : 'NOT met'}`,
      `SSH connections, ${deviceCount} devices (one sshd each), after a change and a forced collection per device:`,
      `  pool (shared) connections open: ${steady.pool_open_connections}; sshd established total over ${steadySeconds} s: ${steady.sshd_established_total_min}..${steady.sshd_established_total_max}`,
      ...steady.per_device.map(
        (d) =>
          `  ${d.device}: ${d.sshd_established} established at its sshd, ${d.device_user_sessions} user sessions, ${d.connects_since_start} connects since start`,
      ),
      `  (watching only, before changes/collections: ${watchingOnly.per_device.map((d) => d.sshd_established).join(', ')} established; pool open ${watchingOnly.pool_open_connections})`,
      '',
      JSON.stringify(result, null, 2),
      '',
    ].join('\n'),
  );
} finally {
  if (system) {
    const sys = system;
    for (const d of devices) {
      await sys.devices
        .remove(d.hostname, ctx)
        .catch((err: unknown) => logger.warn('remove failed', { device: d.hostname, error: String(err) }));
    }
    // Removing a device stops its watcher; wait for each workflow to end (bounded) and its inotifywait to go.
    await Promise.all(
      devices.map((d) =>
        Promise.race([
          sys.client.workflow
            .getHandle(sys.watchers.workflowId(d.hostname))
            .result()
            .catch(() => undefined),
          sleep(20_000),
        ]),
      ),
    );
    const deadline = Date.now() + 10_000;
    while (devices.some((d) => inotifywaitsFor(d.watchedDir) > 0) && Date.now() < deadline) await sleep(100);
    const left = devices.filter((d) => inotifywaitsFor(d.watchedDir) > 0).map((d) => d.hostname);
    if (left.length) process.stderr.write(`inotifywait still running for ${left.join(', ')}\n`);
    await sys.stop();
  }
  await probe.end().catch(() => undefined);
  for (const s of sshds) await s.stop();
  await servers.stop();
}
