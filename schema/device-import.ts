import { z } from 'zod';
import { Tag, Username } from './device.ts';

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
