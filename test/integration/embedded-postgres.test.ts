import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  chownSync,
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import pg from 'pg';
import { installedBinaries, removeRelocatedClusters, startEmbeddedPostgres } from '../../platform/embedded-postgres.ts';
import { createLogger } from '../../platform/logger.ts';
import { StartFailure } from '../../platform/start-failure.ts';
import { freePort } from '../support/ports.ts';
import { testDir, uniqueName } from '../support/stack.ts';

const logger = createLogger('error', 'embedded-postgres-test');
const isRoot = process.getuid?.() === 0;

async function query(url: string, text: string): Promise<unknown[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text)).rows;
  } finally {
    await client.end();
  }
}

/** A start-up failure: one line naming the cause and the remedy. */
async function startFailure(start: Promise<unknown>): Promise<string> {
  const err = await start.then(
    () => assert.fail('started'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof StartFailure, String(err));
  assert.doesNotMatch(err.message, /\n/);
  return err.message;
}

describe('embedded PostgreSQL starts wherever the checkout is', { timeout: 120_000 }, () => {
  const made: string[] = [];
  after(() => made.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  test(
    'as root, binaries and data under directories of mode 700 (a clone in /root or mktemp -d)',
    { skip: !isRoot && 'needs root' },
    async () => {
      // Mode 700, as mkdtemp makes it: the postgres user can reach nothing inside.
      const checkout = mkdtempSync(path.join(os.tmpdir(), 'pg-anywhere-'));
      const rootHome = mkdtempSync(path.join(os.tmpdir(), 'pg-root-home-'));
      made.push(checkout, rootHome);
      const installedPackage = path.dirname(installedBinaries());
      cpSync(installedPackage, path.join(checkout, 'package'), { recursive: true, verbatimSymlinks: true });
      const places = { binaries: path.join(checkout, 'package', 'native'), rootHome };
      const dataDir = path.join(checkout, 'data');
      // What a start as root left before: an empty pg owned by postgres.
      mkdirSync(path.join(dataDir, 'pg'), { recursive: true });
      const postgresUid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }));
      chownSync(
        path.join(dataDir, 'pg'),
        postgresUid,
        Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' })),
      );

      const port = await freePort();
      const first = await startEmbeddedPostgres(dataDir, port, logger, { places });
      try {
        assert.ok(first.dataDir.startsWith(path.join(rootHome, 'clusters') + path.sep), first.dataDir);
        assert.ok(
          readdirSync(rootHome).some((name) => name.startsWith('postgres-')),
          'the binaries were copied',
        );
        await query(first.url, "CREATE TABLE kept (note text); INSERT INTO kept VALUES ('from the first start')");
      } finally {
        await first.stop();
      }
      const second = await startEmbeddedPostgres(dataDir, port, logger, { places });
      try {
        assert.equal(second.dataDir, first.dataDir, 'the next start finds the same cluster');
        assert.deepEqual(await query(second.url, 'SELECT note FROM kept'), [{ note: 'from the first start' }]);
      } finally {
        await second.stop();
      }
      await removeRelocatedClusters(checkout, rootHome);
      assert.equal(existsSync(first.dataDir), false);
    },
  );

  test('a half-initialised data directory is explained with what to remove', async () => {
    const dir = testDir(uniqueName('pg-half'));
    mkdirSync(path.join(dir, 'pg'), { recursive: true });
    writeFileSync(path.join(dir, 'pg', 'postgresql.conf'), '');
    const message = await startFailure(startEmbeddedPostgres(dir, await freePort(), logger));
    assert.match(message, /pg has files but no PG_VERSION.*rm -rf '.*pg'/);
  });

  test('a missing or wrong password file, and a taken port, are explained', async () => {
    const dir = testDir(uniqueName('pg-password'));
    const port = await freePort();
    const handle = await startEmbeddedPostgres(dir, port, logger);
    await handle.stop();
    const passwordFile = path.join(path.dirname(handle.dataDir), 'pg-password');
    copyFileSync(passwordFile, `${passwordFile}.kept`);

    unlinkSync(passwordFile);
    assert.match(
      await startFailure(startEmbeddedPostgres(dir, port, logger)),
      /password file .*pg-password is missing; restore that file, or remove .*pg/,
    );
    writeFileSync(passwordFile, 'not-the-password');
    assert.match(
      await startFailure(startEmbeddedPostgres(dir, port, logger)),
      /pg-password does not hold the password/,
    );
    copyFileSync(`${passwordFile}.kept`, passwordFile);

    const holder = net.createServer().listen(port, '127.0.0.1');
    await new Promise((resolve) => holder.once('listening', resolve));
    try {
      assert.match(
        await startFailure(startEmbeddedPostgres(dir, port, logger)),
        new RegExp(`port ${port} is already in use.*EMBEDDED_POSTGRES_PORT`),
      );
    } finally {
      holder.close();
    }
    const again = await startEmbeddedPostgres(dir, port, logger);
    await again.stop();
  });
});
