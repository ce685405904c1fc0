import { sql, type Kysely } from 'kysely';
import type { Database } from '../schema/database.ts';

/** Whether the database answers. */
export class HealthRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /** The cheapest round-trip: answers once the database takes queries. */
  async ping(): Promise<void> {
    await sql`select 1`.execute(this.#db);
  }
}
