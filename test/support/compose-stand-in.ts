import { chownSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { shellQuote } from '../../domain/ssh/quote.ts';
import { devicePasswdEntry, type TestSshd } from './sshd.ts';

const SCRIPT = fileURLToPath(new URL('./compose-stand-in.mjs', import.meta.url));
/** The real Docker Compose binary (scripts/install-compose.sh): `docker compose config` on the device is the real one. */
export const COMPOSE_BIN = fileURLToPath(new URL('../../.tools/compose/docker-compose', import.meta.url));

/**
 * Installs `docker` with Compose v2 on the test device, keeping real state across calls (see
 * compose-stand-in.mjs): stacks deployed with `compose up` show up in `docker ps`, `down` removes them,
 * `pull` moves a tag to a new digest, tag `broken` never becomes ready and tag `missing` cannot be pulled.
 * Answers where the state lives, for tests that look at it.
 */
export function installComposeStandIn(sshd: TestSshd): { stateFile: string } {
  const dir = path.join(sshd.binDir, '..', 'compose-data');
  mkdirSync(dir, { recursive: true });
  const { uid, gid } = devicePasswdEntry();
  chownSync(dir, uid, gid);
  const stateFile = path.join(dir, 'state.json');
  sshd.standIn(
    'docker',
    ['#!/bin/sh', `COMPOSE_STAND_IN_STATE=${shellQuote(stateFile)} COMPOSE_BIN=${shellQuote(path.resolve(COMPOSE_BIN))} exec node ${shellQuote(SCRIPT)} "$@"`, ''].join('\n'),
  );
  return { stateFile };
}
