import { createHash } from 'node:crypto';
import type { CommandOutput } from '../collectors/collector.ts';
import { splitSections } from '../collectors/sections.ts';
import { SshError } from '../ssh/errors.ts';
import { shellQuote } from '../ssh/quote.ts';
import { CONFIG_MARKERS } from './watch-scripts.ts';

/**
 * Reading one watched file over SSH, byte-exact: base64 on the device (coreutils and busybox both have
 * it), decoded and hashed here, so the hash is of the file's bytes and never of a re-encoded text.
 */

/** Configuration files are small; anything bigger is recorded as too large, not stored. */
export const CONFIG_FILE_LIMIT_BYTES = 1024 * 1024;

export type FileReadResult =
  | { state: 'present'; content: string; sha256: string; sizeBytes: number }
  | { state: 'absent' }
  | { state: 'too_large'; sizeBytes: number }
  | { state: 'not_regular' };

export function readFileScript(path: string): string {
  const file = shellQuote(path);
  return [
    CONFIG_MARKERS.read,
    `f=${file}`,
    'if [ -f "$f" ]; then',
    '  size=$(wc -c < "$f") || exit 3',
    '  echo @@size; echo $size',
    `  if [ "$size" -gt ${CONFIG_FILE_LIMIT_BYTES} ]; then echo @@too-large; else echo @@content; base64 < "$f" || exit 3; fi`,
    'elif [ -e "$f" ]; then echo @@not-regular',
    'else echo @@absent; fi',
    'echo @@end',
  ].join('\n');
}

export function parseFileRead(path: string, output: CommandOutput): FileReadResult {
  if (output.exitCode === 3 || /permission denied/i.test(output.stderr)) {
    throw new SshError(
      'permission_denied',
      `cannot read ${path}: ${output.stderr.trim().split('\n')[0] ?? 'permission denied'}`,
    );
  }
  const sections = splitSections('config', output);
  if (sections.has('absent')) return { state: 'absent' };
  if (sections.has('not-regular')) return { state: 'not_regular' };
  const sizeBytes = Number(sections.nonEmptyLines('size')[0]?.trim());
  if (!Number.isSafeInteger(sizeBytes)) throw new SshError('parse_error', `size of ${path} unreadable`);
  if (sections.has('too-large')) return { state: 'too_large', sizeBytes };
  const bytes = Buffer.from(sections.lines('content').join(''), 'base64');
  // The file changed between wc and base64, or the answer was cut: the next event reads it again.
  if (bytes.length !== sizeBytes)
    throw new SshError('unknown', `${path}: read ${bytes.length} bytes, expected ${sizeBytes}`);
  return {
    state: 'present',
    content: bytes.toString('utf8'),
    sha256: createHash('sha256').update(bytes).digest('hex'),
    sizeBytes,
  };
}
