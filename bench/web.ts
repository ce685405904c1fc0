/**
 * Web console benchmark (`npm run bench:web`): the JavaScript the first page ships, and how soon the
 * fleet page is usable with N devices, in Debian's Chromium (playwright-core). One system (embedded
 * PostgreSQL, Temporal dev server, worker + API in this process, polling off so the page is measured on
 * a quiet system) and a simulated fleet (simulator, real SSH on loopback, in this process). Every
 * device gets a stored metrics and containers snapshot before the page is opened; the fleet grows
 * from one size to the next.
 *   BENCH_WEB_SIZES (default "50,500")  fleet sizes, ascending
 *   BENCH_WEB_RUNS (default 5)          page loads per size, cold (new browser context) and warm (reload)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { createLogger } from '../platform/logger.ts';
import { startSystem } from '../app/system.ts';
import { ownerContext } from '../services/device-service.ts';
import { launchChromium } from '../test/support/browser.ts';
import { startSharedServers } from '../test/support/servers.ts';
import { startFleet, type SimulatedDevice } from '../simulator/simulator.ts';
import { summary } from './stats.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dir = path.join(root, '.bench-data', 'web');
// Outside `dir` (emptied at start): device keys are made once and reused.
const fleetDir = path.join(root, '.bench-data', 'web-fleet-keys');
const sizes = (process.env.BENCH_WEB_SIZES ?? '50,500')
  .split(',')
  .map((s) => Number(s.trim()))
  .filter((n) => n > 0)
  .sort((a, b) => a - b);
const runs = Number(process.env.BENCH_WEB_RUNS ?? 5);
const logger = createLogger(process.env.LOG_LEVEL ?? 'error', 'bench');
const owner = ownerContext('api');
const round = (n: number) => Math.round(n);

async function pool<T>(items: T[], concurrency: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

interface Load {
  /** Navigation start to the first device rows in the table: the first meaningful paint (polled each animation frame). */
  firstRowsMs: number;
  /** Navigation start to every device's row in the table. */
  rowsMs: number;
  /** Largest contentful paint, as Chromium reports it. */
  lcpMs: number | null;
  /** `GET /api/fleet` from request to its last byte, and its size on the wire. */
  fleetApiMs: number;
  fleetApiBytes: number;
  /** When each step ended (ms after navigation start): the page, its scripts, who-am-I, the fleet answer. */
  steps: Record<string, number>;
  /** Scripts fetched by this load: bytes on the wire (gzipped) and uncompressed. */
  js: Array<{ file: string; wireBytes: number; bytes: number }>;
}

/** One load of the fleet page in `page`, timed inside the page. */
async function loadFleet(page: Page, url: string, devices: number): Promise<Load> {
  const js: Load['js'] = [];
  const onResponse = async (response: import('playwright-core').Response) => {
    if (response.request().resourceType() !== 'script') return;
    const sizes = await response.request().sizes();
    js.push({
      file: new URL(response.url()).pathname,
      wireBytes: sizes.responseBodySize,
      bytes: (await response.body()).length,
    });
  };
  page.on('response', onResponse);
  await page.goto(url, { waitUntil: 'commit' });
  await page.waitForFunction(
    (n) => {
      const rows = document.querySelectorAll('table.fleet tbody tr').length;
      const w = window as unknown as { firstRowsAt?: number; rowsAt?: number };
      if (rows > 0) w.firstRowsAt ??= performance.now();
      if (rows < n) return false;
      w.rowsAt ??= performance.now();
      return true;
    },
    devices,
    { polling: 'raf', timeout: 60_000 },
  );
  // No named functions inside: tsx's keepNames would wrap them in a helper the page does not have.
  const timing = await page.evaluate(
    () =>
      new Promise<Omit<Load, 'js'>>((resolve) => {
        const resources = performance.getEntriesByType('resource') as PerformanceResourceTiming[];
        const fleet = resources.find((e) => e.name.endsWith('/api/fleet'))!;
        const whoami = resources.find((e) => e.name.endsWith('/api/whoami'))!;
        const scripts = resources.filter((e) => e.initiatorType === 'script' || e.name.endsWith('.js'));
        const base = {
          firstRowsMs: (window as unknown as { firstRowsAt: number }).firstRowsAt,
          rowsMs: (window as unknown as { rowsAt: number }).rowsAt,
          fleetApiMs: fleet.responseEnd - fleet.startTime,
          fleetApiBytes: fleet.encodedBodySize,
          steps: {
            html_ms: (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming).responseEnd,
            scripts_loaded_ms: Math.max(...scripts.map((e) => e.responseEnd)),
            whoami_start_ms: whoami.startTime,
            whoami_end_ms: whoami.responseEnd,
            fleet_start_ms: fleet.startTime,
            fleet_end_ms: fleet.responseEnd,
          },
        };
        new PerformanceObserver((list) =>
          resolve({ ...base, lcpMs: list.getEntries().at(-1)?.startTime ?? null }),
        ).observe({ type: 'largest-contentful-paint', buffered: true });
        setTimeout(() => resolve({ ...base, lcpMs: null }), 1000);
      }),
  );
  page.off('response', onResponse);
  return { ...timing, js };
}

async function measure(browser: Browser, url: string, devices: number) {
  const cold: Load[] = [];
  const warm: Load[] = [];
  for (let i = 0; i < runs; i++) {
    // A new context has an empty cache: what a first visit costs. The reload reuses the cached scripts.
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    cold.push(await loadFleet(page, url, devices));
    warm.push(await loadFleet(page, url, devices));
    await context.close();
  }
  // The same answer asked from Node, outside the browser: the API's own share.
  const direct: number[] = [];
  for (let i = 0; i < 10; i++) {
    const started = performance.now();
    await (await fetch(`${url}api/fleet`)).arrayBuffer();
    direct.push(performance.now() - started);
  }
  const stat = (loads: Load[], pick: (l: Load) => number | null) =>
    summary(loads.map(pick).filter((v): v is number => v !== null));
  const firstJs = cold[0]!.js;
  return {
    devices,
    first_page_js: {
      files: firstJs,
      wire_bytes: firstJs.reduce((a, f) => a + f.wireBytes, 0),
      bytes: firstJs.reduce((a, f) => a + f.bytes, 0),
    },
    cold: {
      first_rows_ms: stat(cold, (l) => l.firstRowsMs),
      all_rows_ms: stat(cold, (l) => l.rowsMs),
      lcp_ms: stat(cold, (l) => l.lcpMs),
      fleet_api_ms: stat(cold, (l) => l.fleetApiMs),
    },
    warm: {
      first_rows_ms: stat(warm, (l) => l.firstRowsMs),
      all_rows_ms: stat(warm, (l) => l.rowsMs),
      lcp_ms: stat(warm, (l) => l.lcpMs),
      fleet_api_ms: stat(warm, (l) => l.fleetApiMs),
    },
    fleet_api_bytes: cold[0]!.fleetApiBytes,
    fleet_api_from_node_ms: summary(direct),
    // Where the time of a median cold load goes.
    cold_steps_ms: Object.fromEntries(
      Object.keys(cold[0]!.steps).map((k) => [k, Math.round(summary(cold.map((l) => l.steps[k]!)).p50)]),
    ),
  };
}

const servers = await startSharedServers(dir, logger);
const system = await startSystem({
  temporalAddress: servers.temporalAddress,
  temporalUi: null,
  namespace: 'default',
  databaseUrl: servers.databaseUrl,
  instance: 'web',
  bindAddress: '127.0.0.1',
  apiPort: 0,
  mcpPort: null,
  runWorker: true,
  pollingEnabled: false,
  configWatchEnabled: false,
  workflowBundle: { codePath: servers.workflowBundlePath },
  logger,
});
// One address, a free port per device: nothing to collide with on a shared machine.
const fleet = await startFleet({ count: Math.max(...sizes), seed: 1, host: '127.0.0.1', firstPort: 0, dir: fleetDir });
const browser = await launchChromium();
const chromium = browser.version();
const results = [];
try {
  let registered = 0;
  for (const n of sizes) {
    const added: SimulatedDevice[] = fleet.devices.slice(registered, n);
    const started = Date.now();
    await pool(added, 16, (d) =>
      system.devices.create(
        {
          hostname: d.hostname,
          address: d.address,
          port: d.port,
          username: fleet.username,
          identity_file: fleet.clientKeyPath,
          auth_method: 'key',
          device_type: d.profile.deviceType as 'linux',
          tags: ['fleet-sim', d.profile.role],
          location: null,
          description: null,
          monitoring_enabled: false,
        },
        owner,
      ),
    );
    await pool(added, 16, async (d) => {
      await system.collection.read(d.hostname, 'metrics', { forceRefresh: true }, owner);
      await system.collection.read(d.hostname, 'containers', { forceRefresh: true }, owner);
    });
    registered = n;
    process.stderr.write(
      `[${n}] ${added.length} devices registered and collected in ${round((Date.now() - started) / 1000)} s; loading the page ${runs}× cold and warm\n`,
    );
    const result = await measure(browser, `${system.apiUrl}/`, n);
    results.push(result);
    process.stderr.write(
      `[${n}] first page JS ${(result.first_page_js.wire_bytes / 1024).toFixed(1)} KiB gzipped (${(result.first_page_js.bytes / 1024).toFixed(1)} KiB); ` +
        `first rows cold p50 ${round(result.cold.first_rows_ms.p50)} ms (max ${round(result.cold.first_rows_ms.max)}), warm p50 ${round(result.warm.first_rows_ms.p50)} ms; ` +
        `every row cold p50 ${round(result.cold.all_rows_ms.p50)} ms, warm ${round(result.warm.all_rows_ms.p50)} ms; ` +
        `/api/fleet ${round(result.cold.fleet_api_ms.p50)} ms, ${(result.fleet_api_bytes / 1024).toFixed(0)} KiB\n`,
    );
  }
} finally {
  await browser.close();
  await fleet.stop();
  await system.stop();
  await servers.stop();
}

const report = {
  date: new Date().toISOString(),
  machine: {
    cpu: os.cpus()[0]?.model,
    cores: os.cpus().length,
    memory_gib: Math.round(os.totalmem() / 2 ** 30),
    load_average_at_end: os.loadavg().map((l) => Math.round(l * 100) / 100),
  },
  chromium,
  runs,
  results,
};
mkdirSync(path.join(root, 'bench', 'results'), { recursive: true });
const out = path.join(root, 'bench', 'results', `web-${report.date.slice(0, 19).replace(/:/g, '')}.json`);
writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
process.stderr.write(`written to ${path.relative(root, out)}\n`);
