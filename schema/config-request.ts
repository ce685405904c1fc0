import { z } from 'zod';

/** An absolute path on a device, as people give it to be watched or looked up. */
export const DevicePath = z
  .string()
  .min(2)
  .max(4096)
  .refine((p) => p.startsWith('/'), 'path must be absolute')
  .refine((p) => !/[\0\n\r]/.test(p), 'path must not contain NUL or line breaks')
  .refine((p) => !p.split('/').includes('..'), 'path must not contain ".."');

export const WatchPathRequest = z.object({ path: DevicePath }).strict();

/** Snapshot ids are PostgreSQL bigints: 19 digits may still be beyond the largest, which the database refuses with an error. */
const MAX_BIGINT = 9223372036854775807n;
export const SnapshotId = z
  .string()
  .regex(/^[1-9]\d{0,18}$/, { message: 'snapshot id: a positive integer', abort: true })
  .refine((id) => BigInt(id) <= MAX_BIGINT, 'snapshot id: beyond the largest there is');

export const ConfigChangesQuery = z
  .object({
    since: z.iso.datetime({ offset: true }).optional(),
    device: z.string().max(253).optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    include_diff: z
      .enum(['true', 'false'])
      .default('false')
      .transform((v) => v === 'true'),
  })
  .strict();
