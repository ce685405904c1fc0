import { sql, type Kysely } from 'kysely';
import type { Database } from '../schema/database.ts';

/** The cheapest round-trip: answers once the database takes queries. */
export async function pingDatabase(db: Kysely<Database>): Promise<void> {
  await sql`select 1`.execute(db);
}
