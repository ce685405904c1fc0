import { z } from 'zod';
import type { SemanticChange } from '../domain/config/config-diff.ts';

/** What a change means, e.g. a port or an option that changed (see domain/config/config-diff.ts). */
export const SemanticChangeSchema = z.looseObject({
  kind: z.string(),
  subject: z.string(),
  description: z.string(),
  before: z.string().nullable().optional(),
  after: z.string().nullable().optional(),
} satisfies Record<keyof SemanticChange, z.ZodType>);

/** One change event: what changed in a file, what it means, and how risky it is. */
export const ConfigChange = z.looseObject({
  id: z.string(),
  snapshot_id: z.string(),
  previous_snapshot_id: z.string().nullable(),
  hostname: z.string(),
  path: z.string(),
  change_type: z.string(),
  semantic_changes: z.array(SemanticChangeSchema),
  risk_level: z.string(),
  reasons: z.array(z.string()),
  affected_services: z.array(z.string()),
  restart_required: z.boolean(),
  restart_hint: z.string().nullable(),
  detected_at: z.iso.datetime(),
  diff: z.string().nullable().optional().describe('with include_diff=true'),
});
export type ConfigChange = z.output<typeof ConfigChange>;

/** One stored version of a watched file, its secret values hidden unless asked raw (`GET /api/config/snapshots/{id}`, MCP `get_config_snapshot`). */
export const ConfigSnapshotView = z.looseObject({
  id: z.string(),
  hostname: z.string(),
  path: z.string(),
  change_type: z.string(),
  content: z.string().nullable(),
  redacted_values: z.int(),
  detected_at: z.iso.datetime(),
});
export type ConfigSnapshotView = z.output<typeof ConfigSnapshotView>;
