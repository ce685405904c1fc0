import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { removeRelocatedClusters, startEmbeddedPostgres } from '../../platform/embedded-postgres.ts';
import type { Logger } from '../../platform/logger.ts';
import { findTemporalCli } from '../../platform/temporal-cli.ts';
import { connectTemporal, ensureSearchAttributes } from '../../platform/temporal.ts';
import { startTemporalDevServer } from '../../platform/temporal-dev-server.ts';
import { writeWorkflowBundle } from '../../workers/worker.ts';
import { freePort } from './ports.ts';

export interface SharedServers {
  temporalCli: string;
  temporalAddress: string;
  databaseUrl: string;
  workflowBundlePath: string;
  stop(): Promise<void>;
}

/**
 * The real parts tests and benchmarks share, started once: a headless Temporal dev server and an
 * embedded PostgreSQL on free ports, state under `dir` (wiped first, with the clusters that running as
 * root from a directory the postgres user cannot reach put elsewhere), and the workflow bundle.
 */
export async function startSharedServers(dir: string, logger: Logger): Promise<SharedServers> {
  await removeRelocatedClusters(dir);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const workflowBundlePath = path.join(dir, 'workflow-bundle.js');
  await writeWorkflowBundle(workflowBundlePath);
  const temporalCli = findTemporalCli();
  const [temporal, postgres] = await Promise.all([
    startTemporalDevServer({
      cli: temporalCli,
      dataDir: path.join(dir, 'temporal'),
      port: await freePort(),
      uiPort: null,
      namespace: 'default',
      logger,
    }),
    // Test files running at once each open pools of their own.
    freePort().then((port) => startEmbeddedPostgres(path.join(dir, 'postgres'), port, logger, { maxConnections: 100 })),
  ]);
  // Workflow tests run workers without the app's start-up, so the namespace gets our attributes here.
  const client = await connectTemporal(temporal.address, 'default');
  await ensureSearchAttributes(client, 'default');
  await client.connection.close();
  return {
    temporalCli,
    temporalAddress: temporal.address,
    databaseUrl: postgres.url,
    workflowBundlePath,
    async stop() {
      await temporal.stop();
      await postgres.stop();
    },
  };
}
