import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPORT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'wrk-report.lua');

export interface WrkResult {
  n: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
  /** Failed connections and non-2xx answers. */
  errors: number;
  requests_per_second: number;
}

/**
 * Closed-loop load with wrk (C, epoll): `connections` clients each send their next request as soon as
 * the previous answer arrives, for `seconds`. A Node load generator would spend more CPU per request
 * than the server it measures, on the same cores.
 */
export function runWrk(url: string, o: { connections: number; seconds: number; threads?: number }): Promise<WrkResult> {
  const threads = Math.min(o.threads ?? 1, o.connections);
  const args = [
    '-t',
    String(threads),
    '-c',
    String(o.connections),
    '-d',
    `${o.seconds}s`,
    '--timeout',
    '10s',
    '-s',
    REPORT,
    url,
  ];
  return new Promise((resolve, reject) => {
    execFile('wrk', args, (err, stdout, stderr) => {
      if (err) return reject(new Error(`wrk ${args.join(' ')}: ${err.message}\n${stderr}`));
      const line = stdout
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .pop();
      if (!line) return reject(new Error(`wrk printed no report:\n${stdout}`));
      const r = JSON.parse(line) as Omit<WrkResult, 'requests_per_second'> & { seconds: number };
      const { seconds, ...rest } = r;
      resolve({ ...rest, requests_per_second: Math.round(r.n / seconds) });
    });
  });
}
