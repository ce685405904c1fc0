import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { posixShellCommand, shellQuote } from '../../domain/ssh/quote.ts';

const hostile = [
  'plain',
  "it's",
  '$(touch /tmp/pwned)',
  '`id`',
  'a; rm -rf /',
  '"double" and \\ backslash',
  'new\nline',
  "''",
  '*',
  '-n',
  '',
];

test('every quoted string reaches the program as exactly one, unchanged argument', () => {
  for (const value of hostile) {
    const out = execFileSync('sh', ['-c', `printf '%s' ${shellQuote(value)}`], { encoding: 'utf8' });
    assert.equal(out, value);
  }
});

test('NUL bytes are refused rather than silently cut', () => {
  assert.throws(() => shellQuote('a\0b'), /NUL/);
});

test('posixShellCommand runs the script under sh whatever the login shell', () => {
  const script = `x='a b'; printf '%s|' "$x" "it's"`;
  const out = execFileSync('bash', ['-c', posixShellCommand(script)], { encoding: 'utf8' });
  assert.equal(out, "a b|it's|");
});

test('device scripts also look in the sbin and /usr/local directories a short SSH PATH misses', () => {
  const out = execFileSync('/bin/sh', ['-c', posixShellCommand('printf %s "$PATH"')], {
    encoding: 'utf8',
    env: { PATH: '/bin' },
  });
  assert.ok(out.startsWith('/bin:'), 'the device PATH comes first');
  for (const dir of ['/usr/local/bin', '/usr/sbin', '/sbin']) assert.ok(out.split(':').includes(dir), dir);
});
