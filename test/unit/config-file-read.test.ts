import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { CONFIG_FILE_LIMIT_BYTES, parseFileRead, readFileScript } from '../../domain/config/file-read.ts';
import { SshError } from '../../domain/ssh/errors.ts';

describe('reading a watched file byte-exact', () => {
  const dir = mkdtempSync(join(tmpdir(), 'config-read-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  const read = (path: string) => {
    const stdout = execFileSync('/bin/sh', ['-c', readFileScript(path)], { encoding: 'utf8' });
    return parseFileRead(path, { stdout, stderr: '', exitCode: 0 });
  };

  it('answers content and the sha256 of the bytes, whatever the name', () => {
    const bytes = Buffer.from('services:\n  web:\n    image: "nginx:1.27" # ü\n\n', 'utf8');
    const path = join(dir, "docker-compose it's $HOME.yml");
    writeFileSync(path, bytes);
    const result = read(path);
    assert.deepEqual(result, {
      state: 'present',
      content: bytes.toString('utf8'),
      sha256: createHash('sha256').update(bytes).digest('hex'),
      sizeBytes: bytes.length,
    });
  });

  it('an empty file is present with the hash of nothing', () => {
    const path = join(dir, 'empty.conf');
    writeFileSync(path, '');
    assert.deepEqual(read(path), {
      state: 'present',
      content: '',
      sha256: createHash('sha256').digest('hex'),
      sizeBytes: 0,
    });
  });

  it('absent, a directory, and a file over the limit are told apart', () => {
    assert.deepEqual(read(join(dir, 'gone.yml')), { state: 'absent' });
    assert.deepEqual(read(dir), { state: 'not_regular' });
    const big = join(dir, 'big.conf');
    writeFileSync(big, Buffer.alloc(CONFIG_FILE_LIMIT_BYTES + 1, 0x61));
    assert.deepEqual(read(big), { state: 'too_large', sizeBytes: CONFIG_FILE_LIMIT_BYTES + 1 });
  });

  it('a read cut short or refused is an error, never a changed file', () => {
    const cut = '@@size\n10\n@@content\nYWJj\n@@end\n';
    assert.throws(
      () => parseFileRead('/x', { stdout: cut, stderr: '', exitCode: 0 }),
      (e: unknown) => e instanceof SshError && e.retryable && /read 3 bytes, expected 10/.test(e.message),
    );
    assert.throws(
      () => parseFileRead('/x', { stdout: '@@size\n10\n@@content\n', stderr: '', exitCode: 0 }),
      /output truncated/,
    );
    assert.throws(
      () =>
        parseFileRead('/etc/shadow', {
          stdout: '@@size\n10\n@@content\n',
          stderr: 'sh: 1: cannot open /etc/shadow: Permission denied\n',
          exitCode: 3,
        }),
      (e: unknown) => e instanceof SshError && e.code === 'permission_denied' && !e.retryable,
    );
  });
});
