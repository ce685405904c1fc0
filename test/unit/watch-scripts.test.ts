import assert from 'node:assert/strict';
import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  appendFileSync,
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, describe, it } from 'node:test';
import type { CommandOutput } from '../../domain/collectors/collector.ts';
import { CollectorParseError } from '../../domain/collectors/parse-error.ts';
import { waitFor, withDeadline } from '../support/poll.ts';
import {
  discoveryScript,
  hashScanScript,
  isDirectoryEvent,
  isWatchedFile,
  parseDiscovery,
  parseHashScan,
  parseHashScanResult,
  parseHashScanUnreadable,
  parseWatchLine,
  watchScript,
  type WatchLine,
  type WatchTargets,
} from '../../domain/config/watch-scripts.ts';

const BUSYBOX = '/usr/bin/busybox';
const HAVE_BUSYBOX = existsSync(BUSYBOX);
const INOTIFYWAIT = '/usr/bin/inotifywait';
const HAVE_INOTIFYWAIT = existsSync(INOTIFYWAIT);
const IS_ROOT = process.getuid?.() === 0;

// The unprivileged-user tests need to reach what these tests create.
process.umask(0o022);
const base = mkdtempSync(join(tmpdir(), 'config-watch-'));
chmodSync(base, 0o755);
after(() => rmSync(base, { recursive: true, force: true }));

function dir(path: string): string {
  mkdirSync(path, { recursive: true });
  return path;
}

function write(path: string, content: string | Buffer = 'x\n'): string {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, content);
  return path;
}

/** A PATH directory whose tools are busybox applets, so scripts meet busybox's find, sha256sum, timeout… */
function busyboxBin(extra: Record<string, string> = {}): string {
  const bin = mkdtempSync(join(base, 'busybox-bin-'));
  for (const applet of ['sh', 'cat', 'find', 'sha256sum', 'timeout', 'tr']) symlinkSync(BUSYBOX, join(bin, applet));
  for (const [name, target] of Object.entries(extra)) symlinkSync(target, join(bin, name));
  return bin;
}

interface Shell {
  name: string;
  command: string;
  env: NodeJS.ProcessEnv;
}

const dash: Shell = { name: 'sh', command: '/bin/sh', env: process.env };
const busybox = (extraPath: string[] = [], extra: Record<string, string> = {}): Shell => ({
  name: 'busybox sh',
  command: BUSYBOX,
  env: { ...process.env, PATH: [busyboxBin(extra), ...extraPath].join(':') },
});

function run(script: string, shell: Shell = dash, extraEnv: NodeJS.ProcessEnv = {}, cwd?: string): CommandOutput {
  const args = shell.command === BUSYBOX ? ['sh', '-c', script] : ['-c', script];
  const result = spawnSync(shell.command, args, {
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...shell.env, ...extraEnv },
    cwd,
  });
  if (result.error) throw result.error;
  return { stdout: result.stdout, stderr: result.stderr, exitCode: result.status };
}

function runAsNobody(script: string, cwd?: string): CommandOutput {
  const result = spawnSync('su', ['-s', '/bin/sh', 'nobody', '-c', script], { encoding: 'utf8', timeout: 60_000, cwd });
  if (result.error) throw result.error;
  return { stdout: result.stdout, stderr: result.stderr, exitCode: result.status };
}

const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

/** The part of discovered targets under `root`: the rest depends on what this machine has in /etc. */
function within(targets: WatchTargets, root: string): WatchTargets {
  return {
    files: targets.files.filter((f) => f.startsWith(`${root}/`)),
    directories: targets.directories.filter((d) => d.path.startsWith(`${root}/`)),
  };
}

function assertWellFormed(targets: WatchTargets): void {
  const sorted = (values: string[]) => [...new Set(values)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  assert.deepEqual(targets.files, sorted(targets.files), 'files sorted and unique');
  const dirPaths = targets.directories.map((d) => d.path);
  assert.deepEqual(dirPaths, sorted(dirPaths), 'directories sorted and unique');
  for (const path of [...targets.files, ...dirPaths]) assert.ok(path.startsWith('/'), path);
  for (const d of targets.directories) assert.deepEqual(d.patterns, sorted(d.patterns), d.path);
  const withoutFiles = { files: [], directories: targets.directories };
  for (const f of targets.files) assert.ok(!isWatchedFile(withoutFiles, f), `${f} is already covered by its directory`);
}

describe('discovery', () => {
  const root = dir(join(base, 'discovery'));
  const composeRoot = dir(join(base, 'discovery', 'compose-root'));
  const appdata = dir(join(base, 'discovery', 'appdata'));
  const user = dir(join(base, 'discovery', 'user'));
  const labels = dir(join(base, 'discovery', 'labels'));
  const bin = dir(join(base, 'discovery', 'bin'));

  const expectedCompose = [
    write(join(composeRoot, 'app1', 'docker-compose.yml')),
    write(join(composeRoot, 'app1', 'docker-compose.override.yml')),
    write(join(composeRoot, 'app2', 'compose.yaml')),
    write(join(composeRoot, 'a', 'b', 'docker-compose.yaml')),
  ];
  write(join(composeRoot, 'a', 'b', 'c', 'docker-compose.yml')); // depth 4: too deep
  write(join(composeRoot, 'app3', '.git', 'docker-compose.yml'));
  write(join(composeRoot, 'app3', 'node_modules', 'compose.yml'));
  write(join(composeRoot, 'app1', 'docker-compose.yml.orig'));
  const proxyConfs = dir(join(base, 'discovery', 'appdata', 'swag', 'nginx', 'proxy-confs'));
  const siteConfs = dir(join(base, 'discovery', 'appdata', 'swag', 'nginx', 'site-confs'));
  dir(join(base, 'discovery', 'appdata', 'other', 'nginx', 'conf'));
  const userDir = dir(join(base, 'discovery', 'user', 'stack'));
  const userFile = write(join(user, 'extra.yml'));
  const userMissing = join(user, 'not-yet.yml');
  const insideUserDir = write(join(userDir, 'inside.yml'));
  const labelled = write(join(labels, 'project', 'docker-compose.yml'));
  const labelledOverride = write(join(labels, 'project', 'docker-compose.prod.yml'));
  dir(join(base, 'discovery', 'labels', 'a-directory'));
  const dockerArgs = join(root, 'docker-args');
  // A stand-in docker CLI: prints the label values of four containers, one without compose.
  write(
    join(bin, 'docker'),
    [
      '#!/bin/sh',
      `printf '%s\\n' "$@" > '${dockerArgs}'`,
      `printf '%s\\n' '${labelled},${labelledOverride}' '' '${join(labels, 'gone.yml')}' 'relative/compose.yml' '${join(labels, 'a-directory')}'`,
    ].join('\n'),
  );
  chmodSync(join(bin, 'docker'), 0o755);

  const roots = { compose: [`${root}/compose-*`, composeRoot, join(root, 'missing-root')], nginx: [appdata] };
  const userPaths = [`${userDir}/`, userFile, userMissing, insideUserDir];
  const expected: WatchTargets = {
    files: [...expectedCompose, labelled, labelledOverride, userFile, userMissing].sort(),
    directories: [
      { path: proxyConfs, patterns: ['*.conf'] },
      { path: siteConfs, patterns: ['*.conf'] },
      { path: userDir, patterns: ['*'] },
    ].sort((a, b) => (a.path < b.path ? -1 : 1)),
  };

  it('finds compose files (labels and roots), SWAG conf directories and user paths', () => {
    const output = run(discoveryScript(userPaths, roots), dash, { PATH: `${bin}:${process.env.PATH ?? ''}` });
    const targets = parseDiscovery(output);
    assertWellFormed(targets);
    assert.deepEqual(within(targets, root), expected);
    assert.deepEqual(readFileSync(dockerArgs, 'utf8').split('\n').filter(Boolean), [
      'ps',
      '-a',
      '--format',
      '{{.Label "com.docker.compose.project.config_files"}}',
    ]);
    const fileLines =
      output.stdout
        .split('@@conf-dirs')[0]
        ?.split('\n')
        .filter((l) => l.startsWith('/')) ?? [];
    assert.equal(
      new Set(fileLines).size,
      fileLines.length,
      'a root reached twice (a glob and its literal) is searched once',
    );
  });

  it('busybox find, tr and timeout give the same answer', { skip: !HAVE_BUSYBOX && 'no busybox' }, () => {
    const targets = parseDiscovery(run(discoveryScript(userPaths, roots), busybox([bin])));
    assert.deepEqual(within(targets, root), expected);
  });

  it('with the default roots, user paths are listed and system directories get their patterns', () => {
    const targets = parseDiscovery(run(discoveryScript([userDir, userFile, userMissing])));
    assertWellFormed(targets);
    assert.ok(targets.files.includes(userFile) && targets.files.includes(userMissing));
    assert.deepEqual(
      targets.directories.find((d) => d.path === userDir),
      { path: userDir, patterns: ['*'] },
    );
    if (existsSync('/etc/systemd/system')) {
      assert.deepEqual(targets.directories.find((d) => d.path === '/etc/systemd/system')?.patterns, [
        '*.mount',
        '*.path',
        '*.service',
        '*.socket',
        '*.timer',
      ]);
    }
  });

  it('parses a recorded busybox answer: merged, deduplicated, covered files dropped', () => {
    const stdout = [
      'motd banner',
      '@@files',
      '/mnt/user/appdata/app/docker-compose.yml',
      '/mnt/user/appdata/app/docker-compose.yml',
      '/etc/nginx/nginx.conf',
      '/config/nginx/proxy-confs/app.subdomain.conf',
      '/config/nginx/proxy-confs/app.subdomain.conf.sample',
      '/srv/stack/.env',
      '@@conf-dirs',
      '/config/nginx/proxy-confs/',
      '/srv/stack',
      '@@all-dirs',
      '/srv/stack',
      '@@unit-dirs',
      '/etc/systemd/system\r',
      '@@end',
      '',
    ].join('\n');
    assert.deepEqual(parseDiscovery({ stdout, stderr: '', exitCode: 0 }), {
      files: [
        '/config/nginx/proxy-confs/app.subdomain.conf.sample',
        '/etc/nginx/nginx.conf',
        '/mnt/user/appdata/app/docker-compose.yml',
      ],
      directories: [
        { path: '/config/nginx/proxy-confs', patterns: ['*.conf'] },
        { path: '/etc/systemd/system', patterns: ['*.mount', '*.path', '*.service', '*.socket', '*.timer'] },
        { path: '/srv/stack', patterns: ['*'] },
      ],
    });
  });

  it('a cut or malformed answer is a parse error, never "nothing to watch"', () => {
    const isConfigParseError = (e: unknown) => e instanceof CollectorParseError && e.dataType === 'config';
    assert.throws(
      () => parseDiscovery({ stdout: '@@files\n/opt/a/compose.yml\n@@conf-dirs\n', stderr: '', exitCode: null }),
      isConfigParseError,
    );
    assert.throws(
      () =>
        parseDiscovery({
          stdout: '@@files\nrelative.yml\n@@conf-dirs\n@@all-dirs\n@@unit-dirs\n@@end\n',
          stderr: '',
          exitCode: 0,
        }),
      isConfigParseError,
    );
    assert.throws(
      () => parseDiscovery({ stdout: '@@files\n@@conf-dirs\n@@end\n', stderr: '', exitCode: 0 }),
      /all-dirs is missing/,
    );
  });

  it('refuses paths a line-based answer cannot carry', () => {
    assert.throws(() => discoveryScript(['relative/path']), /not a watchable path/);
    assert.throws(() => discoveryScript(['/etc/new\nline']), /not a watchable path/);
  });
});

// ---------------------------------------------------------------------------------------------------

const TIMEOUT_MS = 5000;

/** Processes whose command line mentions `text` (pgrep -f), other than pgrep itself. */
function processesMentioning(text: string): number[] {
  const result = spawnSync('pgrep', ['-f', text], { encoding: 'utf8', timeout: 10_000 });
  return result.stdout.split('\n').filter(Boolean).map(Number);
}

async function waitUntilNoProcessMentions(text: string): Promise<void> {
  await waitFor(
    `no process left watching ${text}`,
    () => spawnSync('pgrep', ['-af', text], { encoding: 'utf8', timeout: 10_000 }).stdout,
    {
      until: (left) => left === '',
      timeoutMs: TIMEOUT_MS,
      intervalMs: 50,
    },
  );
}

/** A running watch script, as the activity sees it: parsed stdout lines, stdin as the channel. */
class WatchSession {
  readonly lines: WatchLine[] = [];
  readonly closed: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private listeners = new Set<() => void>();
  private readonly child: ChildProcessWithoutNullStreams;

  constructor(command: string, args: string[], env: NodeJS.ProcessEnv = process.env) {
    this.child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], env });
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      this.lines.push(parseWatchLine(line));
      for (const listener of this.listeners) listener();
    });
    this.closed = new Promise((resolve) => this.child.on('close', (code, signal) => resolve({ code, signal })));
  }

  static start(script: string, shell: Shell = dash): WatchSession {
    return new WatchSession(
      shell.command,
      shell.command === BUSYBOX ? ['sh', '-c', script] : ['-c', script],
      shell.env,
    );
  }

  /** Index of the first line from `from` on that satisfies `predicate`. */
  waitFor(predicate: (line: WatchLine) => boolean, what: string, from = 0): Promise<number> {
    let check = () => {};
    const found = new Promise<number>((resolve) => {
      check = () => {
        const index = this.lines.findIndex((line, i) => i >= from && predicate(line));
        if (index >= 0) resolve(index);
      };
      this.listeners.add(check);
      check();
    });
    return withDeadline(found, TIMEOUT_MS, `${what}; lines so far: ${JSON.stringify(this.lines)}`).finally(() =>
      this.listeners.delete(check),
    );
  }

  waitForEvent(event: string, path: string, from = 0): Promise<number> {
    return this.waitFor(
      (l) => l.type === 'event' && l.events.includes(event) && l.path === path,
      `${event} ${path}`,
      from,
    );
  }

  /** The channel closes: stdin ends. */
  closeChannel(): void {
    this.child.stdin.end();
  }

  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  /** Whatever a failed test left running is ended by its pid, inotifywait included. */
  cleanup(watchedDir: string): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    for (const pid of processesMentioning(`^inotifywait .*${watchedDir}`)) process.kill(pid, 'SIGKILL');
  }
}

const events = (lines: readonly WatchLine[]) => lines.flatMap((l) => (l.type === 'event' ? [l] : []));

const shells = (): Shell[] => (HAVE_BUSYBOX ? [dash, busybox([], { inotifywait: INOTIFYWAIT })] : [dash]);

describe('the watch', { skip: !HAVE_INOTIFYWAIT && 'inotifywait is not installed' }, () => {
  for (const shell of shells()) {
    it(`${shell.name}: reports saves, editor renames, deletes and moves, and dies with the channel`, async () => {
      const root = mkdtempSync(join(base, 'watch-'));
      const watched = dir(join(root, 'proxy-confs'));
      const elsewhere = dir(join(root, 'stack'));
      const outside = dir(join(root, 'outside'));
      const explicit = join(elsewhere, 'docker-compose.yml');
      writeFileSync(explicit, 'services: {}\n');
      const targets: WatchTargets = { files: [explicit], directories: [{ path: watched, patterns: ['*.conf'] }] };
      const session = WatchSession.start(watchScript(targets), shell);
      try {
        await session.waitFor((l) => l.type === 'ready', 'Watches established.');
        const a = join(watched, 'a.conf');
        const b = join(watched, 'b.conf');
        // Each step waits for its last event: the kernel merges an event identical to the one still queued
        // before it (two saves of one file in a row), which would make the sequence below timing-dependent.
        writeFileSync(a, 'server {}\n'); // create
        let seen = await session.waitForEvent('CLOSE_WRITE', a);
        appendFileSync(a, '# more\n'); // modify
        seen = await session.waitForEvent('CLOSE_WRITE', a, seen + 1);
        writeFileSync(`${a}.tmp`, 'server { listen 443; }\n'); // editor: write a temporary file…
        renameSync(`${a}.tmp`, a); // …and rename it over the original
        seen = await session.waitForEvent('MOVED_TO', a, seen + 1);
        writeFileSync(`${explicit}.new`, 'services: { web: {} }\n');
        renameSync(`${explicit}.new`, explicit);
        writeFileSync(join(elsewhere, 'README.md'), 'not watched\n');
        writeFileSync(join(watched, 'a.conf.sample'), 'not watched\n');
        mkdirSync(join(watched, 'sub.conf'));
        unlinkSync(a); // delete
        seen = await session.waitForEvent('DELETE', a, seen + 1);
        writeFileSync(join(outside, 'b.conf'), 'server {}\n');
        renameSync(join(outside, 'b.conf'), b); // move in
        renameSync(b, join(outside, 'b.conf')); // move out
        await session.waitForEvent('MOVED_FROM', b, seen + 1);

        const all = events(session.lines);
        const relevant = all
          .filter((e) => !isDirectoryEvent(e.events) && isWatchedFile(targets, e.path))
          .map((e) => [e.events.join(','), e.path]);
        assert.deepEqual(relevant, [
          ['CREATE', a],
          ['CLOSE_WRITE,CLOSE', a],
          ['CLOSE_WRITE,CLOSE', a],
          ['MOVED_TO', a],
          ['MOVED_TO', explicit],
          ['DELETE', a],
          ['MOVED_TO', b],
          ['MOVED_FROM', b],
        ]);
        // The filters did the dropping: the temporary file, the sample, the other file and the directory were all seen.
        assert.ok(all.some((e) => e.path === `${a}.tmp` && e.events.includes('MOVED_FROM')));
        assert.ok(all.some((e) => e.path === join(watched, 'a.conf.sample')));
        assert.ok(all.some((e) => e.path === join(elsewhere, 'README.md')));
        const subdir = all.find((e) => e.path === join(watched, 'sub.conf'));
        assert.deepEqual(subdir?.events, ['CREATE', 'ISDIR']);
        assert.ok(subdir && isDirectoryEvent(subdir.events));
        assert.ok(!all.some((e) => e.path.startsWith(`${outside}/`)), 'the outside directory is not watched');

        session.closeChannel();
        const closed = await withDeadline(session.closed, TIMEOUT_MS, 'the script ending after stdin closed');
        assert.deepEqual(closed, { code: 0, signal: null });
        await waitUntilNoProcessMentions(root);
      } finally {
        session.cleanup(root);
      }
    });

    it(`${shell.name}: a TERM to the script stops inotifywait at once`, async () => {
      const root = mkdtempSync(join(base, 'term-'));
      const session = WatchSession.start(
        watchScript({ files: [], directories: [{ path: root, patterns: ['*'] }] }),
        shell,
      );
      try {
        await session.waitFor((l) => l.type === 'ready', 'Watches established.');
        session.signal('SIGTERM');
        const closed = await withDeadline(session.closed, TIMEOUT_MS, 'the script ending on TERM');
        assert.equal(closed.code, 143);
        await waitUntilNoProcessMentions(root);
      } finally {
        session.cleanup(root);
      }
    });

    it(`${shell.name}: inotifywait ending by itself is reported, and the script then ends with the channel`, async () => {
      const root = mkdtempSync(join(base, 'exited-'));
      const session = WatchSession.start(
        watchScript({ files: [], directories: [{ path: root, patterns: ['*'] }] }),
        shell,
      );
      try {
        await session.waitFor((l) => l.type === 'ready', 'Watches established.');
        const [pid, ...others] = processesMentioning(`^inotifywait .*${root}`);
        assert.ok(pid !== undefined && others.length === 0, 'exactly one inotifywait');
        process.kill(pid, 'SIGKILL');
        const index = await session.waitFor((l) => l.type === 'exited', '@@exited');
        assert.deepEqual(session.lines[index], { type: 'exited', status: 137 });
        session.closeChannel();
        assert.deepEqual(await withDeadline(session.closed, TIMEOUT_MS, 'the script ending after @@exited'), {
          code: 0,
          signal: null,
        });
        await waitUntilNoProcessMentions(root);
      } finally {
        session.cleanup(root);
      }
    });
  }

  it(
    'an unprivileged user skips a directory it cannot read and watches the rest',
    { skip: !IS_ROOT && 'needs root to switch to nobody' },
    async () => {
      const root = mkdtempSync(join(base, 'nobody-'));
      chmodSync(root, 0o755);
      const open = dir(join(root, 'open'));
      const closed = dir(join(root, 'closed'));
      chmodSync(closed, 0o700);
      const targets: WatchTargets = {
        files: [],
        directories: [
          { path: closed, patterns: ['*'] },
          { path: open, patterns: ['*'] },
        ],
      };
      const session = new WatchSession('su', ['-s', '/bin/sh', 'nobody', '-c', watchScript(targets)]);
      try {
        await session.waitFor((l) => l.type === 'ready', 'Watches established.');
        writeFileSync(join(open, 'app.conf'), 'x\n');
        await session.waitForEvent('CLOSE_WRITE', join(open, 'app.conf'));
        assert.ok(!session.lines.some((l) => l.type === 'error'), JSON.stringify(session.lines));
        session.closeChannel();
        await withDeadline(session.closed, TIMEOUT_MS, 'su ending after stdin closed');
        await waitUntilNoProcessMentions(root);
      } finally {
        session.cleanup(root);
      }
    },
  );

  it('says so when no directory exists, or inotifywait is missing', () => {
    const missing = join(base, 'does-not-exist');
    const noDirs = run(
      watchScript({ files: [join(missing, 'compose.yml')], directories: [{ path: missing, patterns: ['*'] }] }),
    );
    assert.deepEqual(noDirs.stdout.split('\n').filter(Boolean).map(parseWatchLine), [{ type: 'no_directories' }]);
    const emptyPath = dir(join(base, 'empty-path'));
    const noTool = run(watchScript({ files: [], directories: [{ path: base, patterns: ['*'] }] }), dash, {
      PATH: emptyPath,
    });
    assert.deepEqual(noTool.stdout.split('\n').filter(Boolean).map(parseWatchLine), [{ type: 'no_inotifywait' }]);
  });
});

describe('watch lines and what they concern', () => {
  it('parses every kind of line inotifywait and the script print', () => {
    assert.deepEqual(parseWatchLine('Watches established.'), { type: 'ready' });
    assert.deepEqual(parseWatchLine('Setting up watches.'), { type: 'other', text: 'Setting up watches.' });
    assert.deepEqual(parseWatchLine('CLOSE_WRITE,CLOSE|/opt/app/docker-compose.yml\r'), {
      type: 'event',
      events: ['CLOSE_WRITE', 'CLOSE'],
      path: '/opt/app/docker-compose.yml',
    });
    assert.deepEqual(parseWatchLine('MOVED_TO|/srv/a|b c.conf'), {
      type: 'event',
      events: ['MOVED_TO'],
      path: '/srv/a|b c.conf',
    });
    assert.deepEqual(parseWatchLine('CREATE,ISDIR|/etc/nginx/conf.d/new'), {
      type: 'event',
      events: ['CREATE', 'ISDIR'],
      path: '/etc/nginx/conf.d/new',
    });
    assert.deepEqual(parseWatchLine('@@exited 1'), { type: 'exited', status: 1 });
    assert.deepEqual(parseWatchLine('@@no-inotifywait'), { type: 'no_inotifywait' });
    assert.deepEqual(parseWatchLine('@@no-directories'), { type: 'no_directories' });
    assert.deepEqual(parseWatchLine('Failed to watch /etc/nginx/conf.d; upper limit on inotify watches reached!'), {
      type: 'error',
      message: 'Failed to watch /etc/nginx/conf.d; upper limit on inotify watches reached!',
      limitReached: true,
      permissionDenied: false,
    });
    assert.deepEqual(
      parseWatchLine(
        "Please increase the amount of inotify watches allowed per user via `/proc/sys/fs/inotify/max_user_watches'.",
      ),
      {
        type: 'error',
        message:
          "Please increase the amount of inotify watches allowed per user via `/proc/sys/fs/inotify/max_user_watches'.",
        limitReached: true,
        permissionDenied: false,
      },
    );
    assert.deepEqual(parseWatchLine("Couldn't watch /srv/private: Permission denied"), {
      type: 'error',
      message: "Couldn't watch /srv/private: Permission denied",
      limitReached: false,
      permissionDenied: true,
    });
    assert.deepEqual(parseWatchLine("Couldn't watch /srv/gone: No such file or directory"), {
      type: 'error',
      message: "Couldn't watch /srv/gone: No such file or directory",
      limitReached: false,
      permissionDenied: false,
    });
    assert.equal(parseWatchLine("Couldn't initialize inotify: Too many open files").type, 'error');
    assert.deepEqual(parseWatchLine('sh: 1: inotifywait: not found'), {
      type: 'other',
      text: 'sh: 1: inotifywait: not found',
    });
  });

  it('tells watched files from temporary files, other files and directories', () => {
    const targets: WatchTargets = {
      files: ['/opt/app/docker-compose.yml', '/etc/nginx/nginx.conf'],
      directories: [
        { path: '/config/nginx/proxy-confs/', patterns: ['*.conf'] },
        { path: '/etc/systemd/system', patterns: ['*.service', '*.timer'] },
        { path: '/srv/stack', patterns: ['*'] },
      ],
    };
    const watched = [
      '/opt/app/docker-compose.yml',
      '/etc/nginx/nginx.conf',
      '/config/nginx/proxy-confs/app.subdomain.conf',
      '/etc/systemd/system/backup.timer',
      '/srv/stack/.env',
      '/srv/stack/sedimentary.yml',
    ];
    const notWatched = [
      '/opt/app/.docker-compose.yml.swp',
      '/opt/app/docker-compose.yml~',
      '/opt/app/other.yml',
      '/config/nginx/proxy-confs/app.subdomain.conf.sample',
      '/config/nginx/proxy-confs/sub/x.conf',
      '/etc/systemd/system/multi-user.target.wants',
      '/srv/stack/4913',
      '/srv/stack/.#compose.yml',
      '/srv/stack/compose.yml.swx',
      '/srv/stack/compose.yml.tmp',
      '/srv/stack/compose.yml.dpkg-new',
      '/srv/stack/compose.yml.bak',
      '/srv/stack/.compose.yml.swo',
      '/srv/stack/sedAb12Xy',
      '/srv/stackx/compose.yml',
    ];
    for (const path of watched) assert.equal(isWatchedFile(targets, path), true, path);
    for (const path of notWatched) assert.equal(isWatchedFile(targets, path), false, path);
    assert.equal(isDirectoryEvent(['CREATE', 'ISDIR']), true);
    assert.equal(isDirectoryEvent(['CLOSE_WRITE', 'CLOSE']), false);
  });

  it('refuses patterns whose meaning shells and the event filter could not share', () => {
    assert.throws(
      () => watchScript({ files: [], directories: [{ path: '/srv', patterns: ['[[:alpha:]]*'] }] }),
      /bracket/,
    );
    assert.throws(
      () => hashScanScript({ files: [], directories: [{ path: '/srv', patterns: ['sub/*.conf'] }] }),
      /not a file name pattern/,
    );
    assert.throws(() => watchScript({ files: ['compose.yml'], directories: [] }), /not a watchable path/);
  });
});

// ---------------------------------------------------------------------------------------------------

describe('the hash scan', () => {
  const root = dir(join(base, 'hash'));
  const confs = dir(join(base, 'hash', 'proxy-confs'));
  const stack = dir(join(base, 'hash', 'stack'));
  const explicit = write(join(root, 'docker-compose.yml'), 'services: {}\n');
  const missing = join(root, 'missing.yml');
  // Run with the scan's working directory at `root`: were the pattern ever executed, PWNED would appear there.
  const pwned = join(root, 'PWNED');
  const hostilePattern = '$(touch PWNED)*';
  const expectedPaths = [
    explicit,
    write(join(confs, 'a.conf'), 'server {}\n'),
    write(join(confs, '.hidden.conf'), ''),
    write(join(confs, 'back\\slash.conf'), 'escaped by GNU sha256sum\n'),
    write(join(confs, "it's $HOME.conf"), 'quotes\n'),
    write(join(confs, '$(touch PWNED).yml'), 'matched by the literal pattern\n'),
    write(join(stack, '.env'), 'TZ=UTC\n'),
    write(join(stack, 'notes'), Buffer.from([0, 255, 10, 13])),
  ];
  write(join(confs, 'a.conf.sample'));
  write(join(confs, 'new\nline.conf'));
  write(join(confs, 'other.yml'));
  write(join(stack, 'notes~'));
  write(join(stack, '.notes.swp'));
  write(join(stack, '4913'));
  write(join(stack, 'sedAbC123'));
  dir(join(confs, 'sub.conf'));
  spawnSync('mkfifo', [join(stack, 'fifo')]);
  symlinkSync(join(confs, 'a.conf'), join(stack, 'link'));
  expectedPaths.push(join(stack, 'link'));
  const targets: WatchTargets = {
    files: [explicit, missing],
    directories: [
      { path: confs, patterns: ['*.conf', hostilePattern] },
      { path: stack, patterns: ['*'] },
      { path: join(root, 'no-such-dir'), patterns: ['*'] },
    ],
  };
  const expected = new Map(expectedPaths.sort().map((p) => [p, sha256(p)]));
  const sortedEntries = (map: Map<string, string>) => [...map].sort(([a], [b]) => (a < b ? -1 : 1));

  it('hashes every present watched file like node:crypto, and only those', () => {
    const output = run(hashScanScript(targets), dash, {}, root);
    const hashes = parseHashScan(output);
    assert.deepEqual(sortedEntries(hashes), [...expected]);
    assert.deepEqual(parseHashScanUnreadable(output), []);
    for (const path of hashes.keys()) assert.ok(isWatchedFile(targets, path), `the event filter agrees on ${path}`);
    assert.ok(!existsSync(pwned), 'a pattern is never run as shell code');
  });

  it('busybox sha256sum gives the same answer', { skip: !HAVE_BUSYBOX && 'no busybox' }, () => {
    assert.deepEqual(sortedEntries(parseHashScan(run(hashScanScript(targets), busybox(), {}, root))), [...expected]);
  });

  it(
    'an unreadable file is reported, not hashed, and does not fail the scan',
    { skip: !IS_ROOT && 'needs root to switch to nobody' },
    () => {
      const secret = write(join(confs, 'secret.conf'), 'password\n');
      chmodSync(secret, 0o000);
      try {
        const output = runAsNobody(hashScanScript(targets), root);
        const result = parseHashScanResult(output);
        assert.deepEqual(result.unreadable, [secret]);
        assert.deepEqual(sortedEntries(result.hashes), [...expected]);
      } finally {
        rmSync(secret);
      }
    },
  );

  it('parses a recorded busybox answer, and refuses a cut or foreign one', () => {
    const hash = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
    const stdout = `@@hashes\n${hash} /etc/nginx/nginx.conf\nunreadable /etc/nginx/conf.d/secret.conf\n${hash} /srv/a b.conf\n@@end\n`;
    const output = { stdout, stderr: '', exitCode: 0 };
    assert.deepEqual(
      [...parseHashScan(output)],
      [
        ['/etc/nginx/nginx.conf', hash],
        ['/srv/a b.conf', hash],
      ],
    );
    assert.deepEqual(parseHashScanUnreadable(output), ['/etc/nginx/conf.d/secret.conf']);
    const isConfigParseError = (e: unknown) => e instanceof CollectorParseError && e.dataType === 'config';
    assert.throws(
      () => parseHashScan({ stdout: `@@hashes\n${hash} /etc/nginx/nginx.conf\n`, stderr: '', exitCode: null }),
      isConfigParseError,
    );
    assert.throws(
      () => parseHashScan({ stdout: `@@hashes\n\\${hash}  /srv/back\\\\slash\n@@end\n`, stderr: '', exitCode: 0 }),
      isConfigParseError,
    );
    assert.throws(() => parseHashScan({ stdout: '@@end\n', stderr: '', exitCode: 0 }), isConfigParseError);
  });
});
