/**
 * What changed between two versions of a watched configuration file: a unified text diff for people and
 * a list of semantic changes (service added, image bumped, auth removed...) for impact rules and search.
 *
 * Decisions:
 * - Semantic changes carry names, never secret values: environment and credentials only ever appear as
 *   keys (the parsed shapes hold no values for them anyway). Labels are configuration and keep values.
 * - A missing side (file created or deleted) is compared against an empty config of the other side's kind,
 *   so a new compose file reads as "service X added" for each service, and a deletion as the reverse.
 * - When either side failed to parse, or the kind changed, field-level comparison means nothing: one
 *   change says so.
 * - Lists whose order carries no meaning (depends_on, listen, upstreams, WantedBy...) compare as sorted sets,
 *   so a reordering is not a change.
 * - Output is sorted by subject, then kind, then description, so the same pair of versions always gives
 *   the same list (events are stored and compared).
 */
import { FILE_HEADERS_ONLY, formatPatch, structuredPatch } from 'diff';
import type {
  ComposeConfig,
  ComposePort,
  ComposeService,
  ConfigKind,
  ConfigParseError,
  NginxConfig,
  NginxServer,
  ParsedConfig,
  ParsedConfigData,
  SystemdUnitConfig,
} from './parsed-config.ts';

// ---------------------------------------------------------------------------------------------------
// Unified diff

export interface UnifiedDiff {
  /** `---`/`+++` headers and hunks; empty when the contents are identical. */
  text: string;
  /** Lines added and removed over the whole diff, even when `text` was cut. */
  added: number;
  removed: number;
  /** `text` was cut at a line end to stay within `maxBytes`. */
  truncated: boolean;
}

/** Git's default; the diff package's own default is 4. */
const DEFAULT_CONTEXT = 3;
/** Large enough for any hand-written config; keeps a rewritten generated file from bloating every event. */
const DEFAULT_MAX_BYTES = 256 * 1024;
/** The side that does not exist is named `/dev/null`, as git and diff(1) do for created and deleted files. */
const NO_FILE = '/dev/null';

export function unifiedDiff(
  path: string,
  before: string | null,
  after: string | null,
  opts: { context?: number; maxBytes?: number } = {},
): UnifiedDiff {
  const patch = structuredPatch(
    before === null ? NO_FILE : path,
    after === null ? NO_FILE : path,
    before ?? '',
    after ?? '',
    undefined,
    undefined,
    { context: opts.context ?? DEFAULT_CONTEXT },
  );
  let added = 0;
  let removed = 0;
  for (const hunk of patch.hunks) {
    for (const line of hunk.lines) {
      if (line.startsWith('+')) added += 1;
      else if (line.startsWith('-')) removed += 1;
    }
  }
  if (patch.hunks.length === 0) return { text: '', added, removed, truncated: false };
  return { ...capBytes(formatPatch(patch, FILE_HEADERS_ONLY), opts.maxBytes ?? DEFAULT_MAX_BYTES), added, removed };
}

/** Cuts at the last line end that fits, so a stored diff never ends mid-line or inside a UTF-8 character. */
function capBytes(text: string, maxBytes: number): { text: string; truncated: boolean } {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return { text, truncated: false };
  const lastLineEnd = maxBytes > 0 ? bytes.lastIndexOf(0x0a, maxBytes - 1) : -1;
  return { text: bytes.subarray(0, lastLineEnd + 1).toString('utf8'), truncated: true };
}

// ---------------------------------------------------------------------------------------------------
// Semantic changes

export interface SemanticChange {
  /** Dotted: `compose.service.image`, `nginx.server.auth_removed`, `systemd.exec_start`, `config.parse_failed`... */
  kind: string;
  /**
   * What changed: the compose service name for `compose.service.*`, the server subject (see `serverSubject`)
   * for `nginx.server.*`, `upstream <name>` for upstream blocks, the directive for systemd, `(top level)` for
   * top-level compose/nginx entries, `file` for parse and kind changes.
   */
  subject: string;
  description: string;
  before?: string | null;
  after?: string | null;
}

export const TOP_LEVEL_SUBJECT = '(top level)';
export const FILE_SUBJECT = 'file';
const NONE = '(none)';

/**
 * Accepts parsed data, or a whole `ParsedConfig` so that a parse failure on either side can be reported.
 */
export function semanticChanges(
  before: ParsedConfig | ParsedConfigData | null,
  after: ParsedConfig | ParsedConfigData | null,
): SemanticChange[] {
  return sortChanges(unsortedChanges(sideOf(before), sideOf(after)));
}

type Side =
  | { status: 'absent' }
  | { status: 'failed'; kind: ConfigKind; error: ConfigParseError }
  | { status: 'ok'; data: ParsedConfigData };

function sideOf(config: ParsedConfig | ParsedConfigData | null): Side {
  if (config === null) return { status: 'absent' };
  if (!('ok' in config)) return { status: 'ok', data: config };
  return config.ok ? { status: 'ok', data: config.data } : { status: 'failed', kind: config.kind, error: config.error };
}

function unsortedChanges(before: Side, after: Side): SemanticChange[] {
  if (after.status === 'failed') {
    if (before.status === 'failed') return [];
    const verb = before.status === 'ok' ? 'no longer parses' : 'does not parse';
    return [
      {
        kind: 'config.parse_failed',
        subject: FILE_SUBJECT,
        description: `${kindLabel(after.kind)} ${verb}: ${formatParseError(after.error)}`,
      },
    ];
  }
  if (before.status === 'failed') {
    if (after.status === 'absent') return [];
    return [
      { kind: 'config.parse_fixed', subject: FILE_SUBJECT, description: `${kindLabel(after.data.kind)} parses again` },
    ];
  }
  const b = before.status === 'ok' ? before.data : null;
  const a = after.status === 'ok' ? after.data : null;
  if (b && a && b.kind !== a.kind) {
    return [
      {
        kind: 'config.kind_changed',
        subject: FILE_SUBJECT,
        description: `file changed from ${kindLabel(b.kind)} to ${kindLabel(a.kind)}`,
        before: b.kind,
        after: a.kind,
      },
    ];
  }
  switch ((a ?? b)?.kind) {
    case 'compose':
      return composeChanges(ofKind(b, 'compose'), ofKind(a, 'compose'));
    case 'nginx':
      return nginxChanges(ofKind(b, 'nginx'), ofKind(a, 'nginx'));
    case 'systemd':
      return systemdChanges(ofKind(b, 'systemd'), ofKind(a, 'systemd'));
    // Unknown formats (and two absent sides) have no structure to compare; the text diff says it all.
    default:
      return [];
  }
}

/** Narrows parsed data to one kind, or null when it is another kind (or absent). */
export function ofKind<K extends ConfigKind>(
  data: ParsedConfigData | null,
  kind: K,
): Extract<ParsedConfigData, { kind: K }> | null {
  return data?.kind === kind ? (data as Extract<ParsedConfigData, { kind: K }>) : null;
}

function sortChanges(changes: SemanticChange[]): SemanticChange[] {
  return changes.sort(
    (x, y) => compare(x.subject, y.subject) || compare(x.kind, y.kind) || compare(x.description, y.description),
  );
}

/** Code-point order, not `localeCompare`: the order must not depend on the worker's locale. */
function compare(x: string, y: string): number {
  return x < y ? -1 : x > y ? 1 : 0;
}

export function kindLabel(kind: ConfigKind): string {
  switch (kind) {
    case 'compose':
      return 'compose file';
    case 'nginx':
      return 'nginx config';
    case 'systemd':
      return 'systemd unit';
    case 'unknown':
      return 'config file';
  }
}

/** `line 12, column 3: unexpected '}'`, with whichever position parts the parser knew. */
export function formatParseError(error: ConfigParseError): string {
  const position = [
    error.line === null ? null : `line ${error.line}`,
    error.column === null ? null : `column ${error.column}`,
  ].filter((part) => part !== null);
  return position.length > 0 ? `${position.join(', ')}: ${error.message}` : error.message;
}

// --- helpers shared by the kinds ------------------------------------------------------------------------

function show(value: string | null): string {
  return value ?? NONE;
}

function sortedSet(values: readonly string[]): string[] {
  return [...new Set(values)].sort(compare);
}

function showList(values: readonly string[], separator = ', '): string | null {
  return values.length > 0 ? values.join(separator) : null;
}

/** `<head> <before> → <after>` when the single value differs. */
function valueChange(
  kind: string,
  subject: string,
  head: string,
  before: string | null,
  after: string | null,
): SemanticChange[] {
  if (before === after) return [];
  return [{ kind, subject, description: `${head} ${show(before)} → ${show(after)}`, before, after }];
}

/** One change for the whole set when any member differs (for sets read as one setting, like depends_on). */
function setChange(
  kind: string,
  subject: string,
  head: string,
  before: readonly string[],
  after: readonly string[],
): SemanticChange[] {
  return valueChange(kind, subject, head, showList(sortedSet(before)), showList(sortedSet(after)));
}

/** One `<kind>_added` / `<kind>_removed` change per member (for sets whose members matter one by one). */
function memberChanges(
  kind: string,
  subject: string,
  head: string,
  before: readonly string[],
  after: readonly string[],
): SemanticChange[] {
  const was = new Set(before);
  const is = new Set(after);
  return [
    ...sortedSet(before)
      .filter((item) => !is.has(item))
      .map((item) => ({
        kind: `${kind}_removed`,
        subject,
        description: `${head} ${item} removed`,
        before: item,
        after: null,
      })),
    ...sortedSet(after)
      .filter((item) => !was.has(item))
      .map((item) => ({
        kind: `${kind}_added`,
        subject,
        description: `${head} ${item} added`,
        before: null,
        after: item,
      })),
  ];
}

/**
 * Compose list syntax and `Environment=` both write `KEY=value`; should a parser ever hand over the whole
 * entry, the value (often a password) must still not reach change events, which are kept for good.
 */
function envKeys(entries: readonly string[]): string[] {
  return entries.map((entry) => entry.split('=', 1)[0] ?? entry);
}

// --- compose -------------------------------------------------------------------------------------------

/** `[host_ip:]published:target/protocol`: the protocol is always shown so `8080:80` and `8080:80/tcp` are one port. */
export function portLabel(port: ComposePort): string {
  const suffix = `/${port.protocol}`;
  return port.spec.endsWith(suffix) ? port.spec : `${port.spec}${suffix}`;
}

function composeChanges(before: ComposeConfig | null, after: ComposeConfig | null): SemanticChange[] {
  const was = new Map((before?.services ?? []).map((service) => [service.name, service]));
  const is = new Map((after?.services ?? []).map((service) => [service.name, service]));
  const changes: SemanticChange[] = [];
  for (const name of was.keys()) {
    if (!is.has(name))
      changes.push({
        kind: 'compose.service.removed',
        subject: name,
        description: `service ${name} removed`,
        before: name,
        after: null,
      });
  }
  for (const [name, service] of is) {
    const old = was.get(name);
    if (old) changes.push(...serviceChanges(old, service));
    else
      changes.push({
        kind: 'compose.service.added',
        subject: name,
        description: `service ${name} added`,
        before: null,
        after: name,
      });
  }
  changes.push(
    ...memberChanges(
      'compose.volume',
      TOP_LEVEL_SUBJECT,
      'top-level volume',
      before?.volumes ?? [],
      after?.volumes ?? [],
    ),
    ...memberChanges(
      'compose.network',
      TOP_LEVEL_SUBJECT,
      'top-level network',
      before?.networks ?? [],
      after?.networks ?? [],
    ),
    ...valueChange(
      'compose.project_name',
      TOP_LEVEL_SUBJECT,
      'project name',
      before?.project_name ?? null,
      after?.project_name ?? null,
    ),
  );
  return changes;
}

function serviceChanges(before: ComposeService, after: ComposeService): SemanticChange[] {
  const name = after.name;
  const head = `service ${name}:`;
  const kind = (field: string) => `compose.service.${field}`;
  return [
    ...valueChange(kind('image'), name, `${head} image`, before.image, after.image),
    ...valueChange(kind('build'), name, `${head} build`, before.build, after.build),
    ...valueChange(kind('container_name'), name, `${head} container_name`, before.container_name, after.container_name),
    ...memberChanges(kind('port'), name, `${head} port`, before.ports.map(portLabel), after.ports.map(portLabel)),
    ...memberChanges(kind('volume'), name, `${head} volume`, before.volumes, after.volumes),
    ...memberChanges(kind('network'), name, `${head} network`, before.networks, after.networks),
    ...setChange(kind('depends_on'), name, `${head} depends_on`, before.depends_on, after.depends_on),
    ...memberChanges(
      kind('env'),
      name,
      `${head} environment key`,
      envKeys(before.environment_keys),
      envKeys(after.environment_keys),
    ),
    ...memberChanges(kind('env_file'), name, `${head} env_file`, before.env_files, after.env_files),
    ...valueChange(kind('restart'), name, `${head} restart`, before.restart, after.restart),
    ...(before.privileged === after.privileged
      ? []
      : [
          {
            kind: kind('privileged'),
            subject: name,
            description: `${head} privileged ${after.privileged ? 'enabled' : 'disabled'}`,
            before: String(before.privileged),
            after: String(after.privileged),
          },
        ]),
    ...valueChange(kind('network_mode'), name, `${head} network_mode`, before.network_mode, after.network_mode),
    ...labelChanges(name, head, before.labels, after.labels),
    ...(before.healthcheck === after.healthcheck
      ? []
      : [
          {
            kind: kind(after.healthcheck ? 'healthcheck_added' : 'healthcheck_removed'),
            subject: name,
            description: `${head} healthcheck ${after.healthcheck ? 'added' : 'removed'}`,
          },
        ]),
  ];
}

/** Label values go in before/after only: routing rules are long and would drown the description. */
function labelChanges(
  name: string,
  head: string,
  before: Record<string, string>,
  after: Record<string, string>,
): SemanticChange[] {
  const changes: SemanticChange[] = [];
  for (const key of sortedSet([...Object.keys(before), ...Object.keys(after)])) {
    const was = before[key] ?? null;
    const is = after[key] ?? null;
    if (was === is) continue;
    const verb = was === null ? 'added' : is === null ? 'removed' : 'changed';
    changes.push({
      kind: `compose.service.label_${verb}`,
      subject: name,
      description: `${head} label ${key} ${verb}`,
      before: was,
      after: is,
    });
  }
  return changes;
}

// --- nginx ---------------------------------------------------------------------------------------------

/** How a server block is named in changes: its server_names, space-separated as in `server_name`. */
export function serverSubject(server: NginxServer): string {
  return server.server_names.length > 0 ? server.server_names.join(' ') : '(no server_name)';
}

function nginxChanges(before: NginxConfig | null, after: NginxConfig | null): SemanticChange[] {
  const { pairs, removed, added } = pairServers(before?.servers ?? [], after?.servers ?? []);
  const changes: SemanticChange[] = [];
  for (const server of removed) {
    const subject = serverSubject(server);
    changes.push({
      kind: 'nginx.server.removed',
      subject,
      description: `server ${subject} removed`,
      before: subject,
      after: null,
    });
  }
  for (const server of added) {
    const subject = serverSubject(server);
    changes.push({
      kind: 'nginx.server.added',
      subject,
      description: `server ${subject} added`,
      before: null,
      after: subject,
    });
  }
  for (const [was, is] of pairs) changes.push(...serverChanges(was, is));

  const blocksBefore = before?.upstream_blocks ?? {};
  const blocksAfter = after?.upstream_blocks ?? {};
  for (const name of sortedSet([...Object.keys(blocksBefore), ...Object.keys(blocksAfter)])) {
    const was = blocksBefore[name];
    const is = blocksAfter[name];
    const subject = `upstream ${name}`;
    if (!is)
      changes.push({
        kind: 'nginx.upstream_block.removed',
        subject,
        description: `upstream ${name} removed`,
        before: showList(was ?? []),
        after: null,
      });
    else if (!was)
      changes.push({
        kind: 'nginx.upstream_block.added',
        subject,
        description: `upstream ${name} added`,
        before: null,
        after: showList(is),
      });
    else changes.push(...setChange('nginx.upstream_block.changed', subject, `upstream ${name}: servers`, was, is));
  }
  changes.push(
    ...memberChanges(
      'nginx.include',
      TOP_LEVEL_SUBJECT,
      'top-level include',
      before?.includes ?? [],
      after?.includes ?? [],
    ),
  );
  return changes;
}

/**
 * Server blocks have no identity beyond their names, and one name often has two blocks (the port 80
 * redirect and the 443 site). Within a name, blocks with the same listen set pair first, the rest in order;
 * so removing the redirect block does not read as the site's listen, ssl and upstreams changing.
 */
function pairServers(before: NginxServer[], after: NginxServer[]) {
  const pairs: Array<[NginxServer, NginxServer]> = [];
  const removed: NginxServer[] = [];
  const added: NginxServer[] = [];
  const listenKey = (server: NginxServer) => sortedSet(server.listen).join('\n');
  for (const subject of sortedSet([...before, ...after].map(serverSubject))) {
    const was = before.filter((server) => serverSubject(server) === subject);
    const is = after.filter((server) => serverSubject(server) === subject);
    const unmatched: NginxServer[] = [];
    for (const server of was) {
      const index = is.findIndex((candidate) => listenKey(candidate) === listenKey(server));
      const [match] = index >= 0 ? is.splice(index, 1) : [];
      if (match) pairs.push([server, match]);
      else unmatched.push(server);
    }
    unmatched.forEach((server, index) => {
      const partner = is[index];
      if (partner) pairs.push([server, partner]);
      else removed.push(server);
    });
    added.push(...is.slice(unmatched.length));
  }
  return { pairs, removed, added };
}

function serverChanges(before: NginxServer, after: NginxServer): SemanticChange[] {
  const subject = serverSubject(after);
  const head = `${subject}:`;
  return [
    ...setChange('nginx.server.listen', subject, `${head} listen`, before.listen, after.listen),
    ...(before.ssl === after.ssl
      ? []
      : [
          {
            kind: 'nginx.server.ssl',
            subject,
            description: `${head} ssl turned ${after.ssl ? 'on' : 'off'}`,
            before: before.ssl ? 'on' : 'off',
            after: after.ssl ? 'on' : 'off',
          },
        ]),
    ...setChange('nginx.server.upstream', subject, `${head} upstream`, before.upstreams, after.upstreams),
    ...memberChanges('nginx.server.auth', subject, `${head} auth`, before.auth, after.auth),
    ...memberChanges(
      'nginx.server.location',
      subject,
      `${head} location`,
      before.locations.map((location) => location.path),
      after.locations.map((location) => location.path),
    ),
    ...memberChanges('nginx.server.include', subject, `${head} include`, before.includes, after.includes),
  ];
}

// --- systemd -------------------------------------------------------------------------------------------

const EMPTY_UNIT: Omit<SystemdUnitConfig, 'kind' | 'unit_type'> = {
  description: null,
  exec_start: [],
  user: null,
  restart: null,
  wanted_by: [],
  dependencies: {},
  environment_keys: [],
  environment_files: [],
};

function systemdChanges(before: SystemdUnitConfig | null, after: SystemdUnitConfig | null): SemanticChange[] {
  const was = before ?? EMPTY_UNIT;
  const is = after ?? EMPTY_UNIT;
  const changes: SemanticChange[] = [
    // ExecStart lines run in order (oneshot units may have several), so order is kept.
    ...valueChange(
      'systemd.exec_start',
      'ExecStart',
      'ExecStart:',
      showList(was.exec_start, '; '),
      showList(is.exec_start, '; '),
    ),
    ...valueChange('systemd.user', 'User', 'User:', was.user, is.user),
    ...valueChange('systemd.restart', 'Restart', 'Restart:', was.restart, is.restart),
    ...setChange('systemd.wanted_by', 'WantedBy', 'WantedBy:', was.wanted_by, is.wanted_by),
    ...memberChanges(
      'systemd.env',
      'Environment',
      'Environment key',
      envKeys(was.environment_keys),
      envKeys(is.environment_keys),
    ),
    ...memberChanges(
      'systemd.env_file',
      'EnvironmentFile',
      'EnvironmentFile',
      was.environment_files,
      is.environment_files,
    ),
  ];
  for (const directive of sortedSet([...Object.keys(was.dependencies), ...Object.keys(is.dependencies)])) {
    changes.push(
      ...setChange(
        'systemd.dependency',
        directive,
        `${directive}:`,
        was.dependencies[directive] ?? [],
        is.dependencies[directive] ?? [],
      ),
    );
  }
  return changes;
}
