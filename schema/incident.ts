import { z } from 'zod';

/**
 * A failed drive or a degraded pool, followed by the disk-replacement runbook from the moment it is
 * seen until the replacement has resilvered: one workflow per incident, the `incidents` row mirrors it.
 */
export type IncidentKind = 'drive_failed' | 'pool_degraded';

export type IncidentState =
  /** Seen and reported; waiting for a person to say the disk was replaced. */
  | 'awaiting_replacement'
  /** Replaced; following resilver / scrub until the pool (or drive) is healthy again. */
  | 'rebuilding'
  | 'closed';

export interface IncidentEvent {
  at: string;
  event: string;
  detail: string;
  by?: string;
}

export interface IncidentInput {
  incidentId: string;
  hostname: string;
  kind: IncidentKind;
  /** The pool name, or the drive's serial (else its device path). */
  subject: string;
  /** What was seen, e.g. `pool tank is DEGRADED: ata-WDC… FAULTED`. */
  summary: string;
  correlationId: string | null;
  /** How often the rebuild is checked; minutes in production, shorter in tests. */
  checkIntervalSeconds: number;
}

/** An incident as the API and MCP answer it, with its runbook's timeline. */
export const IncidentView = z.object({
  incident_id: z.uuid(),
  device: z.string(),
  kind: z.enum(['drive_failed', 'pool_degraded'] satisfies IncidentKind[]),
  subject: z.string(),
  summary: z.string(),
  state: z.enum(['awaiting_replacement', 'rebuilding', 'closed'] satisfies IncidentState[]),
  opened_at: z.iso.datetime(),
  closed_at: z.iso.datetime().nullable(),
  timeline: z.array(
    z.object({ at: z.string(), event: z.string(), detail: z.string(), by: z.string().optional() } satisfies Record<
      keyof IncidentEvent,
      z.ZodType
    >),
  ),
  workflow_id: z.string(),
});
export type IncidentView = z.infer<typeof IncidentView>;

/** What a collection saw that should have an incident (see domain/incidents/detect.ts). */
export interface IncidentSighting {
  kind: IncidentKind;
  subject: string;
  summary: string;
}
