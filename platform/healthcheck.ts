/**
 * The image's HEALTHCHECK (`node dist/platform/healthcheck.js`, compiled from here), one command for every role:
 * exits 0 when this container's part is serving, else 1 with the reason on stderr. Reads the same
 * settings as app/main.ts.
 * - api, all: `/health` answers 200 (PostgreSQL, Temporal and a polling worker are all up).
 * - mcp: the MCP endpoint answers HTTP at all (a GET gets 405 or 401: the server is up and guarding).
 * - worker: Temporal lists a poller on our task queue whose identity is from this host (the SDK's
 *   default `<pid>@<hostname>`; every container has a hostname of its own) seen within the last 90 s
 *   (an idle poll is held at most about 70 s before the worker polls again).
 */
import os from 'node:os';
import { loadConfig, type Config } from './config.ts';
import { connectTemporal } from './temporal.ts';

const POLLER_FRESH_MS = 90_000;
const REQUEST_TIMEOUT_MS = 4_000;

async function check(config: Config): Promise<void> {
  // A wildcard bind is reached on loopback; a specific address on itself.
  const host = ['0.0.0.0', '::'].includes(config.BIND_ADDRESS) ? '127.0.0.1' : config.BIND_ADDRESS;
  switch (config.INFRA_ROLE) {
    case 'all':
    case 'api': {
      const res = await fetch(`http://${host}:${config.API_PORT}/health`, {
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      if (!res.ok) throw new Error(`/health answered ${res.status}: ${await res.text()}`);
      return;
    }
    case 'mcp': {
      const res = await fetch(`http://${host}:${config.MCP_PORT}/mcp`, {
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      if (res.status >= 500) throw new Error(`/mcp answered ${res.status}`);
      return;
    }
    case 'worker': {
      if (!config.TEMPORAL_ADDRESS) throw new Error('TEMPORAL_ADDRESS is not set');
      const client = await connectTemporal(config.TEMPORAL_ADDRESS, config.TEMPORAL_NAMESPACE);
      try {
        const described = await client.connection.workflowService.describeTaskQueue({
          namespace: config.TEMPORAL_NAMESPACE,
          taskQueue: { name: config.INFRA_INSTANCE },
          taskQueueType: 1, // workflow task queue: every worker polls it
        });
        const suffix = `@${os.hostname()}`;
        const ours = (described.pollers ?? []).filter((p) => p.identity?.endsWith(suffix));
        const newest = Math.max(0, ...ours.map((p) => Number(p.lastAccessTime?.seconds?.toString() ?? 0) * 1000));
        if (Date.now() - newest > POLLER_FRESH_MS) {
          throw new Error(
            `Temporal sees no worker of this host (${os.hostname()}) polling task queue ${config.INFRA_INSTANCE} in the last ${POLLER_FRESH_MS / 1000} s`,
          );
        }
      } finally {
        await client.connection.close();
      }
    }
  }
}

try {
  await check(loadConfig());
  process.exit(0);
} catch (err) {
  process.stderr.write(`unhealthy: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
