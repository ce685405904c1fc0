import { z } from 'zod';
import { REQUIRED_CAPABILITIES, type Collector } from './collector.ts';
import { CollectorParseError } from './parse-error.ts';
import {
  END_MARKER,
  excerptOf,
  parseNumber,
  RUN_SECTION_PRELUDE,
  sectionCommandError,
  sectionCommandResult,
  type SectionCommandResult,
  type Sections,
  splitSections,
} from './sections.ts';

/**
 * Docker containers with their resource usage. The script makes one `docker ps`, one `docker stats`
 * for every running container and one `docker container inspect` for every container, so the cost does
 * not grow with the number of containers. Each docker command's stdout, exit status and stderr come back
 * as separate sections, so a daemon that refuses us is an error and never an empty list.
 */

const DATA_TYPE = 'containers';

/** Every state the Docker engine reports in `.State.Status`. */
export const CONTAINER_STATE_NAMES = [
  'created',
  'running',
  'paused',
  'restarting',
  'removing',
  'exited',
  'dead',
] as const;
export type ContainerState = (typeof CONTAINER_STATE_NAMES)[number];
const CONTAINER_STATES: ReadonlySet<string> = new Set(CONTAINER_STATE_NAMES);

export const ContainerPort = z.object({
  /** Absent for a port that is exposed but not published. */
  host_ip: z.string().optional(),
  host_port: z.number().optional(),
  /** Last port of a published range such as `8000-8005`, which docker prints compacted. */
  host_port_end: z.number().optional(),
  container_port: z.number(),
  container_port_end: z.number().optional(),
  protocol: z.string(),
});
export type ContainerPort = z.infer<typeof ContainerPort>;

const bytes = z.number().describe('bytes');

export const ContainerStats = z.object({
  cpu_percent: z.number().describe('percent of one core (docker stats: 200 = two cores busy)'),
  memory_usage_bytes: bytes,
  memory_limit_bytes: bytes,
  memory_percent: z.number().describe('percent of the memory limit'),
  net_rx_bytes: bytes,
  net_tx_bytes: bytes,
  block_read_bytes: bytes,
  block_write_bytes: bytes,
  pids: z.number(),
});
export type ContainerStats = z.infer<typeof ContainerStats>;

export const ContainerInfo = z.object({
  id: z.string(),
  name: z.string(),
  image: z.string(),
  state: z.enum(CONTAINER_STATE_NAMES),
  /** Docker's human summary, e.g. `Up 3 hours (healthy)`. */
  status: z.string(),
  created_at: z.string(),
  /** Null for a container that never started. */
  started_at: z.string().nullable(),
  ports: z.array(ContainerPort),
  restart_count: z.number(),
  /** `starting`, `healthy` or `unhealthy`; null without a healthcheck. */
  health: z.string().nullable(),
  /** Exit code of the last run; null while running or before the first start. */
  exit_code: z.number().nullable(),
  labels: z.record(z.string(), z.string()),
  compose_project: z.string().nullable(),
  /** Null for stopped containers (docker stats only covers running and paused ones) or when docker could not read them. */
  stats: ContainerStats.nullable(),
});
export type ContainerInfo = z.infer<typeof ContainerInfo>;

export const ContainersData = z.object({
  docker_available: z.boolean(),
  docker_version: z.string().optional(),
  containers: z.array(ContainerInfo),
  summary: z.object({
    total: z.number(),
    running: z.number(),
    exited: z.number(),
    paused: z.number(),
    restarting: z.number(),
    unhealthy: z.number(),
  }),
});
export type ContainersData = z.infer<typeof ContainersData>;

/** One line of JSON per container, from a template under our control: exact on every docker version. */
const INSPECT_TEMPLATE =
  '{"id":{{json .Id}},"state":{{json .State.Status}},"restart_count":{{.RestartCount}},' +
  '"health":{{if .State.Health}}{{json .State.Health.Status}}{{else}}null{{end}},' +
  '"created_at":{{json .Created}},"started_at":{{json .State.StartedAt}},"exit_code":{{.State.ExitCode}},' +
  '"labels":{{json .Config.Labels}}}';

/**
 * `run SECTION COMMAND...` prints the command's stdout as @@SECTION, then @@SECTION-status and
 * @@SECTION-stderr. The container ids for inspect come from the same `docker ps` output the parser
 * reads, so both see the same set of containers.
 */
const COMMAND = [
  `if ! command -v docker >/dev/null 2>&1; then echo @@no-docker; echo ${END_MARKER}; exit 0; fi`,
  ...RUN_SECTION_PRELUDE,
  `run version docker version --format '{{.Server.Version}}'`,
  `run ps docker ps -a --no-trunc --format '{{json .}}'`,
  'if [ "$status" -eq 0 ]; then',
  `  ids=$(printf '%s\\n' "$output" | sed -n 's/.*"ID":"\\([0-9a-f][0-9a-f]*\\)".*/\\1/p')`,
  `  run stats docker stats --no-stream --no-trunc --format '{{json .}}'`,
  `  if [ -n "$ids" ]; then run inspect docker container inspect --format '${INSPECT_TEMPLATE}' $ids; fi`,
  'fi',
  `echo ${END_MARKER}`,
].join('\n');

function parseError(message: string, excerpt?: string): CollectorParseError {
  return new CollectorParseError(DATA_TYPE, message, excerpt === undefined ? undefined : excerptOf(excerpt));
}

/** Names the two daemon failures users can fix themselves; the message wording changed in docker 29. */
function dockerCommandError(command: string, result: SectionCommandResult): CollectorParseError {
  const stderr = result.stderr.trim();
  if (/permission denied while trying to connect to the docker (daemon socket|api)/i.test(stderr)) {
    return parseError(
      `${command}: permission denied on the Docker daemon socket (is the SSH user in the docker group?)`,
      stderr,
    );
  }
  if (/cannot connect to the docker daemon|failed to connect to the docker api/i.test(stderr)) {
    return parseError(`${command}: cannot connect to the Docker daemon (is it running?)`, stderr);
  }
  return sectionCommandError(DATA_TYPE, command, result);
}

function parseJsonLine(line: string, what: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(line);
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // reported below with the offending line
  }
  throw parseError(`${what}: not a JSON object`, line);
}

function stringField(row: Record<string, unknown>, key: string, what: string): string {
  const value = row[key];
  if (typeof value !== 'string') throw parseError(`${what}: field ${key} missing or not a string`, JSON.stringify(row));
  return value;
}

function integerField(row: Record<string, unknown>, key: string, what: string): number {
  const value = row[key];
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw parseError(`${what}: field ${key} missing or not an integer`, JSON.stringify(row));
  }
  return value;
}

/** ISO timestamp, or null for Go's zero time (`0001-01-01T00:00:00Z`), which docker uses for "never". */
function parseTimestamp(text: string, what: string): string | null {
  if (text.startsWith('0001-01-01')) return null;
  const time = new Date(text);
  if (Number.isNaN(time.getTime())) throw parseError(`${what}: unreadable timestamp`, text);
  return time.toISOString();
}

// e.g. "0.0.0.0:8080->80/tcp", ":::8080->80/tcp" (docker < 26), "[::]:8080->80/tcp", "443/tcp", "0.0.0.0:8000-8005->8000-8005/udp"
const PORT_MAPPING = /^(?:(.*?):(\d+)(?:-(\d+))?->)?(\d+)(?:-(\d+))?\/(\w+)$/;

/** docker ps's Ports column as mappings; `fail` builds the calling collector's error for an unreadable one. */
export function parsePublishedPorts(text: string, fail: (message: string) => Error): ContainerPort[] {
  if (text.trim() === '') return [];
  return text.split(',').map((entry) => {
    const match = PORT_MAPPING.exec(entry.trim());
    if (!match) throw fail('unreadable port mapping in docker ps');
    const [, hostIp, hostPort, hostPortEnd, containerPort, containerPortEnd, protocol = ''] = match;
    return {
      ...(hostIp !== undefined && { host_ip: hostIp.replace(/^\[(.*)\]$/, '$1') }),
      ...(hostPort !== undefined && { host_port: Number(hostPort) }),
      ...(hostPortEnd !== undefined && { host_port_end: Number(hostPortEnd) }),
      container_port: Number(containerPort),
      ...(containerPortEnd !== undefined && { container_port_end: Number(containerPortEnd) }),
      protocol,
    };
  });
}

/** Docker prints memory in binary units (MiB) and network/block I/O in decimal units (kB, MB). */
const BYTES_PER_UNIT: Readonly<Record<string, number>> = {
  B: 1,
  kB: 1e3,
  KB: 1e3,
  MB: 1e6,
  GB: 1e9,
  TB: 1e12,
  PB: 1e15,
  KiB: 2 ** 10,
  MiB: 2 ** 20,
  GiB: 2 ** 30,
  TiB: 2 ** 40,
  PiB: 2 ** 50,
};

/** Parses a docker size such as `12.5MiB` or `1.2kB`; undefined for docker's "unknown" (`--`). */
function parseDockerSize(text: string, what: string): number | undefined {
  if (text === '--') return undefined;
  const match = /^(\d+(?:\.\d+)?)\s*([A-Za-z]+)$/.exec(text);
  const bytesPerUnit = match?.[2] === undefined ? undefined : BYTES_PER_UNIT[match[2]];
  if (!match || bytesPerUnit === undefined) throw parseError(`${what}: unreadable size`, text);
  return Math.round(Number(match[1]) * bytesPerUnit);
}

/** Parses "used / limit" style pairs such as `12.5MiB / 1.944GiB`. */
function parseSizePair(text: string, what: string): [number, number] | undefined {
  if (text === '--') return undefined;
  const [first, second, ...rest] = text.split(' / ');
  if (first === undefined || second === undefined || rest.length > 0)
    throw parseError(`${what}: expected "a / b"`, text);
  const a = parseDockerSize(first.trim(), what);
  const b = parseDockerSize(second.trim(), what);
  return a === undefined || b === undefined ? undefined : [a, b];
}

function parsePercent(text: string, what: string): number | undefined {
  if (text === '--') return undefined;
  return parseNumber(DATA_TYPE, text.endsWith('%') ? text.slice(0, -1) : text, what);
}

/** Null when docker could not read some value (it prints `--`), e.g. for a container that just stopped. */
function parseStats(row: Record<string, unknown>): ContainerStats | null {
  const field = (key: string) => stringField(row, key, 'docker stats');
  const cpu = parsePercent(field('CPUPerc'), 'docker stats CPUPerc');
  const memory = parseSizePair(field('MemUsage'), 'docker stats MemUsage');
  const memoryPercent = parsePercent(field('MemPerc'), 'docker stats MemPerc');
  const net = parseSizePair(field('NetIO'), 'docker stats NetIO');
  const block = parseSizePair(field('BlockIO'), 'docker stats BlockIO');
  const pidsText = field('PIDs');
  const pids = pidsText === '--' ? undefined : parseNumber(DATA_TYPE, pidsText, 'docker stats PIDs');
  if (cpu === undefined || !memory || memoryPercent === undefined || !net || !block || pids === undefined) return null;
  return {
    cpu_percent: cpu,
    memory_usage_bytes: memory[0],
    memory_limit_bytes: memory[1],
    memory_percent: memoryPercent,
    net_rx_bytes: net[0],
    net_tx_bytes: net[1],
    block_read_bytes: block[0],
    block_write_bytes: block[1],
    pids,
  };
}

interface InspectedContainer {
  state: ContainerState;
  restartCount: number;
  health: string | null;
  createdAt: string;
  startedAt: string | null;
  exitCode: number;
  labels: Record<string, string>;
}

function parseInspectLine(line: string): [id: string, container: InspectedContainer] {
  const what = 'docker container inspect';
  const row = parseJsonLine(line, what);
  const state = stringField(row, 'state', what);
  if (!CONTAINER_STATES.has(state)) throw parseError(`${what}: unknown container state ${state}`, line);
  const health = row.health;
  if (health !== null && typeof health !== 'string') throw parseError(`${what}: health is not a string`, line);
  const labels = row.labels ?? {};
  if (typeof labels !== 'object' || Array.isArray(labels) || Object.values(labels).some((v) => typeof v !== 'string')) {
    throw parseError(`${what}: labels are not a string map`, line);
  }
  const createdAt = parseTimestamp(stringField(row, 'created_at', what), `${what} Created`);
  if (createdAt === null) throw parseError(`${what}: container has no creation time`, line);
  return [
    stringField(row, 'id', what),
    {
      state: state as ContainerState,
      restartCount: integerField(row, 'restart_count', what),
      health,
      createdAt,
      startedAt: parseTimestamp(stringField(row, 'started_at', what), `${what} StartedAt`),
      exitCode: integerField(row, 'exit_code', what),
      labels: labels as Record<string, string>,
    },
  ];
}

/**
 * Inspect results by container id. A container removed between `docker ps` and inspect makes inspect
 * fail for that id only ("No such container"); any other failure is an error.
 */
function parseInspect(sections: Sections): { byId: Map<string, InspectedContainer>; vanishedIds: Set<string> } {
  const result = sectionCommandResult(DATA_TYPE, sections, 'inspect');
  const vanishedIds = new Set<string>();
  if (result.status !== 0) {
    for (const line of result.stderr.split('\n').filter((l) => l.trim() !== '')) {
      const vanished = /no such (?:container|object): ([0-9a-f]+)/i.exec(line);
      if (!vanished?.[1]) throw dockerCommandError('docker container inspect', result);
      vanishedIds.add(vanished[1]);
    }
  }
  return { byId: new Map(result.stdoutLines.map(parseInspectLine)), vanishedIds };
}

/** Stats rows by full container id, falling back to the name for engines that report something else as id. */
function parseStatsRows(sections: Sections): (id: string, name: string) => ContainerStats | null {
  const result = sectionCommandResult(DATA_TYPE, sections, 'stats');
  if (result.status !== 0) throw dockerCommandError('docker stats', result);
  const byKey = new Map<string, ContainerStats | null>();
  for (const line of result.stdoutLines) {
    const row = parseJsonLine(line, 'docker stats');
    const stats = parseStats(row);
    for (const key of ['ID', 'Container', 'Name']) {
      const value = row[key];
      if (typeof value === 'string' && value !== '' && !byKey.has(value)) byKey.set(value, stats);
    }
  }
  return (id, name) => byKey.get(id) ?? byKey.get(name) ?? null;
}

/** Legacy links add `other/alias` entries to Names; the container's own name is the one without a slash. */
function primaryName(names: string): string {
  const all = names.split(',');
  return all.find((name) => !name.includes('/')) ?? all[0] ?? names;
}

function summarize(containers: readonly ContainerInfo[]): ContainersData['summary'] {
  const count = (predicate: (c: ContainerInfo) => boolean) => containers.filter(predicate).length;
  return {
    total: containers.length,
    running: count((c) => c.state === 'running'),
    exited: count((c) => c.state === 'exited'),
    paused: count((c) => c.state === 'paused'),
    restarting: count((c) => c.state === 'restarting'),
    unhealthy: count((c) => c.health === 'unhealthy'),
  };
}

/** States in which the engine's ExitCode describes no finished run. */
const STATES_WITHOUT_EXIT_CODE: ReadonlySet<ContainerState> = new Set(['created', 'running', 'paused']);

function parseContainers(sections: Sections): ContainersData {
  const version = sectionCommandResult(DATA_TYPE, sections, 'version');
  const ps = sectionCommandResult(DATA_TYPE, sections, 'ps');
  if (ps.status !== 0) throw dockerCommandError('docker ps', ps);
  const psRows = ps.stdoutLines.map((line) => parseJsonLine(line, 'docker ps'));
  const statsFor = parseStatsRows(sections);
  const inspected = psRows.length > 0 ? parseInspect(sections) : { byId: new Map(), vanishedIds: new Set<string>() };

  const containers: ContainerInfo[] = [];
  for (const row of psRows) {
    const id = stringField(row, 'ID', 'docker ps');
    const details = inspected.byId.get(id);
    if (!details) {
      if (inspected.vanishedIds.has(id)) continue; // removed since docker ps listed it
      throw parseError(`docker container inspect returned nothing for container ${id}`);
    }
    const name = primaryName(stringField(row, 'Names', 'docker ps'));
    const portsText = stringField(row, 'Ports', 'docker ps');
    containers.push({
      id,
      name,
      image: stringField(row, 'Image', 'docker ps'),
      state: details.state,
      status: stringField(row, 'Status', 'docker ps'),
      created_at: details.createdAt,
      started_at: details.startedAt,
      ports: parsePublishedPorts(portsText, (message) => parseError(message, portsText)),
      restart_count: details.restartCount,
      health: details.health,
      exit_code: STATES_WITHOUT_EXIT_CODE.has(details.state) ? null : details.exitCode,
      labels: details.labels,
      compose_project: details.labels['com.docker.compose.project'] ?? null,
      stats: statsFor(id, name),
    });
  }

  const serverVersion = version.status === 0 ? version.stdoutLines[0]?.trim() : undefined;
  return {
    docker_available: true,
    ...(serverVersion && { docker_version: serverVersion }),
    containers,
    summary: summarize(containers),
  };
}

export const containersCollector: Collector<ContainersData> = {
  dataType: DATA_TYPE,
  tool: {
    name: 'get_containers',
    title: 'Containers',
    description:
      'Every Docker container with state, image, ports, restart count, health and CPU/memory/network/block I/O. Cached for up to 30 s.',
  },
  description:
    'every container (`docker ps -a`) with state, image, ports, restarts, health, and CPU/memory/net/block I/O from one `docker stats` for all',
  schema: ContainersData,
  freshnessSeconds: 30,
  pollIntervalSeconds: 30,
  commandTimeoutMs: 30_000,
  retentionDays: 30,
  requiredCapability: REQUIRED_CAPABILITIES.containers,
  unavailableOutput: `@@no-docker\n${END_MARKER}\n`,
  table: 'containers_snapshots',

  command: () => COMMAND,

  parse(output) {
    const sections = splitSections(DATA_TYPE, output);
    if (sections.has('no-docker')) {
      return {
        docker_available: false,
        containers: [],
        summary: { total: 0, running: 0, exited: 0, paused: 0, restarting: 0, unhealthy: 0 },
      };
    }
    return parseContainers(sections);
  },

  columns(data) {
    return {
      total: data.summary.total,
      running: data.summary.running,
      exited: data.summary.exited,
      unhealthy: data.summary.unhealthy,
      docker_available: data.docker_available,
    };
  },

  capabilities(data) {
    return { docker: data.docker_available };
  },
};
