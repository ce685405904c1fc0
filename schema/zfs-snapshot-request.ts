import { z } from 'zod';

/** Shape only; the ZFS naming rules are checked by validateSnapshotName (domain/collectors/zfs/names.ts). */
export const ZfsSnapshotRequest = z
  .object({
    dataset: z.string().min(1).max(255),
    name: z.string().min(1).max(255),
    /** Also every descendant dataset, atomically (`zfs snapshot -r`). */
    recursive: z.boolean().default(false),
  })
  .strict();
export type ZfsSnapshotRequest = z.infer<typeof ZfsSnapshotRequest>;
