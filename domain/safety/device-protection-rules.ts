/**
 * What a device depends on, after the design document's DEVICE_PROTECTION_RULES: containers and paths
 * each device type protects, containers that are critical anywhere (other services depend on them), and
 * whether a running Unraid parity operation holds destructive actions back. Data plus the glob matching
 * the rules are written in; `risk-assessment.ts` applies them.
 */

export interface DeviceProtectionRules {
  /** Container name globs the device itself relies on. */
  readonly protectedContainers: readonly string[];
  /**
   * Path globs (`*` within one segment); deleting at, under or above one is at least HIGH. `/` protects
   * only itself. Specific paths come first: a warning names the first one that matches.
   */
  readonly protectedPaths: readonly string[];
  /** Unraid: container, disk, file system and power actions wait while parity is checked or rebuilt. */
  readonly blockDuringParity: boolean;
}

const LINUX_CONTAINERS = ['monitoring-*', 'logging-*', 'proxy-*', 'database-*'];
const LINUX_PATHS = ['/', '/boot', '/var', '/etc', '/usr', '/home'];

const LINUX: DeviceProtectionRules = {
  protectedContainers: LINUX_CONTAINERS,
  protectedPaths: LINUX_PATHS,
  blockDuringParity: false,
};

const RULES: Readonly<Record<string, DeviceProtectionRules>> = {
  linux: LINUX,
  raspberry_pi: LINUX,
  // /mnt/user0 is the array-only view of the user shares; /mnt/disk* also covers Unassigned Devices' /mnt/disks.
  unraid: {
    protectedContainers: ['unraid-*', 'parity-check', 'mover', 'webui'],
    protectedPaths: ['/mnt/user', '/mnt/user0', '/mnt/disk*', '/mnt/cache', '/boot'],
    blockDuringParity: true,
  },
  proxmox: { ...LINUX, protectedPaths: ['/etc/pve', '/var/lib/vz', ...LINUX_PATHS] },
  // TrueNAS mounts every pool at /mnt/POOL: all of it is pool data.
  truenas: { ...LINUX, protectedPaths: ['/mnt/*', ...LINUX_PATHS] },
  synology: { ...LINUX, protectedPaths: ['/volume*', ...LINUX_PATHS] },
  // A WSL distribution is a Linux system that also mounts the Windows drives.
  wsl: {
    protectedContainers: ['dev-*', 'vscode-*'],
    protectedPaths: ['/mnt/c', '/mnt/wsl', ...LINUX_PATHS],
    blockDuringParity: false,
  },
};

/** Unknown types get the Linux rules, as in the design document. */
export function protectionRulesFor(deviceType: string): DeviceProtectionRules {
  return RULES[deviceType] ?? LINUX;
}

/**
 * Containers other services depend on, by role, matched as whole words of the container name or the
 * image repository (`lscr.io/linuxserver/swag`, `immich_postgres`). Home Assistant is left out on
 * purpose: stopping it is visible, but nothing else fails because of it.
 */
const CRITICAL_ROLES: readonly (readonly [role: string, words: readonly string[]])[] = [
  [
    'database',
    [
      'postgres',
      'postgresql',
      'postgis',
      'pgvecto-rs',
      'mariadb',
      'mysql',
      'mongo',
      'mongodb',
      'redis',
      'valkey',
      'influxdb',
      'timescaledb',
      'clickhouse',
      'elasticsearch',
      'opensearch',
      'couchdb',
      'cassandra',
      'etcd',
      'minio',
    ],
  ],
  ['reverse proxy', ['nginx', 'traefik', 'caddy', 'swag', 'haproxy', 'nginx-proxy-manager', 'npm', 'envoy']],
  ['authentication', ['authelia', 'authentik', 'goauthentik', 'keycloak', 'vaultwarden', 'lldap']],
  ['DNS', ['pihole', 'pi-hole', 'adguard', 'adguardhome', 'unbound', 'bind9', 'coredns']],
  ['VPN / remote access', ['wireguard', 'wg-easy', 'tailscale', 'headscale', 'cloudflared', 'netbird']],
  ['message broker', ['mosquitto', 'rabbitmq']],
];

/** The role of a well-known critical service named by these words, or null. */
export function criticalRoleOf(...names: string[]): string | null {
  // `-word-` inside `-all-the-words-` matches whole words, and multi-word names such as nginx-proxy-manager.
  const padded = names.map(
    (name) =>
      `-${name
        .toLowerCase()
        .split(/[^a-z0-9]+/)
        .filter(Boolean)
        .join('-')}-`,
  );
  return (
    CRITICAL_ROLES.find(([, words]) => words.some((word) => padded.some((text) => text.includes(`-${word}-`))))?.[0] ??
    null
  );
}

/** The repository of an image reference: `lscr.io/linuxserver/mariadb:11.4@sha256:...` → `lscr.io/linuxserver/mariadb`. */
export function imageRepository(image: string): string {
  const withoutDigest = image.split('@')[0] ?? image;
  const tagAt = withoutDigest.lastIndexOf(':');
  return tagAt > withoutDigest.lastIndexOf('/') ? withoutDigest.slice(0, tagAt) : withoutDigest;
}

export const hasGlob = (text: string): boolean => /[*?[]/.test(text);

/**
 * Shell glob match of one name or path segment (`*`, `?`, `[...]`, `[!...]`). A pattern that is not a
 * valid class counts as matching: a target we cannot read is treated as hitting what it might hit.
 */
export function globMatches(glob: string, value: string): boolean {
  const source = glob
    .replace(/[.+^${}()|\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.')
    .replace(/\[!/g, '[^');
  try {
    return new RegExp(`^${source}$`).test(value);
  } catch {
    return true;
  }
}
