import { posix } from 'node:path';
import { CONTAINERS } from './catalog.ts';
import type { ContainerSpec, DeviceProfile } from './profile.ts';
import { Rng } from './random.ts';

/**
 * The configuration files on a simulated device, as the config watcher finds them: one
 * `/opt/stacks/<project>/compose.yaml` per compose project of its containers (the path their
 * `com.docker.compose.project.config_files` label names), and on a SWAG host one
 * `<app>.subdomain.conf` per proxied app in SWAG's `nginx/proxy-confs`, under the host directory
 * mounted as the container's `/config`.
 *
 * The owner edits them now and then: every `profile.configEdits.periodSeconds` one edit (an image tag
 * bump, a published port moved, an environment variable added, Authelia switched on in a proxy conf)
 * toggles one of a few knobs chosen per device, in turn, so after two rounds the files are as they began.
 * Edits happen at fixed Unix times, so the content is a function of (profile, t) alone: hash scans,
 * reads and watch events agree with each other and with any restart of the fleet.
 */

interface Facts {
  tz: string;
  domain: string;
  lanAddress: string;
}

type Environment = Array<[string, string]>;

interface AppFiles {
  /** Container-side paths of the template's `mounts`, in their order. */
  targets?: readonly string[];
  environment?: (facts: Facts) => Environment;
  /** A variable the owner adds one day (an edit). */
  addedEnv?: (facts: Facts) => readonly [string, string];
  dependsOn?: readonly string[];
  /** `healthcheck.test` in exec form, for images whose healthcheck compose defines. */
  healthcheck?: string;
  /** More of the service's definition, as YAML lines under the service. */
  extra?: readonly string[];
  /** Served through SWAG: proxy-conf name, the port and scheme the app listens on, and an `/api` location of its own. */
  web?: { name: string; port: number; proto: 'http' | 'https'; api?: true };
}

const linuxserver = (facts: Facts): Environment => [
  ['PUID', '1000'],
  ['PGID', '1000'],
  ['TZ', facts.tz],
];
const timezone = (facts: Facts): Environment => [['TZ', facts.tz]];
const umask = () => ['UMASK', '002'] as const;

/** Every catalog container, typed by the catalog: a new template does not compile without its row. */
const APPS: Record<keyof typeof CONTAINERS, AppFiles> = {
  swag: {
    targets: ['/config'],
    environment: (f) => [
      ...linuxserver(f),
      ['URL', f.domain],
      ['VALIDATION', 'dns'],
      ['SUBDOMAINS', 'wildcard'],
      ['DNSPLUGIN', 'cloudflare'],
      ['EMAIL', `admin@${f.domain}`],
    ],
    addedEnv: () => ['DOCKER_MODS', 'linuxserver/mods:swag-dashboard'],
    extra: ['cap_add:', '  - NET_ADMIN'],
  },
  jellyfin: {
    targets: ['/data/media', '/config'],
    environment: timezone,
    addedEnv: (f) => ['JELLYFIN_PublishedServerUrl', `https://jellyfin.${f.domain}`],
    web: { name: 'jellyfin', port: 8096, proto: 'http' },
  },
  sonarr: {
    targets: ['/data', '/config'],
    environment: linuxserver,
    addedEnv: umask,
    web: { name: 'sonarr', port: 8989, proto: 'http', api: true },
  },
  radarr: {
    targets: ['/data', '/config'],
    environment: linuxserver,
    addedEnv: umask,
    web: { name: 'radarr', port: 7878, proto: 'http', api: true },
  },
  prowlarr: {
    targets: ['/config'],
    environment: linuxserver,
    addedEnv: umask,
    web: { name: 'prowlarr', port: 9696, proto: 'http', api: true },
  },
  qbittorrent: {
    targets: ['/downloads', '/config'],
    environment: (f) => [...linuxserver(f), ['WEBUI_PORT', '8080'], ['TORRENTING_PORT', '6881']],
    addedEnv: () => ['DOCKER_MODS', 'ghcr.io/vuetorrent/vuetorrent-lsio-mod:latest'],
    web: { name: 'qbittorrent', port: 8080, proto: 'http' },
  },
  nextcloudApp: {
    targets: ['/var/www/html/data', '/var/www/html'],
    environment: (f) => [
      ['MYSQL_HOST', 'db'],
      ['MYSQL_DATABASE', 'nextcloud'],
      ['MYSQL_USER', 'nextcloud'],
      ['MYSQL_PASSWORD', '${MYSQL_PASSWORD}'],
      ['REDIS_HOST', 'redis'],
      ['NEXTCLOUD_TRUSTED_DOMAINS', `nextcloud.${f.domain}`],
      ['TRUSTED_PROXIES', '172.16.0.0/12'],
    ],
    addedEnv: () => ['PHP_UPLOAD_LIMIT', '16G'],
    dependsOn: ['db', 'redis'],
    web: { name: 'nextcloud', port: 80, proto: 'http' },
  },
  nextcloudDb: {
    targets: ['/var/lib/mysql'],
    environment: () => [
      ['MYSQL_ROOT_PASSWORD', '${MYSQL_ROOT_PASSWORD}'],
      ['MYSQL_DATABASE', 'nextcloud'],
      ['MYSQL_USER', 'nextcloud'],
      ['MYSQL_PASSWORD', '${MYSQL_PASSWORD}'],
    ],
    addedEnv: () => ['MARIADB_AUTO_UPGRADE', '1'],
    healthcheck: '["CMD", "healthcheck.sh", "--connect", "--innodb_initialized"]',
    extra: ['command: --transaction-isolation=READ-COMMITTED --log-bin=binlog --binlog-format=ROW'],
  },
  nextcloudRedis: { targets: ['/data'] },
  grafana: {
    targets: ['/var/lib/grafana'],
    environment: (f) => [
      ['GF_SERVER_ROOT_URL', `https://grafana.${f.domain}`],
      ['GF_SECURITY_ADMIN_PASSWORD', '${GRAFANA_ADMIN_PASSWORD}'],
    ],
    addedEnv: () => ['GF_AUTH_ANONYMOUS_ENABLED', 'true'],
    dependsOn: ['prometheus'],
    web: { name: 'grafana', port: 3000, proto: 'http' },
  },
  prometheus: {
    targets: ['/prometheus', '/etc/prometheus/prometheus.yml:ro'],
    extra: ['command:', '  - --config.file=/etc/prometheus/prometheus.yml', '  - --storage.tsdb.path=/prometheus'],
  },
  nodeExporter: { targets: ['/host:ro,rslave'], extra: ['pid: host', 'command:', '  - --path.rootfs=/host'] },
  vaultwarden: {
    targets: ['/data'],
    environment: (f) => [
      ['DOMAIN', `https://vaultwarden.${f.domain}`],
      ['SIGNUPS_ALLOWED', 'false'],
      ['ADMIN_TOKEN', '${VAULTWARDEN_ADMIN_TOKEN}'],
    ],
    addedEnv: () => ['SHOW_PASSWORD_HINT', 'false'],
    web: { name: 'vaultwarden', port: 80, proto: 'http' },
  },
  uptimeKuma: {
    targets: ['/app/data'],
    addedEnv: () => ['UPTIME_KUMA_DISABLE_FRAME_SAMEORIGIN', 'true'],
    web: { name: 'uptime-kuma', port: 3001, proto: 'http' },
  },
  paperless: {
    targets: ['/usr/src/paperless/data', '/usr/src/paperless/media'],
    environment: (f) => [
      ['PAPERLESS_REDIS', 'redis://broker:6379'],
      ['PAPERLESS_DBHOST', 'db'],
      ['PAPERLESS_URL', `https://paperless.${f.domain}`],
      ['PAPERLESS_SECRET_KEY', '${PAPERLESS_SECRET_KEY}'],
      ['PAPERLESS_TIME_ZONE', f.tz],
      ['USERMAP_UID', '1000'],
      ['USERMAP_GID', '1000'],
    ],
    addedEnv: () => ['PAPERLESS_OCR_LANGUAGE', 'deu+eng'],
    dependsOn: ['db', 'broker'],
    web: { name: 'paperless', port: 8000, proto: 'http' },
  },
  paperlessDb: {
    targets: ['/var/lib/postgresql/data'],
    environment: () => [
      ['POSTGRES_DB', 'paperless'],
      ['POSTGRES_USER', 'paperless'],
      ['POSTGRES_PASSWORD', '${POSTGRES_PASSWORD}'],
    ],
    healthcheck: '["CMD-SHELL", "pg_isready -U paperless"]',
  },
  paperlessBroker: { targets: ['/data'] },
  portainer: { web: { name: 'portainer', port: 9443, proto: 'https' } },
  watchtower: {},
  resticBackup: {},
  pihole: {
    targets: ['/etc/pihole', '/etc/dnsmasq.d'],
    environment: (f) => [
      ['TZ', f.tz],
      ['WEBPASSWORD', '${PIHOLE_WEBPASSWORD}'],
      ['FTLCONF_LOCAL_IPV4', f.lanAddress],
    ],
    addedEnv: () => ['DNSMASQ_LISTENING', 'all'],
    web: { name: 'pihole', port: 80, proto: 'http' },
  },
  homeassistant: {
    targets: ['/config'],
    environment: timezone,
    extra: ['privileged: true'],
    web: { name: 'homeassistant', port: 8123, proto: 'http' },
  },
  mosquitto: { targets: ['/mosquitto/config', '/mosquitto/data'] },
  zigbee2mqtt: {
    targets: ['/app/data', '/run/udev:ro'],
    environment: timezone,
    addedEnv: () => ['ZIGBEE2MQTT_CONFIG_FRONTEND_PORT', '8080'],
    dependsOn: ['mosquitto'],
    extra: ['devices:', '  - /dev/serial/by-id/usb-ITead_Sonoff_Zigbee_3.0_USB_Dongle_Plus-if00-port0:/dev/ttyACM0'],
  },
};

const APP_BY_CONTAINER = new Map<string, AppFiles>(
  Object.entries(CONTAINERS).map(([key, t]) => [t.name, APPS[key as keyof typeof CONTAINERS]]),
);

function appOf(spec: ContainerSpec): AppFiles {
  const app = APP_BY_CONTAINER.get(spec.name);
  if (!app) throw new Error(`container ${spec.name} is not in the catalog`);
  return app;
}

const TIMEZONES = [
  'Europe/Berlin',
  'Europe/London',
  'Europe/Amsterdam',
  'America/New_York',
  'America/Chicago',
  'Australia/Sydney',
];
const DOMAINS = ['example.com', 'example.net', 'example.org'];
/** Knobs per device: enough variety over a day, few enough that each file's history stays readable. */
const MAX_KNOBS = 6;
/** A clock jump of months lists only the newest edits, as a watcher catching up would see at most. */
const MAX_EDITS_LISTED = 1000;
/** Every systemd host has it; no simulated unit file lives there, so it is watched and stays quiet. */
export const UNIT_DIRECTORY = '/etc/systemd/system';

interface Service {
  name: string;
  image: string;
  containerName: string | null;
  networkMode: string | null;
  /** Networks named in the service, when it joins more than the project's default. */
  networks: string[];
  ports: string[];
  volumes: string[];
  environment: Environment;
  /** The variable an edit adds, if the app has one. */
  addedEnv: readonly [string, string] | null;
  dependsOn: Array<{ name: string; healthy: boolean }>;
  healthcheck: string | null;
  extra: readonly string[];
}

interface Stack {
  path: string;
  services: Service[];
  namedVolumes: string[];
  /** `own`: the project's default network is the shared `proxy` (SWAG's stack); `external`: it joins it. */
  proxyNetwork: 'own' | 'external' | null;
}

interface ProxyConf {
  path: string;
  name: string;
  container: string;
  upstreamApp: string;
  upstreamPort: number;
  proto: 'http' | 'https';
  api: boolean;
}

type Knob =
  | { kind: 'image'; path: string; service: string }
  | { kind: 'port'; path: string; service: string }
  | { kind: 'env'; path: string; service: string; variable: readonly [string, string] }
  | { kind: 'auth'; path: string };

interface DeviceConfig {
  stacks: Stack[];
  proxyConfs: ProxyConf[];
  knobs: Knob[];
  /** Every directory on the device that holds a simulated file, with its ancestors, and the unit directory. */
  directories: Set<string>;
}

/** `docker ps` Ports → compose short syntax: `0.0.0.0:8096->8096/tcp` → `8096:8096` (the `[::]` twins dropped). */
function publishedPorts(ports: string): string[] {
  const out: string[] = [];
  for (const entry of ports.split(', ')) {
    const m = /^0\.0\.0\.0:(\d+)->(\d+)\/(tcp|udp)$/.exec(entry);
    if (m) out.push(`${m[1]}:${m[2]}${m[3] === 'udp' ? '/udp' : ''}`);
  }
  return out;
}

function stackOf(project: string, specs: readonly ContainerSpec[], facts: Facts): Stack {
  const dir = `/opt/stacks/${project}`;
  const namedVolumes = new Set<string>();
  let proxyNetwork: Stack['proxyNetwork'] = null;
  const services = specs.map((spec): Service => {
    const app = appOf(spec);
    const mounts = spec.mounts.split(',');
    const targets = app.targets ?? [];
    if (targets.length !== mounts.length)
      throw new Error(`${spec.name}: ${mounts.length} mounts but ${targets.length} targets`);
    const volumes = mounts.map((source, i) => {
      // Compose names a project's volumes `<project>_<name>`; files of the project sit beside compose.yaml.
      if (source.startsWith(`${dir}/`)) return `./${source.slice(dir.length + 1)}:${targets[i]}`;
      if (source.startsWith('/')) return `${source}:${targets[i]}`;
      const name = source.slice(project.length + 1);
      namedVolumes.add(name);
      return `${name}:${targets[i]}`;
    });
    const networkNames = spec.networks.split(',');
    const joinsProxy = networkNames.includes('proxy');
    if (joinsProxy) proxyNetwork = project === 'proxy' ? 'own' : 'external';
    const networks =
      joinsProxy && project !== 'proxy' ? networkNames.map((n) => (n === `${project}_default` ? 'default' : n)) : [];
    return {
      name: spec.service,
      image: spec.image,
      // Compose names containers `<project>-<service>-1` unless told otherwise.
      containerName: spec.name === `${project}-${spec.service}-1` ? null : spec.name,
      networkMode: networkNames.includes('host') ? 'host' : null,
      networks,
      ports: publishedPorts(spec.ports),
      volumes,
      environment: app.environment?.(facts) ?? [],
      addedEnv: app.addedEnv?.(facts) ?? null,
      dependsOn: (app.dependsOn ?? []).map((name) => ({
        name,
        healthy: specs.some((s) => s.service === name && appOf(s).healthcheck !== undefined),
      })),
      healthcheck: app.healthcheck ?? null,
      extra: app.extra ?? [],
    };
  });
  return { path: `${dir}/compose.yaml`, services, namedVolumes: [...namedVolumes], proxyNetwork };
}

/** SWAG reaches an app by container name on the shared `proxy` network, otherwise at the host's address. */
function proxyConfOf(dir: string, spec: ContainerSpec, lanAddress: string): ProxyConf | null {
  const web = appOf(spec).web;
  if (!web) return null;
  const base = {
    path: `${dir}/${web.name}.subdomain.conf`,
    name: web.name,
    container: spec.name,
    proto: web.proto,
    api: web.api === true,
  };
  if (spec.networks.split(',').includes('proxy')) return { ...base, upstreamApp: spec.name, upstreamPort: web.port };
  if (spec.networks === 'host') return { ...base, upstreamApp: lanAddress, upstreamPort: web.port };
  const published = new RegExp(`0\\.0\\.0\\.0:(\\d+)->${web.port}/tcp`).exec(spec.ports);
  return published ? { ...base, upstreamApp: lanAddress, upstreamPort: Number(published[1]) } : null;
}

const BUMPABLE_TAG = /(\d+)(?=(?:-[A-Za-z][\w.-]*)?$)/;

function tagOf(image: string): string {
  const colon = image.lastIndexOf(':');
  return colon < 0 || image.includes('/', colon) ? '' : image.slice(colon + 1);
}

/** `nextcloud:29.0.8-apache` → `nextcloud:29.0.9-apache`: the last number of the version goes up by one. */
function bumpedImage(image: string): string {
  const tag = tagOf(image);
  const bumped = tag.replace(BUMPABLE_TAG, (n) => String(Number(n) + 1));
  return `${image.slice(0, image.length - tag.length)}${bumped}`;
}

/** `8096:8096` → `8097:8096`: moved off a port something else took. */
function movedPort(port: string): string {
  const [host = '', ...rest] = port.split(':');
  return [String(Number(host) + 1), ...rest].join(':');
}

function chooseKnobs(rng: Rng, stacks: readonly Stack[], proxyConfs: readonly ProxyConf[]): Knob[] {
  const candidates: Knob[] = [];
  for (const stack of stacks) {
    for (const service of stack.services) {
      if (BUMPABLE_TAG.test(tagOf(service.image)))
        candidates.push({ kind: 'image', path: stack.path, service: service.name });
      if (service.ports.some((p) => !p.endsWith('/udp')))
        candidates.push({ kind: 'port', path: stack.path, service: service.name });
      if (service.addedEnv)
        candidates.push({ kind: 'env', path: stack.path, service: service.name, variable: service.addedEnv });
    }
  }
  for (const conf of proxyConfs) candidates.push({ kind: 'auth', path: conf.path });
  const shuffled = shuffle(rng, candidates);
  // One of each kind first, so a device shows every sort of edit, then more of any kind.
  const first = shuffled.filter((k, i) => shuffled.findIndex((other) => other.kind === k.kind) === i);
  const chosen = [...first, ...shuffled.filter((k) => !first.includes(k))].slice(0, MAX_KNOBS);
  return shuffle(rng, chosen);
}

function shuffle<T>(rng: Rng, items: readonly T[]): T[] {
  return items
    .map((item) => ({ item, key: rng.next() }))
    .sort((a, b) => a.key - b.key)
    .map((k) => k.item);
}

const configs = new WeakMap<DeviceProfile, DeviceConfig>();

function deviceConfig(profile: DeviceProfile): DeviceConfig {
  const cached = configs.get(profile);
  if (cached) return cached;
  const rng = new Rng(profile.configEdits.seed);
  const facts: Facts = { tz: rng.pick(TIMEZONES), domain: rng.pick(DOMAINS), lanAddress: profile.lanAddress };
  const byProject = new Map<string, ContainerSpec[]>();
  for (const spec of profile.containers) {
    if (spec.project !== null) byProject.set(spec.project, [...(byProject.get(spec.project) ?? []), spec]);
  }
  const stacks = [...byProject].map(([project, specs]) => stackOf(project, specs, facts));
  const swag = profile.containers.find((c) => c.image.includes('linuxserver/swag'));
  // The host directory SWAG has as /config.
  const confDir = swag ? `${swag.mounts.split(',')[0]}/nginx/proxy-confs` : null;
  const proxyConfs = confDir
    ? profile.containers.flatMap((spec) => proxyConfOf(confDir, spec, profile.lanAddress) ?? [])
    : [];
  const directories = new Set<string>();
  const leaves = [
    ...stacks.map((s) => posix.dirname(s.path)),
    ...proxyConfs.map((c) => posix.dirname(c.path)),
    ...(profile.capabilities.systemd ? [UNIT_DIRECTORY] : []),
  ];
  for (const leaf of leaves) {
    // Up to `/`, whose own dirname is itself and so already in the set.
    for (let dir = leaf; !directories.has(dir); dir = posix.dirname(dir)) directories.add(dir);
  }
  const config = { stacks, proxyConfs, knobs: chooseKnobs(rng, stacks, proxyConfs), directories };
  configs.set(profile, config);
  return config;
}

function renderCompose(stack: Stack, knobs: readonly Knob[]): string {
  const on = (kind: Knob['kind'], service: string) =>
    knobs.find((k) => k.kind === kind && 'service' in k && k.service === service);
  const lines = ['services:'];
  const list = (key: string, items: readonly string[]) => {
    if (items.length > 0) lines.push(`    ${key}:`, ...items.map((item) => `      - ${item}`));
  };
  for (const s of stack.services) {
    const added = on('env', s.name);
    const environment = added?.kind === 'env' ? [...s.environment, added.variable] : s.environment;
    const ports = on('port', s.name)
      ? s.ports.map((p, i) => (i === s.ports.findIndex((q) => !q.endsWith('/udp')) ? movedPort(p) : p))
      : s.ports;
    lines.push(`  ${s.name}:`, `    image: ${on('image', s.name) ? bumpedImage(s.image) : s.image}`);
    if (s.containerName) lines.push(`    container_name: ${s.containerName}`);
    if (s.networkMode) lines.push(`    network_mode: ${s.networkMode}`);
    lines.push(...s.extra.map((line) => `    ${line}`));
    list(
      'environment',
      environment.map(([key, value]) => `${key}=${value}`),
    );
    list(
      'ports',
      ports.map((p) => `"${p}"`),
    );
    list('volumes', s.volumes);
    list('networks', s.networks);
    if (s.dependsOn.some((d) => d.healthy)) {
      lines.push(
        '    depends_on:',
        ...s.dependsOn.flatMap((d) => [
          `      ${d.name}:`,
          `        condition: ${d.healthy ? 'service_healthy' : 'service_started'}`,
        ]),
      );
    } else {
      list(
        'depends_on',
        s.dependsOn.map((d) => d.name),
      );
    }
    if (s.healthcheck)
      lines.push(
        '    healthcheck:',
        `      test: ${s.healthcheck}`,
        '      interval: 30s',
        '      timeout: 5s',
        '      retries: 5',
      );
    lines.push('    restart: unless-stopped', '');
  }
  if (stack.namedVolumes.length > 0) lines.push('volumes:', ...stack.namedVolumes.map((v) => `  ${v}:`), '');
  if (stack.proxyNetwork === 'own') lines.push('networks:', '  default:', '    name: proxy', '');
  if (stack.proxyNetwork === 'external') lines.push('networks:', '  proxy:', '    external: true', '');
  return `${lines.join('\n').trimEnd()}\n`;
}

/** SWAG's proxy-conf samples as shipped (2024), with the Authelia lines uncommented when `auth` is on. */
function renderProxyConf(conf: ProxyConf, auth: boolean): string {
  const authelia = auth ? '' : '#';
  const upstream = [
    '        include /config/nginx/proxy.conf;',
    '        include /config/nginx/resolver.conf;',
    `        set $upstream_app ${conf.upstreamApp};`,
    `        set $upstream_port ${conf.upstreamPort};`,
    `        set $upstream_proto ${conf.proto};`,
    '        proxy_pass $upstream_proto://$upstream_app:$upstream_port;',
    '',
  ];
  const api = conf.api ? ['', `    location ~ (/${conf.name})?/api {`, ...upstream, '    }'] : [];
  return [
    '## Version 2024/07/16',
    `# make sure that your ${conf.name} container is named ${conf.container}`,
    `# make sure that your dns has a cname set for ${conf.name}`,
    '',
    'server {',
    '    listen 443 ssl;',
    '    listen [::]:443 ssl;',
    '',
    `    server_name ${conf.name}.*;`,
    '',
    '    include /config/nginx/ssl.conf;',
    '',
    '    client_max_body_size 0;',
    '',
    '    # enable for ldap auth (requires ldap-location.conf in the location block)',
    '    #include /config/nginx/ldap-server.conf;',
    '',
    '    # enable for Authelia (requires authelia-location.conf in the location block)',
    `    ${authelia}include /config/nginx/authelia-server.conf;`,
    '',
    '    # enable for Authentik (requires authentik-location.conf in the location block)',
    '    #include /config/nginx/authentik-server.conf;',
    '',
    '    location / {',
    '        # enable the next two lines for http auth',
    '        #auth_basic "Restricted";',
    '        #auth_basic_user_file /config/nginx/.htpasswd;',
    '',
    '        # enable for ldap auth (requires ldap-server.conf in the server block)',
    '        #include /config/nginx/ldap-location.conf;',
    '',
    '        # enable for Authelia (requires authelia-server.conf in the server block)',
    `        ${authelia}include /config/nginx/authelia-location.conf;`,
    '',
    '        # enable for Authentik (requires authentik-server.conf in the server block)',
    '        #include /config/nginx/authentik-location.conf;',
    '',
    ...upstream,
    '    }',
    ...api,
    '}',
    '',
  ].join('\n');
}

/** Edits since the Unix epoch at `t`: edit r happens at offset + r·period. */
function revision(profile: DeviceProfile, t: number): number {
  const { offsetSeconds, periodSeconds } = profile.configEdits;
  return Math.floor((t - offsetSeconds) / periodSeconds);
}

/** Knob i flips at every edit r with r ≡ i (mod n): it is on when it has flipped an odd number of times. */
function knobsOn(knobs: readonly Knob[], r: number): Knob[] {
  const n = knobs.length;
  return knobs.filter((_, i) => Math.abs(Math.floor((r - i) / n) % 2) === 1);
}

function knobAt(knobs: readonly Knob[], r: number): Knob | undefined {
  return knobs[((r % knobs.length) + knobs.length) % knobs.length];
}

/** Every simulated configuration file of the device at device time `t` (Unix seconds): path → content. */
export function configFiles(profile: DeviceProfile, t: number): Map<string, string> {
  const { stacks, proxyConfs, knobs } = deviceConfig(profile);
  const on = knobs.length > 0 ? knobsOn(knobs, revision(profile, t)) : [];
  const files = new Map<string, string>();
  for (const stack of stacks)
    files.set(
      stack.path,
      renderCompose(
        stack,
        on.filter((k) => k.path === stack.path),
      ),
    );
  for (const conf of proxyConfs)
    files.set(
      conf.path,
      renderProxyConf(
        conf,
        on.some((k) => k.path === conf.path),
      ),
    );
  return files;
}

/** Whether `path` is a directory on the device (one holding simulated files, an ancestor, or the unit directory). */
export function isConfigDirectory(profile: DeviceProfile, path: string): boolean {
  return deviceConfig(profile).directories.has(path);
}

/** SWAG's proxy-conf directory on the host, on a SWAG host. */
export function proxyConfDirectory(profile: DeviceProfile): string | null {
  const [conf] = deviceConfig(profile).proxyConfs;
  return conf ? posix.dirname(conf.path) : null;
}

export interface ConfigEdit {
  /** Unix seconds. */
  at: number;
  path: string;
}

/** The edits made in (from, to], oldest first. */
export function configEditsBetween(profile: DeviceProfile, from: number, to: number): ConfigEdit[] {
  const { knobs } = deviceConfig(profile);
  const last = revision(profile, to);
  const edits: ConfigEdit[] = [];
  if (knobs.length === 0) return edits;
  for (let r = Math.max(revision(profile, from) + 1, last - MAX_EDITS_LISTED + 1); r <= last; r++) {
    const knob = knobAt(knobs, r);
    if (knob)
      edits.push({ at: profile.configEdits.offsetSeconds + r * profile.configEdits.periodSeconds, path: knob.path });
  }
  return edits;
}

/** The first edit after `t`; null on a device without configuration files. */
export function nextConfigEdit(profile: DeviceProfile, t: number): ConfigEdit | null {
  const { knobs } = deviceConfig(profile);
  const r = revision(profile, t) + 1;
  const knob = knobAt(knobs, r);
  return knob
    ? { at: profile.configEdits.offsetSeconds + r * profile.configEdits.periodSeconds, path: knob.path }
    : null;
}
