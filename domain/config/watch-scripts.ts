import { posix } from 'node:path';
import type { CommandOutput } from '../collectors/collector.ts';
import { CollectorParseError } from '../collectors/parse-error.ts';
import { excerptOf, splitSections } from '../collectors/sections.ts';
import { shellQuote } from '../ssh/quote.ts';

/**
 * Scripts for watching configuration files on a device in real time: discovery of what to watch, a
 * long-running inotifywait over the containing directories, and a hash scan that catches whatever the
 * watch missed (a dropped connection, a directory created later). All POSIX sh, for GNU and busybox
 * userlands alike, run as the device's SSH user: whatever that user may not read is skipped, never fatal.
 */

const DATA_TYPE = 'config';

/**
 * First line of each config script, naming what it does the way collection scripts name their data
 * type, so logs, traces and the fleet simulator can tell the scripts apart without reading their bodies.
 */
export const CONFIG_MARKERS = {
  discover: '# infrastructor config discover',
  'hash-scan': '# infrastructor config hash-scan',
  watch: '# infrastructor config watch',
  read: '# infrastructor config read',
} as const;

export type ConfigScriptKind = keyof typeof CONFIG_MARKERS;

/**
 * Explicit files, and directories whose files matching a pattern are watched (non-recursive).
 * Patterns are shell globs matched against the file name the way `find -name` and `case` do: `*` also
 * matches a leading dot, so `*` in a compose directory covers its `.env`.
 */
export interface WatchTargets {
  files: string[];
  directories: Array<{ path: string; patterns: string[] }>;
}

// ---------------------------------------------------------------------------------------------------
// Glob patterns: one tokenizer for the shell side (`case` patterns, find roots) and the TypeScript side
// (event filtering), so both agree on what a pattern matches.

type GlobToken =
  | { kind: 'star' }
  | { kind: 'any' }
  | { kind: 'class'; negated: boolean; members: string }
  | { kind: 'literal'; text: string };

/** Bracket expressions are limited to letters, digits and `._-` ranges: the subset shells and RegExp read alike. */
const CLASS_MEMBERS = /^[A-Za-z0-9._-]+$/;

function globTokens(pattern: string): GlobToken[] {
  const tokens: GlobToken[] = [];
  let literal = '';
  const flushLiteral = () => {
    if (literal) tokens.push({ kind: 'literal', text: literal });
    literal = '';
  };
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern.charAt(i);
    if (c === '*' || c === '?') {
      flushLiteral();
      tokens.push({ kind: c === '*' ? 'star' : 'any' });
    } else if (c === '[') {
      const negated = pattern.charAt(i + 1) === '!';
      const close = pattern.indexOf(']', i + (negated ? 2 : 1));
      const members = close < 0 ? '' : pattern.slice(i + (negated ? 2 : 1), close);
      if (!CLASS_MEMBERS.test(members))
        throw new Error(`unsupported bracket expression in pattern ${JSON.stringify(pattern)}`);
      flushLiteral();
      tokens.push({ kind: 'class', negated, members });
      i = close;
    } else {
      literal += c;
    }
  }
  flushLiteral();
  return tokens;
}

/** The pattern as a shell word: wildcards bare, every literal part quoted, so no pattern can inject shell code. */
function shellGlob(pattern: string): string {
  return globTokens(pattern)
    .map((t) => {
      switch (t.kind) {
        case 'star':
          return '*';
        case 'any':
          return '?';
        case 'class':
          return `[${t.negated ? '!' : ''}${t.members}]`;
        case 'literal':
          return shellQuote(t.text);
      }
    })
    .join('');
}

const compiledPatterns = new Map<string, RegExp>();

function globRegExp(pattern: string): RegExp {
  let re = compiledPatterns.get(pattern);
  if (!re) {
    const source = globTokens(pattern)
      .map((t) => {
        switch (t.kind) {
          case 'star':
            return '.*';
          case 'any':
            return '.';
          case 'class':
            return `[${t.negated ? '^' : ''}${t.members}]`;
          case 'literal':
            return t.text.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
        }
      })
      .join('');
    re = new RegExp(`^${source}$`, 's');
    compiledPatterns.set(pattern, re);
  }
  return re;
}

function matchesAny(patterns: readonly string[], name: string): boolean {
  return patterns.some((p) => globRegExp(p).test(name));
}

/**
 * Names editors and tools write next to the file they save (swap and backup files, vim's `4913` probe,
 * GNU sed -i's `sedXXXXXX`, dpkg's leftovers): never configuration, and noisy during every save.
 */
const TEMPORARY_NAME_PATTERNS = [
  '*.swp',
  '*.swx',
  '.*.sw?',
  '*~',
  '.#*',
  '*.tmp',
  '*.dpkg-*',
  '*.bak',
  '4913',
  `sed${'[A-Za-z0-9]'.repeat(6)}`,
];

function isTemporaryName(name: string): boolean {
  return matchesAny(TEMPORARY_NAME_PATTERNS, name);
}

// ---------------------------------------------------------------------------------------------------
// Paths

/** Scripts and their outputs are line-based: a path that is not absolute or holds a newline cannot be carried. */
function checkPath(path: string): string {
  if (!path.startsWith('/') || path.includes('\n')) throw new Error(`not a watchable path: ${JSON.stringify(path)}`);
  return path;
}

function checkPattern(pattern: string): string {
  if (pattern === '' || pattern.includes('/') || pattern.includes('\n'))
    throw new Error(`not a file name pattern: ${JSON.stringify(pattern)}`);
  globTokens(pattern);
  return pattern;
}

/** `/a/b/` and `/a/b` are one directory; inotifywait reports `%w` as the path given plus one slash. */
function directoryPath(path: string): string {
  return checkPath(path).replace(/\/+$/, '') || '/';
}

function checkedTargets(targets: WatchTargets): WatchTargets {
  return {
    files: targets.files.map(checkPath),
    directories: targets.directories.map((d) => ({
      path: directoryPath(d.path),
      patterns: d.patterns.map(checkPattern),
    })),
  };
}

function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function sortedUnique(values: Iterable<string>): string[] {
  return [...new Set(values)].sort(byCodeUnits);
}

function inWatchedDirectory(directories: WatchTargets['directories'], path: string): boolean {
  const dir = posix.dirname(path);
  const name = posix.basename(path);
  return !isTemporaryName(name) && directories.some((d) => d.path === dir && matchesAny(d.patterns, name));
}

// ---------------------------------------------------------------------------------------------------
// Discovery

/** Where compose projects and SWAG/nginx proxy configurations usually live. `*` segments are globbed on the device. */
export interface DiscoveryRoots {
  compose: readonly string[];
  nginx: readonly string[];
}

export const DISCOVERY_ROOTS: DiscoveryRoots = {
  compose: ['/opt', '/srv', '/docker', '/mnt/user/appdata', '/mnt/*/appdata', '/home/*/docker'],
  nginx: ['/config', '/opt', '/srv', '/docker', '/mnt/user/appdata', '/mnt/*/appdata'],
};

const COMPOSE_FILE_NAMES = [
  'docker-compose.yml',
  'docker-compose.yaml',
  'compose.yml',
  'compose.yaml',
  'docker-compose.*.yml',
  'docker-compose.*.yaml',
  'compose.*.yml',
  'compose.*.yaml',
];
const COMPOSE_MAX_DEPTH = 3;
const NGINX_CONF_DIRECTORIES = ['*/nginx/proxy-confs', '*/nginx/site-confs'];
const NGINX_MAX_DEPTH = 5;
const SYSTEMD_UNIT_PATTERNS = ['*.mount', '*.path', '*.service', '*.socket', '*.timer'];

/** Each discovery section lists directories whose files matching these patterns are watched. */
const DIRECTORY_SECTIONS: Readonly<Record<string, readonly string[]>> = {
  'conf-dirs': ['*.conf'],
  'all-dirs': ['*'],
  'unit-dirs': SYSTEMD_UNIT_PATTERNS,
};

// find below every existing root once (the glob /mnt/*/appdata yields /mnt/user/appdata again), never into
// .git or node_modules, never printing a name with a newline (the answer is line-based).
function findBelowRoots(roots: readonly string[], maxDepth: number, test: string): string[] {
  return [
    'seen=',
    `for root in ${roots.map(shellGlob).join(' ')}; do`,
    '  [ -d "$root" ] || continue',
    '  case "$nl$seen$nl" in *"$nl$root$nl"*) continue;; esac',
    '  seen="$seen$nl$root"',
    `  find -H "$root" -maxdepth ${maxDepth} \\( -name .git -o -name node_modules \\) -prune -o ${test} ! -path "*$nl*" -print 2>/dev/null`,
    'done',
  ];
}

function nameAlternatives(option: '-name' | '-path', patterns: readonly string[]): string {
  return `\\( ${patterns.map((p) => `${option} ${shellQuote(p)}`).join(' -o ')} \\)`;
}

const printIfDirectory = (path: string) => `[ -d ${shellQuote(path)} ] && printf '%s\\n' ${shellQuote(path)}`;

/**
 * Lists what to watch. `userPaths` are absolute paths the caller validated: an existing directory is
 * watched whole, anything else as a file, even when missing, so that its creation is seen.
 * `roots` is overridable so tests can point the searches at a prepared tree.
 */
export function discoveryScript(userPaths: readonly string[], roots: DiscoveryRoots = DISCOVERY_ROOTS): string {
  const users = userPaths.map((p) => shellQuote(directoryPath(p))).join(' ');
  return [
    CONFIG_MARKERS.discover,
    `nl='\n'`,
    'echo @@files',
    'if command -v docker >/dev/null 2>&1; then',
    // Compose records the files each container was created from; a hung daemon must not stall discovery.
    `  timeout 10 docker ps -a --format '{{.Label "com.docker.compose.project.config_files"}}' 2>/dev/null | tr ',' '\\n' | while IFS= read -r f; do`,
    `    case $f in /*) [ -f "$f" ] && printf '%s\\n' "$f";; esac`,
    '  done',
    'fi',
    ...findBelowRoots(roots.compose, COMPOSE_MAX_DEPTH, `-type f ${nameAlternatives('-name', COMPOSE_FILE_NAMES)}`),
    `[ -f /etc/nginx/nginx.conf ] && echo /etc/nginx/nginx.conf`,
    `for p in ${users}; do [ -d "$p" ] || printf '%s\\n' "$p"; done`,
    'echo @@conf-dirs',
    ...findBelowRoots(roots.nginx, NGINX_MAX_DEPTH, `-type d ${nameAlternatives('-path', NGINX_CONF_DIRECTORIES)}`),
    printIfDirectory('/etc/nginx/conf.d'),
    'echo @@all-dirs',
    printIfDirectory('/etc/nginx/sites-enabled'),
    printIfDirectory('/etc/nginx/sites-available'),
    `for p in ${users}; do [ -d "$p" ] && printf '%s\\n' "$p"; done`,
    'echo @@unit-dirs',
    printIfDirectory('/etc/systemd/system'),
    'echo @@end',
  ].join('\n');
}

function absoluteLines(lines: readonly string[]): string[] {
  for (const line of lines) {
    if (!line.startsWith('/'))
      throw new CollectorParseError(DATA_TYPE, 'discovery listed a path that is not absolute', excerptOf(line));
  }
  return [...lines];
}

export function parseDiscovery(output: CommandOutput): WatchTargets {
  const sections = splitSections(DATA_TYPE, output);
  const patternsByDirectory = new Map<string, Set<string>>();
  for (const [section, patterns] of Object.entries(DIRECTORY_SECTIONS)) {
    for (const line of absoluteLines(sections.lines(section))) {
      const path = directoryPath(line);
      const set = patternsByDirectory.get(path) ?? new Set<string>();
      for (const p of patterns) set.add(p);
      patternsByDirectory.set(path, set);
    }
  }
  const directories = [...patternsByDirectory]
    .sort(([a], [b]) => byCodeUnits(a, b))
    // `*` already covers every other pattern of that directory.
    .map(([path, set]) => ({ path, patterns: set.has('*') ? ['*'] : sortedUnique(set) }));
  const files = sortedUnique(absoluteLines(sections.lines('files'))).filter((f) => !inWatchedDirectory(directories, f));
  return { files, directories };
}

// ---------------------------------------------------------------------------------------------------
// The watch

/**
 * The directories to watch: the watched directories and the parents of explicit files, since editors
 * save by renaming a new file over the old one, and a watch on the old inode would see nothing after.
 */
function watchedDirectories(targets: WatchTargets): string[] {
  return sortedUnique([...targets.directories.map((d) => d.path), ...targets.files.map((f) => posix.dirname(f))]);
}

const WATCH_EVENTS = 'close_write,moved_to,moved_from,delete,create';

/**
 * A long-running script: inotifywait's events and messages, one per line, on stdout.
 * Only existing, readable directories are passed on: inotifywait gives up entirely on the first one it
 * cannot watch. inotifywait must never outlive the SSH channel, so it runs under a watcher subshell
 * while the script waits on `cat` reading stdin, whose end means the channel is gone; the EXIT trap
 * (reached from HUP/INT/TERM too) then stops the watcher, whose own trap kills inotifywait. `$!` in
 * the traps covers a signal arriving between a fork and the assignment of its pid. When inotifywait
 * stops by itself, `@@exited STATUS` tells the reader to close the channel, which ends `cat`.
 */
export function watchScript(targets: WatchTargets): string {
  const directories = watchedDirectories(checkedTargets(targets));
  return [
    CONFIG_MARKERS.watch,
    'command -v inotifywait >/dev/null 2>&1 || { echo @@no-inotifywait; exit 0; }',
    'set --',
    `for d in ${directories.map(shellQuote).join(' ')}; do`,
    '  if [ -d "$d" ] && [ -r "$d" ]; then set -- "$@" "$d"; fi',
    'done',
    '[ $# -gt 0 ] || { echo @@no-directories; exit 0; }',
    'watcher=',
    `trap 'kill $watcher $! 2>/dev/null' EXIT`,
    `trap 'exit 129' HUP; trap 'exit 130' INT; trap 'exit 143' TERM`,
    // Background jobs get /dev/null as stdin, so the channel's stdin is kept on fd 3 for cat.
    'exec 3<&0',
    '(',
    `  trap 'kill $! 2>/dev/null; exit 143' HUP INT TERM`,
    `  inotifywait -m -e ${WATCH_EVENTS} --format '%e|%w%f' -- "$@" </dev/null 2>&1 &`,
    '  wait $!',
    '  echo "@@exited $?"',
    ') 3<&- &',
    'watcher=$!',
    // Waiting on a background cat, not a foreground one, lets a signal to this shell act at once.
    'cat <&3 >/dev/null 2>&1 3<&- &',
    'wait $!',
  ].join('\n');
}

export type WatchLine =
  | { type: 'ready' }
  | { type: 'event'; events: string[]; path: string }
  | { type: 'exited'; status: number }
  | { type: 'no_inotifywait' }
  | { type: 'no_directories' }
  | { type: 'error'; message: string; limitReached: boolean; permissionDenied: boolean }
  | { type: 'other'; text: string };

/** inotifywait's own complaints, including the advice lines that follow a limit being reached. */
const INOTIFYWAIT_ERROR =
  /^(Couldn't |Failed to |Error |No files specified|Stat failed|Please increase the amount of |Try increasing the value of |'.*' is not a valid)/;
const LIMIT_REACHED = /upper limit on|max_user_(watches|instances)|Too many open files/;

export function parseWatchLine(line: string): WatchLine {
  const text = line.endsWith('\r') ? line.slice(0, -1) : line;
  if (text === 'Watches established.') return { type: 'ready' };
  if (text === '@@no-inotifywait') return { type: 'no_inotifywait' };
  if (text === '@@no-directories') return { type: 'no_directories' };
  const exited = /^@@exited (\d+)$/.exec(text);
  if (exited) return { type: 'exited', status: Number(exited[1]) };
  const event = /^([A-Z_]+(?:,[A-Z_]+)*)\|(\/.*)$/s.exec(text);
  if (event?.[1] && event[2]) return { type: 'event', events: event[1].split(','), path: event[2] };
  if (INOTIFYWAIT_ERROR.test(text)) {
    return {
      type: 'error',
      message: text,
      limitReached: LIMIT_REACHED.test(text),
      permissionDenied: /Permission denied/.test(text),
    };
  }
  return { type: 'other', text };
}

/** `CREATE,ISDIR` and the like concern a directory, never a watched file. */
export function isDirectoryEvent(events: readonly string[]): boolean {
  return events.includes('ISDIR');
}

/** Whether an event's path is a watched file: an explicit one, or a non-temporary match in a watched directory. */
export function isWatchedFile(targets: WatchTargets, path: string): boolean {
  if (targets.files.includes(path)) return true;
  return inWatchedDirectory(
    targets.directories.map((d) => ({ path: directoryPath(d.path), patterns: d.patterns })),
    path,
  );
}

// ---------------------------------------------------------------------------------------------------
// The hash scan

/**
 * sha256 of every watched file present now (regular files or links to them). sha256sum reads stdin, so
 * GNU's backslash-escaping of odd names never applies and busybox prints the same. A file that exists
 * but cannot be read is listed as `unreadable PATH`, the scan goes on.
 */
export function hashScanScript(targets: WatchTargets): string {
  const { files, directories } = checkedTargets(targets);
  const temporary = TEMPORARY_NAME_PATTERNS.map(shellGlob).join('|');
  return [
    CONFIG_MARKERS['hash-scan'],
    `nl='\n'`,
    'hash_file() {',
    '  case $1 in *"$nl"*) return 0;; esac',
    '  [ -f "$1" ] || return 0',
    `  if sum=$( { sha256sum <"$1"; } 2>/dev/null ); then printf '%s %s\\n' "\${sum%% *}" "$1"`,
    `  else printf 'unreadable %s\\n' "$1"; fi`,
    '}',
    'echo @@hashes',
    ...files.map((f) => `hash_file ${shellQuote(f)}`),
    ...directories.flatMap((d) => [
      // `/` as the directory would otherwise give `//name`.
      `d=${shellQuote(d.path === '/' ? '' : d.path)}`,
      // The three globs list every entry, hidden ones included, as `find -name` would.
      'for f in "$d"/* "$d"/.[!.]* "$d"/..?*; do',
      `  case \${f##*/} in ${temporary}) continue;; esac`,
      `  case \${f##*/} in ${d.patterns.map(shellGlob).join('|')}) hash_file "$f";; esac`,
      'done',
    ]),
    'echo @@end',
  ].join('\n');
}

export interface HashScan {
  hashes: Map<string, string>;
  unreadable: string[];
}

export function parseHashScanResult(output: CommandOutput): HashScan {
  const hashes = new Map<string, string>();
  const unreadable = new Set<string>();
  for (const line of splitSections(DATA_TYPE, output).lines('hashes')) {
    const hashed = /^([0-9a-f]{64}) (\/.*)$/s.exec(line);
    const denied = /^unreadable (\/.*)$/s.exec(line);
    if (hashed?.[1] && hashed[2]) hashes.set(hashed[2], hashed[1]);
    else if (denied?.[1]) unreadable.add(denied[1]);
    else throw new CollectorParseError(DATA_TYPE, 'unexpected line in hash scan', excerptOf(line));
  }
  return { hashes, unreadable: sortedUnique(unreadable) };
}

/** Path → sha256 hex of every watched file present and readable. */
export function parseHashScan(output: CommandOutput): Map<string, string> {
  return parseHashScanResult(output).hashes;
}

/** Watched files that exist but that the SSH user cannot read. */
export function parseHashScanUnreadable(output: CommandOutput): string[] {
  return parseHashScanResult(output).unreadable;
}
