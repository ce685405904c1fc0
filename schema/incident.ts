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

export interface IncidentView {
  incident_id: string;
  device: string;
  kind: IncidentKind;
  subject: string;
  summary: string;
  state: IncidentState;
  opened_at: string;
  closed_at: string | null;
  timeline: IncidentEvent[];
  workflow_id: string;
}

/** What a collection saw that should have an incident (see domain/incidents/detect.ts). */
export interface IncidentSighting {
  kind: IncidentKind;
  subject: string;
  summary: string;
}
