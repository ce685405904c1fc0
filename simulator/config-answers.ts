import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import type { ConfigScriptKind } from '../domain/config/watch-scripts.ts';
import type { Answer } from './commands.ts';
import {
  configEditsBetween,
  configFiles,
  isConfigDirectory,
  proxyConfDirectory,
  UNIT_DIRECTORY,
} from './config-files.ts';
import type { DeviceModel } from './model.ts';
import type { DeviceProfile } from './profile.ts';
import { words } from './shell-words.ts';

/**
 * What a simulated device prints for the config watcher's scripts (domain/config/watch-scripts.ts
 * and file-read.ts), over the files of config-files.ts: exactly the sections the real scripts print on
 * a host holding those files. The scripts' arguments (paths, directories) are read from the lines the
 * scripts quote them on.
 */

const COMPOSE_FILE_NAME = /^(docker-)?compose(\.[^/]*)?\.ya?ml$/;
const CONFIG_FILES_LABEL = 'com.docker.compose.project.config_files';

const ok = (stdout: string): Answer => ({ stdout, stderr: '', exitCode: 0 });

/** Words of each line of the script, as sh splits them. */
function scriptLines(script: string): string[][] {
  return script.split('\n').map((line) => words(line));
}

/** The values of a `for NAME in VALUES; do` loop: the first one over `name`. */
function loopValues(lines: readonly string[][], name: string): string[] {
  const loop = lines.find((w) => w[0] === 'for' && w[1] === name && w[2] === 'in');
  return loop ? loop.slice(3) : [];
}

/** Values of the script's `NAME=VALUE` lines. */
function assignments(lines: readonly string[][], name: string): string[] {
  return lines
    .filter((w) => w.length === 1 && w[0]?.startsWith(`${name}=`))
    .map((w) => (w[0] ?? '').slice(name.length + 1));
}

function sha256(content: string): string {
  return createHash('sha256').update(content).digest('hex');
}

/** discoveryScript: compose files from the containers' labels and from find, SWAG's proxy-confs, the users' paths, the unit directory. */
function discover(model: DeviceModel, lines: readonly string[][], t: number): Answer {
  const { profile } = model;
  const files = configFiles(profile, t);
  const userPaths = loopValues(lines, 'p');
  // docker ps lists each container's file, so a project's file comes once per container, as on a real host.
  const labelled = profile.capabilities.docker
    ? model.containers
        .filter((c) => !c.removed)
        .flatMap((c) => (c.spec.labels[CONFIG_FILES_LABEL] ?? '').split(','))
        .filter((f) => files.has(f))
    : [];
  const found = [...files.keys()].filter((f) => COMPOSE_FILE_NAME.test(posix.basename(f)));
  const confDir = proxyConfDirectory(profile);
  return ok(
    [
      '@@files',
      ...labelled,
      ...found,
      ...userPaths.filter((p) => !isConfigDirectory(profile, p)),
      '@@conf-dirs',
      ...(confDir ? [confDir] : []),
      '@@all-dirs',
      ...userPaths.filter((p) => isConfigDirectory(profile, p)),
      '@@unit-dirs',
      ...(isConfigDirectory(profile, UNIT_DIRECTORY) ? [UNIT_DIRECTORY] : []),
      '@@end',
      '',
    ].join('\n'),
  );
}

/**
 * hashScanScript: the explicit files that exist, and the files in each listed directory. Every simulated
 * file matches the patterns discovery gives its directory, so the patterns need not be read.
 */
function hashScan(profile: DeviceProfile, lines: readonly string[][], t: number): Answer {
  const files = configFiles(profile, t);
  const explicit = lines.filter((w) => w.length === 2 && w[0] === 'hash_file').map((w) => w[1] ?? '');
  // `d=''` stands for the root directory.
  const directories = assignments(lines, 'd').map((d) => d || '/');
  const inDirectories = directories.flatMap((d) => [...files.keys()].filter((f) => posix.dirname(f) === d).sort());
  const hashed = [...explicit, ...inDirectories].flatMap((path) => {
    const content = files.get(path);
    return content === undefined ? [] : [`${sha256(content)} ${path}`];
  });
  return ok(['@@hashes', ...hashed, '@@end', ''].join('\n'));
}

/** coreutils base64 wraps its output at 76 columns. */
function base64Lines(content: string): string[] {
  const encoded = Buffer.from(content, 'utf8').toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < encoded.length; i += 76) lines.push(encoded.slice(i, i + 76));
  return lines;
}

/** readFileScript: size and base64 content of a file, `@@not-regular` for a directory, `@@absent` otherwise. */
function readFile(profile: DeviceProfile, lines: readonly string[][], t: number): Answer {
  const [path = ''] = assignments(lines, 'f');
  const content = configFiles(profile, t).get(path);
  if (content !== undefined) {
    return ok(
      ['@@size', String(Buffer.byteLength(content, 'utf8')), '@@content', ...base64Lines(content), '@@end', ''].join(
        '\n',
      ),
    );
  }
  return ok(`${isConfigDirectory(profile, path) ? '@@not-regular' : '@@absent'}\n@@end\n`);
}

/** The answer to a discovery, hash-scan or read script at device time `t`. */
export function configAnswer(
  model: DeviceModel,
  kind: Exclude<ConfigScriptKind, 'watch'>,
  script: string,
  t: number,
): Answer {
  const lines = scriptLines(script);
  switch (kind) {
    case 'discover':
      return discover(model, lines, t);
    case 'hash-scan':
      return hashScan(model.profile, lines, t);
    case 'read':
      return readFile(model.profile, lines, t);
  }
}

/** How a watch script starts: an answer that ends it at once, or a stream over the directories that exist. */
export type WatchOpening =
  { kind: 'answer'; answer: Answer } | { kind: 'stream'; directories: string[]; stdout: string };

export function watchOpening(profile: DeviceProfile, script: string): WatchOpening {
  if (!profile.capabilities.inotifywait) return { kind: 'answer', answer: ok('@@no-inotifywait\n') };
  const directories = loopValues(scriptLines(script), 'd').filter((d) => isConfigDirectory(profile, d));
  if (directories.length === 0) return { kind: 'answer', answer: ok('@@no-directories\n') };
  // inotifywait's own messages, which the script sends to stdout with its events.
  return { kind: 'stream', directories, stdout: 'Setting up watches.\nWatches established.\n' };
}

/** inotifywait's lines for the edits made in (from, to] to files in the watched directories: an editor saving in place. */
export function watchEvents(profile: DeviceProfile, directories: readonly string[], from: number, to: number): string {
  return configEditsBetween(profile, from, to)
    .filter((edit) => directories.includes(posix.dirname(edit.path)))
    .map((edit) => `CLOSE_WRITE,CLOSE|${edit.path}\n`)
    .join('');
}
