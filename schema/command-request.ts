import { z } from 'zod';
import { Hostname } from './device.ts';
import { OPERATION_STATES } from './operation.ts';

/** Same limits the command analysis enforces, checked at the front so bad input never starts a workflow. */
export const Command = z
  .string()
  .min(1, 'command must not be empty')
  .refine((c) => c.trim().length > 0, 'command must not be blank')
  .refine((c) => Buffer.byteLength(c, 'utf8') <= 16 * 1024, 'command is longer than 16 KiB')
  .refine((c) => !c.includes('\0'), 'command contains a NUL byte');

export const ExecRequest = z.object({ command: Command }).strict();
export const ConfirmBody = z.object({ phrase: z.string().min(1).max(1000) }).strict();
export const OperationId = z.string().uuid('operation id must be a UUID');
/** The operations list: the held ones (the inbox of a person who confirms) or the history, newest first. */
export const OperationListQuery = z
  .object({
    state: z.enum(OPERATION_STATES).optional(),
    device: Hostname.optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
  })
  .strict();
