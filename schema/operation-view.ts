import { z } from 'zod';
import { PrincipalRefSchema } from './api-token.ts';
import type { Trigger } from './database.ts';
import { OPERATION_STATES, type RiskLevel } from './operation.ts';

/**
 * An operation as the workflow holds it and the fronts answer it. Apart from operation.ts because
 * workflows import that module's values and must not load zod; operation.ts re-exports these types.
 */

export const AffectedItem = z.looseObject({
  kind: z.enum(['container', 'path', 'zfs', 'service', 'package', 'process', 'disk', 'interface', 'device', 'other']),
  name: z.string(),
  critical: z.boolean(),
  detail: z.string().optional(),
});
export type AffectedItem = z.output<typeof AffectedItem>;

export const RiskAssessment = z.looseObject({
  destructive: z.boolean(),
  risk_level: z.enum(['NONE', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] satisfies RiskLevel[]),
  categories: z.array(z.string()),
  /** One line per finding: what would happen and why it matters. */
  reasons: z.array(z.string()),
  affected_count: z.int(),
  affected_items: z.array(AffectedItem),
  estimated_downtime: z.string().nullable(),
  rollback_possible: z.boolean(),
  safety_warnings: z.array(z.string()),
  safer_alternatives: z.array(z.string()),
  safety_checklist: z.array(z.string()),
  /**
   * The phrase a human types to release the command; names the action, its scope and the device. Only
   * the assessment inside the operation workflow has it: every view answered to a caller has null here,
   * and a caller allowed to confirm gets it as the view's own `confirmation_phrase`.
   */
  confirmation_phrase: z.string().nullable(),
  /** A device rule forbids the command right now (e.g. Unraid parity check running). */
  blocked_reason: z.string().nullable(),
});
export type RiskAssessment = z.output<typeof RiskAssessment>;

export const CommandResult = z.looseObject({
  exit_code: z.int().nullable(),
  signal: z.string().nullable(),
  stdout: z.string(),
  stderr: z.string(),
  stdout_truncated: z.boolean(),
  stderr_truncated: z.boolean(),
  /** Byte limit per stream; output past it is dropped and the flag above says so. */
  output_limit_bytes: z.int(),
  duration_ms: z.number(),
  /** What the system adds about the run, e.g. that no tool on the device could check a rolled-back file. */
  note: z.string().optional(),
});
export type CommandResult = z.output<typeof CommandResult>;

export const OperationView = z.looseObject({
  operation_id: z.uuid(),
  device: z.string(),
  command: z.string(),
  state: z.enum(OPERATION_STATES),
  requested_by: PrincipalRefSchema,
  trigger: z.enum(['schedule', 'api', 'mcp', 'cli', 'system'] satisfies Trigger[]),
  // Never the phrase here: a caller allowed to confirm gets it as the operation's own `confirmation_phrase`.
  assessment: RiskAssessment.extend({ confirmation_phrase: z.null() }).nullable(),
  attempts_left: z.int(),
  expires_at: z.iso.datetime().nullable(),
  confirmed_by: PrincipalRefSchema.nullable(),
  cancelled_by: PrincipalRefSchema.nullable(),
  /** Only in answers to a principal allowed to confirm this operation while it is held. */
  confirmation_phrase: z.string().optional().describe('only for a principal allowed to release this held operation'),
  result: CommandResult.nullable(),
  error: z.looseObject({ code: z.string(), message: z.string() }).nullable(),
  workflow_id: z.string(),
});
export type OperationView = z.output<typeof OperationView>;

/** An operation as the table keeps it (`GET /api/operations`, `GET /api/operations/{id}`): also when it was asked and last changed. */
export const StoredOperationView = OperationView.extend({ created_at: z.iso.datetime(), updated_at: z.iso.datetime() });
export type StoredOperationView = z.output<typeof StoredOperationView>;
