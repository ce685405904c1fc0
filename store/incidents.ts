import type { Kysely, Selectable } from 'kysely';
import type { Database, IncidentsTable } from '../schema/database.ts';
import type { IncidentState, IncidentView } from '../schema/incident.ts';
import { AuditRepository } from './audit.ts';
import { DeviceRepository } from './devices.ts';

const AUDIT_ACTION = { opened: 'incident_opened', closed: 'incident_closed' } as const;

/** Incidents as their runbook workflows last recorded them. */
export class IncidentRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /**
   * Mirrors the incident into its row and writes the newest timeline event as an audit row, once, in
   * one transaction; false when its device is gone (a device deleted meanwhile takes its incidents with
   * it, by foreign key: nothing left to record).
   */
  async record(view: IncidentView, correlationId: string | null): Promise<boolean> {
    const device = await new DeviceRepository(this.#db).findByHostname(view.device);
    if (!device) return false;
    const latest = view.timeline.at(-1)!;
    const auditKey = `incident/${view.incident_id}/${view.timeline.length}`;
    await this.#db.transaction().execute(async (trx) => {
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
        .onConflict((oc) =>
          oc.column('id').doUpdateSet({
            state: view.state,
            timeline: JSON.stringify(view.timeline),
            closed_at: view.closed_at === null ? null : new Date(view.closed_at),
            updated_at: new Date(),
          }),
        )
        .execute();
      await new AuditRepository(trx).write({
        device_id: device.id,
        hostname: view.device,
        action: AUDIT_ACTION[latest.event as keyof typeof AUDIT_ACTION] ?? 'incident_updated',
        data_type: view.kind === 'pool_degraded' ? 'zfs' : 'drives',
        trigger: 'system',
        status: 'success',
        workflow_id: view.workflow_id,
        collection_id: auditKey,
        correlation_id: correlationId,
        details: JSON.stringify({ incident_id: view.incident_id, subject: view.subject, state: view.state, ...latest }),
      });
    });
    return true;
  }

  /** Incidents newest first. */
  list(filter: { hostname?: string; state?: IncidentState; limit: number }): Promise<Selectable<IncidentsTable>[]> {
    let query = this.#db.selectFrom('incidents').selectAll().orderBy('opened_at', 'desc').limit(filter.limit);
    if (filter.hostname) query = query.where('hostname', '=', filter.hostname);
    if (filter.state) query = query.where('state', '=', filter.state);
    return query.execute();
  }

  find(incidentId: string): Promise<Selectable<IncidentsTable> | undefined> {
    return this.#db.selectFrom('incidents').selectAll().where('id', '=', incidentId).executeTakeFirst();
  }
}
