import type { CommandOutput } from './collector.ts';
import { CollectorParseError } from './parse-error.ts';

/**
 * Collector scripts print their findings as sections: a marker line `@@name`, then that section's lines.
 * The last line is always `@@end`, so output cut short by a timeout or a dropped connection is caught
 * instead of being read as "nothing there".
 */
export const END_MARKER = '@@end';
const MARKER_PREFIX = '@@';

export class Sections {
  constructor(
    private readonly dataType: string,
    private readonly byName: ReadonlyMap<string, readonly string[]>,
  ) {}

  has(name: string): boolean {
    return this.byName.has(name);
  }

  /** The section's non-blank lines; throws when the script never printed the section. */
  lines(name: string): readonly string[] {
    const lines = this.byName.get(name);
    if (!lines) throw new CollectorParseError(this.dataType, `section ${MARKER_PREFIX}${name} is missing`);
    return lines;
  }

  /** Like `lines`, for sections that are meaningless when empty (a /proc file, a counter). */
  nonEmptyLines(name: string): readonly string[] {
    const lines = this.lines(name);
    if (lines.length === 0) throw new CollectorParseError(this.dataType, `section ${MARKER_PREFIX}${name} is empty`);
    return lines;
  }
}

/**
 * Splits stdout into sections. Lines before the first marker are dropped: login files on some devices
 * print banners even for non-interactive commands.
 */
export function splitSections(dataType: string, output: CommandOutput): Sections {
  const byName = new Map<string, string[]>();
  let current: string[] | undefined;
  let ended = false;
  for (const rawLine of output.stdout.split('\n')) {
    const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    if (line === END_MARKER) {
      ended = true;
      break;
    }
    if (line.startsWith(MARKER_PREFIX)) {
      const name = line.slice(MARKER_PREFIX.length).trim();
      if (byName.has(name)) throw new CollectorParseError(dataType, `section ${line} appears twice`, line);
      current = [];
      byName.set(name, current);
    } else if (current && line.trim() !== '') {
      current.push(line);
    }
  }
  if (!ended) {
    throw new CollectorParseError(
      dataType,
      `output truncated: no ${END_MARKER} line (exit code ${output.exitCode ?? 'none'})`,
      excerptOf(output.stderr ? `${output.stdout.slice(-500)}\n[stderr]\n${output.stderr}` : output.stdout.slice(-500)),
    );
  }
  return new Sections(dataType, byName);
}

/** Parses a non-negative decimal number (optionally with a fraction); anything else is a parse error, never 0. */
export function parseNumber(dataType: string, text: string | undefined, what: string): number {
  if (text === undefined || !/^\d+(\.\d+)?$/.test(text)) {
    throw new CollectorParseError(dataType, `${what}: expected a number, got ${JSON.stringify(text ?? null)}`, text);
  }
  return Number(text);
}

/** Bounded excerpt for error messages, so a huge output never lands whole in the audit log. */
export function excerptOf(text: string, maxLength = 1000): string {
  return text.length <= maxLength ? text : `${text.slice(0, maxLength)}…`;
}

/** Rounds a percentage or rate to two decimals for storage and display. */
export function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

/**
 * Shell lines defining `run SECTION COMMAND...`: it prints the command's stdout as @@SECTION, then
 * @@SECTION-status (exit status) and @@SECTION-stderr, so the parser can tell failures from empty output.
 */
export const RUN_SECTION_PRELUDE = [
  'stderr_file=$(mktemp) || exit 1',
  `trap 'rm -f "$stderr_file"' EXIT`,
  'run() {',
  '  section=$1; shift',
  '  output=$("$@" 2>"$stderr_file"); status=$?',
  `  printf '@@%s\\n%s\\n@@%s-status\\n%s\\n@@%s-stderr\\n%s\\n' "$section" "$output" "$section" "$status" "$section" "$(cat "$stderr_file")"`,
  '}',
];

/** What one `run` section reported. */
export interface SectionCommandResult {
  stdoutLines: readonly string[];
  status: number;
  stderr: string;
}

export function sectionCommandResult(dataType: string, sections: Sections, name: string): SectionCommandResult {
  return {
    stdoutLines: sections.lines(name),
    status: parseNumber(dataType, sections.nonEmptyLines(`${name}-status`)[0], `exit status of ${name}`),
    stderr: sections.lines(`${name}-stderr`).join('\n'),
  };
}

/** A failed command as a parse error naming it, its exit status and the first line it wrote to stderr. */
export function sectionCommandError(
  dataType: string,
  command: string,
  result: SectionCommandResult,
): CollectorParseError {
  const stderr = result.stderr.trim();
  return new CollectorParseError(
    dataType,
    `${command} failed with exit status ${result.status}: ${stderr.split('\n')[0] || 'no error output'}`,
    excerptOf(stderr),
  );
}

/**
 * `grep -H . FILE...` lines (`/sys/class/hwmon/hwmon0/temp1_input:45000`) grouped by directory:
 * directory → attribute file name → value. sysfs attributes hold one line each, and the paths the
 * scripts read (/sys/class/...) contain no colon, so the first colon ends the path.
 */
export function sysfsAttributes(dataType: string, lines: readonly string[]): Map<string, Map<string, string>> {
  const byDirectory = new Map<string, Map<string, string>>();
  for (const line of lines) {
    const colon = line.indexOf(':');
    const path = colon < 0 ? '' : line.slice(0, colon);
    const slash = path.lastIndexOf('/');
    if (!path.startsWith('/sys/') || slash < 0)
      throw new CollectorParseError(dataType, 'unreadable sysfs line (expected PATH:VALUE)', excerptOf(line));
    const directory = path.slice(0, slash);
    const attributes = byDirectory.get(directory) ?? new Map<string, string>();
    attributes.set(path.slice(slash + 1), line.slice(colon + 1).trim());
    byDirectory.set(directory, attributes);
  }
  return byDirectory;
}
