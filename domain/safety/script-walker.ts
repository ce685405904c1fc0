/**
 * Walks a parsed script and lists what it would do: every simple command (with the directory and
 * standard input it runs with), every file written through a redirection, and fork bombs. Lists,
 * pipelines, subshells, groups, control structures, function bodies and substitutions are all entered;
 * a command is listed even if the control flow would skip it (`true || reboot`).
 */
import type * as Sh from 'mvdan-sh';
import { locatePath } from './paths.ts';
import {
  binaryOperator,
  parseShell,
  redirectOperator,
  ShellParseError,
  ShellSource,
  substitutionsIn,
  typed,
} from './shell-syntax.ts';
import { heredocText, resolveWord } from './shell-words.ts';
import type { Cwd, ShellWord, StdinSource } from './types.ts';

export interface SimpleCommand {
  readonly words: readonly ShellWord[];
  /** As written in its script. */
  readonly text: string;
  readonly cwd: Cwd;
  readonly stdin: StdinSource;
}

export interface FileWrite {
  readonly target: ShellWord;
  /** `>` and `&>` truncate; `>>`, `&>>` and `<>` do not. */
  readonly mode: 'truncate' | 'append';
  readonly cwd: Cwd;
  /** The statement carrying the redirection, as written. */
  readonly text: string;
}

export interface ScriptContents {
  commands: SimpleCommand[];
  writes: FileWrite[];
  /** Functions that call themselves concurrently (`:(){ :|:& };:`), as written. */
  forkBombs: string[];
}

export interface ScriptStart {
  cwd: Cwd;
  stdin: StdinSource;
}

/** Throws ShellParseError when the script cannot be parsed or uses a construct not understood here. */
export function walkScript(script: string, start: ScriptStart): ScriptContents {
  const walker = new ScriptWalker(new ShellSource(script));
  walker.statements(parseShell(script).Stmts, { ...start, concurrent: false, functions: [] });
  return walker.contents;
}

interface Scope {
  cwd: Cwd;
  stdin: StdinSource;
  /** In a pipeline or a background job: runs alongside its siblings. */
  concurrent: boolean;
  /** Function definitions enclosing this point. */
  functions: readonly { name: string; text: string }[];
}

/**
 * Each visit returns the working directory after the visited code succeeded, so that `cd /tmp && rm -rf x`
 * is known to run in /tmp. Anything less certain (`cd /tmp; rm -rf x`: cd may have failed) yields null.
 */
class ScriptWalker {
  readonly contents: ScriptContents = { commands: [], writes: [], forkBombs: [] };
  /** `exec < file` with no command redirects the shell itself: later statements read from there. */
  private shellStdin: StdinSource | null = null;

  constructor(private readonly source: ShellSource) {}

  statements(statements: readonly Sh.Stmt[], scope: Scope): Cwd {
    let cwd = scope.cwd;
    let afterLast = scope.cwd;
    for (const statement of statements) {
      afterLast = this.statement(statement, { ...scope, cwd, stdin: this.shellStdin ?? scope.stdin });
      cwd = afterLast === cwd ? cwd : null;
    }
    return afterLast;
  }

  private statement(statement: Sh.Stmt, scope: Scope): Cwd {
    let stdin = scope.stdin;
    for (const redirect of statement.Redirs) {
      this.substitutions(redirect.Word, scope);
      if (redirect.Hdoc) this.substitutions(redirect.Hdoc, scope);
      stdin = this.redirect(redirect, scope.cwd, this.source.slice(statement)) ?? stdin;
    }
    const detached = statement.Background || statement.Coprocess;
    const inner: Scope = { ...scope, stdin, concurrent: scope.concurrent || detached };
    const command = statement.Cmd;
    const after = command ? this.command(command, inner) : scope.cwd;
    // A background job runs in a subshell; `! cd x` succeeds when cd failed.
    if (detached) return scope.cwd;
    if (statement.Negated) return after === scope.cwd ? after : null;
    return after;
  }

  /** Records file writes; returns the new standard input if the redirection sets it. */
  private redirect(redirect: Sh.Redirect, cwd: Cwd, text: string): StdinSource | undefined {
    const operator = redirectOperator(redirect);
    const fd = redirect.N?.Value;
    const targets = () => resolveWord(redirect.Word, this.source);
    const write = (mode: FileWrite['mode']) => {
      for (const target of targets()) this.contents.writes.push({ target, mode, cwd, text });
    };
    switch (operator) {
      case '>':
      case '>|':
      case '&>':
        write('truncate');
        return undefined;
      case '>>':
      case '&>>':
      case '<>':
        write('append');
        return undefined;
      case '>&':
        // `2>&1` and `>&-` duplicate or close descriptors; `>& file` is `&> file`.
        if (!targets().every((target) => target.value !== null && /^(?:\d+|-)$/.test(target.value))) write('truncate');
        return undefined;
      case '<&':
        return undefined;
      case '<':
        return fd === undefined || fd === '0' ? { kind: 'file' } : undefined;
      case '<<':
      case '<<-':
        return fd === undefined || fd === '0' ? { kind: 'text', text: heredocText(redirect) } : undefined;
      case '<<<': {
        if (fd !== undefined && fd !== '0') return undefined;
        const [word, ...more] = targets();
        return { kind: 'text', text: word && more.length === 0 && word.value !== null ? `${word.value}\n` : null };
      }
    }
  }

  private command(command: Sh.Command, scope: Scope): Cwd {
    const current = typed(command);
    switch (current.type) {
      case 'CallExpr':
        return this.call(current.node, scope);
      case 'BinaryCmd':
        return this.binary(current.node, scope);
      case 'Block':
        return this.statements(current.node.Stmts, scope);
      case 'Subshell':
        this.statements(current.node.Stmts, scope);
        return scope.cwd;
      case 'IfClause':
        return this.ifClause(current.node, scope);
      case 'WhileClause':
      case 'ForClause': {
        // An iteration may start where the previous one moved to: loop bodies run in an unknown directory.
        const loopScope = { ...scope, cwd: null };
        if (current.type === 'WhileClause') this.statements(current.node.Cond, loopScope);
        else this.substitutions(current.node.Loop, scope);
        this.statements(current.node.Do, loopScope);
        return null;
      }
      case 'CaseClause': {
        this.substitutions(current.node.Word, scope);
        let unchanged = true;
        for (const item of current.node.Items) {
          for (const pattern of item.Patterns) this.substitutions(pattern, scope);
          unchanged = this.statements(item.Stmts, scope) === scope.cwd && unchanged;
        }
        return unchanged ? scope.cwd : null;
      }
      case 'FuncDecl': {
        // Bodies are analysed where they are defined; they may be called from anywhere.
        const functions = [...scope.functions, { name: current.node.Name.Value, text: this.source.slice(command) }];
        this.statement(current.node.Body, { ...scope, cwd: null, functions });
        return scope.cwd;
      }
      case 'TimeClause':
        return current.node.Stmt ? this.statement(current.node.Stmt, scope) : scope.cwd;
      case 'CoprocClause':
        this.statement(current.node.Stmt, { ...scope, concurrent: true });
        return scope.cwd;
      case 'other':
        if (['ArithmCmd', 'TestClause', 'LetClause', 'DeclClause'].includes(current.name)) {
          // These run no program themselves, only the substitutions inside them.
          this.substitutions(command, scope);
          return scope.cwd;
        }
        throw new ShellParseError(`unsupported shell construct: ${current.name}`);
      default:
        throw new ShellParseError(`unexpected ${current.type} in command position`);
    }
  }

  private ifClause(clause: Sh.IfClause, scope: Scope): Cwd {
    const afterCondition = this.statements(clause.Cond, scope);
    const afterThen = this.statements(clause.Then, { ...scope, cwd: afterCondition });
    const elseScope = { ...scope, cwd: afterCondition === scope.cwd ? scope.cwd : null };
    // `elif` and `else` are a nested IfClause (a plain else has no condition).
    const afterElse = clause.Else ? this.ifClause(clause.Else, elseScope) : elseScope.cwd;
    return afterThen === scope.cwd && afterElse === scope.cwd ? scope.cwd : null;
  }

  private binary(command: Sh.BinaryCmd, scope: Scope): Cwd {
    switch (binaryOperator(command)) {
      case '&&':
        return this.statement(command.Y, { ...scope, cwd: this.statement(command.X, scope) });
      case '||': {
        const afterLeft = this.statement(command.X, scope);
        const rightScope = { ...scope, cwd: afterLeft === scope.cwd ? scope.cwd : null };
        const afterRight = this.statement(command.Y, rightScope);
        return afterLeft === scope.cwd && afterRight === scope.cwd ? scope.cwd : null;
      }
      case '|':
      case '|&':
        // Each side of a pipeline runs in its own subshell.
        this.statement(command.X, { ...scope, concurrent: true });
        this.statement(command.Y, { ...scope, stdin: { kind: 'pipe' }, concurrent: true });
        return scope.cwd;
    }
  }

  private call(call: Sh.CallExpr, scope: Scope): Cwd {
    const args = call.Args;
    for (const assign of call.Assigns) this.substitutions(assign, scope);
    for (const arg of args) this.substitutions(arg, scope);
    const words = args.flatMap((arg) => resolveWord(arg, this.source));
    const name = words[0]?.value;
    if (name === undefined) return scope.cwd;
    this.contents.commands.push({ words, text: this.source.slice(call), cwd: scope.cwd, stdin: scope.stdin });
    const recursion = scope.functions.find((fn) => fn.name === name);
    if (recursion && scope.concurrent && !this.contents.forkBombs.includes(recursion.text)) {
      this.contents.forkBombs.push(recursion.text);
    }
    if (name === 'exec' && words.length === 1 && scope.stdin.kind !== 'inherited') this.shellStdin = scope.stdin;
    if (name === 'cd' || name === 'pushd') return changedDirectory(words.slice(1), scope.cwd);
    if (name === 'popd') return null;
    return scope.cwd;
  }

  private substitutions(node: Sh.Node, scope: Scope): void {
    for (const substitution of substitutionsIn(node, this.source)) {
      const stdin: StdinSource = substitution.process ? { kind: 'pipe' } : scope.stdin;
      this.statements(substitution.statements, { ...scope, stdin, concurrent: false });
    }
  }
}

function changedDirectory(args: readonly ShellWord[], cwd: Cwd): Cwd {
  const operands = args.filter((arg) => arg.value === null || !/^-[LPe@]*$/.test(arg.value) || arg.value === '-');
  const [target] = operands.filter((arg) => arg.value !== '--');
  if (!target) return '~';
  if (target.value === '-') return null;
  const location = locatePath(target.value, cwd);
  if (location.kind === 'absolute') return location.path;
  if (location.kind === 'home') return location.path === '' ? '~' : `~/${location.path}`;
  return null;
}
