import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { hostKeyIdentity } from '../../domain/ssh/host-key.ts';

test('fingerprints match what ssh-keygen -l prints, for each key type', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'hostkey-'));
  try {
    for (const [type, alg] of [
      ['ed25519', 'ssh-ed25519'],
      ['ecdsa', 'ecdsa-sha2-nistp256'],
      ['rsa', 'ssh-rsa'],
    ] as const) {
      const file = path.join(dir, type);
      execFileSync('ssh-keygen', ['-q', '-t', type, '-N', '', '-f', file]);
      const blob = Buffer.from(readFileSync(`${file}.pub`, 'utf8').split(' ')[1]!, 'base64');
      const expected = execFileSync('ssh-keygen', ['-lf', `${file}.pub`], { encoding: 'utf8' }).split(' ')[1];
      assert.deepEqual(hostKeyIdentity(blob), { fingerprint: expected, algorithm: alg });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
