import type { Insertable, Kysely, Selectable } from 'kysely';
import type { Database, NewAuditRow, OperationsTable } from '../schema/database.ts';
import type { OperationState } from '../schema/operation.ts';
import { writeAudit } from './audit.ts';
import { findDeviceByHostname } from './devices.ts';

export type OperationRow = Selectable<OperationsTable>;

/**
 * Upserts the workflow's view of an operation and writes its transition's audit row, in one
 * transaction; both carry the id of the device by that hostname, if it is still registered.
 */
export async function recordOperationTransition(
  db: Kysely<Database>,
  operation: Omit<Insertable<OperationsTable>, 'device_id'> & { id: string; hostname: string },
  audit: Omit<NewAuditRow, 'device_id' | 'hostname'>,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const device = await findDeviceByHostname(trx, operation.hostname);
    const { id, ...fields } = operation;
    const row = { device_id: device?.id ?? null, ...fields };
    await trx
      .insertInto('operations')
      .values({ id, ...row })
      .onConflict((oc) => oc.column('id').doUpdateSet(row))
      .execute();
    await writeAudit(trx, { device_id: device?.id ?? null, hostname: operation.hostname, ...audit });
  });
}

/** Marks the moment before the command is sent; false when an earlier attempt already did (it must not be sent again). */
export async function markOperationExecutionStarted(db: Kysely<Database>, operationId: string): Promise<boolean> {
  const marked = await db
    .updateTable('operations')
    .set({ execution_started_at: new Date(), updated_at: new Date() })
    .where('id', '=', operationId)
    .where('execution_started_at', 'is', null)
    .returning('id')
    .executeTakeFirst();
  return marked !== undefined;
}

/** Operations newest first. */
export function listOperations(db: Kysely<Database>, q: { state?: OperationState; hostname?: string; limit: number }): Promise<OperationRow[]> {
  let query = db.selectFrom('operations').selectAll().orderBy('created_at', 'desc').limit(q.limit);
  if (q.state) query = query.where('state', '=', q.state);
  if (q.hostname) query = query.where('hostname', '=', q.hostname);
  return query.execute();
}

export function findOperation(db: Kysely<Database>, operationId: string): Promise<OperationRow | undefined> {
  return db.selectFrom('operations').selectAll().where('id', '=', operationId).executeTakeFirst();
}
