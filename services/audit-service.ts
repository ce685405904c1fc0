import type { Kysely } from 'kysely';
import type { AuditRow, Database } from '../schema/database.ts';
import { queryAudit, type AuditQuery } from '../store/audit.ts';

/** The audit log as the fronts read it: rows, newest first, filtered. */
export class AuditService {
  constructor(private readonly db: Kysely<Database>) {}

  entries(q: AuditQuery): Promise<AuditRow[]> {
    return queryAudit(this.db, q);
  }
}

/** An audit row as the fronts answer it (`GET /api/audit`, MCP `query_audit` and `list_events`). */
export function auditEntry(row: AuditRow): Omit<AuditRow, 'time'> & { time: string } {
  return { ...row, time: row.time.toISOString() };
}
