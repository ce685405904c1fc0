/**
 * Types for the parts of `mvdan-sh` (GopherJS build of mvdan.cc/sh/v3/syntax) that the command analysis
 * uses. The package ships no types. Nodes are the Go structs; `syntax.NodeType(node)` names the Go type
 * (e.g. `CallExpr`). Operators are Go token numbers: see `shell-syntax.ts`, which learns them by probing.
 */
declare module 'mvdan-sh' {
  export interface Pos {
    Offset(): number;
  }

  export interface Node {
    Pos(): Pos;
    End(): Pos;
  }

  export interface File extends Node {
    Stmts: Stmt[];
  }

  export interface Stmt extends Node {
    Cmd: Command | null;
    Redirs: Redirect[];
    Background: boolean;
    Coprocess: boolean;
    Negated: boolean;
  }

  /** Any command node: CallExpr, BinaryCmd, Subshell, Block, IfClause, ... — narrowed via NodeType. */
  export type Command = Node;

  export interface CallExpr extends Node {
    Assigns: Assign[];
    Args: Word[];
  }

  export interface BinaryCmd extends Node {
    Op: number;
    X: Stmt;
    Y: Stmt;
  }

  export interface Subshell extends Node {
    Stmts: Stmt[];
  }

  export interface Block extends Node {
    Stmts: Stmt[];
  }

  export interface IfClause extends Node {
    Cond: Stmt[];
    Then: Stmt[];
    Else: IfClause | null;
  }

  export interface WhileClause extends Node {
    Cond: Stmt[];
    Do: Stmt[];
  }

  export interface ForClause extends Node {
    /** WordIter or CStyleLoop. */
    Loop: Node;
    Do: Stmt[];
  }

  export interface CaseClause extends Node {
    Word: Word;
    Items: CaseItem[];
  }

  export interface CaseItem extends Node {
    Patterns: Word[];
    Stmts: Stmt[];
  }

  export interface FuncDecl extends Node {
    Name: Lit;
    Body: Stmt;
  }

  export interface TimeClause extends Node {
    Stmt: Stmt | null;
  }

  export interface CoprocClause extends Node {
    Stmt: Stmt;
  }

  export interface Assign extends Node {
    Value: Word | null;
  }

  export interface Redirect extends Node {
    Op: number;
    /** File descriptor written before the operator, e.g. the `2` of `2>`. */
    N: Lit | null;
    Word: Word;
    /** Body of a here-document. */
    Hdoc: Word | null;
  }

  export interface Word extends Node {
    Parts: Node[];
  }

  export interface Lit extends Node {
    Value: string;
  }

  export interface SglQuoted extends Node {
    Value: string;
    /** `$'...'` (ANSI-C quoting). */
    Dollar: boolean;
  }

  export interface DblQuoted extends Node {
    Parts: Node[];
  }

  export interface ParamExp extends Node {
    Param: Lit | null;
    Short: boolean;
    Excl: boolean;
    Length: boolean;
    Width: boolean;
    Index: Node | null;
    Slice: Node | null;
    Repl: Node | null;
    Exp: Node | null;
  }

  export interface CmdSubst extends Node {
    Stmts: Stmt[];
  }

  export interface ProcSubst extends Node {
    Op: number;
    Stmts: Stmt[];
  }

  export interface ParseError {
    Error(): string;
  }

  export interface Parser {
    Parse(source: string, name: string): File;
  }

  export const syntax: {
    NewParser(): Parser;
    NodeType(node: Node): string;
    /** Depth-first; the callback gets `null` after a node's children. Returning false skips the children. */
    Walk(node: Node, visit: (node: Node | null) => boolean): void;
  };

  const sh: { syntax: typeof syntax };
  export default sh;
}
