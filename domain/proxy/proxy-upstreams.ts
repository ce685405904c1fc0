import type { ContainerInfo } from '../collectors/containers.ts';
import { parseNginx } from '../config/nginx.ts';
import type { Insight } from '../insights/insight.ts';
import type { ProxyConfEntry, ProxyConfUpstream } from '../../schema/proxy-conf.ts';

/**
 * What each proxy conf forwards to, and whether that is a container that runs. The upstreams come from
 * the nginx parser, which already resolves `proxy_pass $upstream_proto://$upstream_app:$upstream_port`
 * through the conf's `set` lines; here they are split into app and port and looked up among the device's
 * containers by name (SWAG's convention) or by compose service (docker's DNS answers both).
 */

const UPSTREAM_URL = /^([a-z][a-z0-9+.-]*):\/\/(\[[^\]]+\]|[^/:?#]+)(?::(\d+))?/i;
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

function splitUpstream(url: string): { proto: string | null; app: string | null; port: number | null } {
  const match = UPSTREAM_URL.exec(url);
  if (!match) return { proto: null, app: null, port: null };
  return { proto: match[1]!.toLowerCase(), app: match[2]!, port: match[3] === undefined ? null : Number(match[3]) };
}

function findContainer(app: string, containers: readonly ContainerInfo[]): ContainerInfo | undefined {
  return (
    containers.find((c) => c.name === app) ?? containers.find((c) => c.labels['com.docker.compose.service'] === app)
  );
}

export function upstreamOf(
  url: string,
  upstreamBlocks: ReadonlySet<string>,
  containers: readonly ContainerInfo[],
): ProxyConfUpstream {
  const { proto, app, port } = splitUpstream(url);
  const base = { url, proto, app, port, container: null, container_state: null };
  // An address, a variable nginx resolves per request, or a named upstream block: not one container.
  if (
    app === null ||
    app.includes('$') ||
    app.startsWith('[') ||
    IPV4.test(app) ||
    app === 'localhost' ||
    upstreamBlocks.has(app)
  )
    return { ...base, state: 'not_a_container' };
  const container = findContainer(app, containers);
  if (container)
    return {
      ...base,
      container: container.name,
      container_state: container.state,
      state: container.state === 'running' ? 'running' : 'not_running',
    };
  // A dotted name that is no container is most likely a DNS name outside docker.
  return { ...base, state: app.includes('.') ? 'not_a_container' : 'missing' };
}

export function proxyConfEntry(path: string, content: string, containers: readonly ContainerInfo[]): ProxyConfEntry {
  const file = path.split('/').at(-1)!;
  const kind = file.endsWith('.subdomain.conf')
    ? 'subdomain'
    : file.endsWith('.subfolder.conf')
      ? 'subfolder'
      : 'other';
  const parsed = parseNginx(content);
  if (!parsed.ok || parsed.data.kind !== 'nginx') {
    const error = parsed.ok ? null : parsed.error;
    return {
      file,
      path,
      kind,
      server_names: [],
      locations: [],
      auth: [],
      upstreams: [],
      parse_error: error ? `${error.message} at line ${error.line ?? '?'}` : 'not an nginx conf',
    };
  }
  const { servers, upstream_blocks } = parsed.data;
  const blocks = new Set(Object.keys(upstream_blocks));
  const unique = (values: string[]) => [...new Set(values)];
  return {
    file,
    path,
    kind,
    server_names: unique(servers.flatMap((s) => s.server_names)),
    locations: unique(servers.flatMap((s) => s.locations.map((l) => l.path))),
    auth: unique(servers.flatMap((s) => s.auth)),
    upstreams: unique(servers.flatMap((s) => s.upstreams)).map((url) => upstreamOf(url, blocks, containers)),
    parse_error: null,
  };
}

/** A conf whose upstream container is gone or stopped answers 502 to everyone who follows its name. */
export function brokenUpstreamInsights(entries: readonly ProxyConfEntry[]): Insight[] {
  return entries.flatMap((entry) =>
    entry.upstreams
      .filter((u) => u.state === 'missing' || u.state === 'not_running')
      .map((u) => ({
        severity: 'warning' as const,
        code: 'proxy_upstream_broken' as const,
        subject: entry.file,
        message:
          u.state === 'missing'
            ? `${entry.file} proxies to ${u.app}${u.port === null ? '' : `:${u.port}`}, but no container ${u.app} exists`
            : `${entry.file} proxies to ${u.app}${u.port === null ? '' : `:${u.port}`}, but container ${u.container} is ${u.container_state}`,
        evidence: {
          upstream: u.url,
          app: u.app,
          port: u.port,
          container: u.container,
          container_state: u.container_state,
          state: u.state,
        },
      })),
  );
}
