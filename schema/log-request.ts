import { z } from 'zod';

/**
 * How far back logs go: a relative age (`90s`, `15m`, `2h`, `7d`) or an ISO 8601 instant. Both docker
 * and journalctl understand each, once translated (see services/device-commands.ts).
 */
export const LogSince = z.union([
  z.string().regex(/^[1-9]\d{0,5}[smhd]$/, 'since: an age such as 90s, 15m, 2h or 7d, or an ISO 8601 time'),
  z.iso.datetime({ offset: true }),
]);

/** Logs are always bounded: at most this many of the newest lines. */
export const MAX_LOG_LINES = 10_000;
export const DEFAULT_LOG_LINES = 200;

export const LogWindow = z
  .object({
    tail: z.coerce.number().int().min(1).max(MAX_LOG_LINES).default(DEFAULT_LOG_LINES),
    since: LogSince.optional(),
  })
  .strict();
export type LogWindow = z.infer<typeof LogWindow>;

/** systemd unit names (systemd.unit(5)): letters, digits and `:-_.\@`, with a type suffix; `nginx` means `nginx.service`. */
export const UnitName = z
  .string()
  .max(256)
  .regex(/^[A-Za-z0-9:_.\\@-]+$/, 'unit: letters, digits and :-_.\\@ only')
  .refine((u) => !u.startsWith('-'), 'unit must not start with "-"');
