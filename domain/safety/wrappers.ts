/**
 * Programs that run other programs or shell code: `sudo rm`, `timeout 5 dd`, `bash -c '...'`,
 * `ssh host 'cmd'`, `xargs docker stop`... Each wrapper says what it runs next; the analyser keeps
 * unwrapping until it reaches a program the rule families judge.
 */
import { parseArguments, withoutAssignments } from './arguments.ts';
import { locatePath } from './paths.ts';
import { dockerCommandLine } from './rules/containers.ts';
import type { Cwd, Invocation, ShellWord, StdinSource } from './types.ts';

export type Unwrapped =
  /** Runs a program with these words (name first). */
  | { kind: 'command'; label: string; words: readonly ShellWord[]; cwd?: Cwd; argsFromStdin?: boolean }
  /** Runs shell code given as text, parsed and analysed in turn. */
  | { kind: 'script'; label: string; script: string; cwd?: Cwd; stdin?: StdinSource }
  /** Runs code whose text cannot be known here: treated as destructive. */
  | { kind: 'opaque'; label: string; reason: string }
  /**
   * Runs nothing that can be followed further and nothing to flag: a lookup (`command -v rm`), help, or a
   * script file (`bash ./deploy.sh`, named in `scriptFile`), whose content a command line does not show.
   */
  | { kind: 'end'; scriptFile?: ShellWord };

type Wrapper = (invocation: Invocation) => Unwrapped | null;

const SHELLS = [
  'sh',
  'bash',
  'dash',
  'zsh',
  'ksh',
  'mksh',
  'ash',
  'rbash',
  'yash',
  'posh',
  'lksh',
  'fish',
  'csh',
  'tcsh',
];

/** Interpreters whose code cannot be analysed here: only flagged when they read their program from a stream. */
const INTERPRETER_INLINE_CODE_FLAGS: Record<string, string> = {
  python: 'cm',
  python2: 'cm',
  python3: 'cm',
  perl: 'eE',
  ruby: 'e',
  node: 'ep',
  nodejs: 'ep',
  php: 'r',
};

const WRAPPERS: Record<string, Wrapper> = {
  sudo: (inv) => {
    const parsed = parseArguments(inv.args, {
      valued: [
        '-u',
        '--user',
        '-g',
        '--group',
        '-p',
        '--prompt',
        '-C',
        '--close-from',
        '-r',
        '--role',
        '-t',
        '--type',
        '-U',
        '--other-user',
        '-D',
        '--chdir',
        '-T',
        '--command-timeout',
        '-R',
        '--chroot',
      ],
      stopAtOperand: true,
    });
    // -e edits files, -l/-v/-V/-k/-K/-h list, validate or print; none of them run the words that follow.
    if (parsed.has('-e', '--edit', '-l', '--list', '-v', '--validate', '-V', '--version', '-h', '--help'))
      return { kind: 'end' };
    const words = withoutAssignments(parsed.rest);
    const cwd = changedDirectory(parsed.value('-D', '--chdir'), inv.cwd);
    if (words.length === 0) {
      return parsed.has('-s', '--shell', '-i', '--login') ? shellReadingStdin('sudo', inv.stdin) : { kind: 'end' };
    }
    return { kind: 'command', label: 'sudo', words, cwd };
  },
  doas: (inv) => {
    const parsed = parseArguments(inv.args, { valued: ['-u', '-C'], stopAtOperand: true });
    if (parsed.has('-C', '-L')) return { kind: 'end' };
    if (parsed.rest.length === 0) return parsed.has('-s') ? shellReadingStdin('doas', inv.stdin) : { kind: 'end' };
    return { kind: 'command', label: 'doas', words: parsed.rest };
  },
  run0: (inv) => {
    const parsed = parseArguments(inv.args, {
      valued: [
        '-u',
        '--user',
        '-g',
        '--group',
        '--nice',
        '-D',
        '--chdir',
        '--setenv',
        '--unit',
        '--property',
        '--description',
        '--slice',
        '--machine',
      ],
      stopAtOperand: true,
    });
    const cwd = changedDirectory(parsed.value('-D', '--chdir'), inv.cwd);
    return parsed.rest.length === 0
      ? shellReadingStdin('run0', inv.stdin)
      : { kind: 'command', label: 'run0', words: parsed.rest, cwd };
  },
  pkexec: (inv) => {
    const parsed = parseArguments(inv.args, { valued: ['--user'], stopAtOperand: true });
    return parsed.rest.length === 0
      ? shellReadingStdin('pkexec', inv.stdin)
      : { kind: 'command', label: 'pkexec', words: parsed.rest };
  },
  env: (inv) => {
    const parsed = parseArguments(inv.args, {
      valued: ['-u', '--unset', '-C', '--chdir', '-S', '--split-string'],
      stopAtOperand: true,
    });
    // -S re-splits a string with env's own quoting rules: not followed.
    if (parsed.has('-S', '--split-string'))
      return { kind: 'opaque', label: 'env -S', reason: 'env -S splits a string into a command' };
    const words = withoutAssignments(parsed.rest);
    if (words.length === 0) return { kind: 'end' };
    return { kind: 'command', label: 'env', words, cwd: changedDirectory(parsed.value('-C', '--chdir'), inv.cwd) };
  },
  nohup: (inv) => commandOrEnd('nohup', parseArguments(inv.args, { stopAtOperand: true }).rest),
  setsid: (inv) => commandOrEnd('setsid', parseArguments(inv.args, { stopAtOperand: true }).rest),
  unbuffer: (inv) => commandOrEnd('unbuffer', inv.args),
  builtin: (inv) => commandOrEnd('builtin', inv.args),
  timeout: (inv) => {
    const parsed = parseArguments(inv.args, { valued: ['-s', '--signal', '-k', '--kill-after'], stopAtOperand: true });
    return commandOrEnd('timeout', parsed.rest.slice(1));
  },
  nice: (inv) =>
    commandOrEnd('nice', parseArguments(inv.args, { valued: ['-n', '--adjustment'], stopAtOperand: true }).rest),
  ionice: (inv) => {
    const parsed = parseArguments(inv.args, {
      valued: ['-c', '--class', '-n', '--classdata', '-p', '--pid', '-P', '--pgid', '-u', '--uid'],
      stopAtOperand: true,
    });
    // With -p/-P/-u it changes running processes instead of starting one.
    return parsed.has('-p', '--pid', '-P', '--pgid', '-u', '--uid')
      ? { kind: 'end' }
      : commandOrEnd('ionice', parsed.rest);
  },
  stdbuf: (inv) => {
    const parsed = parseArguments(inv.args, {
      valued: ['-i', '-o', '-e', '--input', '--output', '--error'],
      stopAtOperand: true,
    });
    return commandOrEnd('stdbuf', parsed.rest);
  },
  chrt: (inv) => {
    const parsed = parseArguments(inv.args, { valued: ['-T', '-P', '-D'], stopAtOperand: true });
    return parsed.has('-p', '--pid', '-m', '--max') ? { kind: 'end' } : commandOrEnd('chrt', parsed.rest.slice(1));
  },
  taskset: (inv) => {
    const parsed = parseArguments(inv.args, { stopAtOperand: true });
    return parsed.has('-p', '--pid') ? { kind: 'end' } : commandOrEnd('taskset', parsed.rest.slice(1));
  },
  flock: (inv) => {
    const parsed = parseArguments(inv.args, {
      valued: ['-w', '--wait', '--timeout', '-E', '--conflict-exit-code', '-c', '--command'],
      stopAtOperand: true,
    });
    const [, next, script] = parsed.rest;
    if (next?.value === '-c' || next?.value === '--command') return scriptFromWords('flock -c', script ? [script] : []);
    const command = parsed.value('-c', '--command');
    if (command !== undefined)
      return command === null ? opaqueText('flock -c') : { kind: 'script', label: 'flock -c', script: command };
    return commandOrEnd('flock', parsed.rest.slice(1));
  },
  nsenter: (inv) => {
    const parsed = parseArguments(inv.args, {
      valued: ['-t', '--target', '-S', '--setuid', '-G', '--setgid'],
      stopAtOperand: true,
    });
    return parsed.rest.length === 0
      ? shellReadingStdin('nsenter', inv.stdin)
      : { kind: 'command', label: 'nsenter', words: parsed.rest };
  },
  chroot: (inv) => {
    // Paths inside are judged as if outside the new root: `chroot /mnt rm -rf /etc` is still flagged.
    const parsed = parseArguments(inv.args, { valued: ['--userspec', '--groups'], stopAtOperand: true });
    const words = parsed.rest.slice(1);
    return words.length === 0
      ? shellReadingStdin('chroot', inv.stdin)
      : { kind: 'command', label: 'chroot', words, cwd: null };
  },
  'systemd-run': (inv) => {
    const parsed = parseArguments(inv.args, {
      valued: [
        '-u',
        '--unit',
        '-p',
        '--property',
        '--description',
        '--slice',
        '-H',
        '--host',
        '-M',
        '--machine',
        '-E',
        '--setenv',
        '--uid',
        '--gid',
        '--nice',
        '--working-directory',
        '--on-active',
        '--on-boot',
        '--on-startup',
        '--on-unit-active',
        '--on-unit-inactive',
        '--on-calendar',
        '--timer-property',
        '--path-property',
        '--socket-property',
        '--service-type',
      ],
      stopAtOperand: true,
    });
    return commandOrEnd('systemd-run', parsed.rest);
  },
  time: (inv) => {
    const parsed = parseArguments(inv.args, { valued: ['-f', '--format', '-o', '--output'], stopAtOperand: true });
    return commandOrEnd('time', parsed.rest);
  },
  xargs: (inv) => {
    const parsed = parseArguments(inv.args, {
      valued: [
        '-a',
        '--arg-file',
        '-d',
        '--delimiter',
        '-E',
        '-I',
        '-L',
        '--max-lines',
        '-n',
        '--max-args',
        '-P',
        '--max-procs',
        '-s',
        '--max-chars',
        '--process-slot-var',
      ],
      stopAtOperand: true,
    });
    // Operands come from input the analysis cannot see; with -I they replace a placeholder in the words.
    const placeholder = parsed.value('-I') ?? (parsed.has('-i', '--replace') ? '{}' : undefined);
    const words = parsed.rest.map((word) =>
      placeholder && word.value?.includes(placeholder) ? { text: word.text, value: null } : word,
    );
    if (words.length === 0) return { kind: 'end' };
    return { kind: 'command', label: 'xargs', words, argsFromStdin: true };
  },
  watch: (inv) => {
    const parsed = parseArguments(inv.args, { valued: ['-n', '--interval', '-q', '--equexit'], stopAtOperand: true });
    // Without -x, watch joins its operands and runs them with `sh -c`.
    return parsed.has('-x', '--exec') ? commandOrEnd('watch', parsed.rest) : scriptFromWords('watch', parsed.rest);
  },
  ssh: (inv) => {
    const sshValued = [
      '-b',
      '-B',
      '-c',
      '-D',
      '-E',
      '-e',
      '-F',
      '-I',
      '-i',
      '-J',
      '-L',
      '-l',
      '-m',
      '-O',
      '-o',
      '-p',
      '-Q',
      '-R',
      '-S',
      '-W',
      '-w',
    ];
    const beforeHost = parseArguments(inv.args, { valued: sshValued, stopAtOperand: true });
    const [host, ...afterHost] = beforeHost.rest;
    if (!host) return { kind: 'end' };
    // OpenSSH also accepts options between the destination and the command.
    const afterHostOptions = parseArguments(afterHost, { valued: sshValued, stopAtOperand: true });
    const label = `ssh ${host.value ?? host.text}`;
    if ([beforeHost, afterHostOptions].some((parsed) => parsed.has('-N', '-W', '-O', '-s', '-G', '-V')))
      return { kind: 'end' };
    if (afterHostOptions.rest.length === 0) return shellReadingStdin(label, inv.stdin);
    // The remote shell parses the operands joined by spaces; it starts in the remote home directory.
    const remote = scriptFromWords(label, afterHostOptions.rest);
    return remote.kind === 'script' ? { ...remote, cwd: '~', stdin: inv.stdin } : remote;
  },
  eval: (inv) => scriptFromWords('eval', inv.args),
  exec: (inv) => commandOrEnd('exec', parseArguments(inv.args, { valued: ['-a'], stopAtOperand: true }).rest),
  command: (inv) => {
    const parsed = parseArguments(inv.args, { stopAtOperand: true });
    return parsed.has('-v', '-V') ? { kind: 'end' } : commandOrEnd('command', parsed.rest);
  },
  busybox: (inv) => appletOf('busybox', inv.args),
  toybox: (inv) => appletOf('toybox', inv.args),
  source: (inv) => sourcedFile('source', inv),
  '.': (inv) => sourcedFile('.', inv),
  trap: (inv) => {
    const parsed = parseArguments(inv.args, { stopAtOperand: true });
    if (parsed.has('-p', '-l', '-P')) return { kind: 'end' };
    const [action] = parsed.rest;
    if (!action || action.value === '-' || action.value === '') return { kind: 'end' };
    return action.value === null ? opaqueText('trap') : { kind: 'script', label: 'trap', script: action.value };
  },
  su: (inv) => switchUser('su', inv, false),
  runuser: (inv) => switchUser('runuser', inv, true),
  sg: (inv) => {
    const operands = inv.args.filter((word) => word.value !== '-');
    const [, next, ...more] = operands;
    if (!next) return { kind: 'end' };
    return next.value === '-c' ? scriptFromWords('sg -c', more) : scriptFromWords('sg', [next, ...more]);
  },
  script: (inv) => {
    const parsed = parseArguments(inv.args, {
      valued: [
        '-c',
        '--command',
        '-E',
        '--echo',
        '-T',
        '--log-timing',
        '-I',
        '--log-in',
        '-O',
        '--log-out',
        '-B',
        '--log-io',
        '-m',
        '--logging-format',
      ],
    });
    const command = parsed.value('-c', '--command');
    if (command === undefined) return { kind: 'end' };
    return command === null ? opaqueText('script -c') : { kind: 'script', label: 'script -c', script: command };
  },
  at: (inv) => scheduledJob('at', inv),
  batch: (inv) => scheduledJob('batch', inv),
  docker: (inv) => containerExec(inv),
  podman: (inv) => containerExec(inv),
  kubectl: (inv) => {
    // `kubectl exec POD -- cmd`: the container's command follows the `--`.
    if (inv.args[0]?.value !== 'exec') return null;
    const separator = inv.args.findIndex((word) => word.value === '--');
    return separator < 0 ? { kind: 'end' } : commandOrEnd('kubectl exec', inv.args.slice(separator + 1));
  },
};

for (const shell of SHELLS) WRAPPERS[shell] = (inv) => shellInvocation(shell, inv);
for (const [interpreter, inlineFlags] of Object.entries(INTERPRETER_INLINE_CODE_FLAGS)) {
  WRAPPERS[interpreter] = (inv) => interpreterInvocation(interpreter, inlineFlags, inv);
}

/** What a wrapper runs next, or null when the program is not a wrapper. */
export function unwrap(invocation: Invocation): Unwrapped | null {
  const wrapper = WRAPPERS[invocation.name] ?? (/^python3\.\d+$/.test(invocation.name) ? WRAPPERS.python3 : undefined);
  return wrapper ? wrapper(invocation) : null;
}

function commandOrEnd(label: string, words: readonly ShellWord[]): Unwrapped {
  return words.length === 0 ? { kind: 'end' } : { kind: 'command', label, words };
}

function opaqueText(label: string): Unwrapped {
  return { kind: 'opaque', label, reason: `${label} runs code that is only known at run time` };
}

/** Words joined by spaces and run as shell code (eval, ssh, watch). */
function scriptFromWords(label: string, words: readonly ShellWord[]): Unwrapped {
  if (words.length === 0) return { kind: 'end' };
  const values = words.map((word) => word.value);
  if (values.some((value) => value === null)) return opaqueText(label);
  return { kind: 'script', label, script: values.join(' ') };
}

/** A shell started without code to run reads it from standard input. */
function shellReadingStdin(label: string, stdin: StdinSource): Unwrapped {
  switch (stdin.kind) {
    case 'inherited':
      // At the top level that is the SSH channel, which carries no further input.
      return { kind: 'end' };
    case 'text':
      return stdin.text === null
        ? { kind: 'opaque', label, reason: `${label} reads a here-document built from expansions` }
        : { kind: 'script', label, script: stdin.text, stdin: { kind: 'inherited' } };
    case 'pipe':
      return { kind: 'opaque', label, reason: `${label} runs commands piped in from another program` };
    case 'file':
      return { kind: 'opaque', label, reason: `${label} runs commands read from a file` };
  }
}

const STDIN_PATHS = new Set(['/dev/stdin', '/dev/fd/0', '/proc/self/fd/0']);

function shellInvocation(shell: string, inv: Invocation): Unwrapped {
  let runsString = false;
  let readsStdin = false;
  let index = 0;
  for (; index < inv.args.length; index++) {
    const option = inv.args[index]?.value;
    if (option === null || option === undefined) break;
    if (option === '--' || option === '-') {
      index++;
      break;
    }
    if (option === '--rcfile' || option === '--init-file') index++;
    else if (option.startsWith('--')) continue;
    else if (/^[-+]./.test(option)) {
      // -o/-O take an option name: `bash -eo pipefail -c '...'`.
      if (/[oO]/.test(option)) index++;
      if (option.startsWith('-') && option.includes('c')) runsString = true;
      if (option.startsWith('-') && option.includes('s')) readsStdin = true;
    } else break;
  }
  const [first] = inv.args.slice(index);
  if (runsString) {
    if (!first) return { kind: 'end' };
    return first.value === null
      ? opaqueText(`${shell} -c`)
      : { kind: 'script', label: `${shell} -c`, script: first.value };
  }
  if (readsStdin || !first) return shellReadingStdin(shell, inv.stdin);
  if (first.value === null)
    return { kind: 'opaque', label: shell, reason: `${shell} runs a script whose path is only known at run time` };
  return STDIN_PATHS.has(first.value) ? shellReadingStdin(shell, inv.stdin) : { kind: 'end', scriptFile: first };
}

/** Python, Perl...: inline code and script files are not analysed; a program read from a stream is flagged. */
function interpreterInvocation(interpreter: string, inlineFlags: string, inv: Invocation): Unwrapped {
  const inline = inv.args.some(
    (word) =>
      word.value !== null && /^-[^-]/.test(word.value) && [...inlineFlags].some((flag) => word.value?.includes(flag)),
  );
  const script = inv.args.some((word) => word.value === null || (word.value !== '-' && !word.value.startsWith('-')));
  if (inline || script || inv.stdin.kind === 'inherited') return { kind: 'end' };
  return { kind: 'opaque', label: interpreter, reason: `${interpreter} runs a program read from standard input` };
}

function sourcedFile(label: string, inv: Invocation): Unwrapped {
  const [file] = inv.args;
  if (!file) return { kind: 'end' };
  if (file.value === null) return { kind: 'opaque', label, reason: `${label} runs a file only known at run time` };
  return STDIN_PATHS.has(file.value) ? shellReadingStdin(label, inv.stdin) : { kind: 'end', scriptFile: file };
}

function appletOf(label: string, args: readonly ShellWord[]): Unwrapped {
  const [applet] = args;
  if (!applet || applet.value?.startsWith('-')) return { kind: 'end' };
  return { kind: 'command', label, words: args };
}

function switchUser(label: string, inv: Invocation, allowsCommand: boolean): Unwrapped {
  const parsed = parseArguments(inv.args, {
    valued: [
      '-c',
      '--command',
      '-s',
      '--shell',
      '-g',
      '--group',
      '-G',
      '--supp-group',
      '-w',
      '--whitelist-environment',
      '-u',
      '--user',
    ],
    stopAtOperand: allowsCommand && inv.args.some((word) => word.value === '-u' || word.value === '--user'),
  });
  const command = parsed.value('-c', '--command');
  if (command !== undefined)
    return command === null ? opaqueText(`${label} -c`) : { kind: 'script', label: `${label} -c`, script: command };
  // `runuser -u user -- cmd args` runs a program directly.
  if (parsed.rest.length > 0) return { kind: 'command', label, words: parsed.rest };
  return shellReadingStdin(label, inv.stdin);
}

function scheduledJob(label: string, inv: Invocation): Unwrapped {
  const parsed = parseArguments(inv.args, { valued: ['-f', '-q', '-t'] });
  // With -f the job is a file; -l/-r/-d/-c list, remove or print jobs.
  if (parsed.has('-f', '-l', '-r', '-d', '-c')) return { kind: 'end' };
  return shellReadingStdin(label, inv.stdin);
}

function containerExec(inv: Invocation): Unwrapped | null {
  const { subcommand, args } = dockerCommandLine(inv.args);
  if (subcommand !== 'exec') return null;
  const parsed = parseArguments(args, {
    valued: ['-e', '--env', '--env-file', '-u', '--user', '-w', '--workdir', '--detach-keys'],
    stopAtOperand: true,
  });
  const [container, ...words] = parsed.rest;
  if (!container) return { kind: 'end' };
  return commandOrEnd(`${inv.name} exec ${container.value ?? container.text}`, words);
}

function changedDirectory(directory: string | null | undefined, cwd: Cwd): Cwd {
  if (directory === undefined) return cwd;
  const location = locatePath(directory, cwd);
  return location.kind === 'absolute' ? location.path : null;
}
