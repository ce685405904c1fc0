import { execAnswer } from './operation-answers.ts';
import { errorBodyOf } from './service-error.ts';
import type { PruneOutcome, ReplicationOutcome } from './zfs-service.ts';

type Answer = { httpStatus: number; body: Record<string, unknown> };

/** Planning errors a caller can act on are theirs (4xx); a transfer that failed is the devices' (502). */
const REPLICATION_ERROR_STATUS: Record<string, number> = {
  validation_error: 400,
  unknown_dataset: 404,
  unknown_snapshot: 404,
  device_not_found: 404,
  no_common_snapshot: 409,
  target_modified: 409,
  target_diverged: 409,
  zfs_unavailable: 409,
};

/** Both fronts answer the same: the plan, and when something is destroyed, the held `zfs destroy` (409). */
export function pruneAnswer(outcome: PruneOutcome, publicUrl: string | null): Answer {
  const { operation, ...rest } = outcome;
  const summary = {
    ...rest,
    plan: { keep: rest.plan.keep, destroy: rest.plan.destroy, ignored: rest.plan.ignored },
  };
  if (!operation) return { httpStatus: 200, body: summary };
  const answer = execAnswer(operation, publicUrl);
  return { httpStatus: answer.httpStatus, body: { ...summary, ...answer.body } };
}

/** 409 while the forced rollback is held, 202 while the stream runs, 200 once done; errors in the one error shape. */
export function replicationAnswer(outcome: ReplicationOutcome, publicUrl: string | null): Answer {
  const { replication, held_operation } = outcome;
  if (held_operation) {
    const held = execAnswer(held_operation, publicUrl);
    return { httpStatus: held.httpStatus, body: { ...held.body, replication } };
  }
  if (replication.phase === 'failed' || replication.phase === 'cancelled') {
    const error = replication.error ?? {
      code: `replication_${replication.phase}`,
      message: `replication ${replication.phase}`,
    };
    return {
      httpStatus: REPLICATION_ERROR_STATUS[error.code] ?? 502,
      body: errorBodyOf(error.code, error.message, { replication }),
    };
  }
  return {
    httpStatus: replication.phase === 'transferring' || replication.phase === 'planning' ? 202 : 200,
    body: { replication },
  };
}
