import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Client } from '@temporalio/client';
import {
  bundleWorkflowCode,
  DefaultLogger,
  NativeConnection,
  Worker,
  type WorkflowBundleOption,
} from '@temporalio/worker';
import { createActivities } from '../activities/index.ts';
import type { WatchSettings } from '../activities/config/watch.ts';
import type { DeviceSchedules } from '../activities/schedules.ts';
import type { DeviceWatchers } from '../activities/device-change.ts';
import type { Repositories } from '../store/index.ts';
import { SshPool } from '../activities/ssh/pool.ts';
import type { Logger } from '../platform/logger.ts';
import { installTemporalRuntime } from '../platform/temporal-runtime.ts';
import { watchSshPool } from '../platform/metrics.ts';
import { withoutEmbeddedSources } from './workflow-bundle.ts';

/** workflows/index.ts, or index.js beside a compiled worker in dist/. */
export const WORKFLOWS_PATH = fileURLToPath(
  new URL(`../workflows/index${path.extname(import.meta.url)}`, import.meta.url),
);

/**
 * Bundles `workflows/` once into `file`, for workers to load with `{ codePath }` (INFRA_WORKFLOW_BUNDLE):
 * bundling at every worker start costs seconds of CPU and needs webpack at run time. The image builds
 * it with scripts/build-workflow-bundle.ts (`npm run build:server` into dist/); the test harness builds one per run.
 */
export async function writeWorkflowBundle(file: string): Promise<void> {
  const bundle = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: new DefaultLogger('WARN') });
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, withoutEmbeddedSources(bundle.code));
}

export interface WorkerHandle {
  worker: Worker;
  pool: SshPool;
  /** Resolves when the worker has stopped. */
  done: Promise<void>;
  stop(): Promise<void>;
}

export interface WorkerOptions {
  temporalAddress: string;
  namespace: string;
  taskQueue: string;
  store: Repositories;
  logger: Logger;
  schedules: DeviceSchedules;
  watchers: DeviceWatchers;
  temporal: Client;
  /**
   * Upper bound of the SDK's heartbeat throttling, which is also how late a long activity (a config
   * watch) learns that it was cancelled. Tests shorten it; the default spares the server.
   */
  maxHeartbeatThrottleMs?: number;
  watchSettings?: Partial<WatchSettings>;
  incidentCheckIntervalSeconds?: number;
  /** A prebuilt bundle (writeWorkflowBundle: the image and the tests); otherwise the worker bundles `workflows/` itself. */
  workflowBundle?: WorkflowBundleOption;
  pool?: SshPool;
  /** Shared with the process's client, so that workflows it starts on this task queue can start eagerly here. */
  connection?: NativeConnection;
}

/** The only process kind that opens SSH: it owns the connection pool and runs every activity. */
export async function startWorker(o: WorkerOptions): Promise<WorkerHandle> {
  installTemporalRuntime(o.logger);
  const pool = o.pool ?? new SshPool({ pinStore: o.store.devices.hostKeyPins(), logger: o.logger });
  const unwatchPool = watchSshPool(pool);
  const connection = o.connection ?? (await NativeConnection.connect({ address: o.temporalAddress }));
  const worker = await Worker.create({
    connection,
    namespace: o.namespace,
    taskQueue: o.taskQueue,
    ...(o.maxHeartbeatThrottleMs === undefined
      ? {}
      : {
          maxHeartbeatThrottleInterval: o.maxHeartbeatThrottleMs,
          defaultHeartbeatThrottleInterval: o.maxHeartbeatThrottleMs,
        }),
    activities: createActivities({
      store: o.store,
      pool,
      logger: o.logger,
      schedules: o.schedules,
      watchers: o.watchers,
      temporal: o.temporal,
      watchSettings: o.watchSettings,
      incidentCheckIntervalSeconds: o.incidentCheckIntervalSeconds,
    }),
    ...(o.workflowBundle ? { workflowBundle: o.workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
  });
  const done = worker.run().finally(async () => {
    pool.closeAll();
    unwatchPool();
    if (!o.connection) await connection.close();
  });
  return {
    worker,
    pool,
    done,
    async stop() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await done;
    },
  };
}
