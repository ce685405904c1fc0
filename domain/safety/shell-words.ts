/**
 * The static value of shell words: quote removal, `$'...'` decoding, brace expansion (`/srv/{a,b}`,
 * `app{1..3}`) and here-document bodies. Brace expansion is done here on the parsed parts rather than
 * with the parser's SplitBraces, which mangles words such as `/tmp/{a,../../etc}`.
 */
import type * as Sh from 'mvdan-sh';
import { typed, type ShellSource, type TypedNode } from './shell-syntax.ts';
import type { ShellWord } from './types.ts';

/** One character of a word (quoted characters never take part in brace expansion), or null for a part only known at run time. */
type Piece = { char: string; quoted: boolean } | null;

/** Brace expansion can multiply words; past this many the word is treated as unknown. */
const MAX_BRACE_WORDS = 256;

/** The words a shell word stands for after brace expansion and quote removal (not globbing). */
export function resolveWord(word: Sh.Word, source: ShellSource): ShellWord[] {
  const text = source.slice(word);
  const expansions = expandBraces(piecesOf(word.Parts));
  if (expansions === null) return [{ text, value: null }];
  return expansions.map((pieces) => ({
    text,
    value: pieces.every((piece) => piece !== null) ? pieces.map((piece) => piece.char).join('') : null,
  }));
}

function piecesOf(parts: readonly Sh.Node[]): Piece[] {
  const pieces: Piece[] = [];
  const add = (text: string, quoted: boolean) => pieces.push(...[...text].map((char) => ({ char, quoted })));
  for (const [index, part] of parts.entries()) {
    const current = typed(part);
    switch (current.type) {
      case 'Lit':
        // Unquoted text: a backslash quotes the next character; backslash-newline disappears.
        for (const [, escaped, plain] of current.node.Value.matchAll(/\\(\n|.)|(.)/gs)) {
          if (plain !== undefined) add(plain, false);
          else if (escaped !== '\n' && escaped !== undefined) add(escaped, true);
        }
        break;
      case 'SglQuoted':
        add(current.node.Dollar ? decodeAnsiC(current.node.Value) : current.node.Value, true);
        break;
      case 'DblQuoted':
        for (const [childIndex, child] of current.node.Parts.entries()) {
          const inner = typed(child);
          if (inner.type === 'Lit') add(unescapeDoubleQuoted(inner.node.Value), true);
          else if (index === 0 && childIndex === 0 && isHomeReference(inner)) add('~', false);
          else pieces.push(null);
        }
        break;
      case 'other':
        // Extended globs such as !(x) match like `*` for the purpose of targets.
        if (current.name === 'ExtGlob') add('*', false);
        else pieces.push(null);
        break;
      default:
        if (index === 0 && isHomeReference(current)) add('~', false);
        else pieces.push(null);
    }
  }
  return pieces;
}

/** `$HOME` / `${HOME}` starting a word is the home directory, written `~` in paths. */
function isHomeReference(part: TypedNode): boolean {
  if (part.type !== 'ParamExp') return false;
  const { node } = part;
  const plain = !node.Excl && !node.Length && !node.Width && !node.Index && !node.Slice && !node.Repl && !node.Exp;
  return plain && node.Param?.Value === 'HOME';
}

const isUnquoted = (piece: Piece | undefined, char: string): boolean => !!piece && !piece.quoted && piece.char === char;

/** Bash brace expansion, leftmost group first; null when it would produce too many words. */
function expandBraces(pieces: Piece[]): Piece[][] | null {
  for (let open = 0; open < pieces.length; open++) {
    if (!isUnquoted(pieces[open], '{')) continue;
    const group = braceGroup(pieces, open);
    if (!group) continue;
    const prefix = pieces.slice(0, open);
    const suffix = pieces.slice(group.close + 1);
    const results: Piece[][] = [];
    for (const alternative of group.alternatives) {
      const expanded = expandBraces([...alternative, ...suffix]);
      if (expanded === null) return null;
      for (const rest of expanded) results.push([...prefix, ...rest]);
      if (results.length > MAX_BRACE_WORDS) return null;
    }
    return results;
  }
  return [pieces];
}

/** The group opening at `open`: `{a,b}` or `{1..5}`; null when bash would leave the brace literal. */
function braceGroup(pieces: readonly Piece[], open: number): { close: number; alternatives: Piece[][] } | null {
  let depth = 0;
  const commas: number[] = [];
  for (let index = open + 1; index < pieces.length; index++) {
    const piece = pieces[index];
    if (isUnquoted(piece, '{')) depth++;
    else if (isUnquoted(piece, '}') && depth > 0) depth--;
    else if (isUnquoted(piece, ',') && depth === 0) commas.push(index);
    else if (isUnquoted(piece, '}')) {
      if (commas.length > 0) {
        const bounds = [open, ...commas, index];
        return {
          close: index,
          alternatives: bounds.slice(1).map((end, i) => pieces.slice((bounds[i] ?? open) + 1, end)),
        };
      }
      const sequence = sequenceValues(pieces.slice(open + 1, index));
      if (sequence === undefined) return null;
      return {
        close: index,
        alternatives:
          sequence === null ? [[null]] : sequence.map((value) => [...value].map((char) => ({ char, quoted: true }))),
      };
    }
  }
  return null;
}

/**
 * `{1..10}`, `{01..10..2}`, `{a..e}`: the values, null when too many, undefined when not a sequence
 * (the braces are then literal).
 */
function sequenceValues(inner: readonly Piece[]): string[] | null | undefined {
  if (inner.some((piece) => piece === null || piece.quoted)) return undefined;
  const text = inner.map((piece) => piece?.char).join('');
  const numeric = /^(-?\d+)\.\.(-?\d+)(?:\.\.(-?\d+))?$/.exec(text);
  const letters = /^([a-zA-Z])\.\.([a-zA-Z])(?:\.\.(-?\d+))?$/.exec(text);
  const match = numeric ?? letters;
  if (!match) return undefined;
  const [, from = '', to = '', increment] = match;
  const [start, end] = numeric ? [Number(from), Number(to)] : [from.charCodeAt(0), to.charCodeAt(0)];
  const step = Math.abs(Number(increment ?? 1)) || 1;
  if (Math.abs(end - start) / step >= MAX_BRACE_WORDS) return null;
  const width = numeric && /^-?0\d/.test(from + ' ' + to) ? Math.max(from.length, to.length) : 0;
  const values: string[] = [];
  for (let value = start; start <= end ? value <= end : value >= end; value += start <= end ? step : -step) {
    values.push(numeric ? String(value).padStart(width, '0') : String.fromCharCode(value));
  }
  return values;
}

/** Inside double quotes (and unquoted here-documents) a backslash only escapes $ ` " \ and newline. */
function unescapeDoubleQuoted(value: string): string {
  return value.replace(/\\([$`"\\\n])/g, (_, char: string) => (char === '\n' ? '' : char));
}

const ANSI_C_ESCAPES: Record<string, string> = {
  a: '\x07',
  b: '\b',
  e: '\x1b',
  E: '\x1b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
  "'": "'",
  '"': '"',
  '?': '?',
};

/** `$'...'` strings, so that `bash -c $'reboot\n'` is read as what bash runs. */
function decodeAnsiC(value: string): string {
  return value.replace(
    /\\(x[0-9a-fA-F]{1,2}|u[0-9a-fA-F]{1,4}|U[0-9a-fA-F]{1,8}|[0-7]{1,3}|c.|.)/gs,
    (escape, body: string) => {
      if (/^[xuU]/.test(body)) {
        const codePoint = parseInt(body.slice(1), 16);
        return codePoint <= 0x10ffff ? String.fromCodePoint(codePoint) : escape;
      }
      if (/^[0-7]/.test(body)) return String.fromCharCode(parseInt(body, 8));
      if (body.startsWith('c') && body.length === 2) return String.fromCharCode(body.charCodeAt(1) & 0x1f);
      return ANSI_C_ESCAPES[body] ?? escape;
    },
  );
}

/**
 * The text a here-document feeds to its command, or null when it holds expansions. With a quoted
 * delimiter (`<<'EOF'`) the body is verbatim; otherwise backslashes work as inside double quotes.
 */
export function heredocText(redirect: Sh.Redirect): string | null {
  if (!redirect.Hdoc) return '';
  const delimiterQuoted = redirect.Word.Parts.some((part) => {
    const current = typed(part);
    return current.type !== 'Lit' || current.node.Value.includes('\\');
  });
  let text = '';
  for (const part of redirect.Hdoc.Parts) {
    const current = typed(part);
    if (current.type !== 'Lit') return null;
    text += delimiterQuoted ? current.node.Value : unescapeDoubleQuoted(current.node.Value);
  }
  return text;
}
