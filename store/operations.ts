import type { Insertable, Kysely, Selectable } from 'kysely';
import type { Database, NewAuditRow, OperationsTable } from '../schema/database.ts';
import type { OperationState } from '../schema/operation.ts';
import { AuditRepository } from './audit.ts';
import { DeviceRepository } from './devices.ts';

export type OperationRow = Selectable<OperationsTable>;

/** Operations as their workflows last recorded them. */
export class OperationRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /**
   * Upserts the workflow's view of an operation and writes its transition's audit row, in one
   * transaction; both carry the id of the device by that hostname, if it is still registered.
   */
  async recordTransition(
    operation: Omit<Insertable<OperationsTable>, 'device_id'> & { id: string; hostname: string },
    audit: Omit<NewAuditRow, 'device_id' | 'hostname'>,
  ): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      const device = await new DeviceRepository(trx).findByHostname(operation.hostname);
      const { id, ...fields } = operation;
      const row = { device_id: device?.id ?? null, ...fields };
      await trx
        .insertInto('operations')
        .values({ id, ...row })
        .onConflict((oc) => oc.column('id').doUpdateSet(row))
        .execute();
      await new AuditRepository(trx).write({ device_id: device?.id ?? null, hostname: operation.hostname, ...audit });
    });
  }

  /** Marks the moment before the command is sent; false when an earlier attempt already did (it must not be sent again). */
  async markExecutionStarted(operationId: string): Promise<boolean> {
    const marked = await this.#db
      .updateTable('operations')
      .set({ execution_started_at: new Date(), updated_at: new Date() })
      .where('id', '=', operationId)
      .where('execution_started_at', 'is', null)
      .returning('id')
      .executeTakeFirst();
    return marked !== undefined;
  }

  /** Operations newest first. */
  list(q: { state?: OperationState; hostname?: string; limit: number }): Promise<OperationRow[]> {
    let query = this.#db.selectFrom('operations').selectAll().orderBy('created_at', 'desc').limit(q.limit);
    if (q.state) query = query.where('state', '=', q.state);
    if (q.hostname) query = query.where('hostname', '=', q.hostname);
    return query.execute();
  }

  find(operationId: string): Promise<OperationRow | undefined> {
    return this.#db.selectFrom('operations').selectAll().where('id', '=', operationId).executeTakeFirst();
  }
}
