/**
 * A Temporal worker as an OS process of its own, for fault tests that kill it (`kill -9`) in the middle
 * of an activity. It runs exactly what `startSystem` runs in-process with `runWorker: true`: the same
 * activities, the same prebuilt workflow bundle, its own PostgreSQL pool and Temporal client.
 *
 * Environment: FAULT_WORKER_TEMPORAL_ADDRESS, FAULT_WORKER_DATABASE_URL, FAULT_WORKER_TASK_QUEUE,
 * TEST_WORKFLOW_BUNDLE, FAULT_WORKER_POLLING=1 when the system it serves polls on schedules and
 * FAULT_WORKER_CONFIG_WATCH=1 when it watches config files.
 * Prints `ready <pid>` on stdout once the worker exists; SIGTERM stops it in order and exits 0.
 */
import { createDb } from '../../platform/db.ts';
import { createLogger } from '../../platform/logger.ts';
import { createRepositories } from '../../store/index.ts';
import { connectTemporal } from '../../platform/temporal.ts';
import { ConfigWatchService } from '../../services/config-watch-service.ts';
import { ScheduleService } from '../../services/schedule-service.ts';
import { startWorker } from '../../workers/worker.ts';

const need = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};

const temporalAddress = need('FAULT_WORKER_TEMPORAL_ADDRESS');
const taskQueue = need('FAULT_WORKER_TASK_QUEUE');
const logger = createLogger(process.env.LOG_LEVEL ?? 'error', 'worker-process');
const db = createDb(need('FAULT_WORKER_DATABASE_URL'));
const client = await connectTemporal(temporalAddress, 'default');
const schedules = new ScheduleService(client, taskQueue, logger, process.env.FAULT_WORKER_POLLING === '1');
const watchers = new ConfigWatchService(client, taskQueue, logger, process.env.FAULT_WORKER_CONFIG_WATCH === '1');
const worker = await startWorker({
  temporalAddress,
  namespace: 'default',
  taskQueue,
  store: createRepositories(db),
  logger,
  schedules,
  watchers,
  temporal: client,
  maxHeartbeatThrottleMs: 1000,
  workflowBundle: { codePath: need('TEST_WORKFLOW_BUNDLE') },
});
process.stdout.write(`ready ${process.pid}\n`);

let stopping = false;
const shutdown = async (code: number) => {
  if (stopping) return;
  stopping = true;
  await worker.stop().catch(() => undefined);
  await client.connection.close().catch(() => undefined);
  await db.destroy().catch(() => undefined);
  process.exit(code);
};
process.on('SIGTERM', () => void shutdown(0));
worker.done.then(
  () => void shutdown(0),
  (err: unknown) => {
    logger.error('worker stopped with an error', { error: String(err) });
    void shutdown(1);
  },
);
