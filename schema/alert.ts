import { z } from 'zod';
import type { PrincipalRef } from './api-token.ts';
import type { ConfirmationRoute, RiskLevel } from './operation.ts';

/**
 * Alerts: a rule watches one source — the insights of each collection (CPU, memory, disks, load, drives,
 * pools, containers, units, updates: see domain/insights), or a device's status — and a condition
 * that holds for `for_seconds` fires once; its recovery resolves it. Config changes and operation steps
 * are events: a matching one notifies once. Channels deliver all of them.
 */
export const ALERT_SOURCES = ['insight', 'device_status', 'config_change', 'operation'] as const;
export const CHANNEL_KINDS = ['webhook', 'ntfy', 'gotify'] as const;
export type AlertState = 'pending' | 'firing' | 'resolved';

export const AlertRuleMatch = z
  .object({
    /** insight: the least severity that matches. */
    min_severity: z.enum(['info', 'warning', 'critical']).optional(),
    /** insight: only these codes (e.g. filesystem_full, pool_degraded); all when absent. */
    codes: z
      .array(z.string().regex(/^[a-z_]+$/))
      .max(50)
      .optional(),
    /** device_status: the statuses that fire. */
    states: z
      .array(z.enum(['unreachable', 'auth_failed', 'host_key_mismatch', 'offline']))
      .max(10)
      .optional(),
    /** config_change: the least risk that notifies. */
    min_risk: z.enum(['LOW', 'MEDIUM', 'HIGH', 'CRITICAL']).optional(),
    /** operation: the steps that notify. */
    operation_states: z
      .array(z.enum(['awaiting_confirmation', 'blocked', 'confirmed', 'rejected', 'expired', 'failed']))
      .max(10)
      .optional(),
  })
  .strict();
export type AlertRuleMatch = z.infer<typeof AlertRuleMatch>;

export const AlertRuleCreate = z
  .object({
    name: z.string().trim().min(1).max(100),
    source: z.enum(ALERT_SOURCES),
    match: AlertRuleMatch,
    for_seconds: z
      .number()
      .int()
      .min(0)
      .max(7 * 86_400)
      .default(0),
    enabled: z.boolean().default(true),
  })
  .strict();
export type AlertRuleCreate = z.infer<typeof AlertRuleCreate>;

export const AlertChannelCreate = z
  .object({
    name: z.string().trim().min(1).max(100),
    kind: z.enum(CHANNEL_KINDS),
    /** webhook: the URL posted to; ntfy: the server with the topic (https://ntfy.sh/homelab); gotify: the server. */
    url: z
      .string()
      .url()
      .max(2000)
      .refine((u) => /^https?:\/\//.test(u), 'http(s) URL'),
    /** ntfy access token or Gotify application token; stored, never answered. */
    secret: z.string().min(1).max(500).optional(),
  })
  .strict();
export type AlertChannelCreate = z.infer<typeof AlertChannelCreate>;

/** One alert as the API and MCP `list_alerts` answer it. */
export const AlertView = z.looseObject({
  id: z.string(),
  device: z.string(),
  subject: z.string(),
  state: z.enum(['pending', 'firing', 'resolved'] satisfies AlertState[]),
  severity: z.string(),
  message: z.string(),
  evidence: z.record(z.string(), z.unknown()),
  muted: z.boolean(),
  first_seen: z.iso.datetime(),
  fired_at: z.iso.datetime().nullable(),
  resolved_at: z.iso.datetime().nullable(),
  rule: z.string(),
});
export type AlertView = z.output<typeof AlertView>;

/** An alert rule as the API and the MCP alert-rule tools answer it. */
export const AlertRuleView = z.looseObject({
  id: z.string(),
  name: z.string(),
  source: z.string(),
  match: z.record(z.string(), z.unknown()),
  for_seconds: z.int(),
  enabled: z.boolean(),
  created_at: z.iso.datetime(),
});
export type AlertRuleView = z.output<typeof AlertRuleView>;

/** A delivery channel as the API answers it: whether it has a secret, never the secret. */
export const AlertChannelView = z.looseObject({
  id: z.string(),
  name: z.string(),
  kind: z.string(),
  url: z.string(),
  has_secret: z.boolean(),
  enabled: z.boolean(),
  created_at: z.iso.datetime(),
});
export type AlertChannelView = z.output<typeof AlertChannelView>;

/** One state change of one alert, as delivered to every channel. */
export interface AlertTransition {
  alert_id: string;
  rule: string;
  device: string;
  subject: string;
  state: 'firing' | 'resolved';
  severity: string;
  message: string;
  evidence: Record<string, unknown>;
  first_seen: string;
  at: string;
}

/**
 * A destructive operation waits for a person (event `operation.held`): sent to every enabled channel,
 * whatever the rules, since a person must learn of it to release it. It carries the phrase, so it is
 * delivered and never stored (the alerts history is readable with the `read` scope).
 */
export interface HeldOperationNotice {
  operation_id: string;
  device: string;
  command: string;
  risk_level: RiskLevel;
  reasons: string[];
  requested_by: PrincipalRef;
  phrase: string;
  expires_at: string;
  confirm: ConfirmationRoute;
}
