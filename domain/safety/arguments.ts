/** getopt-style reading of a command's words, shared by the wrappers and the rule families. */
import type { ShellWord } from './types.ts';

export interface ArgumentSpec {
  /** Options taking a value: short (`-u`, also `-uroot`) or long (`--user`, also `--user=root`). */
  readonly valued?: readonly string[];
  /** Stop at the first operand: the rest is another command's argv (sudo, timeout, ...). */
  readonly stopAtOperand?: boolean;
}

export class ParsedArguments {
  constructor(
    /** Option name → values (null for flags, or values only known at run time). */
    private readonly options: ReadonlyMap<string, readonly (string | null)[]>,
    /** Non-option words; with `stopAtOperand`, empty. */
    readonly operands: readonly ShellWord[],
    /** With `stopAtOperand`: the words from the first operand on (after a `--`). */
    readonly rest: readonly ShellWord[],
  ) {}

  has(...names: string[]): boolean {
    return names.some((name) => this.options.has(name));
  }

  /** The last value given to any of these options; undefined when absent. */
  value(...names: string[]): string | null | undefined {
    let found: string | null | undefined;
    for (const name of names) {
      const values = this.options.get(name);
      if (values && values.length > 0) found = values[values.length - 1];
    }
    return found;
  }

  values(...names: string[]): (string | null)[] {
    return names.flatMap((name) => this.options.get(name) ?? []);
  }
}

/**
 * Splits words into options and operands. Short flags may be clustered (`-rf`). A word only known at
 * run time is an operand: an option hiding in `$OPTS` cannot be seen anyway.
 */
export function parseArguments(args: readonly ShellWord[], spec: ArgumentSpec = {}): ParsedArguments {
  const valued = new Set(spec.valued ?? []);
  const options = new Map<string, (string | null)[]>();
  const operands: ShellWord[] = [];
  const add = (name: string, value: string | null) => options.set(name, [...(options.get(name) ?? []), value]);

  for (let index = 0; index < args.length; index++) {
    const word = args[index] as ShellWord;
    const text = word.value;
    if (text === '--') {
      const after = args.slice(index + 1);
      return spec.stopAtOperand
        ? new ParsedArguments(options, [], after)
        : new ParsedArguments(options, [...operands, ...after], []);
    }
    if (text === null || text === '-' || !text.startsWith('-')) {
      if (spec.stopAtOperand) return new ParsedArguments(options, [], args.slice(index));
      operands.push(word);
      continue;
    }
    const nextValue = () => {
      index++;
      return args[index]?.value ?? null;
    };
    if (text.startsWith('--')) {
      const equals = text.indexOf('=');
      if (equals > 0) add(text.slice(0, equals), text.slice(equals + 1));
      else add(text, valued.has(text) ? nextValue() : null);
      continue;
    }
    for (let position = 1; position < text.length; position++) {
      const name = `-${text[position]}`;
      if (!valued.has(name)) {
        add(name, null);
        continue;
      }
      const attached = text.slice(position + 1);
      add(name, attached === '' ? nextValue() : attached);
      break;
    }
  }
  return new ParsedArguments(options, operands, []);
}

/** Leading `NAME=value` words (for `env`, `sudo`). */
export function withoutAssignments(words: readonly ShellWord[]): readonly ShellWord[] {
  // `X=$(date)` is still an assignment although its value is unknown: then test the written text.
  const firstCommand = words.findIndex((word) => !/^[A-Za-z_][A-Za-z0-9_]*=/.test(word.value ?? word.text));
  return firstCommand < 0 ? [] : words.slice(firstCommand);
}

/** Target list entry for a word: its value, or its source text when only known at run time. */
export const targetOf = (word: ShellWord): string => word.value ?? word.text;
