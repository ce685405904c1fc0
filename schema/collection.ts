import type { AlertTransition } from './alert.ts';
import type { IncidentSighting } from './incident.ts';
import type { Trigger } from './database.ts';

/** What a collection workflow is asked to do; the same for schedules, API, MCP and CLI. */
export interface CollectionInput {
  hostname: string;
  dataType: string;
  trigger: Trigger;
  forceRefresh: boolean;
  correlationId: string | null;
  /** The principal id that asked for it; schedules and runbooks leave it out and are recorded as `system`. */
  principal?: string;
  /** Set by polling schedules: the run gives up when the next one is due (see `pollDeadlineMs`). */
  intervalSeconds?: number;
}

export interface CollectionResult {
  hostname: string;
  dataType: string;
  snapshotId: string;
  /** ISO timestamp: workflow payloads are JSON. */
  collectedAt: string;
  durationMs: number;
  data: unknown;
  /** The answer changed what the device is known to have, so its schedules must follow. */
  capabilitiesChanged: boolean;
  /** A failed drive or a pool not ONLINE: each gets the disk-replacement runbook (one per subject). */
  incidents?: IncidentSighting[];
  /** Alerts that fired or resolved with this answer, for the workflow to deliver. */
  alerts?: AlertTransition[];
}

export interface CollectionFailure {
  input: CollectionInput;
  errorCode: string;
  message: string;
}
