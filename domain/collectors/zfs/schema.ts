/** The ZFS payload: pools with their vdev trees and scans, datasets, a bounded view of the snapshots, the ARC. */
import { z } from 'zod';

export const DATA_TYPE = 'zfs';

export const VdevKind = z.enum([
  'pool',
  'mirror',
  'raidz',
  'draid',
  'replacing',
  'spare',
  'disk',
  'logs',
  'cache',
  'spares',
  'special',
  'dedup',
]);
export type VdevKind = z.infer<typeof VdevKind>;

export const VdevNode = z.object({
  /** Device or vdev name as zpool prints it: `ata-WDC_WD80EFAX-68KNBN0_VAGK1234`, `raidz2-0`, `logs`... */
  name: z.string(),
  kind: VdevKind,
  /**
   * ONLINE, DEGRADED, FAULTED, OFFLINE, REMOVED, UNAVAIL, SPLIT or UNKNOWN; AVAIL or INUSE for a hot spare
   * in the `spares` list; null for the logs, cache, spares, special and dedup headings, which have none.
   */
  state: z.string().nullable(),
  /** Null where zpool prints no counters: hot spares in the `spares` list and the headings. */
  read_errors: z.number().nullable(),
  write_errors: z.number().nullable(),
  checksum_errors: z.number().nullable(),
  /** What zpool prints after the counters: `too many errors`, `was /dev/sdc1`, `(resilvering)`, `currently in use`... */
  note: z.string().optional(),
  // A getter makes the schema recursive (zod 4's way; z.lazy would lose the inferred type).
  get children(): z.ZodArray<typeof VdevNode> {
    return z.array(VdevNode);
  },
});
export type VdevNode = z.infer<typeof VdevNode>;

export const PoolScan = z.object({
  kind: z.enum(['scrub', 'resilver', 'none']),
  /** Null when no scrub or resilver ever ran. */
  state: z.enum(['in_progress', 'paused', 'finished', 'canceled']).nullable(),
  /** 100 for a finished scan; null when no progress is reported (canceled, none). */
  percent_done: z.number().nullable().describe('percent'),
  /** zpool's estimate; null when it gives none (paused, too slow to estimate, not running). */
  time_left_seconds: z.number().nullable().describe('seconds'),
  /** How long a finished scan took. */
  duration_seconds: z.number().nullable().describe('seconds'),
  /** Errors a finished scan could not repair. */
  errors: z.number().nullable(),
  /** Bytes a scrub repaired so far (or in total, once finished). */
  repaired_bytes: z.number().nullable().describe('bytes'),
  /** Bytes a resilver rewrote so far (or in total, once finished). */
  resilvered_bytes: z.number().nullable().describe('bytes'),
  scanned_bytes: z.number().nullable().describe('bytes'),
  issued_bytes: z.number().nullable().describe('bytes'),
  total_bytes: z.number().nullable().describe('bytes'),
  /** As zpool prints it (ctime, the device's local time zone), e.g. `Tue Nov 24 09:12:44 2026`. */
  started_at: z.string().nullable().describe("as zpool prints it, in the device's local time zone"),
  ended_at: z.string().nullable().describe("as zpool prints it, in the device's local time zone"),
});
export type PoolScan = z.infer<typeof PoolScan>;

export const ZfsPool = z.object({
  name: z.string(),
  /** From `zpool list`: ONLINE, DEGRADED, FAULTED, OFFLINE, REMOVED, UNAVAIL or SUSPENDED. */
  health: z.string(),
  /** ONLINE, every device usable, no error counted on any vdev and no data error: nothing in `problems`. */
  healthy: z.boolean(),
  /** Raw capacity including parity; the size fields are null for a pool that cannot be opened. */
  size_bytes: z.number().nullable().describe('bytes, raw capacity including parity'),
  allocated_bytes: z.number().nullable().describe('bytes'),
  free_bytes: z.number().nullable().describe('bytes'),
  /** Null where zpool cannot tell (`-`), e.g. pools without the spacemap_histogram feature. */
  fragmentation_percent: z.number().nullable().describe('percent'),
  capacity_percent: z.number().nullable().describe('percent'),
  dedup_ratio: z.number().nullable(),
  /** zpool's explanation and advice, with line breaks joined; null while there is nothing to say. */
  status: z.string().nullable(),
  action: z.string().nullable(),
  /** Documentation link for the status, e.g. `https://openzfs.github.io/openzfs-docs/msg/ZFS-8000-8A`. */
  see: z.string().nullable(),
  /** A running scan when there is one, else the last one zpool reports. */
  scan: PoolScan,
  /** The pool's vdev tree first, then the logs, special, dedup, cache and spares headings with their devices. */
  config: z.array(VdevNode),
  /** Files or metadata with unrecoverable errors (`errors:` line). */
  data_errors: z.number(),
});
export type ZfsPool = z.infer<typeof ZfsPool>;

export const ZfsDataset = z.object({
  name: z.string(),
  type: z.enum(['filesystem', 'volume']),
  used_bytes: z.number().describe('bytes'),
  available_bytes: z.number().describe('bytes'),
  referenced_bytes: z.number().describe('bytes'),
  /** `legacy` or a path; null for volumes and for filesystems with mountpoint `none`. */
  mountpoint: z.string().nullable(),
  /** e.g. 1.32 for `1.32x`. */
  compressratio: z.number(),
});
export type ZfsDataset = z.infer<typeof ZfsDataset>;

export const ZfsSnapshot = z.object({
  /** Full name, `dataset@snapshot`. */
  name: z.string(),
  dataset: z.string(),
  /** ISO 8601. */
  creation: z.string().describe('ISO 8601'),
  used_bytes: z.number().describe('bytes'),
  referenced_bytes: z.number().describe('bytes'),
});
export type ZfsSnapshot = z.infer<typeof ZfsSnapshot>;

export const DatasetSnapshots = z.object({
  dataset: z.string(),
  count: z.number(),
  newest: z.object({
    name: z.string(),
    creation: z.string().describe('ISO 8601'),
    used_bytes: z.number().describe('bytes'),
  }),
});
export type DatasetSnapshots = z.infer<typeof DatasetSnapshots>;

export const ZfsArc = z.object({
  size_bytes: z.number().describe('bytes'),
  /** c_max: the most the ARC may grow to. */
  max_bytes: z.number().describe('bytes (c_max)'),
  /** Hits of all ARC lookups since boot; null before the first lookup. */
  hit_ratio_percent: z.number().nullable().describe('percent'),
});
export type ZfsArc = z.infer<typeof ZfsArc>;

export const ZfsData = z.object({
  zfs_available: z.boolean(),
  /** Why ZFS could not be asked, when it is not available. */
  reason: z.string().optional(),
  pools: z.array(ZfsPool),
  /** `degraded_or_worse` counts pools whose health is not ONLINE; `healthy` those with no problem at all. */
  summary: z.object({ pools: z.number(), healthy: z.number(), degraded_or_worse: z.number() }),
  /** One sentence per problem, e.g. `pool backup: 3 checksum errors on sdc`; empty when all pools are healthy. */
  problems: z.array(z.string()),
  datasets: z.array(ZfsDataset),
  snapshot_count: z.number(),
  /** Every dataset that has snapshots, by name. */
  snapshots_by_dataset: z.array(DatasetSnapshots),
  /** The newest snapshots of all datasets, newest first, at most 100. */
  newest_snapshots: z.array(ZfsSnapshot),
  /** Null where the kernel exposes no arcstats (the module is not loaded, FreeBSD). */
  arc: ZfsArc.nullable(),
});
export type ZfsData = z.infer<typeof ZfsData>;
