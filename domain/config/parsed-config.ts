/**
 * What a watched configuration file means, by kind. Parsed on the worker right after a change is read,
 * stored beside the raw content, and compared version to version for semantic diffs and impact.
 * Secret values never appear here: environment values and credentials are replaced by a marker.
 */

/** Where the parser gave up; the raw content is stored anyway and the change's risk is raised. */
export interface ConfigParseError {
  message: string;
  /** 1-based, when the parser knows. */
  line: number | null;
  column: number | null;
}

/** Stands in for a value that may be a secret (environment values, passwords, tokens). */
export const REDACTED = '[redacted]';

export interface ComposePort {
  /** As written, normalized to `[host_ip:]published:target[/protocol]` when it is a short form. */
  spec: string;
  published: string | null;
  target: string;
  protocol: string;
}

export interface ComposeService {
  name: string;
  image: string | null;
  /** `build` context, when the service is built rather than pulled. */
  build: string | null;
  container_name: string | null;
  ports: ComposePort[];
  /** `source:target[:mode]` as written (named volumes or bind paths). */
  volumes: string[];
  networks: string[];
  depends_on: string[];
  /** Names only; values are never stored (they are often secrets). */
  environment_keys: string[];
  env_files: string[];
  restart: string | null;
  /** Labels as key → value (labels are configuration, e.g. traefik/swag rules, not secrets). */
  labels: Record<string, string>;
  healthcheck: boolean;
  privileged: boolean;
  network_mode: string | null;
}

export interface ComposeConfig {
  kind: 'compose';
  services: ComposeService[];
  /** Top-level named volumes and networks. */
  volumes: string[];
  networks: string[];
  /** Top-level `name:` (the project name), when set. */
  project_name: string | null;
}

export interface NginxServer {
  server_names: string[];
  /** `listen` arguments as written, e.g. `443 ssl`, `[::]:80`. */
  listen: string[];
  ssl: boolean;
  /** `location path` → where it proxies (proxy_pass target, or a `$upstream_*` variable resolved when set in the same block). */
  locations: Array<{ path: string; proxy_pass: string | null }>;
  /** Every proxy_pass target in the server, in order. */
  upstreams: string[];
  /** auth_basic / auth_request / include of an authelia/authentik/ldap snippet. */
  auth: string[];
  includes: string[];
}

export interface NginxConfig {
  kind: 'nginx';
  servers: NginxServer[];
  /** `upstream name { server ...; }` blocks: name → servers. */
  upstream_blocks: Record<string, string[]>;
  /** Top-level (outside server blocks) includes. */
  includes: string[];
}

export interface SystemdUnitConfig {
  kind: 'systemd';
  /** `service`, `timer`, `socket`, `mount`, `path`, `target`... from the file name. */
  unit_type: string;
  description: string | null;
  exec_start: string[];
  user: string | null;
  restart: string | null;
  wanted_by: string[];
  /** After, Requires, Wants, BindsTo, PartOf. */
  dependencies: Record<string, string[]>;
  /** Environment= assignments: names only. */
  environment_keys: string[];
  environment_files: string[];
}

export interface UnknownConfig {
  kind: 'unknown';
  lines: number;
}

export type ParsedConfigData = ComposeConfig | NginxConfig | SystemdUnitConfig | UnknownConfig;

/** Parsed data, or what is known of a file that could not be parsed. */
export type ParsedConfig =
  { ok: true; data: ParsedConfigData } | { ok: false; kind: ParsedConfigData['kind']; error: ConfigParseError };

export type ConfigKind = ParsedConfigData['kind'];

/** A stored version back as the parser's answer: its parsed data, or the error it was stored with. */
export function storedParse(kind: string, parsed: unknown, parseError: ConfigParseError | null): ParsedConfig {
  if (parseError) return { ok: false, kind: kind as ConfigKind, error: parseError };
  return { ok: true, data: parsed as ParsedConfigData };
}
