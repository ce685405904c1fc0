import { z } from 'zod';
import { AUDIT_ACTIONS } from './database.ts';

/**
 * An audit row as the fronts answer it (`GET /api/audit`, MCP `query_audit` and `list_events`). Open: the
 * row's other columns (device, workflow and snapshot ids, duration sums) come along.
 */
export const AuditEntry = z.looseObject({
  id: z.string(),
  time: z.iso.datetime(),
  hostname: z.string().nullable(),
  action: z.enum(AUDIT_ACTIONS),
  data_type: z.string().nullable(),
  trigger: z.string(),
  status: z.enum(['success', 'error']),
  error_code: z.string().nullable(),
  error_message: z.string().nullable(),
  duration_ms: z.number().nullable(),
  cache_hit: z.boolean().nullable(),
  principal: z.string().nullable(),
  on_behalf_of: z.string().nullable(),
  count: z.number().int(),
  details: z.record(z.string(), z.unknown()).nullable(),
});
export type AuditEntry = z.output<typeof AuditEntry>;
