import { parseArgs } from 'node:util';
import { SEE_HELP, UsageError } from './cli/api.ts';
import { COMMANDS, type Command } from './cli/commands.ts';

/**
 * `infra`: a thin client of the HTTP API (INFRA_API_URL, default http://127.0.0.1:$API_PORT). It never
 * talks to devices or the database itself, so what it does is audited like any API call (trigger `cli`).
 * When the API requires tokens, INFRA_API_TOKEN carries one. The commands are a table
 * (`cli/commands.ts`): each its usage lines, its options and its handler; the help text, the words that
 * choose a command and its usage errors all come from its usage lines.
 */
const USAGE = `usage:\n${COMMANDS.flatMap((command) => command.usage.split('\n'))
  .map((line) => `  ${line}`)
  .join('\n')}\n`;

/** A command's first usage line without its description: `infra device rm <hostname>`. */
const synopsisOf = (command: Command): string =>
  command.usage
    .split('\n')[0]!
    .trim()
    .split(/\s{2,}/)[0]!;

/** The literal words that choose a command, each with its alternatives: `stacks pull|restart|down` → [[stacks], [pull, restart, down]]. */
function wordsOf(command: Command): string[][] {
  const words = synopsisOf(command).split(' ').slice(1);
  const literal = words.findIndex((word) => !/^[a-z][a-z-]*(?:\|[a-z][a-z-]*)*$/.test(word));
  return words.slice(0, literal < 0 ? words.length : literal).map((word) => word.split('|'));
}

/** Node's parseArgs complaint (`Unknown option '--bogus'`) as ours, or null for any other error. */
function optionMistake(err: unknown): string | null {
  const { code, message } = err as { code?: unknown; message?: string };
  const quoted = /'([^']*)'/.exec(message ?? '')?.[1] ?? '';
  switch (code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option ${quoted}`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return /argument missing/.test(message ?? '')
        ? `option ${quoted.split(' ')[0]} needs a value`
        : `option ${quoted} takes no value`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument ${quoted}`;
    default:
      return null;
  }
}

async function main(argv: string[]): Promise<void> {
  const [group] = argv;
  // `--help` among a command's options asks for help too; exec's words (with or without `--`) are the device's.
  const options = argv.includes('--') ? argv.slice(0, argv.indexOf('--')) : argv;
  if (
    group === undefined ||
    ['help', '--help', '-h'].includes(group) ||
    (group !== 'exec' && options.includes('--help'))
  ) {
    process.stdout.write(USAGE);
    return;
  }
  const command = COMMANDS.find((candidate) =>
    wordsOf(candidate).every((alternatives, i) => alternatives.includes(argv[i] ?? '')),
  );
  if (!command) {
    // A command of a known group called wrongly: the group's first usage line shows its form.
    const ofGroup = COMMANDS.find((candidate) => wordsOf(candidate)[0]?.includes(group));
    throw new UsageError(
      ofGroup ? `usage: ${synopsisOf(ofGroup)}; ${SEE_HELP}` : `unknown command ${group}; ${SEE_HELP}`,
    );
  }
  const chosen = argv.slice(0, wordsOf(command).length);
  const args = argv.slice(chosen.length);
  const dash = command.tail ? args.indexOf('--') : -1;
  const own = dash >= 0 ? args.slice(0, dash) : args;
  const { values, positionals } = command.options
    ? parseArgs({ args: own, options: command.options, allowPositionals: command.allowPositionals ?? true })
    : { values: {}, positionals: own };
  await command.run({
    verb: chosen.at(-1) ?? '',
    positionals,
    values,
    tail: dash >= 0 ? args.slice(dash + 1) : null,
    usage: () => new UsageError(`usage: ${synopsisOf(command)}; ${SEE_HELP}`),
  });
}

try {
  await main(process.argv.slice(2));
} catch (err) {
  const mistake = optionMistake(err);
  const usageError = err instanceof UsageError || mistake !== null;
  const message = mistake === null ? (err as Error).message : `${mistake}; ${SEE_HELP}`;
  // One line, whatever the error: the cause and what to do, never a stack.
  process.stderr.write(`${message.replace(/\s*\n\s*/g, ' ')}\n`);
  process.exitCode = usageError ? 2 : 1;
}
