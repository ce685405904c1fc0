import { chmodSync, chownSync, copyFileSync, existsSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { shellQuote } from '../../domain/ssh/quote.ts';
import { devicePasswdEntry, type TestSshd } from './sshd.ts';

const SCRIPT = fileURLToPath(new URL('./compose-stand-in.mjs', import.meta.url));
/**
 * The real Docker Compose v2 binary: the one scripts/install-compose.sh builds into .tools/, else the
 * docker CLI's plugin (where `docker compose` already works, the script builds nothing). The plugin runs
 * standalone too, and must be called by path: on a test device `docker` is the stand-in.
 */
export function composeBinary(): string {
  const candidates = [
    fileURLToPath(new URL('../../.tools/compose/docker-compose', import.meta.url)),
    ...[
      process.env.DOCKER_CONFIG ?? path.join(os.homedir(), '.docker'),
      '/usr/local/lib/docker',
      '/usr/local/libexec/docker',
      '/usr/lib/docker',
      '/usr/libexec/docker',
    ].map((dir) => path.join(dir, 'cli-plugins', 'docker-compose')),
  ];
  const found = candidates.find((c) => existsSync(c));
  if (!found) throw new Error('Docker Compose v2 is not installed: run scripts/install-compose.sh (npm test does)');
  return found;
}

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
  // A copy beside the device's state: the device user may not reach where the binary is installed (/root/.docker).
  const composeBin = path.join(dir, 'docker-compose');
  copyFileSync(composeBinary(), composeBin);
  chmodSync(composeBin, 0o755);
  sshd.standIn(
    'docker',
    [
      '#!/bin/sh',
      `COMPOSE_STAND_IN_STATE=${shellQuote(stateFile)} COMPOSE_BIN=${shellQuote(composeBin)} exec node ${shellQuote(SCRIPT)} "$@"`,
      '',
    ].join('\n'),
  );
  return { stateFile };
}
