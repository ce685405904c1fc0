/**
 * Decides whether a shell command sent to a device is destructive and must be held for a typed human
 * confirmation. The command is parsed with mvdan/sh (npm `mvdan-sh`), never pattern-matched as a string:
 * every simple command in lists, pipelines, subshells, groups, control structures, functions and
 * substitutions is unwrapped (sudo, env, timeout, xargs, ssh, `bash -c`, eval...) and judged by the rule
 * families in `rules/`. Redirections are judged as file writes. What cannot be seen statically (code
 * piped into a shell, `eval "$X"`, `$CMD args`, unparsable input) is destructive as `unanalysable`.
 *
 * A finding at MEDIUM or above makes the command destructive; LOW findings describe targeted actions
 * (stopping one named container, restarting nginx, killing one PID) and never hold a command.
 *
 * Decisions on edge cases (details in the rule families):
 * - Every simple command counts, even one the control flow would skip (`true || reboot`).
 * - Script files (`bash ./deploy.sh`, `./x.sh`, `make`) and inline code of other languages
 *   (`python3 -c`, `perl -e`) are not read: only shell code on the command line is analysed. A shell or
 *   interpreter reading its program from a pipe or a file redirect is unanalysable; from a literal
 *   here-document it is analysed. `docker run IMAGE cmd` runs in a fresh container and is not followed.
 * - Paths are normalised lexically (`/tmp/../etc` is `/etc`); symlinks are not seen. Inside `chroot`
 *   paths are judged as if outside. Brace expansion is applied; globs are patterns over their directory.
 * - Truncating a log (`: > /var/log/syslog`) is LOW; appending to files is not flagged except to login
 *   files; `touch` is not flagged. Writing to `/proc/sys` or `/sys` (kernel settings) is not flagged.
 */
import { describeLocation, locatePath } from './paths.ts';
import { ShellParseError } from './shell-syntax.ts';
import { ruleFor, spawnedCommands } from './rules/index.ts';
import { judgeWrite } from './rules/writes.ts';
import { walkScript, type ScriptContents, type ScriptStart, type SimpleCommand } from './script-walker.ts';
import {
  ALL_TARGETS,
  DESTRUCTIVE_FROM,
  maxRisk,
  riskRank,
  type CommandFinding,
  type Cwd,
  type Invocation,
  type RiskLevel,
  type RuleHit,
  type ShellWord,
} from './types.ts';
import { unwrap } from './wrappers.ts';

export type { CommandFinding, DestructiveCategory, RiskLevel } from './types.ts';

export interface CommandAnalysis {
  destructive: boolean;
  /** Highest finding risk; NONE without findings. */
  risk: RiskLevel;
  findings: CommandFinding[];
  /** Argv of every simple command found, after unwrapping (`sudo rm -rf x` → `['rm', '-rf', 'x']`). */
  simpleCommands: string[][];
}

/** Input that is not a command at all: the caller answers 4xx. */
export class CommandRejectedError extends Error {
  override readonly name = 'CommandRejectedError';
  constructor(
    readonly reason: 'empty' | 'too_long' | 'nul_byte',
    message: string,
  ) {
    super(message);
  }
}

export const MAX_COMMAND_BYTES = 16 * 1024;

/** `bash -c "ssh h 'sudo sh -c ...'"` nests; past this depth the command is not followed further. */
const MAX_NESTING = 8;

export function analyseCommand(command: string): CommandAnalysis {
  validate(command);
  const analysis = new Analysis();
  analysis.script(command, { cwd: null, stdin: { kind: 'inherited' } }, []);
  return analysis.result();
}

function validate(command: unknown): asserts command is string {
  if (typeof command !== 'string' || command.trim() === '') {
    throw new CommandRejectedError('empty', 'command must be a non-empty string');
  }
  const bytes = Buffer.byteLength(command, 'utf8');
  if (bytes > MAX_COMMAND_BYTES) {
    throw new CommandRejectedError('too_long', `command is ${bytes} bytes; at most ${MAX_COMMAND_BYTES} are accepted`);
  }
  if (command.includes('\0')) throw new CommandRejectedError('nul_byte', 'command contains a NUL byte');
}

class Analysis {
  private readonly findings: CommandFinding[] = [];
  private readonly seen = new Set<string>();
  private readonly simpleCommands: string[][] = [];
  /** Files this command writes: running one of them runs code the analysis has not seen. */
  private readonly writtenFiles = new Set<string>();

  result(): CommandAnalysis {
    const risk = maxRisk(this.findings.map((finding) => finding.risk));
    return {
      destructive: riskRank(risk) >= riskRank(DESTRUCTIVE_FROM),
      risk,
      findings: this.findings,
      simpleCommands: this.simpleCommands,
    };
  }

  script(script: string, start: ScriptStart, via: readonly string[]): void {
    if (via.length > MAX_NESTING) {
      this.add(unanalysable(`wrapped more than ${MAX_NESTING} levels deep`), script, via);
      return;
    }
    let contents: ScriptContents;
    try {
      contents = walkScript(script, start);
    } catch (error) {
      if (!(error instanceof ShellParseError)) throw error;
      this.add(unanalysable(`cannot be parsed: ${error.message}`), script, via);
      return;
    }
    for (const forkBomb of contents.forkBombs) {
      this.add(
        {
          category: 'resource_exhaustion',
          risk: 'CRITICAL',
          reason: 'fork bomb: a function that keeps starting copies of itself',
          targets: ['host'],
        },
        forkBomb,
        via,
      );
    }
    for (const write of contents.writes) {
      for (const hit of judgeWrite(write.target, write.mode, write.cwd)) this.add(hit, write.text, via);
      const written = fileKey(write.target, write.cwd);
      if (written) this.writtenFiles.add(written);
    }
    for (const command of contents.commands) this.command(command, via);
  }

  /**
   * Peels wrappers off until a program the rules judge, shell code to analyse, or nothing to follow.
   * Only the innermost argv is listed in `simpleCommands` (shell code lists its own commands).
   */
  private command(command: SimpleCommand, via: readonly string[]): void {
    let words = command.words;
    let cwd: Cwd = command.cwd;
    let argsFromStdin = false;
    const trail = [...via];
    for (;;) {
      const [head, ...args] = words;
      if (!head) return;
      if (head.value === null || trail.length > MAX_NESTING) {
        this.record(words);
        const reason =
          head.value === null
            ? `the program name ${head.text} is only known at run time`
            : `wrapped more than ${MAX_NESTING} levels deep`;
        this.add(unanalysable(reason), command.text, trail);
        return;
      }
      // A program named by path may be a script this command just wrote; a bare name is looked up in PATH.
      if (head.value.includes('/') && this.runsWrittenFile(head, cwd, command.text, trail)) {
        this.record(words);
        return;
      }
      const invocation: Invocation = { ...program(head.value, args), cwd, stdin: command.stdin, argsFromStdin };
      const next = unwrap(invocation);
      if (next === null) {
        this.record(words);
        this.judge(invocation, command, trail);
        return;
      }
      switch (next.kind) {
        case 'end':
          this.record(words);
          if (next.scriptFile) this.runsWrittenFile(next.scriptFile, cwd, command.text, trail);
          return;
        case 'opaque':
          this.record(words);
          this.add(unanalysable(next.reason), command.text, [...trail, next.label]);
          return;
        case 'script':
          this.script(
            next.script,
            { cwd: next.cwd === undefined ? cwd : next.cwd, stdin: next.stdin ?? command.stdin },
            [...trail, next.label],
          );
          return;
        case 'command':
          words = next.words;
          if (next.cwd !== undefined) cwd = next.cwd;
          argsFromStdin ||= next.argsFromStdin ?? false;
          trail.push(next.label);
      }
    }
  }

  /** `echo reboot > x.sh && sh x.sh`: the script was written (by redirection) within this very command. */
  private runsWrittenFile(file: ShellWord, cwd: Cwd, text: string, via: readonly string[]): boolean {
    const key = fileKey(file, cwd);
    if (!key || !this.writtenFiles.has(key)) return false;
    this.add(unanalysable(`runs ${key}, a file this command writes`), text, via);
    return true;
  }

  private judge(invocation: Invocation, command: SimpleCommand, via: readonly string[]): void {
    for (const hit of ruleFor(invocation.name)?.(invocation) ?? []) this.add(hit, command.text, via);
    for (const words of spawnedCommands(invocation)) {
      this.command({ ...command, words, cwd: invocation.cwd, stdin: { kind: 'inherited' } }, [
        ...via,
        `${invocation.name} -exec`,
      ]);
    }
  }

  private add(hit: RuleHit, command: string, via: readonly string[]): void {
    const finding: CommandFinding = { ...hit, command, ...(via.length > 0 ? { via: [...via] } : {}) };
    const key = JSON.stringify(finding);
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.findings.push(finding);
  }

  private record(words: readonly ShellWord[]): void {
    this.simpleCommands.push(words.map((word) => word.value ?? word.text));
  }
}

/** A file written or run, by the path it resolves to; null when that path is unknown. */
function fileKey(file: ShellWord, cwd: Cwd): string | null {
  const location = locatePath(file.value, cwd);
  return location.kind === 'unknown' ? null : describeLocation(location, file.text);
}

function unanalysable(reason: string): RuleHit {
  return { category: 'unanalysable', risk: 'HIGH', reason, targets: [ALL_TARGETS] };
}

/**
 * The program a command word names: `/usr/sbin/reboot` is `reboot`. SysV scripts run by path
 * (`/etc/init.d/docker stop`) are the `service` command for that name.
 */
function program(path: string, args: readonly ShellWord[]): Pick<Invocation, 'name' | 'args'> {
  const initScript = /^\/etc\/(?:rc\.d\/)?(?:init\.d|rc\.d)\/([^/]+)$/.exec(path);
  if (initScript?.[1]) return { name: 'service', args: [{ text: initScript[1], value: initScript[1] }, ...args] };
  return { name: path.slice(path.lastIndexOf('/') + 1), args };
}
