import type { Kysely } from 'kysely';
import type { Database, NewAuditRow } from '../schema/database.ts';

/**
 * Group commit for read audit rows: rows that arrive while an INSERT is in flight go together in the
 * next one. Each caller still waits until its own row is committed, so nothing is acknowledged before
 * it is on disk, but 200 concurrent reads cost a few INSERTs instead of 200.
 */
export class AuditWriter {
  private queue: Array<{ row: NewAuditRow; done: (err?: unknown) => void }> = [];
  private flushing = false;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly maxBatch = 500,
  ) {}

  write(row: NewAuditRow): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ row, done: (err) => (err ? reject(err) : resolve()) });
      if (!this.flushing) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.maxBatch);
        try {
          await this.db.insertInto('audit_log').values(batch.map((b) => b.row)).onConflict((oc) => oc.column('collection_id').doNothing()).execute();
          for (const b of batch) b.done();
        } catch (err) {
          for (const b of batch) b.done(err);
        }
      }
    } finally {
      this.flushing = false;
    }
  }
}
