import { z } from 'zod';

/**
 * What the ZFS operations answer, as zod schemas: the OpenAPI document and the MCP tools' output schemas
 * both come from these. Loose objects: held answers add the hold's keys (status, risk_assessment...).
 */

const Endpoint = z.object({ hostname: z.string(), dataset: z.string() });
const ErrorShape = z.object({ code: z.string(), message: z.string() });

export const ZfsSnapshotAnswer = z.object({
  name: z.string(),
  dataset: z.string(),
  creation: z.string(),
  used_bytes: z.number(),
  referenced_bytes: z.number(),
});

export const SnapshotListingAnswer = z.looseObject({
  device: z.string(),
  dataset: z.string().nullable(),
  snapshots: z.array(ZfsSnapshotAnswer),
  matching: z.int(),
  truncated: z.boolean(),
  operation_id: z.string(),
});

const Planned = z.looseObject({ name: z.string(), dataset: z.string(), creation: z.string() });
export const PruneAnswer = z.looseObject({
  device: z.string(),
  dataset: z.string(),
  policy: z.looseObject({
    keep_last: z.int(),
    hourly: z.int(),
    daily: z.int(),
    weekly: z.int(),
    monthly: z.int(),
    yearly: z.int(),
    name_pattern: z.string().nullable(),
  }),
  plan: z.object({
    keep: z.array(Planned.extend({ reasons: z.array(z.string()) })),
    destroy: z.array(Planned),
    ignored: z.array(Planned),
  }),
  deferred: z.int(),
  dry_run: z.boolean(),
  /** DESTRUCTIVE_ACTION_BLOCKED while the destroy is held; absent for a dry run or nothing to destroy. */
  status: z.string().optional(),
  operation_id: z.string().optional(),
});

export const DatasetPropertiesAnswer = z.looseObject({
  device: z.string(),
  dataset: z.string(),
  properties: z.array(z.object({ dataset: z.string(), property: z.string(), value: z.string(), source: z.string() })),
  operation_id: z.string(),
});

export const ZpoolEventsAnswer = z.looseObject({
  device: z.string(),
  pool: z.string().nullable(),
  events: z.array(
    z.looseObject({
      time_text: z.string(),
      time: z.string().nullable(),
      class: z.string(),
      eid: z.number().nullable(),
      pool: z.string().nullable(),
      vdev_path: z.string().nullable(),
      details: z.record(z.string(), z.unknown()),
    }),
  ),
  operation_id: z.string(),
});

export const ZfsReplicationAnswer = z.looseObject({
  replication_id: z.string(),
  source: Endpoint,
  target: Endpoint,
  phase: z.enum([
    'planning',
    'awaiting_confirmation',
    'transferring',
    'completed',
    'up_to_date',
    'failed',
    'cancelled',
  ]),
  plan: z
    .looseObject({
      snapshot: z.string(),
      mode: z.enum(['full', 'incremental', 'up_to_date']),
      from: z.string().nullable(),
      target_common: z.string().nullable(),
      target_exists: z.boolean(),
      target_snapshots_after_common: z.array(z.string()),
      resume_token: z.string().nullable(),
    })
    .nullable(),
  pending_operation_id: z.string().nullable(),
  result: z
    .looseObject({
      bytes: z.number(),
      bytes_all_attempts: z.number(),
      attempts: z.int(),
      resumed: z.boolean(),
      received_snapshot: z.string(),
      duration_ms: z.number(),
    })
    .nullable(),
  error: ErrorShape.nullable(),
  workflow_id: z.string(),
});

/** A ZFS command run as an operation: its result when it ran, the hold when held (see execAnswer). */
export const ZfsOperationAnswer = z.looseObject({
  status: z.string().optional().describe('DESTRUCTIVE_ACTION_BLOCKED while held for a person'),
  operation_id: z.string().optional(),
  device: z.string().optional(),
  exit_code: z.int().nullable().optional(),
  stdout: z.string().optional(),
  stderr: z.string().optional(),
  outcome: z.string().optional().describe('When the person at the client was asked: what they decided'),
});
