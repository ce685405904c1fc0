import { z } from 'zod';
import { Hostname } from './device.ts';
import { LogSince } from './log-request.ts';

/**
 * Requests of the ZFS operations. Shapes only: the ZFS naming rules (domain/collectors/zfs/names.ts) and
 * the property rules (domain/zfs/properties.ts) are checked by ZfsService, with a clear error.
 */

const DatasetName = z.string().min(1).max(255);
/** A glob over the snapshot part of the name (`autosnap_*_daily`): name characters plus `*` and `?`. */
export const SnapshotNamePattern = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[A-Za-z0-9_.:*?-]+$/, 'name_pattern: letters, digits, _ . : - and the wildcards * and ?');
const Keep = z.coerce.number().int().min(0).max(100_000);
const Flag = z.union([z.boolean(), z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1')]);

export const ZfsSnapshotListQuery = z
  .object({
    dataset: DatasetName.optional().describe('Only this dataset and its descendants'),
    name_pattern: SnapshotNamePattern.optional(),
    older_than: LogSince.optional().describe(
      'Only snapshots created before: an age such as 30d or 12h, or an ISO 8601 time',
    ),
    limit: z.coerce.number().int().min(1).max(5000).default(500),
  })
  .strict();
export type ZfsSnapshotListQuery = z.infer<typeof ZfsSnapshotListQuery>;

export const RetentionPolicyFields = {
  keep_last: Keep.default(0).describe('The newest N snapshots'),
  hourly: Keep.default(0).describe('The newest snapshot of each of the last N hours that have one'),
  daily: Keep.default(0),
  weekly: Keep.default(0).describe('ISO weeks, Monday first'),
  monthly: Keep.default(0),
  yearly: Keep.default(0),
  name_pattern: SnapshotNamePattern.optional().describe(
    'Only snapshots whose name (after @) matches take part; others are never destroyed',
  ),
};

export const ZfsPruneRequest = z
  .object({
    dataset: DatasetName,
    recursive: Flag.default(false).describe('Also the descendant datasets, each planned on its own'),
    ...RetentionPolicyFields,
    dry_run: Flag.default(false).describe('Only answer the plan'),
  })
  .strict();
export type ZfsPruneRequest = z.infer<typeof ZfsPruneRequest>;

export const ZfsCloneRequest = z
  .object({
    snapshot: z.string().min(3).max(255).describe('dataset@snapshot'),
    target: DatasetName.describe('The new dataset'),
    create_parents: Flag.default(false).describe('Create missing parent datasets (zfs clone -p)'),
  })
  .strict();
export type ZfsCloneRequest = z.infer<typeof ZfsCloneRequest>;

export const ZfsPropertiesQuery = z
  .object({
    dataset: DatasetName,
    properties: z.string().max(4096).optional().describe('Property names, comma-separated; all when omitted'),
  })
  .strict();

export const ZfsPropertySetRequest = z
  .object({
    dataset: DatasetName,
    property: z.string().min(1).max(300).describe('A ZFS native property, or a user property module:name'),
    value: z.string().max(8191),
  })
  .strict();
export type ZfsPropertySetRequest = z.infer<typeof ZfsPropertySetRequest>;

export const ZfsScrubRequest = z.object({ action: z.enum(['start', 'stop']).default('start') }).strict();

export const ZfsEventsQuery = z
  .object({
    pool: DatasetName.optional(),
    limit: z.coerce.number().int().min(1).max(100).default(50).describe('The newest N events'),
  })
  .strict();

export const ZfsReplicationRequest = z
  .object({
    source_device: Hostname,
    source_dataset: DatasetName,
    target_device: Hostname,
    target_dataset: DatasetName,
    snapshot: z
      .string()
      .min(1)
      .max(255)
      .optional()
      .describe('Snapshot name (after @) to send; the newest when omitted'),
    intermediates: Flag.default(false).describe('Send every snapshot in between too (zfs send -I)'),
    force: Flag.default(false).describe(
      'Roll the target back to the common snapshot first (receive -F): held for a person',
    ),
  })
  .strict();
export type ZfsReplicationRequest = z.infer<typeof ZfsReplicationRequest>;
