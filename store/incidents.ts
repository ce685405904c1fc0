import { Context } from '@temporalio/activity';
import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy, type Client } from '@temporalio/client';
import type { Kysely, Selectable } from 'kysely';
import { randomUUID } from 'node:crypto';
import type { Logger } from '../platform/logger.ts';
import type { Database, IncidentsTable } from '../schema/database.ts';
import type { IncidentInput, IncidentSighting, IncidentState, IncidentView } from '../schema/incident.ts';
import { DEVICE_ATTRIBUTE } from '../workflows/search-attributes.ts';
import { writeAudit } from './audit.ts';
import { findDeviceByHostname } from './devices.ts';

export interface IncidentDeps {
  db: Kysely<Database>;
  temporal: Client;
  logger: Logger;
  /** How often a rebuild is checked (10 minutes unless set). */
  incidentCheckIntervalSeconds?: number;
}

/** The workflow id of the incident for one subject: a second sighting joins the open incident. */
export function incidentWorkflowId(taskQueue: string, hostname: string, sighting: IncidentSighting): string {
  return `${taskQueue}-incident-${hostname}-${sighting.kind}-${sighting.subject}`;
}

/** Starts the runbook for each sighting that has no open incident yet. Idempotent. */
export async function openIncidents(deps: IncidentDeps, input: { hostname: string; sightings: IncidentSighting[]; correlationId: string | null }): Promise<string[]> {
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

const AUDIT_ACTION = { opened: 'incident_opened', closed: 'incident_closed' } as const;

/** Mirrors the incident into its row and writes the newest timeline event as an audit row, once. */
export async function recordIncident(deps: IncidentDeps, input: { view: IncidentView; correlationId: string | null }): Promise<void> {
  const { view } = input;
  const device = await findDeviceByHostname(deps.db, view.device);
  // A device deleted meanwhile takes its incidents with it (foreign key); nothing left to record.
  if (!device) return;
  const latest = view.timeline.at(-1)!;
  const auditKey = `incident/${view.incident_id}/${view.timeline.length}`;
  await deps.db.transaction().execute(async (trx) => {
    await trx
      .insertInto('incidents')
      .values({
        id: view.incident_id,
        device_id: device.id,
        hostname: view.device,
        kind: view.kind,
        subject: view.subject,
        state: view.state,
        summary: view.summary,
        timeline: JSON.stringify(view.timeline),
        workflow_id: view.workflow_id,
        opened_at: new Date(view.opened_at),
        closed_at: view.closed_at === null ? null : new Date(view.closed_at),
        updated_at: new Date(),
      })
      .onConflict((oc) => oc.column('id').doUpdateSet({ state: view.state, timeline: JSON.stringify(view.timeline), closed_at: view.closed_at === null ? null : new Date(view.closed_at), updated_at: new Date() }))
      .execute();
    await writeAudit(trx, {
      device_id: device.id,
      hostname: view.device,
      action: AUDIT_ACTION[latest.event as keyof typeof AUDIT_ACTION] ?? 'incident_updated',
      data_type: view.kind === 'pool_degraded' ? 'zfs' : 'drives',
      trigger: 'system',
      status: 'success',
      workflow_id: view.workflow_id,
      collection_id: auditKey,
      correlation_id: input.correlationId,
      details: JSON.stringify({ incident_id: view.incident_id, subject: view.subject, state: view.state, ...latest }),
    });
  });
  if (latest.event === 'opened') deps.logger.warn('incident opened', { device: view.device, kind: view.kind, subject: view.subject, summary: view.summary });
}

/** Incidents newest first. */
export function listIncidents(db: Kysely<Database>, filter: { hostname?: string; state?: IncidentState; limit: number }): Promise<Selectable<IncidentsTable>[]> {
  let query = db.selectFrom('incidents').selectAll().orderBy('opened_at', 'desc').limit(filter.limit);
  if (filter.hostname) query = query.where('hostname', '=', filter.hostname);
  if (filter.state) query = query.where('state', '=', filter.state);
  return query.execute();
}

export function findIncident(db: Kysely<Database>, incidentId: string): Promise<Selectable<IncidentsTable> | undefined> {
  return db.selectFrom('incidents').selectAll().where('id', '=', incidentId).executeTakeFirst();
}
