import { z } from 'zod';
import { DeviceView, Tag, Username } from './device.ts';

/** Devices from an OpenSSH client config (`POST /api/devices/import`, MCP `import_ssh_config`). */
export const ImportRequest = z
  .object({
    config: z.string().min(1).max(1_000_000),
    dry_run: z.boolean().default(false),
    defaults: z
      .object({
        username: Username.optional(),
        identity_file: z.string().min(1).max(4096).optional(),
        device_type: z.string().optional(),
        tags: z.array(Tag).max(32).optional(),
      })
      .strict()
      .default({}),
  })
  .strict();

/** What an import did, or with `dry_run` would do. */
export const ImportResult = z.looseObject({
  dry_run: z.boolean(),
  created: z.array(DeviceView),
  would_create: z.array(z.looseObject({ hostname: z.string(), address: z.string(), port: z.int() })),
  existing: z.array(z.string()),
  skipped: z.array(z.object({ host: z.string(), reason: z.string() })),
});
export type ImportResult = z.output<typeof ImportResult>;
