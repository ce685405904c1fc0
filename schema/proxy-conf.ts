import { z } from 'zod';
import type { PrincipalRef } from './api-token.ts';
import { DevicePath } from './config-request.ts';
import { ContainerName } from './container-action.ts';
import type { Trigger } from './database.ts';
import type { OperationSettings } from './operation.ts';

/** One DNS label (RFC 1123): what a subdomain and a conf's name are. Lower case, as SWAG names its samples. */
export const DnsLabel = z
  .string()
  .regex(
    /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/,
    'a DNS label: 1-63 lower-case letters, digits and -, not starting or ending with -',
  );

/** A DNS name of labels, for the domain part of a server_name. */
export const DnsName = z
  .string()
  .max(253)
  .regex(
    /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$/,
    'a DNS name: lower-case labels separated by dots',
  );

/** A URL path prefix for a subfolder conf: `/name` or `/name/sub`, letters, digits and `._~-` only. */
export const SubfolderPath = z
  .string()
  .max(200)
  .refine(
    (p) => !p.split('/').includes('..') && !p.split('/').includes('.'),
    'path must not contain "." or ".." segments',
  )
  .refine((p) => /^(\/[A-Za-z0-9._~-]+)+\/?$/.test(p), 'path: /segment[/segment...], each of letters, digits and ._~-');

/** Which nginx validates and reloads: found on the device, the host's own, or a named container's. */
export const ProxySelection = z.union([
  z.literal('auto'),
  z.literal('host'),
  z.object({ container: ContainerName }).strict(),
]);
export type ProxySelection = z.infer<typeof ProxySelection>;

export const PROXY_AUTH = ['none', 'authelia', 'authentik'] as const;

/** What a person or agent asks for: a SWAG-style conf that proxies a name or path to a container's port. */
export const ProxyConfRequest = z
  .object({
    name: DnsLabel.describe('the app: the conf is <name>.subdomain.conf or <name>.subfolder.conf'),
    kind: z.enum(['subdomain', 'subfolder']).default('subdomain'),
    subdomain: DnsLabel.optional().describe('subdomain conf: the server name is <subdomain>.* (default: name)'),
    domain: DnsName.optional().describe(
      'subdomain conf: serve <subdomain>.<domain> only, instead of <subdomain>.* on every domain',
    ),
    path: SubfolderPath.optional().describe('subfolder conf: the URL path (default: /<name>/)'),
    upstream_app: ContainerName.describe('the container (or host) nginx proxies to'),
    upstream_port: z.number().int().min(1).max(65535),
    upstream_proto: z.enum(['http', 'https']).default('http'),
    auth: z
      .enum(PROXY_AUTH)
      .default('none')
      .describe('SWAG auth includes: authelia or authentik server + location snippets'),
    websocket: z.boolean().default(false).describe('pass WebSocket upgrades through'),
    conf_dir: DevicePath.optional().describe(
      "the proxy-confs directory on the device (default: found from the proxy container's /config mount, else /etc/nginx/conf.d)",
    ),
    proxy: ProxySelection.default('auto').describe(
      '"auto", "host", or {"container": name}: which nginx checks (nginx -t) and reloads',
    ),
    check_url: z
      .string()
      .max(200)
      .regex(/^https?:\/\/[A-Za-z0-9.:[\]-]+$/, 'check_url: http(s)://host[:port] of the proxy, seen from the device')
      // The pattern lets through what is not a URL at all (`https://:04`): ask the parser the service uses.
      .refine(
        (url) => URL.canParse(url),
        'check_url: not a URL; http(s)://host[:port] of the proxy, seen from the device',
      )
      .default('https://127.0.0.1')
      .describe('where the device reaches the proxy to check the new name answers'),
  })
  .strict();
export type ProxyConfRequest = z.infer<typeof ProxyConfRequest>;

/** The file name of a conf: `<name>.subdomain.conf` / `<name>.subfolder.conf`. */
export const ProxyConfFileName = z
  .string()
  .regex(
    /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.(subdomain|subfolder)\.conf$/,
    'a conf file name: <name>.subdomain.conf or <name>.subfolder.conf',
  );

export const ProxyConfLocation = z
  .object({
    conf_dir: DevicePath.optional(),
    proxy: ProxySelection.default('auto'),
  })
  .strict();
export type ProxyConfLocation = z.infer<typeof ProxyConfLocation>;

/** The nginx the device has, as found: inside a container (with the conf dir mounted into it) or the host's. */
export const LocatedProxy = z.object({
  mode: z.enum(['container', 'host']),
  container: z.string().nullable(),
  conf_dir: z.string(),
});
export type LocatedProxy = z.infer<typeof LocatedProxy>;

export const NginxRun = z.object({
  command: z.string(),
  ok: z.boolean(),
  exit_code: z.number().nullable(),
  output: z.string(),
});
export type NginxRun = z.infer<typeof NginxRun>;

export const PROXY_CONF_PHASES = [
  'locating',
  'awaiting_confirmation',
  'writing',
  'validating',
  'reloading',
  'checking',
  'completed',
  'reverted',
  'failed',
  'abandoned',
] as const;

export const ProxyConfView = z.object({
  device: z.string(),
  action: z.enum(['create', 'remove']),
  file: z.string(),
  path: z.string().nullable(),
  phase: z.enum(PROXY_CONF_PHASES),
  proxy: LocatedProxy.nullable(),
  /** An existing conf was replaced (create) or removed: held for a person's phrase. */
  replaces: z.boolean(),
  previous_snapshot_id: z.string().nullable(),
  new_snapshot_id: z.string().nullable(),
  validation: NginxRun.nullable(),
  reload: NginxRun.nullable(),
  /** Whether the proxied name answered (null before the check, or for a removal). */
  answer: z
    .object({
      url: z.string(),
      host: z.string(),
      checked: z.boolean(),
      status: z.number().nullable(),
      answering: z.boolean(),
      detail: z.string(),
    })
    .nullable(),
  operation_id: z.string().nullable(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  workflow_id: z.string(),
});
export type ProxyConfView = z.infer<typeof ProxyConfView>;

export type ProxyConfPhase = ProxyConfView['phase'];

export interface ProxyConfInput {
  hostname: string;
  action: 'create' | 'remove';
  file: string;
  /** create: the rendered conf and its SHA-256 (to see that a replace would change nothing). */
  content: string | null;
  contentSha256: string | null;
  location: ProxyConfLocation;
  /** create: where and under which Host the device asks the proxy once reloaded. */
  check: { url: string; host: string } | null;
  requestedBy: PrincipalRef;
  trigger: Trigger;
  correlationId: string | null;
  operationSettings: OperationSettings;
  operationWorkflowPrefix: string;
}

/** Where the upstream of a conf stands among the device's containers. */
export const UPSTREAM_STATES = ['running', 'not_running', 'missing', 'not_a_container'] as const;

export const ProxyConfUpstream = z.object({
  url: z.string(),
  proto: z.string().nullable(),
  app: z.string().nullable(),
  port: z.number().nullable(),
  state: z.enum(UPSTREAM_STATES),
  container: z.string().nullable(),
  container_state: z.string().nullable(),
});
export type ProxyConfUpstream = z.infer<typeof ProxyConfUpstream>;

export const ProxyConfEntry = z.object({
  file: z.string(),
  path: z.string(),
  kind: z.enum(['subdomain', 'subfolder', 'other']),
  server_names: z.array(z.string()),
  locations: z.array(z.string()),
  auth: z.array(z.string()),
  upstreams: z.array(ProxyConfUpstream),
  parse_error: z.string().nullable(),
});
export type ProxyConfEntry = z.infer<typeof ProxyConfEntry>;

export const InsightSchema = z.object({
  severity: z.enum(['critical', 'warning', 'info']),
  code: z.string(),
  subject: z.string(),
  message: z.string(),
  evidence: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
});

export const ProxyConfList = z.object({
  device: z.string(),
  proxy: LocatedProxy,
  confs: z.array(ProxyConfEntry),
  insights: z.array(InsightSchema),
  containers_collected_at: z.string().nullable(),
  workflow_id: z.string(),
});
export type ProxyConfList = z.infer<typeof ProxyConfList>;

/** Where to look, as a query string: `proxy=auto|host` or `container=<name>`, and `conf_dir`. */
export const ProxyConfQuery = z
  .object({
    conf_dir: DevicePath.optional(),
    proxy: z.enum(['auto', 'host']).optional(),
    container: ContainerName.optional(),
  })
  .strict()
  .refine((q) => !(q.container && q.proxy), { message: 'give proxy or container, not both', path: ['container'] })
  .transform((q): ProxyConfLocation => ({
    conf_dir: q.conf_dir,
    proxy: q.container ? { container: q.container } : (q.proxy ?? 'auto'),
  }));
