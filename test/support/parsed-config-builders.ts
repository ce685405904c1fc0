import type {
  ComposeConfig,
  ComposePort,
  ComposeService,
  NginxConfig,
  NginxServer,
  SystemdUnitConfig,
} from '../../domain/config/parsed-config.ts';

/** Literal parsed shapes, as the parsers would produce them, for diff and impact tests. */

export function service(name: string, fields: Partial<ComposeService> = {}): ComposeService {
  return {
    name,
    image: null,
    build: null,
    container_name: null,
    ports: [],
    volumes: [],
    networks: [],
    depends_on: [],
    environment_keys: [],
    env_files: [],
    restart: null,
    labels: {},
    healthcheck: false,
    privileged: false,
    network_mode: null,
    ...fields,
  };
}

export function compose(services: ComposeService[], fields: Partial<ComposeConfig> = {}): ComposeConfig {
  return { kind: 'compose', services, volumes: [], networks: [], project_name: null, ...fields };
}

export function port(spec: string, published: string | null, target: string): ComposePort {
  return { spec, published, target, protocol: 'tcp' };
}

export function server(names: string[], fields: Partial<NginxServer> = {}): NginxServer {
  return {
    server_names: names,
    listen: ['443 ssl'],
    ssl: true,
    locations: [],
    upstreams: [],
    auth: [],
    includes: [],
    ...fields,
  };
}

export function nginx(servers: NginxServer[], fields: Partial<NginxConfig> = {}): NginxConfig {
  return { kind: 'nginx', servers, upstream_blocks: {}, includes: [], ...fields };
}

export function unit(fields: Partial<SystemdUnitConfig> = {}): SystemdUnitConfig {
  return {
    kind: 'systemd',
    unit_type: 'service',
    description: null,
    exec_start: [],
    user: null,
    restart: null,
    wanted_by: [],
    dependencies: {},
    environment_keys: [],
    environment_files: [],
    ...fields,
  };
}
