import { Context } from '@temporalio/activity';
import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy, type Client } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import type { Logger } from '../platform/logger.ts';
import type { IncidentInput, IncidentSighting, IncidentView } from '../schema/incident.ts';
import type { Repositories } from '../store/index.ts';
import { DEVICE_ATTRIBUTE } from '../workflows/search-attributes.ts';

export interface IncidentDeps {
  store: Pick<Repositories, 'incidents'>;
  temporal: Client;
  logger: Logger;
  /** How often a rebuild is checked (10 minutes unless set). */
  incidentCheckIntervalSeconds?: number;
}

/** The workflow id of the incident for one subject: a second sighting joins the open incident. */
function incidentWorkflowId(taskQueue: string, hostname: string, sighting: IncidentSighting): string {
  return `${taskQueue}-incident-${hostname}-${sighting.kind}-${sighting.subject}`;
}

/** Starts the runbook for each sighting that has no open incident yet. Idempotent. */
export async function openIncidents(
  deps: IncidentDeps,
  input: { hostname: string; sightings: IncidentSighting[]; correlationId: string | null },
): Promise<string[]> {
  const taskQueue = Context.current().info.taskQueue;
  const opened: string[] = [];
  for (const sighting of input.sightings) {
    const args: IncidentInput = {
      incidentId: randomUUID(),
      hostname: input.hostname,
      ...sighting,
      correlationId: input.correlationId,
      checkIntervalSeconds: deps.incidentCheckIntervalSeconds ?? 600,
    };
    const handle = await deps.temporal.workflow.start('diskIncidentWorkflow', {
      workflowId: incidentWorkflowId(taskQueue, input.hostname, sighting),
      taskQueue,
      args: [args],
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
      typedSearchAttributes: [{ key: DEVICE_ATTRIBUTE, value: input.hostname }],
    });
    opened.push(handle.workflowId);
  }
  return opened;
}

/** Mirrors the incident into its row and writes the newest timeline event as an audit row, once. */
export async function recordIncident(
  deps: IncidentDeps,
  input: { view: IncidentView; correlationId: string | null },
): Promise<void> {
  const { view } = input;
  const recorded = await deps.store.incidents.record(view, input.correlationId);
  if (recorded && view.timeline.at(-1)!.event === 'opened')
    deps.logger.warn('incident opened', {
      device: view.device,
      kind: view.kind,
      subject: view.subject,
      summary: view.summary,
    });
}
