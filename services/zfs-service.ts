import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { WorkflowIdConflictPolicy, WorkflowNotFoundError, type Client } from '@temporalio/client';
import {
  validateDatasetName,
  validateFullSnapshotName,
  validatePoolName,
  validateSnapshotName,
} from '../domain/collectors/zfs/names.ts';
import { newerFirst, parseSnapshotLine } from '../domain/collectors/zfs/parse.ts';
import type { ZfsSnapshot } from '../domain/collectors/zfs/schema.ts';
import {
  cloneCommand,
  destroySnapshotsCommand,
  eventsCommand,
  propertiesGetCommand,
  propertySetCommand,
  scrubCommand,
  snapshotListCommand,
} from '../domain/zfs/commands.ts';
import { parseZpoolEvents, type ZpoolEvent } from '../domain/zfs/events.ts';
import {
  parseZfsGet,
  validatePropertyName,
  validatePropertySetting,
  type DatasetProperty,
} from '../domain/zfs/properties.ts';
import {
  globRegExp,
  planRetention,
  retentionPolicyProblem,
  snapshotPart,
  type RetentionPlan,
  type RetentionPolicy,
} from '../domain/zfs/retention.ts';
import type { OperationView } from '../schema/operation.ts';
import type { ZfsReplicationInput, ZfsReplicationView } from '../schema/zfs-replication.ts';
import type {
  ZfsCloneRequest,
  ZfsPropertySetRequest,
  ZfsPruneRequest,
  ZfsReplicationRequest,
  ZfsSnapshotListQuery,
} from '../schema/zfs-request.ts';
import { zfsReplicationQuery, type zfsReplicationWorkflow } from '../workflows/zfs-replication.ts';
import { requesterOf, type DeviceService, type RequestContext } from './device-service.ts';
import type { OperationService } from './operation-service.ts';
import { requestedWorkflowTags } from './requested-workflow.ts';
import { notFound, ServiceError } from './service-error.ts';

/** One prune destroys at most this many snapshots: the command line stays short, the hold readable. */
const MAX_PRUNE = 500;
/** How often a replication request looks whether its plan is made or its rollback held. */
const PHASE_CHECK_MS = 250;

export interface SnapshotListing {
  device: string;
  dataset: string | null;
  /** Newest first. */
  snapshots: ZfsSnapshot[];
  matching: number;
  /** More matched than `limit`; or the device's listing was cut at the output limit. */
  truncated: boolean;
  operation_id: string;
}

export interface PruneOutcome {
  device: string;
  dataset: string;
  policy: RetentionPolicy;
  plan: RetentionPlan;
  /** Matching snapshots left for a next prune because one destroys at most MAX_PRUNE. */
  deferred: number;
  dry_run: boolean;
  /** The `zfs destroy` of the plan's snapshots: held for a person; null for a dry run or nothing to destroy. */
  operation: OperationView | null;
}

export interface ReplicationOutcome {
  replication: ZfsReplicationView;
  /** The target's rollback, held for its phrase when the replication was forced. */
  held_operation: OperationView | null;
}

const invalid = (err: unknown) => new ServiceError('validation_error', 400, (err as Error).message);

function validated<T>(check: () => T): T {
  try {
    return check();
  } catch (err) {
    throw invalid(err);
  }
}

/** Output of the device in a shape we cannot read: the device's side (502), not the caller's. */
function parsed<T>(hostname: string, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    throw new ServiceError('parse_error', 502, `${hostname}: ${(err as Error).message}`);
  }
}

/**
 * ZFS operations on a device: each is a command line run as an operation (audited, judged by the
 * protection, held for a person when destructive), built from names checked here before anything is
 * sent. Replication between two devices is a workflow of its own.
 */
export class ZfsService {
  constructor(
    private readonly client: Client,
    private readonly devices: DeviceService,
    private readonly operations: OperationService,
    private readonly instance: string,
  ) {}

  async listSnapshots(hostname: string, query: ZfsSnapshotListQuery, ctx: RequestContext): Promise<SnapshotListing> {
    const dataset = query.dataset === undefined ? null : validated(() => validateDatasetName(query.dataset!));
    const cutoff = query.older_than === undefined ? null : olderThan(query.older_than);
    const { snapshots, operation, truncated } = await this.snapshots(hostname, dataset, ctx);
    const pattern = query.name_pattern === undefined ? null : globRegExp(query.name_pattern);
    const matching = snapshots.filter(
      (s) =>
        (pattern === null || pattern.test(snapshotPart(s.name))) &&
        (cutoff === null || Date.parse(s.creation) < cutoff),
    );
    return {
      device: hostname,
      dataset,
      snapshots: matching.slice(0, query.limit),
      matching: matching.length,
      truncated: truncated || matching.length > query.limit,
      operation_id: operation.operation_id,
    };
  }

  /**
   * Plans a retention policy over the dataset's snapshots and destroys what it does not keep, oldest
   * first, as one `zfs destroy` the protection holds: the hold lists every snapshot it destroys.
   */
  async prune(hostname: string, request: ZfsPruneRequest, ctx: RequestContext): Promise<PruneOutcome> {
    const dataset = validated(() => validateDatasetName(request.dataset));
    const policy: RetentionPolicy = {
      keep_last: request.keep_last,
      hourly: request.hourly,
      daily: request.daily,
      weekly: request.weekly,
      monthly: request.monthly,
      yearly: request.yearly,
      name_pattern: request.name_pattern ?? null,
    };
    const problem = retentionPolicyProblem(policy);
    if (problem) throw new ServiceError('validation_error', 400, problem);
    const { snapshots, truncated } = await this.snapshots(hostname, dataset, ctx);
    // A cut listing could leave the newest snapshots out and plan to destroy ones that must be kept.
    if (truncated)
      throw new ServiceError(
        'listing_truncated',
        409,
        `the snapshot listing of ${dataset} exceeded the output limit; prune a smaller dataset tree`,
      );
    const inScope = snapshots.filter(
      (s) => s.dataset === dataset || (request.recursive && s.dataset.startsWith(`${dataset}/`)),
    );
    const plan = planRetention(inScope, policy);
    const oldestFirst = [...plan.destroy].reverse();
    const batch = oldestFirst.slice(0, MAX_PRUNE).map((s) => s.name);
    const base = {
      device: hostname,
      dataset,
      policy,
      plan,
      deferred: oldestFirst.length - batch.length,
      dry_run: request.dry_run,
    };
    if (request.dry_run || batch.length === 0) return { ...base, operation: null };
    return { ...base, operation: await this.operations.exec(hostname, destroySnapshotsCommand(batch), ctx) };
  }

  async clone(hostname: string, request: ZfsCloneRequest, ctx: RequestContext): Promise<OperationView> {
    const { full } = validated(() => validateFullSnapshotName(request.snapshot));
    const target = validated(() => validateDatasetName(request.target));
    return this.operations.exec(hostname, cloneCommand(full, target, request.create_parents), ctx);
  }

  async properties(
    hostname: string,
    dataset: string,
    names: readonly string[],
    ctx: RequestContext,
  ): Promise<{ device: string; dataset: string; properties: DatasetProperty[]; operation_id: string }> {
    validated(() => {
      validateDatasetName(dataset);
      for (const name of names) validatePropertyName(name);
    });
    const { stdout, operation } = await this.read(hostname, propertiesGetCommand(dataset, names), ctx, dataset);
    return {
      device: hostname,
      dataset,
      properties: parsed(hostname, () => parseZfsGet(stdout)),
      operation_id: operation.operation_id,
    };
  }

  /** `zfs set`: readonly, mountpoint, canmount, sharenfs and the like are held for a person by the protection. */
  setProperty(hostname: string, request: ZfsPropertySetRequest, ctx: RequestContext): Promise<OperationView> {
    validated(() => {
      validateDatasetName(request.dataset);
      validatePropertySetting(request.property, request.value);
    });
    return this.operations.exec(hostname, propertySetCommand(request.dataset, request.property, request.value), ctx);
  }

  scrub(hostname: string, pool: string, action: 'start' | 'stop', ctx: RequestContext): Promise<OperationView> {
    validated(() => validatePoolName(pool));
    return this.operations.exec(hostname, scrubCommand(pool, action === 'stop'), ctx);
  }

  async events(
    hostname: string,
    pool: string | null,
    limit: number,
    ctx: RequestContext,
  ): Promise<{ device: string; pool: string | null; events: ZpoolEvent[]; operation_id: string }> {
    if (pool !== null) validated(() => validatePoolName(pool));
    const { stdout, operation } = await this.read(hostname, eventsCommand(pool, limit), ctx, pool);
    return {
      device: hostname,
      pool,
      events: parsed(hostname, () => parseZpoolEvents(stdout)).reverse(),
      operation_id: operation.operation_id,
    };
  }

  /**
   * Starts the replication workflow and answers once its plan is made: with the held rollback when the
   * request is forced, with the outcome when it finished quickly, else while it transfers (follow it
   * with `replication()`).
   */
  async replicate(request: ZfsReplicationRequest, ctx: RequestContext): Promise<ReplicationOutcome> {
    validated(() => {
      validateDatasetName(request.source_dataset);
      validateDatasetName(request.target_dataset);
      if (request.snapshot !== undefined) validateSnapshotName(request.source_dataset, request.snapshot);
    });
    if (request.source_device === request.target_device && request.source_dataset === request.target_dataset) {
      throw new ServiceError('validation_error', 400, 'source and target are the same dataset');
    }
    await this.devices.require(request.source_device);
    await this.devices.require(request.target_device);
    const replicationId = randomUUID();
    const input: ZfsReplicationInput = {
      replicationId,
      source: { hostname: request.source_device, dataset: request.source_dataset },
      target: { hostname: request.target_device, dataset: request.target_dataset },
      snapshot: request.snapshot ?? null,
      intermediates: request.intermediates,
      force: request.force,
      requestedBy: requesterOf(ctx),
      trigger: ctx.trigger,
      correlationId: ctx.correlationId,
      operationSettings: this.operations.settings,
      operationWorkflowPrefix: this.operations.workflowPrefix,
    };
    const handle = await this.client.workflow.start<typeof zfsReplicationWorkflow>('zfsReplicationWorkflow', {
      workflowId: this.workflowId(replicationId),
      taskQueue: this.instance,
      args: [input],
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.FAIL,
      ...requestedWorkflowTags(request.target_device, ctx),
    });
    const result = handle.result();
    void result.catch(() => undefined);
    for (;;) {
      const finished = await Promise.race([result, delay(PHASE_CHECK_MS).then(() => null)]);
      if (finished) return { replication: finished, held_operation: null };
      const view = await handle.query(zfsReplicationQuery);
      if (view.phase === 'transferring') return { replication: view, held_operation: null };
      if (view.phase !== 'awaiting_confirmation' || view.pending_operation_id === null) continue;
      const operation = await this.operations.get(view.pending_operation_id, ctx.principal).catch(() => null);
      if (operation?.state === 'awaiting_confirmation') return { replication: view, held_operation: operation };
    }
  }

  /** The replication as it stands: its progress while it runs, its outcome once done. */
  async replication(replicationId: string): Promise<ZfsReplicationView> {
    const handle = this.client.workflow.getHandle(this.workflowId(replicationId));
    try {
      const { status } = await handle.describe();
      return status.name === 'RUNNING' ? await handle.query(zfsReplicationQuery) : await handle.result();
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw notFound(`replication ${replicationId}`);
      throw err;
    }
  }

  private workflowId(replicationId: string): string {
    return `${this.instance}-zfs-replication-${replicationId}`;
  }

  /** Snapshots as the device lists them, newest first. */
  private async snapshots(
    hostname: string,
    dataset: string | null,
    ctx: RequestContext,
  ): Promise<{ snapshots: ZfsSnapshot[]; truncated: boolean; operation: OperationView }> {
    const { stdout, operation, truncated } = await this.read(hostname, snapshotListCommand(dataset), ctx, dataset);
    // A cut listing ends in a partial line: only whole lines are read.
    const lines = stdout.split('\n').filter((line) => line !== '');
    if (truncated && !stdout.endsWith('\n')) lines.pop();
    const snapshots = parsed(hostname, () => lines.map(parseSnapshotLine))
      .sort(newerFirst)
      .map(({ name, dataset: ds, creation, used_bytes, referenced_bytes }) => ({
        name,
        dataset: ds,
        creation,
        used_bytes,
        referenced_bytes,
      }));
    return { snapshots, truncated, operation };
  }

  /** Runs a read as an operation (audited like every command) and answers its stdout; zfs errors become clear ones. */
  private async read(
    hostname: string,
    command: string,
    ctx: RequestContext,
    subject: string | null,
  ): Promise<{ stdout: string; truncated: boolean; operation: OperationView }> {
    const operation = await this.operations.exec(hostname, command, ctx);
    if (operation.state !== 'completed' || !operation.result) {
      const error = operation.error ?? {
        code: 'operation_failed',
        message: `operation ended in state ${operation.state}`,
      };
      throw new ServiceError(error.code, 502, error.message, { operation_id: operation.operation_id });
    }
    const { exit_code: exitCode, stderr, stdout, stdout_truncated: truncated } = operation.result;
    // `zpool events | awk` exits with awk's status: a zpool that failed shows only on stderr.
    if (exitCode !== 0 || (stdout.trim() === '' && stderr.trim() !== ''))
      throw zfsFailure(hostname, subject, stderr, exitCode, operation.operation_id);
    return { stdout, truncated, operation };
  }
}

function zfsFailure(
  hostname: string,
  subject: string | null,
  stderr: string,
  exitCode: number | null,
  operationId: string,
): ServiceError {
  if (/dataset does not exist|no such pool/.test(stderr))
    return new ServiceError('not_found', 404, `${hostname}: ${subject ?? 'ZFS'}: ${stderr.trim()}`);
  if (exitCode === 127 || /(zfs|zpool): (command )?not found/.test(stderr))
    return new ServiceError('zfs_unavailable', 409, `${hostname} has no ZFS tools: ${stderr.trim()}`);
  return new ServiceError('zfs_error', 502, `${hostname}: ${stderr.trim() || `exit ${exitCode}`}`, {
    operation_id: operationId,
  });
}

/** An age (`30d`, `12h`) or an ISO time, as the instant before which snapshots count as older. */
function olderThan(value: string): number {
  const age = /^(\d+)([smhd])$/.exec(value);
  if (!age) return Date.parse(value);
  const seconds = { s: 1, m: 60, h: 3600, d: 86_400 }[age[2] as 's' | 'm' | 'h' | 'd'];
  return Date.now() - Number(age[1]) * seconds * 1000;
}
