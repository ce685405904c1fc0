import type { RequestContext } from './device-service.ts';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Selectable } from 'kysely';
import type { IncidentsTable } from '../schema/database.ts';
import type { IncidentState, IncidentView } from '../schema/incident.ts';
import { replacedUpdate } from '../workflows/incident-messages.ts';
import { notFound, ServiceError } from './service-error.ts';
import type { Repositories } from '../store/index.ts';

/** Drive and pool incidents with their runbooks: listed from the table, advanced through the workflow. */
export class IncidentService {
  constructor(
    private readonly store: Pick<Repositories, 'incidents'>,
    private readonly client: Client,
  ) {}

  async list(filter: { hostname?: string; state?: IncidentState; limit: number }): Promise<IncidentView[]> {
    return (await this.store.incidents.list(filter)).map(viewOf);
  }

  async get(incidentId: string): Promise<IncidentView> {
    const row = await this.store.incidents.find(incidentId);
    if (!row) throw notFound(`incident ${incidentId}`);
    return viewOf(row);
  }

  /** The disk was swapped: the runbook starts following the rebuild. */
  async replaced(incidentId: string, ctx: RequestContext, note: string | null): Promise<IncidentView> {
    const incident = await this.get(incidentId);
    if (incident.state !== 'awaiting_replacement')
      throw new ServiceError('incident_not_awaiting_replacement', 409, `incident ${incidentId} is ${incident.state}`);
    try {
      return await this.client.workflow
        .getHandle(incident.workflow_id)
        .executeUpdate(replacedUpdate, { args: [{ by: `${ctx.principal.name} (${ctx.principal.id})`, note }] });
    } catch (err) {
      if (err instanceof WorkflowNotFoundError)
        throw new ServiceError('incident_workflow_missing', 409, `the runbook ${incident.workflow_id} is gone`);
      throw new ServiceError(
        'incident_refused',
        409,
        err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err),
      );
    }
  }
}

function viewOf(row: Selectable<IncidentsTable>): IncidentView {
  return {
    incident_id: row.id,
    device: row.hostname,
    kind: row.kind,
    subject: row.subject,
    summary: row.summary,
    state: row.state,
    opened_at: row.opened_at.toISOString(),
    closed_at: row.closed_at?.toISOString() ?? null,
    timeline: row.timeline,
    workflow_id: row.workflow_id,
  };
}
