import type { AuditEntry } from '../schema/audit.ts';
import type { AuditRow } from '../schema/database.ts';
import type { AuditQuery } from '../store/audit.ts';
import type { Repositories } from '../store/index.ts';

/** The audit log as the fronts read it: rows, newest first, filtered. */
export class AuditService {
  constructor(private readonly store: Pick<Repositories, 'audit'>) {}

  entries(q: AuditQuery): Promise<AuditRow[]> {
    return this.store.audit.query(q);
  }
}

/** An audit row as the fronts answer it (`GET /api/audit`, MCP `query_audit` and `list_events`). */
export function auditEntry(row: AuditRow): AuditEntry {
  return { ...row, time: row.time.toISOString() };
}
