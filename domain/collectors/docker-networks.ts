import { z } from 'zod';
import { REQUIRED_CAPABILITIES, type Collector } from './collector.ts';
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
 * Docker networks with their driver, subnets and attached containers: one `docker network ls -q` and
 * one `docker network inspect` of every id it lists. Stack checks use it to see which external networks
 * a compose file expects and which subnets are taken.
 */

const DATA_TYPE = 'docker_networks';

export const NetworkSubnet = z.object({ subnet: z.string().describe('CIDR'), gateway: z.string().nullable() });
export type NetworkSubnet = z.infer<typeof NetworkSubnet>;

export const NetworkContainer = z.object({
  id: z.string(),
  name: z.string(),
  ipv4_address: z.string().nullable().describe('CIDR, as docker network inspect gives it'),
  ipv6_address: z.string().nullable(),
});
export type NetworkContainer = z.infer<typeof NetworkContainer>;

export const DockerNetwork = z.object({
  id: z.string(),
  name: z.string(),
  driver: z.string(),
  scope: z.string(),
  internal: z.boolean(),
  subnets: z.array(NetworkSubnet),
  containers: z.array(NetworkContainer),
  /** From the `com.docker.compose.project` label of networks compose created. */
  compose_project: z.string().nullable().describe('the com.docker.compose.project label of networks compose created'),
});
export type DockerNetwork = z.infer<typeof DockerNetwork>;

export const DockerNetworksData = z.object({
  docker_available: z.boolean(),
  networks: z.array(DockerNetwork),
  summary: z.object({ total: z.int(), with_containers: z.int() }),
});
export type DockerNetworksData = z.infer<typeof DockerNetworksData>;

const COMMAND = [
  `if ! command -v docker >/dev/null 2>&1; then echo @@no-docker; echo ${END_MARKER}; exit 0; fi`,
  ...RUN_SECTION_PRELUDE,
  'run ls docker network ls -q --no-trunc',
  'if [ "$status" -eq 0 ] && [ -n "$output" ]; then run inspect docker network inspect $output; fi',
  `echo ${END_MARKER}`,
].join('\n');

function parseError(message: string, excerpt?: string): CollectorParseError {
  return new CollectorParseError(DATA_TYPE, message, excerpt === undefined ? undefined : excerptOf(excerpt));
}

type JsonObject = Record<string, unknown>;
const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function text(row: JsonObject, key: string, what: string): string {
  const value = row[key];
  if (typeof value !== 'string') throw parseError(`${what}: ${key} missing or not a string`, JSON.stringify(row));
  return value;
}

/** Docker prints an empty string for an address a container does not have. */
const orNull = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);

function network(row: unknown): DockerNetwork {
  if (!isObject(row)) throw parseError('docker network inspect: an entry is not an object', JSON.stringify(row));
  const name = text(row, 'Name', 'docker network inspect');
  const what = `network ${name}`;
  const ipam = isObject(row.IPAM) ? row.IPAM : {};
  const config = Array.isArray(ipam.Config) ? ipam.Config : [];
  const containers = isObject(row.Containers) ? row.Containers : {};
  const labels = isObject(row.Labels) ? row.Labels : {};
  return {
    id: text(row, 'Id', what),
    name,
    driver: text(row, 'Driver', what),
    scope: text(row, 'Scope', what),
    internal: row.Internal === true,
    subnets: config
      .filter(isObject)
      .flatMap((c) => (typeof c.Subnet === 'string' ? [{ subnet: c.Subnet, gateway: orNull(c.Gateway) }] : [])),
    containers: Object.entries(containers)
      .map(([id, endpoint]) => {
        if (!isObject(endpoint)) throw parseError(`${what}: container ${id} is not an object`);
        return {
          id,
          name: text(endpoint, 'Name', what),
          ipv4_address: orNull(endpoint.IPv4Address),
          ipv6_address: orNull(endpoint.IPv6Address),
        };
      })
      .sort((a, b) => a.name.localeCompare(b.name)),
    compose_project: orNull(labels['com.docker.compose.project']),
  };
}

function parseNetworks(sections: Sections): DockerNetworksData {
  const ls = sectionCommandResult(DATA_TYPE, sections, 'ls');
  if (ls.status !== 0) throw sectionCommandError(DATA_TYPE, 'docker network ls', ls);
  let networks: DockerNetwork[] = [];
  if (ls.stdoutLines.length > 0) {
    const inspect = sectionCommandResult(DATA_TYPE, sections, 'inspect');
    if (inspect.status !== 0) throw sectionCommandError(DATA_TYPE, 'docker network inspect', inspect);
    const json = inspect.stdoutLines.join('\n');
    let rows: unknown;
    try {
      rows = JSON.parse(json);
    } catch {
      throw parseError('docker network inspect: not JSON', json);
    }
    if (!Array.isArray(rows)) throw parseError('docker network inspect: not a JSON array', json);
    networks = rows.map(network).sort((a, b) => a.name.localeCompare(b.name));
  }
  return {
    docker_available: true,
    networks,
    summary: { total: networks.length, with_containers: networks.filter((n) => n.containers.length > 0).length },
  };
}

export const dockerNetworksCollector: Collector<DockerNetworksData> = {
  dataType: DATA_TYPE,
  schema: DockerNetworksData,
  description:
    'Docker networks (`docker network ls` + `inspect`): driver, scope, subnets and gateways, attached containers with their addresses, compose project',
  freshnessSeconds: 120,
  pollIntervalSeconds: 600,
  commandTimeoutMs: 30_000,
  retentionDays: 7,
  requiredCapability: REQUIRED_CAPABILITIES.docker_networks,
  unavailableOutput: `@@no-docker\n${END_MARKER}\n`,
  table: 'docker_networks_snapshots',
  tool: {
    name: 'get_docker_networks',
    title: 'Docker networks',
    description:
      'Docker networks with driver, scope, subnets and gateways, attached containers with their addresses, and the compose project that made them. Stack deployments check their external networks against it. Cached for up to 120 s.',
  },

  command: () => COMMAND,

  parse(output) {
    const sections = splitSections(DATA_TYPE, output);
    if (sections.has('no-docker'))
      return { docker_available: false, networks: [], summary: { total: 0, with_containers: 0 } };
    return parseNetworks(sections);
  },

  columns(data) {
    return {
      total: data.summary.total,
      with_containers: data.summary.with_containers,
      docker_available: data.docker_available,
    };
  },

  capabilities(data) {
    return { docker: data.docker_available };
  },
};
