import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Logger } from '../platform/logger.ts';
import { collectorFor, isDataType } from '../domain/collectors/registry.ts';
import type { Repositories } from '../store/index.ts';

export interface RetentionDeps {
  store: Repositories;
  logger: Logger;
}

export interface PurgeInput {
  dataType: string;
  retentionDays: number;
}

export interface PurgeResult {
  dataType: string;
  deleted: number;
  cutoff: string;
}

/** Small batches keep each delete's locks short next to the collections writing into the same table. */
const BATCH_SIZE = 5000;

/**
 * Deletes one type's snapshots older than its retention, in batches, heartbeating between them so a
 * long purge survives a worker restart and resumes where it stopped. The newest snapshot of every device
 * is kept whatever its age: it is what reads and deltas start from. Configuration snapshots live
 * elsewhere and are never purged.
 */
export async function purgeSnapshots(deps: RetentionDeps, input: PurgeInput): Promise<PurgeResult> {
  const { store, logger } = deps;
  if (!isDataType(input.dataType))
    throw ApplicationFailure.nonRetryable(`unknown data type ${input.dataType}`, 'invalid_input');
  if (!Number.isInteger(input.retentionDays) || input.retentionDays < 1) {
    throw ApplicationFailure.nonRetryable(
      `retention of ${input.dataType} must be a whole number of days, at least 1`,
      'invalid_input',
    );
  }
  const table = collectorFor(input.dataType).table;
  const cutoff = new Date(Date.now() - input.retentionDays * 86_400_000);
  let deleted = Number((Context.current().info.heartbeatDetails as number | undefined) ?? 0);
  for (;;) {
    const count = await store.snapshots.deleteBefore(table, cutoff, BATCH_SIZE);
    deleted += count;
    Context.current().heartbeat(deleted);
    if (count < BATCH_SIZE) break;
  }
  if (deleted > 0) {
    await store.audit.write({
      device_id: null,
      hostname: null,
      action: 'retention_purge',
      data_type: input.dataType,
      trigger: 'schedule',
      status: 'success',
      details: JSON.stringify({ deleted, cutoff: cutoff.toISOString(), retention_days: input.retentionDays }),
    });
    logger.info('purged snapshots', { data_type: input.dataType, deleted, cutoff: cutoff.toISOString() });
  }
  return { dataType: input.dataType, deleted, cutoff: cutoff.toISOString() };
}

export interface AuditPurgeResult {
  deleted: number;
  cutoff: string;
}

/**
 * Deletes audit rows older than the audit retention (AUDIT_RETENTION_DAYS), in batches with a heartbeat
 * between them like `purgeSnapshots`. Every kind of row goes at the same age; operations themselves
 * stay in their own table.
 */
export async function purgeAudit(deps: RetentionDeps, input: { retentionDays: number }): Promise<AuditPurgeResult> {
  if (!Number.isInteger(input.retentionDays) || input.retentionDays < 1) {
    throw ApplicationFailure.nonRetryable(
      'audit retention must be a whole number of days, at least 1',
      'invalid_input',
    );
  }
  const cutoff = new Date(Date.now() - input.retentionDays * 86_400_000);
  let deleted = Number((Context.current().info.heartbeatDetails as number | undefined) ?? 0);
  for (;;) {
    const count = await deps.store.audit.deleteBefore(cutoff, BATCH_SIZE);
    deleted += count;
    Context.current().heartbeat(deleted);
    if (count < BATCH_SIZE) break;
  }
  if (deleted > 0) {
    await deps.store.audit.write({
      device_id: null,
      hostname: null,
      action: 'retention_purge',
      data_type: null,
      trigger: 'schedule',
      status: 'success',
      details: JSON.stringify({
        table: 'audit_log',
        deleted,
        cutoff: cutoff.toISOString(),
        retention_days: input.retentionDays,
      }),
    });
    deps.logger.info('purged audit rows', { deleted, cutoff: cutoff.toISOString() });
  }
  return { deleted, cutoff: cutoff.toISOString() };
}
