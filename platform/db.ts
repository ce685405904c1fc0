import { Kysely, Migrator, PostgresDialect } from 'kysely';
import pg from 'pg';
import { collectors } from '../domain/collectors/registry.ts';
import type { Database } from '../schema/database.ts';
import { ensureHypertables } from '../schema/migrations/hypertables.ts';
import { migrationProvider } from '../schema/migrations/index.ts';
import { watchDbPool } from './metrics.ts';
import type { Logger } from './logger.ts';

// bigint (int8) ids and counts come back as strings by default; our ids stay strings, but COUNT(*) is parsed where used.
export function createDb(connectionString: string, maxConnections = 20): Kysely<Database> {
  const pool = new pg.Pool({ connectionString, max: maxConnections });
  // An idle client losing its server (PostgreSQL restart) must not crash the process.
  pool.on('error', () => undefined);
  watchDbPool(pool);
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}

/** Node's codes for a server not there (refused, reset, timed out, no route) and PostgreSQL's for one going away. */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  '57P01',
  '57P02',
  '57P03',
]);
/** pg's own errors for a connection lost under a query carry no code: their messages are all there is. */
const CONNECTION_LOST_MESSAGES = new Set([
  'Connection terminated unexpectedly',
  'Client has encountered a connection error and is not queryable',
]);

/**
 * Why the database cannot be reached, when `err` says it cannot (a refused or lost connection, a SQLSTATE
 * of class 08 "connection exception", PostgreSQL starting up or shutting down); null for any other error.
 */
export function databaseUnreachable(err: unknown): string | null {
  if (!(err instanceof Error)) return null;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && (UNREACHABLE_CODES.has(code) || code.startsWith('08'))) return err.message || code;
  if (CONNECTION_LOST_MESSAGES.has(err.message)) return err.message;
  // pg reports a refused connection to several addresses as an AggregateError of ECONNREFUSED errors.
  if (err instanceof AggregateError && err.errors.length > 0) {
    const reasons = err.errors.map(databaseUnreachable);
    if (reasons.every((r) => r !== null)) return reasons[0]!;
  }
  return null;
}

/** Applies the migrations, then makes every registered type's snapshot table a hypertable where TimescaleDB is in use. */
export async function migrateToLatest(db: Kysely<Database>): Promise<string[]> {
  const migrator = new Migrator({ db, provider: migrationProvider });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(`migration failed: ${String(error)}`);
  await ensureHypertables(
    db as Kysely<unknown>,
    Object.values(collectors).map((c) => c.table),
  );
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/**
 * For processes that do not own the schema (worker and MCP replicas of a deployment): waits until every
 * migration this code knows has been applied by the one that does (the API), so a newer replica never
 * runs against an older schema, and gives up with a message after `timeoutMs`.
 */
export async function awaitMigrations(db: Kysely<Database>, logger: Logger, timeoutMs = 300_000): Promise<void> {
  const migrator = new Migrator({ db, provider: migrationProvider });
  const deadline = Date.now() + timeoutMs;
  for (let logged = false; ; logged = true) {
    const pending = (await migrator.getMigrations()).filter((m) => m.executedAt === undefined).map((m) => m.name);
    if (pending.length === 0) return;
    if (Date.now() >= deadline) {
      throw new Error(
        `the database still lacks migrations ${pending.join(', ')} after ${Math.round(timeoutMs / 1000)} s: they are applied by the API (INFRA_ROLE=api or all); is it running, and of this version?`,
      );
    }
    if (!logged) logger.info('waiting for the API to apply migrations', { pending });
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}
