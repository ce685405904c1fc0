import { z } from 'zod';
import type { Collector } from './collector.ts';
import { parsePublishedPorts, type ContainerPort } from './containers.ts';
import { CollectorParseError } from './parse-error.ts';
import {
  END_MARKER,
  excerptOf,
  RUN_SECTION_PRELUDE,
  sectionCommandError,
  sectionCommandResult,
  type Sections,
  splitSections,
} from './sections.ts';

/**
 * Listening sockets (TCP listeners and bound UDP sockets) with the process that owns each, from
 * `ss -tulpnH`, and the container that publishes the port when Docker does. Stack deployments check
 * requested host ports against this list before anything is written.
 *
 * `ss -p` names only the processes the SSH user may see: as an unprivileged user the sockets of root's
 * daemons (and docker-proxy) come without a process, which `process_names_complete` says.
 */

const DATA_TYPE = 'ports';

export const PortProtocol = z.enum(['tcp', 'udp']);
export type PortProtocol = z.infer<typeof PortProtocol>;

export const ListeningPort = z.object({
  protocol: PortProtocol,
  /** As ss prints it, without brackets: `0.0.0.0`, `::`, `127.0.0.1`, `*` (any family), `127.0.0.53%lo`. */
  address: z
    .string()
    .describe('as ss prints it, without brackets: 0.0.0.0, ::, 127.0.0.1, * (any family), 127.0.0.53%lo'),
  port: z.int().min(0).max(65535),
  /** The first owning process; null when ss could not name it (another user's socket, or no -p rights). */
  process: z.string().nullable(),
  pid: z.int().nullable(),
  /** The container publishing this port (docker ps), when one does. */
  container: z.string().nullable(),
});
export type ListeningPort = z.infer<typeof ListeningPort>;

export const PortsData = z.object({
  /** `ss` exists on the device. */
  available: z.boolean(),
  /** The collection ran as root, so every socket has its process. */
  process_names_complete: z.boolean(),
  docker_available: z.boolean(),
  ports: z.array(ListeningPort),
  summary: z.object({
    total: z.int(),
    tcp: z.int(),
    udp: z.int(),
    published_by_containers: z.int(),
    without_process: z.int(),
  }),
});
export type PortsData = z.infer<typeof PortsData>;

const COMMAND = [
  `if ! command -v ss >/dev/null 2>&1; then echo @@no-ss; echo ${END_MARKER}; exit 0; fi`,
  ...RUN_SECTION_PRELUDE,
  'echo @@uid; id -u',
  'run ss ss -tulpnH',
  // The same JSON lines the containers collector reads; the names and published ports say which container answers on which host port.
  `if command -v docker >/dev/null 2>&1; then run docker docker ps --no-trunc --format '{{json .}}'; fi`,
  `echo ${END_MARKER}`,
].join('\n');

function parseError(message: string, excerpt?: string): CollectorParseError {
  return new CollectorParseError(DATA_TYPE, message, excerpt === undefined ? undefined : excerptOf(excerpt));
}

// `users:(("sshd",pid=812,fd=3),("sshd",pid=900,fd=3))`: the first entry names the socket's owner.
const PROCESS_FIELD = /users:\(\("((?:[^"\\]|\\.)*)",pid=(\d+)/;

/** `0.0.0.0:22`, `[::]:443`, `*:5353`, `127.0.0.53%lo:53`, `[fe80::1]%eth0:546` → address and port. */
function splitLocalAddress(text: string, line: string): { address: string; port: number } {
  const match = /^(.*):(\d+|\*)$/.exec(text);
  if (!match?.[1] || match[2] === undefined || match[2] === '*')
    throw parseError('unreadable local address in ss output', line);
  const address = match[1].replace(/^\[(.*)\](%.*)?$/, '$1$2');
  return { address, port: Number(match[2]) };
}

export function parseSsLine(line: string): Omit<ListeningPort, 'container'> {
  const fields = line.trim().split(/\s+/);
  const [netid, , , , local] = fields;
  if (fields.length < 6 || local === undefined || (netid !== 'tcp' && netid !== 'udp'))
    throw parseError('unreadable ss line', line);
  const { address, port } = splitLocalAddress(local, line);
  const owner = PROCESS_FIELD.exec(line);
  return {
    protocol: netid,
    address,
    port,
    process: owner?.[1] ?? null,
    pid: owner?.[2] === undefined ? null : Number(owner[2]),
  };
}

/** Host ports each running container publishes, from `docker ps` JSON lines. */
function publishedPorts(sections: Sections): { docker: boolean; byContainer: Map<string, ContainerPort[]> } {
  const byContainer = new Map<string, ContainerPort[]>();
  if (!sections.has('docker')) return { docker: false, byContainer };
  const ps = sectionCommandResult(DATA_TYPE, sections, 'docker');
  // A daemon that is down or refuses us leaves the ports unattributed, not the collection failed.
  if (ps.status !== 0) return { docker: false, byContainer };
  for (const line of ps.stdoutLines) {
    let row: unknown;
    try {
      row = JSON.parse(line);
    } catch {
      throw parseError('unreadable docker ps line', line);
    }
    const { Names: names, Ports: ports } = (row ?? {}) as { Names?: unknown; Ports?: unknown };
    if (typeof names !== 'string' || typeof ports !== 'string')
      throw parseError('docker ps line without Names and Ports', line);
    byContainer.set(
      names.split(',')[0]!,
      parsePublishedPorts(ports, (message) => parseError(message, line)),
    );
  }
  return { docker: true, byContainer };
}

function publisherOf(port: Omit<ListeningPort, 'container'>, byContainer: Map<string, ContainerPort[]>): string | null {
  for (const [name, published] of byContainer) {
    const match = published.some(
      (p) =>
        p.host_port !== undefined &&
        p.protocol === port.protocol &&
        port.port >= p.host_port &&
        port.port <= (p.host_port_end ?? p.host_port),
    );
    if (match) return name;
  }
  return null;
}

export const portsCollector: Collector<PortsData> = {
  dataType: DATA_TYPE,
  schema: PortsData,
  description:
    "listening TCP and UDP sockets (`ss -tulpnH`) with the owning process (every one as root; only the SSH user's own otherwise, which `process_names_complete` says) and the container publishing the port (`docker ps`); stack deployments check their host ports against it",
  freshnessSeconds: 60,
  pollIntervalSeconds: 300,
  commandTimeoutMs: 30_000,
  retentionDays: 7,
  table: 'ports_snapshots',
  tool: {
    name: 'get_ports',
    title: 'Listening ports',
    description:
      'Listening TCP and UDP sockets (ss -tulpnH) with address, port, owning process and pid, and the container that publishes the port. ' +
      'As a non-root SSH user only its own processes are named (process_names_complete says so). Stack deployments check their host ports against it. Cached for up to 60 s.',
  },

  command: () => COMMAND,

  parse(output) {
    const sections = splitSections(DATA_TYPE, output);
    if (sections.has('no-ss')) {
      return {
        available: false,
        process_names_complete: false,
        docker_available: false,
        ports: [],
        summary: { total: 0, tcp: 0, udp: 0, published_by_containers: 0, without_process: 0 },
      };
    }
    const uid = sections.nonEmptyLines('uid')[0]?.trim();
    const ss = sectionCommandResult(DATA_TYPE, sections, 'ss');
    if (ss.status !== 0) throw sectionCommandError(DATA_TYPE, 'ss -tulpnH', ss);
    const { docker, byContainer } = publishedPorts(sections);
    const ports = ss.stdoutLines
      .map(parseSsLine)
      .map((p) => ({ ...p, container: publisherOf(p, byContainer) }))
      .sort((a, b) => a.port - b.port || a.protocol.localeCompare(b.protocol) || a.address.localeCompare(b.address));
    return {
      available: true,
      process_names_complete: uid === '0',
      docker_available: docker,
      ports,
      summary: {
        total: ports.length,
        tcp: ports.filter((p) => p.protocol === 'tcp').length,
        udp: ports.filter((p) => p.protocol === 'udp').length,
        published_by_containers: ports.filter((p) => p.container !== null).length,
        without_process: ports.filter((p) => p.process === null).length,
      },
    };
  },

  columns(data) {
    return { total: data.summary.total, tcp: data.summary.tcp, udp: data.summary.udp };
  },
};
