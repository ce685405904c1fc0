/**
 * Thin typed layer over the mvdan/sh parser (npm `mvdan-sh`): parsing, node-type narrowing, operator
 * names, substitutions. The static value of words is worked out in `shell-words.ts`.
 */
import { createRequire } from 'node:module';
import type * as Sh from 'mvdan-sh';

const require = createRequire(import.meta.url);
let loadedSyntax: typeof Sh.syntax | null = null;

/**
 * The parser, loaded when the first command is analysed rather than at start: it is a Go program
 * compiled to JavaScript that holds about 14 MB, which a system that is only polling never uses.
 */
function syntax(): typeof Sh.syntax {
  loadedSyntax ??= (require('mvdan-sh') as typeof Sh.default).syntax;
  return loadedSyntax;
}

export class ShellParseError extends Error {
  override readonly name = 'ShellParseError';
}

/** The source text of a parsed script; node positions are UTF-8 byte offsets into it. */
export class ShellSource {
  private readonly bytes: Buffer;

  constructor(text: string) {
    this.bytes = Buffer.from(text, 'utf8');
  }

  slice(node: Sh.Node): string {
    return this.bytes.subarray(node.Pos().Offset(), node.End().Offset()).toString('utf8');
  }
}

export function parseShell(source: string): Sh.File {
  try {
    // A fresh parser per script: nested scripts are parsed while an outer tree is still in use.
    return syntax().NewParser().Parse(source, '');
  } catch (error) {
    throw new ShellParseError(isParserError(error) ? error.Error() : String(error));
  }
}

function isParserError(error: unknown): error is Sh.ParseError {
  return typeof error === 'object' && error !== null && typeof (error as { Error?: unknown }).Error === 'function';
}

interface NodeTypes {
  CallExpr: Sh.CallExpr;
  BinaryCmd: Sh.BinaryCmd;
  Subshell: Sh.Subshell;
  Block: Sh.Block;
  IfClause: Sh.IfClause;
  WhileClause: Sh.WhileClause;
  ForClause: Sh.ForClause;
  CaseClause: Sh.CaseClause;
  FuncDecl: Sh.FuncDecl;
  TimeClause: Sh.TimeClause;
  CoprocClause: Sh.CoprocClause;
  Lit: Sh.Lit;
  SglQuoted: Sh.SglQuoted;
  DblQuoted: Sh.DblQuoted;
  ParamExp: Sh.ParamExp;
  CmdSubst: Sh.CmdSubst;
  ProcSubst: Sh.ProcSubst;
}

const NODE_TYPES = new Set<string>([
  'CallExpr',
  'BinaryCmd',
  'Subshell',
  'Block',
  'IfClause',
  'WhileClause',
  'ForClause',
  'CaseClause',
  'FuncDecl',
  'TimeClause',
  'CoprocClause',
  'Lit',
  'SglQuoted',
  'DblQuoted',
  'ParamExp',
  'CmdSubst',
  'ProcSubst',
] satisfies (keyof NodeTypes)[]);

/** A node with its Go type name; `other` for types handled generically (ExtGlob, TestClause...). */
export type TypedNode =
  | { [K in keyof NodeTypes]: { type: K; node: NodeTypes[K] } }[keyof NodeTypes]
  | { type: 'other'; name: string; node: Sh.Node };

/**
 * Every NodeType call and property read crosses the GopherJS boundary and copies data, so a node's type
 * is asked once and switched on.
 */
export function typed(node: Sh.Node): TypedNode {
  const name = syntax().NodeType(node);
  return (NODE_TYPES.has(name) ? { type: name, node } : { type: 'other', name, node }) as TypedNode;
}

/**
 * Operators are Go token numbers that differ between parser releases, so they are learnt by parsing one
 * sample per operator, once, when first needed.
 */
function probeOperators<T extends string>(
  samples: Record<T, string>,
  read: (file: Sh.File) => number,
): () => Map<number, T> {
  let byCode: Map<number, T> | null = null;
  return () => {
    if (byCode) return byCode;
    byCode = new Map<number, T>();
    for (const [operator, sample] of Object.entries(samples) as [T, string][])
      byCode.set(read(parseShell(sample)), operator);
    return byCode;
  };
}

export type RedirectOperator = '>' | '>>' | '<' | '<>' | '<&' | '>&' | '>|' | '<<' | '<<-' | '<<<' | '&>' | '&>>';

const REDIRECT_OPERATORS = probeOperators<RedirectOperator>(
  {
    '>': ': >x',
    '>>': ': >>x',
    '<': ': <x',
    '<>': ': <>x',
    '<&': ': <&0',
    '>&': ': >&2',
    '>|': ': >|x',
    '<<': ': <<E\nE',
    '<<-': ': <<-E\nE',
    '<<<': ': <<<x',
    '&>': ': &>x',
    '&>>': ': &>>x',
  },
  (file) => file.Stmts[0]?.Redirs[0]?.Op ?? -1,
);

export type BinaryOperator = '&&' | '||' | '|' | '|&';

const BINARY_OPERATORS = probeOperators<BinaryOperator>(
  { '&&': 'a && b', '||': 'a || b', '|': 'a | b', '|&': 'a |& b' },
  (file) => (file.Stmts[0]?.Cmd as Sh.BinaryCmd | undefined)?.Op ?? -1,
);

export function redirectOperator(redirect: Sh.Redirect): RedirectOperator {
  const operator = REDIRECT_OPERATORS().get(redirect.Op);
  if (!operator) throw new ShellParseError(`unknown redirection operator ${redirect.Op}`);
  return operator;
}

export function binaryOperator(command: Sh.BinaryCmd): BinaryOperator {
  const operator = BINARY_OPERATORS().get(command.Op);
  if (!operator) throw new ShellParseError(`unknown binary operator ${command.Op}`);
  return operator;
}

/** A script run by a substitution: `$(...)`, `` `...` ``, or a process substitution `<(...)` / `>(...)`. */
export interface Substitution {
  statements: Sh.Stmt[];
  /** Process substitutions may read what the outer command writes. */
  process: boolean;
}

/** Without one of these in its text, a node holds no substitution and the costly tree walk is skipped. */
const SUBSTITUTION_SYNTAX = /\$\(|`|[<>]\(/;

/** Substitutions anywhere inside a node (words, assignments, tests, arithmetic, here-document bodies). */
export function substitutionsIn(node: Sh.Node, source: ShellSource): Substitution[] {
  if (!SUBSTITUTION_SYNTAX.test(source.slice(node))) return [];
  const found: Substitution[] = [];
  syntax().Walk(node, (child) => {
    if (child === null) return true;
    const current = typed(child);
    if (current.type !== 'CmdSubst' && current.type !== 'ProcSubst') return true;
    found.push({ statements: current.node.Stmts, process: current.type === 'ProcSubst' });
    return false;
  });
  return found;
}
