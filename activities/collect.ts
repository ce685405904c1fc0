import { SYSTEM_PRINCIPAL } from '../schema/api-token.ts';
import { ApplicationFailure, Context, type Info } from '@temporalio/activity';
import type { Logger } from '../platform/logger.ts';
import type { CollectionFailure, CollectionInput, CollectionResult } from '../schema/collection.ts';
import { isDeviceErrorCode } from '../schema/error-codes.ts';
import { toApplicationFailure } from './activity-failure.ts';
import { incidentSightings } from '../domain/incidents/detect.ts';
import { collectionAttemptFailures, collections, collectionSeconds } from '../platform/metrics.ts';
import type { AlertTransition } from '../schema/alert.ts';
import type { Collector, CollectorContext } from '../domain/collectors/collector.ts';
import { collectorFor, isDataType } from '../domain/collectors/registry.ts';
import { SshError } from '../domain/ssh/errors.ts';
import type { SshPool } from './ssh/pool.ts';
import { posixShellCommand } from '../domain/ssh/quote.ts';
import { sshTargetOf } from '../store/devices.ts';
import type { Repositories } from '../store/index.ts';

export interface CollectDeps {
  store: Repositories;
  pool: SshPool;
  logger: Logger;
}

/** One SSH round-trip, parse, and store snapshot + audit row in one transaction. */
export async function collect(deps: CollectDeps, input: CollectionInput): Promise<CollectionResult> {
  const { store, pool, logger } = deps;
  const { workflowId, collectionId, attempt } = collectionIdentity();
  const deadline = pollDeadlineMs(input, Context.current().info);
  try {
    if (!isDataType(input.dataType)) throw new SshError('parse_error', `unknown data type ${input.dataType}`);
    const collector = collectorFor(input.dataType);
    const device = await store.devices.findByHostname(input.hostname);
    if (!device) throw new SshError('device_not_found', `no device named ${input.hostname}`);

    const previous = collector.usesPrevious ? await store.snapshots.latest(collector, device.id) : undefined;
    const ctx = previous ? { previous: { data: previous.data, collectedAt: previous.collectedAt } } : {};
    const started = performance.now();
    const script = collectionScript(input.dataType, collector, ctx);
    // Heartbeats let Temporal notice a crashed worker within the heartbeat timeout, not the command's.
    // A local activity cannot heartbeat: its workflow task, which Temporal times out, covers it.
    const timeoutMs =
      deadline === null ? collector.commandTimeoutMs : Math.min(collector.commandTimeoutMs, deadline - Date.now());
    if (timeoutMs <= 0)
      throw new SshError(
        'command_timeout',
        `no time left for ${input.dataType} on ${device.hostname} before the next scheduled collection`,
      );
    const heartbeat = Context.current().info.isLocal
      ? undefined
      : setInterval(() => Context.current().heartbeat(), 1000);
    const output = await pool
      .exec(sshTargetOf(device), posixShellCommand(script), { timeoutMs })
      .finally(() => clearInterval(heartbeat));
    if (output.stdoutTruncated)
      throw new SshError(
        'output_too_large',
        `${input.dataType} output from ${device.hostname} exceeded the output limit`,
      );
    const data = collector.parse(output, ctx);
    const durationMs = performance.now() - started;

    const stored = await store.snapshots.storeCollection({
      collector,
      deviceId: device.id,
      hostname: device.hostname,
      data,
      collectedAt: new Date(),
      durationMs,
      collectionId,
      workflowId,
      trigger: input.trigger,
      forceRefresh: input.forceRefresh,
      correlationId: input.correlationId,
      principal: input.principal ?? SYSTEM_PRINCIPAL.id,
      warnings: output.stderrTruncated ? ['stderr truncated'] : [],
    });
    const capabilities = collector.capabilities?.(data) ?? {};
    const capabilitiesChanged = Object.entries(capabilities).some(
      ([name, value]) => device.capabilities[name] !== value,
    );
    if (capabilitiesChanged) await store.devices.mergeCapabilities(device.id, capabilities);
    // What this answer shows is judged against the alert rules; a device answering is no longer unreachable.
    // The two sources have their own rules and alert rows, so they are judged side by side.
    const [insightAlerts, statusAlerts] = await Promise.all([
      store.alerts.evaluate({
        source: 'insight',
        hostname: device.hostname,
        dataType: input.dataType,
        data: stored.data,
      }),
      store.alerts.evaluate({ source: 'device_status', hostname: device.hostname }),
    ]);
    const alerts = [...insightAlerts, ...statusAlerts];
    collections.inc({ data_type: input.dataType, status: 'success' });
    collectionSeconds.observe({ data_type: input.dataType }, durationMs / 1000);
    logger.info('collected', {
      device: device.hostname,
      data_type: input.dataType,
      duration_ms: Math.round(durationMs),
      trigger: input.trigger,
      correlation_id: input.correlationId,
    });
    return {
      hostname: device.hostname,
      dataType: input.dataType,
      snapshotId: stored.id,
      collectedAt: stored.collectedAt.toISOString(),
      durationMs: stored.durationMs,
      data: stored.data,
      capabilitiesChanged,
      incidents: incidentSightings(input.dataType, stored.data),
      alerts,
    };
  } catch (err) {
    const failure = lastWordBefore(deadline, toApplicationFailure(err), Date.now());
    collectionAttemptFailures.inc({ data_type: input.dataType, code: failure.type ?? 'unknown' });
    logger.warn('collection attempt failed', {
      device: input.hostname,
      data_type: input.dataType,
      code: failure.type,
      error: failure.message,
      attempt,
    });
    throw failure;
  }
}

/** What an answer needs after its command (parse, store, alerts), kept free before a polled run's deadline. */
const ANSWER_MARGIN_MS = 2_000;

/**
 * When a polled run's last attempt must have ended: before the next run is due. Polling schedules allow
 * overlapping runs (skipping overlaps makes the server track every run, BENCHMARKS.md fifth pass), so
 * this bound is what keeps a hung device from piling them up. The activity keeps it itself rather than
 * through a Temporal schedule-to-close timeout: Temporal gives up on an attempt still running (which may
 * then store a snapshot beside the failure recorded), and its local-activity retries were seen to overrun
 * that timeout. `scheduledTimestampMs` is the first attempt's, the same for every retry.
 */
export function pollDeadlineMs(
  input: Pick<CollectionInput, 'intervalSeconds'>,
  info: Pick<Info, 'scheduledTimestampMs'>,
): number | null {
  return input.intervalSeconds === undefined
    ? null
    : info.scheduledTimestampMs + input.intervalSeconds * 1000 - ANSWER_MARGIN_MS;
}

/** A retryable failure whose retry would start after the deadline is the run's last word, with its own code. */
export function lastWordBefore(
  deadlineMs: number | null,
  failure: ApplicationFailure,
  nowMs: number,
): ApplicationFailure {
  if (deadlineMs === null || failure.nonRetryable) return failure;
  const retryDelayMs = typeof failure.nextRetryDelay === 'number' ? failure.nextRetryDelay : 1000;
  if (nowMs + retryDelayMs < deadlineMs) return failure;
  return ApplicationFailure.create({
    type: failure.type ?? undefined,
    message: `${failure.message} (not tried again: the next scheduled collection is due)`,
    nonRetryable: true,
    details: failure.details ?? undefined,
  });
}

/** The first line names the collection, for whoever reads `ps` on the device (and the fleet simulator). */
export function collectionScript<T>(dataType: string, collector: Collector<T>, ctx: CollectorContext<T>): string {
  return `# infrastructor collect ${dataType}\n${collector.command(ctx)}`;
}

/** The workflow's last word on a failed collection: one audit row and the device's status. */
/** Records the failure and answers the alerts it fired (a device now unreachable). */
export async function recordCollectionFailure(deps: CollectDeps, f: CollectionFailure): Promise<AlertTransition[]> {
  const { store } = deps;
  const { workflowId, collectionId, attempt } = collectionIdentity();
  // Counted before anything is written, once per collection: a failure the database is too far away to record still shows.
  if (attempt === 1) collections.inc({ data_type: f.input.dataType, status: f.errorCode });
  const device = await store.devices.findByHostname(f.input.hostname);
  await store.audit.write({
    device_id: device?.id ?? null,
    hostname: f.input.hostname,
    action: 'collect',
    data_type: f.input.dataType,
    trigger: f.input.trigger,
    cache_hit: false,
    force_refresh: f.input.forceRefresh,
    status: 'error',
    error_code: f.errorCode,
    error_message: f.message,
    workflow_id: workflowId,
    collection_id: collectionId,
    correlation_id: f.input.correlationId,
    principal: f.input.principal ?? SYSTEM_PRINCIPAL.id,
  });
  // Only what the device did counts against it: a database outage on our side does not make it unreachable.
  if (device && isDeviceErrorCode(f.errorCode)) await store.devices.markFailure(device.id, f.errorCode, f.message);
  return device ? store.alerts.evaluate({ source: 'device_status', hostname: device.hostname }) : [];
}

/**
 * What makes a collection unique, so a retried activity stores at most one snapshot and one audit row:
 * a collection workflow's run collects once; other workflows (operations, maintenance, the disk runbook)
 * collect several times in one run, each as an activity of its own (its id survives retries).
 */
function collectionIdentity(): { workflowId: string; collectionId: string; attempt: number } {
  const info = Context.current().info;
  const run = info.workflowExecution;
  if (!run) throw new Error('collection activities run only inside a workflow');
  const collectionId =
    info.workflowType === 'collectWorkflow'
      ? `${run.workflowId}/${run.runId}`
      : `${run.workflowId}/${run.runId}/${info.activityId}`;
  return { workflowId: run.workflowId, collectionId, attempt: info.attempt };
}
