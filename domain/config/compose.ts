import { isNode, LineCounter, parseDocument, visit, type Alias, type Document } from 'yaml';
import {
  type ComposeConfig,
  type ComposePort,
  type ComposeService,
  type ParsedConfig,
  REDACTED,
} from './parsed-config.ts';

/**
 * Docker Compose files (v2/v3 and the Compose Spec) as services with their images, ports, volumes,
 * networks and dependencies. Values are read after YAML anchors, aliases and `<<` merge keys are
 * resolved, so a service that takes its restart policy or environment from an `x-*` block reads the
 * same as one that spells it out. Environment values are dropped: only their names are kept.
 */

/** Where a value sits in the document, e.g. `['services', 'web', 'ports', 0]`. */
type Path = ReadonlyArray<string | number>;

/** Valid YAML that is not shaped like a compose file; `path` names the offending node when there is one. */
class ComposeShapeError extends Error {
  readonly path: Path | null;
  constructor(message: string, path: Path | null) {
    super(message);
    this.path = path;
  }
}

/**
 * Label keys whose values are credentials (Traefik `basicauth.users` hold password hashes, some images
 * take tokens as labels): the key stays visible, the value is replaced by REDACTED.
 */
const SECRET_LABEL_KEY = /password|passwd|secret|token|api[_.-]?key|credential|(basic|digest)auth\.users/i;

export function parseCompose(text: string): ParsedConfig {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { prettyErrors: true, merge: true, lineCounter });
  const [syntaxError] = doc.errors;
  if (syntaxError) {
    const at = syntaxError.linePos?.[0];
    return failure(firstLine(syntaxError.message), at?.line ?? null, at?.col ?? null);
  }
  let root: unknown;
  try {
    // Aliases and merge keys are only resolved here, so an undefined anchor surfaces as a throw.
    root = doc.toJS();
  } catch (error) {
    const alias = unresolvedAlias(doc);
    const at = alias?.range ? lineCounter.linePos(alias.range[0]) : null;
    const message = alias
      ? `alias *${alias.source} refers to no anchor`
      : error instanceof Error
        ? error.message
        : String(error);
    return failure(message, at?.line ?? null, at?.col ?? null);
  }
  try {
    return { ok: true, data: composeConfig(root) };
  } catch (error) {
    if (!(error instanceof ComposeShapeError)) throw error;
    const at = error.path === null ? null : position(doc, error.path, lineCounter);
    return failure(error.message, at?.line ?? null, at?.col ?? null);
  }
}

function failure(message: string, line: number | null, column: number | null): ParsedConfig {
  return { ok: false, kind: 'compose', error: { message, line, column } };
}

/**
 * `prettyErrors` appends the position and an excerpt of the source; the position is kept in its own
 * fields and the excerpt is dropped, since the offending line may hold a password.
 */
function firstLine(message: string): string {
  const [head = message] = message.split('\n');
  return head.replace(/(?: at line \d+, column \d+)?:?$/, '');
}

/** Where a node is, or its closest ancestor that is written in the file (merged values are not). */
function position(doc: Document, path: Path, lineCounter: LineCounter): { line: number; col: number } | null {
  for (let length = path.length; length >= 0; length--) {
    const node = doc.getIn(path.slice(0, length), true);
    if (isNode(node) && node.range) return lineCounter.linePos(node.range[0]);
  }
  return null;
}

function unresolvedAlias(doc: Document): Alias | null {
  let unresolved: Alias | null = null;
  visit(doc, {
    Alias(_key, node) {
      if (node.resolve(doc) !== undefined) return undefined;
      unresolved = node;
      return visit.BREAK;
    },
  });
  // TypeScript does not see the assignment made inside the visitor callback.
  return unresolved as Alias | null;
}

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(path: Path): string {
  return path
    .map((part) => (typeof part === 'number' ? `[${part}]` : `.${part}`))
    .join('')
    .slice(1);
}

function composeConfig(root: unknown): ComposeConfig {
  if (!isMap(root))
    throw new ComposeShapeError('not a compose file: the document is not a mapping', root === null ? null : []);
  const services = root.services;
  if (!isMap(services)) {
    throw new ComposeShapeError(
      'not a compose file: no "services" mapping',
      services === undefined ? null : ['services'],
    );
  }
  return {
    kind: 'compose',
    services: Object.entries(services).map(([name, definition]) => service(name, definition)),
    volumes: mapKeys(root.volumes, ['volumes']),
    networks: mapKeys(root.networks, ['networks']),
    project_name: text(root.name, ['name']),
  };
}

function service(name: string, definition: unknown): ComposeService {
  const at = (...path: Array<string | number>): Path => ['services', name, ...path];
  if (!isMap(definition)) throw new ComposeShapeError(`service "${name}" is not a mapping`, at());
  return {
    name,
    image: text(definition.image, at('image')),
    build: buildContext(definition.build, at('build')),
    container_name: text(definition.container_name, at('container_name')),
    ports: list(definition.ports, at('ports')).map((entry, i) => port(entry, at('ports', i))),
    volumes: list(definition.volumes, at('volumes')).map((entry, i) => volume(entry, at('volumes', i))),
    networks: names(definition.networks, at('networks')),
    depends_on: names(definition.depends_on, at('depends_on')),
    environment_keys: environmentKeys(definition.environment, at('environment')),
    env_files: envFiles(definition.env_file, at('env_file')),
    restart: text(definition.restart, at('restart')),
    labels: labels(definition.labels, at('labels')),
    healthcheck: healthcheck(definition.healthcheck, at('healthcheck')),
    privileged: definition.privileged === true,
    network_mode: text(definition.network_mode, at('network_mode')),
  };
}

/** A scalar as text (YAML reads `3000` and `true` as a number and a boolean); absent or null → null. */
function text(value: unknown, path: Path): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new ComposeShapeError(`${describe(path)} must be a scalar`, path);
}

function requiredText(value: unknown, path: Path): string {
  const result = text(value, path);
  if (result === null) throw new ComposeShapeError(`${describe(path)} is required`, path);
  return result;
}

function list(value: unknown, path: Path): unknown[] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return value;
  throw new ComposeShapeError(`${describe(path)} must be a list`, path);
}

function mapOf(value: unknown, path: Path): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (isMap(value)) return value;
  throw new ComposeShapeError(`${describe(path)} must be a mapping`, path);
}

function mapKeys(value: unknown, path: Path): string[] {
  return Object.keys(mapOf(value, path));
}

/** `networks` and `depends_on` are a list of names or a map keyed by name (aliases, conditions). */
function names(value: unknown, path: Path): string[] {
  if (Array.isArray(value)) return value.map((entry, i) => requiredText(entry, [...path, i]));
  return mapKeys(value, path);
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

/** `KEY=value` / `KEY` list items or map keys; the values never leave this function. */
function environmentKeys(value: unknown, path: Path): string[] {
  if (Array.isArray(value)) {
    return unique(value.map((entry, i) => requiredText(entry, [...path, i]).split('=', 1)[0] ?? ''));
  }
  return mapKeys(value, path);
}

/** A path, a list of paths, or (Compose 2.24+) a list of `{path, required}`. */
function envFiles(value: unknown, path: Path): string[] {
  if (typeof value === 'string') return [value];
  return list(value, path).map((entry, i) =>
    isMap(entry) ? requiredText(entry.path, [...path, i, 'path']) : requiredText(entry, [...path, i]),
  );
}

function labels(value: unknown, path: Path): Record<string, string> {
  const pairs: Array<[string, string]> = Array.isArray(value)
    ? value.map((entry, i) => {
        const written = requiredText(entry, [...path, i]);
        const eq = written.indexOf('=');
        return eq === -1 ? [written, ''] : [written.slice(0, eq), written.slice(eq + 1)];
      })
    : Object.entries(mapOf(value, path)).map(([key, written]) => [key, text(written, [...path, key]) ?? '']);
  return Object.fromEntries(pairs.map(([key, written]) => [key, SECRET_LABEL_KEY.test(key) ? REDACTED : written]));
}

/** Present, unless turned off with `disable: true` or `test: ["NONE"]` (both mean no healthcheck in Compose). */
function healthcheck(value: unknown, path: Path): boolean {
  if (value === undefined || value === null) return false;
  if (!isMap(value)) throw new ComposeShapeError(`${describe(path)} must be a mapping`, path);
  const disabledByTest = Array.isArray(value.test) && value.test[0] === 'NONE';
  return value.disable !== true && !disabledByTest;
}

/** `build: ./dir` or `build: {context: ./dir}`; Compose defaults the context to the project directory. */
function buildContext(value: unknown, path: Path): string | null {
  if (isMap(value)) return text(value.context, [...path, 'context']) ?? '.';
  return text(value, path);
}

/** Short syntax is kept as written; long syntax is written back as `source:target[:ro]`. */
function volume(value: unknown, path: Path): string {
  if (!isMap(value)) return requiredText(value, path);
  const target = requiredText(value.target, [...path, 'target']);
  const source = text(value.source, [...path, 'source']);
  return `${source === null ? '' : `${source}:`}${target}${value.read_only === true ? ':ro' : ''}`;
}

function port(value: unknown, path: Path): ComposePort {
  if (!isMap(value)) return shortPort(requiredText(value, path));
  return normalizedPort(
    text(value.host_ip, [...path, 'host_ip']),
    text(value.published, [...path, 'published']),
    requiredText(value.target, [...path, 'target']),
    text(value.protocol, [...path, 'protocol']) ?? 'tcp',
  );
}

/**
 * `[host_ip:][published:]target[/protocol]`. Colons inside `${VAR:-default}` and `[::1]` are not
 * separators; an unbracketed IPv6 host keeps everything before the last two fields.
 */
function shortPort(written: string): ComposePort {
  const [address = '', protocol = 'tcp'] = splitOutside(written.trim(), '/');
  const parts = splitOutside(address, ':');
  const target = parts.pop() ?? '';
  const published = parts.pop();
  const hostIp = parts.length > 0 ? parts.join(':') : null;
  return normalizedPort(hostIp, published === undefined || published === '' ? null : published, target, protocol);
}

function normalizedPort(
  hostIp: string | null,
  published: string | null,
  target: string,
  protocol: string,
): ComposePort {
  const host = hostIp === null || hostIp === '' ? '' : `${hostIp}:`;
  const mapping = published === null ? (host === '' ? '' : ':') : `${published}:`;
  const suffix = protocol === 'tcp' ? '' : `/${protocol}`;
  return { spec: `${host}${mapping}${target}${suffix}`, published, target, protocol };
}

/** Splits on `separator` except inside `${...}` and `[...]`. */
function splitOutside(value: string, separator: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const char of value) {
    if (char === '{' || char === '[') depth++;
    else if ((char === '}' || char === ']') && depth > 0) depth--;
    if (char === separator && depth === 0) {
      parts.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  parts.push(current);
  return parts;
}
