import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Client } from '@temporalio/client';
import { NativeConnection, Worker, type WorkflowBundleOption } from '@temporalio/worker';
import type { Kysely } from 'kysely';
import { createActivities } from '../activities/index.ts';
import type { WatchSettings } from '../activities/config/watch.ts';
import type { DeviceSchedules } from '../activities/schedules.ts';
import { hostKeyPinStore } from '../activities/store/devices.ts';
import { SshPool } from '../activities/ssh/pool.ts';
import type { Logger } from '../platform/logger.ts';
import { installTemporalRuntime } from '../platform/temporal-runtime.ts';
import type { Database } from '../schema/database.ts';

export const WORKFLOWS_PATH = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../workflows/index.ts');

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
  db: Kysely<Database>;
  logger: Logger;
  schedules: DeviceSchedules;
  temporal: Client;
  /**
   * Upper bound of the SDK's heartbeat throttling, which is also how late a long activity (a config
   * watch) learns that it was cancelled. Tests shorten it; the default spares the server.
   */
  maxHeartbeatThrottleMs?: number;
  watchSettings?: Partial<WatchSettings>;
  incidentCheckIntervalSeconds?: number;
  /** A prebuilt bundle (tests build one per run); otherwise the worker bundles `workflows/` itself. */
  workflowBundle?: WorkflowBundleOption;
  pool?: SshPool;
}

/** The only process kind that opens SSH: it owns the connection pool and runs every activity. */
export async function startWorker(o: WorkerOptions): Promise<WorkerHandle> {
  installTemporalRuntime(o.logger);
  const pool = o.pool ?? new SshPool({ pinStore: hostKeyPinStore(o.db), logger: o.logger });
  const connection = await NativeConnection.connect({ address: o.temporalAddress });
  const worker = await Worker.create({
    connection,
    namespace: o.namespace,
    taskQueue: o.taskQueue,
    ...(o.maxHeartbeatThrottleMs === undefined ? {} : { maxHeartbeatThrottleInterval: o.maxHeartbeatThrottleMs, defaultHeartbeatThrottleInterval: o.maxHeartbeatThrottleMs }),
    activities: createActivities({ db: o.db, pool, logger: o.logger, schedules: o.schedules, temporal: o.temporal, watchSettings: o.watchSettings, incidentCheckIntervalSeconds: o.incidentCheckIntervalSeconds }),
    ...(o.workflowBundle ? { workflowBundle: o.workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
  });
  const done = worker.run().finally(async () => {
    pool.closeAll();
    await connection.close();
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
