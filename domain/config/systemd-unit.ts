import type { ParsedConfig, SystemdUnitConfig } from './parsed-config.ts';

/**
 * systemd unit files and drop-ins (systemd.syntax(5)): `[Section]` headers, `Key=value` assignments,
 * `#`/`;` comments, lines continued by a trailing backslash. List settings accumulate over repeated
 * keys and an empty assignment (`ExecStart=`) empties the list, which is how drop-ins replace a command.
 * Environment values are dropped: only their names are kept.
 */

const UNIT_TYPES = new Set([
  'service',
  'socket',
  'device',
  'mount',
  'automount',
  'swap',
  'target',
  'path',
  'timer',
  'slice',
  'scope',
]);

const DEPENDENCY_KEYS = ['After', 'Requires', 'Wants', 'BindsTo', 'PartOf'];

/** Sections that take the exec settings (User=, Environment=, EnvironmentFile=). */
const EXEC_SECTIONS = new Set(['Service', 'Socket', 'Mount', 'Swap']);

class UnitSyntaxError extends Error {
  readonly line: number;
  constructor(message: string, line: number) {
    super(message);
    this.line = line;
  }
}

/**
 * `service` for `nginx.service` or `docker-compose@.service`, and for a drop-in such as
 * `docker.service.d/override.conf`; null when the path names no unit type.
 */
export function unitTypeOf(path: string): string | null {
  const [name = '', directory = ''] = path.split('/').reverse();
  const suffix = name.split('.').at(-1) ?? '';
  if (name.includes('.') && UNIT_TYPES.has(suffix)) return suffix;
  const dropIn = /\.([a-z]+)\.d$/.exec(directory)?.[1];
  return suffix === 'conf' && dropIn !== undefined && UNIT_TYPES.has(dropIn) ? dropIn : null;
}

export function parseSystemdUnit(text: string, fileName: string): ParsedConfig {
  try {
    return { ok: true, data: unitConfig(text, fileName) };
  } catch (error) {
    if (!(error instanceof UnitSyntaxError)) throw error;
    return { ok: false, kind: 'systemd', error: { message: error.message, line: error.line, column: null } };
  }
}

/**
 * Logical lines with the number of their first physical line. A continued line is joined with one
 * space whatever the indentation, so re-wrapping a long ExecStart does not read as a change; comment
 * lines inside a continuation are skipped, as systemd does.
 */
function logicalLines(text: string): Array<{ line: number; content: string }> {
  const result: Array<{ line: number; content: string }> = [];
  let pending: { line: number; content: string } | null = null;
  for (const [index, raw] of text.split(/\r?\n/).entries()) {
    const trimmed = raw.trim();
    if (trimmed.startsWith('#') || trimmed.startsWith(';') || (trimmed === '' && pending === null)) continue;
    const current: { line: number; content: string } = pending ?? { line: index + 1, content: '' };
    // An odd number of trailing backslashes continues the line; `\\` is an escaped backslash.
    const continued = /(?:^|[^\\])(?:\\\\)*\\$/.test(raw);
    const piece = (continued ? raw.slice(0, -1) : raw).trim();
    if (piece !== '') current.content = current.content === '' ? piece : `${current.content} ${piece}`;
    if (continued) {
      pending = current;
    } else {
      pending = null;
      result.push(current);
    }
  }
  if (pending !== null) result.push(pending);
  return result;
}

/** Words as systemd splits Environment=: whitespace-separated, quotes group, backslash escapes. */
function words(value: string): string[] {
  const result: string[] = [];
  let current: string | null = null;
  let quote: string | null = null;
  for (let i = 0; i < value.length; i++) {
    const char = value[i] ?? '';
    if (char === '\\') {
      current = (current ?? '') + (value[i + 1] ?? '');
      i++;
    } else if (quote !== null) {
      if (char === quote) quote = null;
      else current = (current ?? '') + char;
    } else if (char === '"' || char === "'") {
      quote = char;
      current = current ?? '';
    } else if (/\s/.test(char)) {
      if (current !== null) result.push(current);
      current = null;
    } else {
      current = (current ?? '') + char;
    }
  }
  if (current !== null) result.push(current);
  return result;
}

function unitConfig(text: string, fileName: string): SystemdUnitConfig {
  const config: SystemdUnitConfig = {
    kind: 'systemd',
    unit_type: unitTypeOf(fileName) ?? 'unknown',
    description: null,
    exec_start: [],
    user: null,
    restart: null,
    wanted_by: [],
    dependencies: {},
    environment_keys: [],
    environment_files: [],
  };
  const dependencies = new Map<string, string[]>();
  let section: string | null = null;

  for (const { line, content } of logicalLines(text)) {
    if (content.startsWith('[')) {
      if (!content.endsWith(']')) throw new UnitSyntaxError(`malformed section header: ${content}`, line);
      section = content.slice(1, -1);
      continue;
    }
    if (section === null) throw new UnitSyntaxError('assignment outside of any [section]', line);
    const eq = content.indexOf('=');
    if (eq === -1) throw new UnitSyntaxError('line is not a Key=value assignment', line);
    const key = content.slice(0, eq).trim();
    const value = content.slice(eq + 1).trim();
    // An empty assignment resets a list setting, or a single setting to its default.
    const reset = value === '';

    if (section === 'Unit' && key === 'Description') {
      config.description = reset ? null : value;
    } else if (section === 'Unit' && DEPENDENCY_KEYS.includes(key)) {
      dependencies.set(key, reset ? [] : [...(dependencies.get(key) ?? []), ...value.split(/\s+/)]);
    } else if (section === 'Service' && key === 'ExecStart') {
      config.exec_start = reset ? [] : [...config.exec_start, value];
    } else if (section === 'Service' && key === 'Restart') {
      config.restart = reset ? null : value;
    } else if (section === 'Install' && key === 'WantedBy') {
      config.wanted_by = reset ? [] : [...config.wanted_by, ...value.split(/\s+/)];
    } else if (EXEC_SECTIONS.has(section) && key === 'User') {
      config.user = reset ? null : value;
    } else if (EXEC_SECTIONS.has(section) && key === 'Environment') {
      // Words without `=` are invalid and ignored by systemd; the values are never kept.
      const names = words(value).flatMap((word) => (word.includes('=') ? [word.slice(0, word.indexOf('='))] : []));
      config.environment_keys = reset ? [] : [...new Set([...config.environment_keys, ...names])];
    } else if (EXEC_SECTIONS.has(section) && key === 'EnvironmentFile') {
      // Kept as written: a leading `-` (the file may be missing) is part of the setting.
      config.environment_files = reset ? [] : [...config.environment_files, value];
    }
  }
  for (const key of DEPENDENCY_KEYS) {
    const units = dependencies.get(key);
    if (units && units.length > 0) config.dependencies[key] = units;
  }
  return config;
}
