/**
 * Load generator in its own process, so the server under test does not share an event loop with it.
 * Usage: tsx bench/load.ts URL CONCURRENCY REQUESTS_PER_CLIENT → JSON latency summary on stdout.
 */
import { summary } from './stats.ts';

const [url, concurrencyText, perClientText] = process.argv.slice(2);
if (!url || !concurrencyText || !perClientText) throw new Error('usage: load.ts URL CONCURRENCY REQUESTS_PER_CLIENT');
const concurrency = Number(concurrencyText);
const perClient = Number(perClientText);

const latencies: number[] = [];
let failures = 0;
const started = performance.now();
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    for (let i = 0; i < perClient; i++) {
      const t = performance.now();
      const res = await fetch(url);
      await res.arrayBuffer();
      if (res.status === 200) latencies.push(performance.now() - t);
      else failures++;
    }
  }),
);
const seconds = (performance.now() - started) / 1000;
process.stdout.write(JSON.stringify({ ...summary(latencies), failures, requests_per_second: Math.round(latencies.length / seconds) }));
