import type { Kysely } from 'kysely';
import type { AuditAction, AuditRow, Database, NewAuditRow } from '../../schema/database.ts';

/** Writes one audit row; a row keyed by collection id is written at most once. */
export async function writeAudit(db: Kysely<Database>, row: NewAuditRow): Promise<void> {
  await db.insertInto('audit_log').values(row).onConflict((oc) => oc.column('collection_id').doNothing()).execute();
}

export interface AuditQuery {
  hostname?: string;
  dataType?: string;
  action?: AuditAction;
  principal?: string;
  since?: Date;
  until?: Date;
  limit: number;
}

export function queryAudit(db: Kysely<Database>, q: AuditQuery): Promise<AuditRow[]> {
  let query = db.selectFrom('audit_log').selectAll().orderBy('time', 'desc').orderBy('id', 'desc').limit(q.limit);
  if (q.hostname) query = query.where('hostname', '=', q.hostname);
  if (q.dataType) query = query.where('data_type', '=', q.dataType);
  if (q.action) query = query.where('action', '=', q.action);
  if (q.principal) query = query.where('principal', '=', q.principal);
  if (q.since) query = query.where('time', '>=', q.since);
  if (q.until) query = query.where('time', '<=', q.until);
  return query.execute();
}
