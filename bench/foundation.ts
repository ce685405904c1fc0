/**
 * Foundation benchmark (`npm run bench`): cached-read and fresh-collection latency through the HTTP
 * API, and SSH connections per device under polling. Everything is real: a loopback sshd as the
 * device, embedded PostgreSQL, a Temporal dev server, the worker and API in this process.
 *   BENCH_POLL_MINUTES (default 10)  how long to poll for the connection count
 *   BENCH_DEVICES (default 3)        devices polled at once
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLogger } from '../platform/logger.ts';
import { startSystem } from '../app/system.ts';
import { installDockerStandIn } from '../test/support/docker-stand-in.ts';
import { startSharedServers } from '../test/support/servers.ts';
import { startTestSshd } from '../test/support/sshd.ts';
import { processCpuMs } from './process-cpu.ts';
import { percentile, summary } from './stats.ts';
import { runWrk } from './wrk.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dir = path.join(root, '.bench-data');
const pollMinutes = Number(process.env.BENCH_POLL_MINUTES ?? 10);
const deviceCount = Number(process.env.BENCH_DEVICES ?? 3);
const RATIO_ROUNDS = 5;
const logger = createLogger('error', 'bench');

const servers = await startSharedServers(dir, logger);
const sshd = await startTestSshd(path.join(dir, 'sshd'));
installDockerStandIn(sshd);
const system = await startSystem({
  temporalAddress: servers.temporalAddress,
  temporalUi: null,
  namespace: 'default',
  databaseUrl: servers.databaseUrl,
  instance: 'bench',
  bindAddress: '127.0.0.1',
  apiPort: 0,
  mcpPort: null,
  runWorker: true,
  pollingEnabled: true,
  workflowBundle: { codePath: servers.workflowBundlePath },
  logger,
});
const api = system.apiUrl!;
/** Runs bench/static-server.ts in its own process serving `body`, for as long as `use` takes. */
async function withStaticServer<T>(body: Buffer, use: (url: string, pid: number) => Promise<T>): Promise<T> {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'infra-bench-')), 'body.json');
  writeFileSync(file, body);
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'bench', 'static-server.ts'), file], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const port = await new Promise<string>((resolve, reject) => {
      child.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString().trim()));
      child.once('exit', (code) => reject(new Error(`static server exited with ${code}`)));
    });
    return await use(`http://127.0.0.1:${port}/`, child.pid!);
  } finally {
    child.kill();
  }
}

const get = async (route: string) => {
  const started = performance.now();
  const res = await fetch(`${api}${route}`);
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`${route}: ${res.status}`);
  return performance.now() - started;
};

try {
  const hostnames = Array.from({ length: deviceCount }, (_, i) => `bench-${i + 1}`);
  for (const hostname of hostnames) {
    const res = await fetch(`${api}/api/devices`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        hostname,
        address: '127.0.0.1',
        port: sshd.port,
        username: sshd.username,
        identity_file: sshd.clientKeyPath,
      }),
    });
    if (res.status !== 201) throw new Error(`add ${hostname}: ${res.status} ${await res.text()}`);
  }

  // Fresh collection: sequential force_refresh reads (SSH + parse + store + Temporal round-trips).
  await get('/api/devices/bench-1/metrics?force_refresh=true'); // opens the connection
  const fresh: number[] = [];
  for (let i = 0; i < 100; i++) fresh.push(await get('/api/devices/bench-1/metrics?force_refresh=true'));
  const freshContainers: number[] = [];
  for (let i = 0; i < 50; i++) freshContainers.push(await get('/api/devices/bench-1/containers?force_refresh=true'));

  // Cached reads: wrk holds 200 connections, each asking again as soon as it is answered, on a fresh
  // snapshot (metrics stay fresh 300 s), and the same against a bare node:http server answering the same
  // bytes from its own process: what this machine allows at all. Alternating 10-s rounds, so that load
  // from outside the benchmark weighs on both alike; the ratio is taken per round. Then one client, for
  // the per-request cost.
  const cachedUrl = `${api}/api/devices/bench-1/metrics`;
  const body = await (await fetch(cachedUrl)).arrayBuffer();
  // CPU per request, of this whole process (API, worker, every thread) and of the bare server's.
  const cpuPerRequest = async (pid: number, url: string) => {
    const before = processCpuMs(pid);
    const result = await runWrk(url, { connections: 200, seconds: 10 });
    return { ...result, cpu_us_per_request: Math.round(((processCpuMs(pid) - before) * 1000) / result.n) };
  };
  const rounds = await withStaticServer(Buffer.from(body), async (bareUrl, barePid) => {
    const measured = [];
    for (let i = 0; i < RATIO_ROUNDS; i++) {
      const cached = await cpuPerRequest(process.pid, cachedUrl);
      const bare = await cpuPerRequest(barePid, bareUrl);
      measured.push({
        cached,
        bare,
        ratio: Math.round((cached.requests_per_second / bare.requests_per_second) * 1000) / 1000,
      });
    }
    return measured;
  });
  const cachedSequential = await runWrk(cachedUrl, { connections: 1, seconds: 10 });

  // Polling: schedules run at their real intervals; count SSH connections opened per device.
  const connectsBefore = system.worker!.pool.stats().connectsByDevice;
  const pollStarted = Date.now();
  await new Promise((r) => setTimeout(r, pollMinutes * 60_000));
  const connectsAfter = system.worker!.pool.stats().connectsByDevice;
  const devices = await system.db.selectFrom('devices').select(['id', 'hostname']).execute();
  const collections = await system.db
    .selectFrom('audit_log')
    .select(['hostname'])
    .where('action', '=', 'collect')
    .where('trigger', '=', 'schedule')
    .where('time', '>=', new Date(pollStarted))
    .execute();
  const perDevice = devices.map((d) => ({
    device: d.hostname,
    scheduled_collections: collections.filter((c) => c.hostname === d.hostname).length,
    ssh_connections_opened: (connectsAfter[d.id] ?? 0) - (connectsBefore[d.id] ?? 0),
  }));

  const result = {
    date: new Date().toISOString(),
    machine: `${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.cpus()[0]?.model ?? 'unknown cpu'}, Node ${process.version}`,
    fresh_metrics_ms: summary(fresh),
    fresh_containers_ms: summary(freshContainers),
    // The goal is a median ratio ≥ 0.5: a cached read costs at most twice what serving its bytes costs at all.
    cached_read_vs_bare_node_http_at_200_concurrent: {
      median_ratio: percentile(
        rounds.map((r) => r.ratio),
        50,
      ),
      rounds,
    },
    cached_read_ms_sequential: cachedSequential,
    polling: { minutes: pollMinutes, per_device: perDevice },
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
} finally {
  await system.stop();
  await sshd.stop();
  await servers.stop();
}
