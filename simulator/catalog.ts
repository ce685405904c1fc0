/**
 * What simulated devices are made of: operating systems, containers, systemd units, drive models and
 * pending package updates, copied from real machines so the collectors see the shapes they meet in the
 * field. Profiles (profile.ts) pick from these tables; nothing here changes at runtime.
 */

export interface OsSpec {
  id: string;
  versionId: string;
  prettyName: string;
  /** /etc/os-release as the distribution ships it. */
  osRelease: readonly string[];
}

const debianRelease = (prettyName: string) => [
  `PRETTY_NAME="${prettyName}"`,
  'NAME="Debian GNU/Linux"',
  'VERSION_ID="12"',
  'VERSION="12 (bookworm)"',
  'VERSION_CODENAME=bookworm',
  'ID=debian',
  'HOME_URL="https://www.debian.org/"',
  'SUPPORT_URL="https://www.debian.org/support"',
  'BUG_REPORT_URL="https://bugs.debian.org/"',
];

export const OS = {
  debian12: {
    id: 'debian',
    versionId: '12',
    prettyName: 'Debian GNU/Linux 12 (bookworm)',
    osRelease: debianRelease('Debian GNU/Linux 12 (bookworm)'),
  },
  ubuntu2404: {
    id: 'ubuntu',
    versionId: '24.04',
    prettyName: 'Ubuntu 24.04.1 LTS',
    osRelease: [
      'PRETTY_NAME="Ubuntu 24.04.1 LTS"',
      'NAME="Ubuntu"',
      'VERSION_ID="24.04"',
      'VERSION="24.04.1 LTS (Noble Numbat)"',
      'VERSION_CODENAME=noble',
      'ID=ubuntu',
      'ID_LIKE=debian',
      'HOME_URL="https://www.ubuntu.com/"',
      'SUPPORT_URL="https://help.ubuntu.com/"',
      'BUG_REPORT_URL="https://bugs.launchpad.net/ubuntu/"',
      'UBUNTU_CODENAME=noble',
      'LOGO=ubuntu-logo',
    ],
  },
  alpine319: {
    id: 'alpine',
    versionId: '3.19.4',
    prettyName: 'Alpine Linux v3.19',
    osRelease: [
      'NAME="Alpine Linux"',
      'ID=alpine',
      'VERSION_ID=3.19.4',
      'PRETTY_NAME="Alpine Linux v3.19"',
      'HOME_URL="https://alpinelinux.org/"',
      'BUG_REPORT_URL="https://gitlab.alpinelinux.org/alpine/aports/-/issues"',
    ],
  },
  rocky94: {
    id: 'rocky',
    versionId: '9.4',
    prettyName: 'Rocky Linux 9.4 (Blue Onyx)',
    osRelease: [
      'NAME="Rocky Linux"',
      'VERSION="9.4 (Blue Onyx)"',
      'ID="rocky"',
      'ID_LIKE="rhel centos fedora"',
      'VERSION_ID="9.4"',
      'PLATFORM_ID="platform:el9"',
      'PRETTY_NAME="Rocky Linux 9.4 (Blue Onyx)"',
      'ANSI_COLOR="0;32"',
      'LOGO="fedora-logo-icon"',
      'CPE_NAME="cpe:/o:rocky:rocky:9::baseos"',
      'HOME_URL="https://rockylinux.org/"',
      'BUG_REPORT_URL="https://bugs.rockylinux.org/"',
    ],
  },
} satisfies Record<string, OsSpec>;

// ---------------------------------------------------------------------------------------------
// Containers

export interface ContainerTemplate {
  /** Container name: `container_name` from compose, or compose's `project-service-1`. */
  name: string;
  image: string;
  /** Compose project, or null for a container started with `docker run`. */
  project: string | null;
  service: string;
  /** As `docker ps --no-trunc` prints it, quotes included. */
  command: string;
  /** `docker ps` Ports while the container runs. */
  ports: string;
  networks: string;
  mounts: string;
  healthcheck: boolean;
  memoryMiB: number;
  cpuPercent: number;
  pids: number;
  /** Average traffic through the container's network interface. */
  netBytesPerSecond: number;
  /** A scheduled job (a backup): exited (0) between its nightly runs. */
  nightlyJob?: true;
}

const published = (host: number, container = host, proto = 'tcp') =>
  `0.0.0.0:${host}->${container}/${proto}, [::]:${host}->${container}/${proto}`;

const template = (t: Omit<ContainerTemplate, 'service'> & { service?: string }): ContainerTemplate => ({
  service: t.name,
  ...t,
});

export const CONTAINERS = {
  swag: template({
    name: 'swag',
    image: 'lscr.io/linuxserver/swag:2.11.0',
    project: 'proxy',
    command: '"/init"',
    ports: `${published(80)}, ${published(443)}`,
    networks: 'proxy',
    mounts: '/opt/appdata/swag',
    healthcheck: false,
    memoryMiB: 96,
    cpuPercent: 0.3,
    pids: 38,
    netBytesPerSecond: 60_000,
  }),
  jellyfin: template({
    name: 'jellyfin',
    image: 'jellyfin/jellyfin:10.9.11',
    project: 'media',
    command: '"/jellyfin/jellyfin"',
    ports: `${published(8096)}, ${published(7359, 7359, 'udp')}`,
    networks: 'media_default',
    mounts: '/tank/media,/opt/appdata/jellyfin',
    healthcheck: true,
    memoryMiB: 610,
    cpuPercent: 2.5,
    pids: 41,
    netBytesPerSecond: 900_000,
  }),
  sonarr: template({
    name: 'sonarr',
    image: 'lscr.io/linuxserver/sonarr:4.0.9',
    project: 'media',
    command: '"/init"',
    ports: published(8989),
    networks: 'media_default',
    mounts: '/tank/media,/opt/appdata/sonarr',
    healthcheck: false,
    memoryMiB: 240,
    cpuPercent: 0.6,
    pids: 30,
    netBytesPerSecond: 20_000,
  }),
  radarr: template({
    name: 'radarr',
    image: 'lscr.io/linuxserver/radarr:5.11.0',
    project: 'media',
    command: '"/init"',
    ports: published(7878),
    networks: 'media_default',
    mounts: '/tank/media,/opt/appdata/radarr',
    healthcheck: false,
    memoryMiB: 260,
    cpuPercent: 0.5,
    pids: 29,
    netBytesPerSecond: 18_000,
  }),
  prowlarr: template({
    name: 'prowlarr',
    image: 'lscr.io/linuxserver/prowlarr:1.24.3',
    project: 'media',
    command: '"/init"',
    ports: published(9696),
    networks: 'media_default',
    mounts: '/opt/appdata/prowlarr',
    healthcheck: false,
    memoryMiB: 160,
    cpuPercent: 0.2,
    pids: 24,
    netBytesPerSecond: 8_000,
  }),
  qbittorrent: template({
    name: 'qbittorrent',
    image: 'lscr.io/linuxserver/qbittorrent:4.6.7',
    project: 'media',
    command: '"/init"',
    ports: `${published(8080)}, ${published(6881)}, ${published(6881, 6881, 'udp')}`,
    networks: 'media_default',
    mounts: '/tank/media/downloads,/opt/appdata/qbittorrent',
    healthcheck: false,
    memoryMiB: 350,
    cpuPercent: 3.1,
    pids: 35,
    netBytesPerSecond: 2_500_000,
  }),
  nextcloudApp: template({
    name: 'nextcloud-app-1',
    service: 'app',
    image: 'nextcloud:29.0.8-apache',
    project: 'nextcloud',
    command: '"/entrypoint.sh apache2-foreground"',
    ports: '80/tcp',
    networks: 'nextcloud_default,proxy',
    mounts: '/tank/nextcloud,nextcloud_html',
    healthcheck: false,
    memoryMiB: 420,
    cpuPercent: 1.8,
    pids: 23,
    netBytesPerSecond: 120_000,
  }),
  nextcloudDb: template({
    name: 'nextcloud-db-1',
    service: 'db',
    image: 'mariadb:11.4.3',
    project: 'nextcloud',
    command: '"docker-entrypoint.sh mariadbd"',
    ports: '3306/tcp',
    networks: 'nextcloud_default',
    mounts: 'nextcloud_db',
    healthcheck: true,
    memoryMiB: 190,
    cpuPercent: 0.4,
    pids: 17,
    netBytesPerSecond: 30_000,
  }),
  nextcloudRedis: template({
    name: 'nextcloud-redis-1',
    service: 'redis',
    image: 'redis:7.4-alpine',
    project: 'nextcloud',
    command: '"docker-entrypoint.sh redis-server"',
    ports: '6379/tcp',
    networks: 'nextcloud_default',
    mounts: 'nextcloud_redis',
    healthcheck: false,
    memoryMiB: 12,
    cpuPercent: 0.2,
    pids: 6,
    netBytesPerSecond: 10_000,
  }),
  grafana: template({
    name: 'monitoring-grafana-1',
    service: 'grafana',
    image: 'grafana/grafana:11.2.2',
    project: 'monitoring',
    command: '"/run.sh"',
    ports: published(3000),
    networks: 'monitoring_default,proxy',
    mounts: 'monitoring_grafana-data',
    healthcheck: false,
    memoryMiB: 180,
    cpuPercent: 0.5,
    pids: 22,
    netBytesPerSecond: 25_000,
  }),
  prometheus: template({
    name: 'monitoring-prometheus-1',
    service: 'prometheus',
    image: 'prom/prometheus:v2.54.1',
    project: 'monitoring',
    command: '"/bin/prometheus --config.file=/etc/prometheus/prometheus.yml --storage.tsdb.path=/prometheus"',
    ports: '9090/tcp',
    networks: 'monitoring_default',
    mounts: 'monitoring_prometheus-data,/opt/stacks/monitoring/prometheus.yml',
    healthcheck: false,
    memoryMiB: 420,
    cpuPercent: 1.2,
    pids: 18,
    netBytesPerSecond: 40_000,
  }),
  nodeExporter: template({
    name: 'monitoring-node-exporter-1',
    service: 'node-exporter',
    image: 'prom/node-exporter:v1.8.2',
    project: 'monitoring',
    command: '"/bin/node_exporter --path.rootfs=/host"',
    ports: '',
    networks: 'host',
    mounts: '/',
    healthcheck: false,
    memoryMiB: 18,
    cpuPercent: 0.1,
    pids: 9,
    netBytesPerSecond: 0,
  }),
  vaultwarden: template({
    name: 'vaultwarden',
    image: 'vaultwarden/server:1.32.1',
    project: 'vaultwarden',
    command: '"/start.sh"',
    ports: '80/tcp',
    networks: 'proxy',
    mounts: '/opt/appdata/vaultwarden',
    healthcheck: true,
    memoryMiB: 30,
    cpuPercent: 0.1,
    pids: 14,
    netBytesPerSecond: 3_000,
  }),
  uptimeKuma: template({
    name: 'uptime-kuma',
    image: 'louislam/uptime-kuma:1.23.15',
    project: 'uptime-kuma',
    command: '"/usr/bin/dumb-init -- extra/entrypoint.sh node server/server.js"',
    ports: published(3001),
    networks: 'uptime-kuma_default',
    mounts: 'uptime-kuma_data',
    healthcheck: true,
    memoryMiB: 110,
    cpuPercent: 0.7,
    pids: 12,
    netBytesPerSecond: 15_000,
  }),
  paperless: template({
    name: 'paperless-webserver-1',
    service: 'webserver',
    image: 'ghcr.io/paperless-ngx/paperless-ngx:2.12.1',
    project: 'paperless',
    command: '"/init"',
    ports: published(8000),
    networks: 'paperless_default,proxy',
    mounts: 'paperless_data,paperless_media',
    healthcheck: true,
    memoryMiB: 720,
    cpuPercent: 0.9,
    pids: 44,
    netBytesPerSecond: 12_000,
  }),
  paperlessDb: template({
    name: 'paperless-db-1',
    service: 'db',
    image: 'postgres:16.4',
    project: 'paperless',
    command: '"docker-entrypoint.sh postgres"',
    ports: '5432/tcp',
    networks: 'paperless_default',
    mounts: 'paperless_pgdata',
    healthcheck: true,
    memoryMiB: 85,
    cpuPercent: 0.3,
    pids: 11,
    netBytesPerSecond: 9_000,
  }),
  paperlessBroker: template({
    name: 'paperless-broker-1',
    service: 'broker',
    image: 'redis:7.4',
    project: 'paperless',
    command: '"docker-entrypoint.sh redis-server"',
    ports: '6379/tcp',
    networks: 'paperless_default',
    mounts: 'paperless_redisdata',
    healthcheck: false,
    memoryMiB: 9,
    cpuPercent: 0.2,
    pids: 6,
    netBytesPerSecond: 4_000,
  }),
  portainer: template({
    name: 'portainer',
    image: 'portainer/portainer-ce:2.21.3',
    project: null,
    command: '"/portainer"',
    ports: `${published(9443)}, 8000/tcp, 9000/tcp`,
    networks: 'bridge',
    mounts: '/var/run/docker.sock,portainer_data',
    healthcheck: false,
    memoryMiB: 45,
    cpuPercent: 0.1,
    pids: 10,
    netBytesPerSecond: 2_000,
  }),
  watchtower: template({
    name: 'watchtower',
    image: 'containrrr/watchtower:1.7.1',
    project: null,
    command: '"/watchtower --schedule \'0 0 4 * * *\'"',
    ports: '8080/tcp',
    networks: 'bridge',
    mounts: '/var/run/docker.sock',
    healthcheck: false,
    memoryMiB: 14,
    cpuPercent: 0,
    pids: 11,
    netBytesPerSecond: 500,
  }),
  resticBackup: template({
    name: 'restic-backup',
    image: 'restic/restic:0.17.1',
    project: null,
    command: '"restic backup /data"',
    ports: '',
    networks: 'host',
    mounts: '/tank,/opt/appdata',
    healthcheck: false,
    memoryMiB: 310,
    cpuPercent: 35,
    pids: 12,
    netBytesPerSecond: 4_000_000,
    nightlyJob: true,
  }),
  pihole: template({
    name: 'pihole',
    image: 'pihole/pihole:2024.07.0',
    project: 'pihole',
    command: '"start.sh"',
    ports: `0.0.0.0:53->53/tcp, 0.0.0.0:53->53/udp, ${published(8053, 80)}`,
    networks: 'pihole_default',
    mounts: '/opt/pihole/etc-pihole,/opt/pihole/etc-dnsmasq.d',
    healthcheck: true,
    memoryMiB: 70,
    cpuPercent: 0.4,
    pids: 19,
    netBytesPerSecond: 30_000,
  }),
  homeassistant: template({
    name: 'homeassistant',
    image: 'ghcr.io/home-assistant/home-assistant:2024.10.4',
    project: 'home',
    command: '"/init"',
    ports: '',
    networks: 'host',
    mounts: '/opt/homeassistant/config',
    healthcheck: false,
    memoryMiB: 380,
    cpuPercent: 2.2,
    pids: 28,
    netBytesPerSecond: 0,
  }),
  mosquitto: template({
    name: 'mosquitto',
    image: 'eclipse-mosquitto:2.0.18',
    project: 'home',
    command: '"/docker-entrypoint.sh /usr/sbin/mosquitto -c /mosquitto/config/mosquitto.conf"',
    ports: published(1883),
    networks: 'home_default',
    mounts: '/opt/mosquitto/config,/opt/mosquitto/data',
    healthcheck: false,
    memoryMiB: 8,
    cpuPercent: 0.1,
    pids: 3,
    netBytesPerSecond: 5_000,
  }),
  zigbee2mqtt: template({
    name: 'zigbee2mqtt',
    image: 'koenkk/zigbee2mqtt:1.40.2',
    project: 'home',
    command: '"docker-entrypoint.sh /sbin/tini -- node index.js"',
    ports: published(8081, 8080),
    networks: 'home_default',
    mounts: '/opt/zigbee2mqtt/data,/run/udev',
    healthcheck: false,
    memoryMiB: 95,
    cpuPercent: 0.6,
    pids: 13,
    netBytesPerSecond: 4_000,
  }),
} satisfies Record<string, ContainerTemplate>;

// ---------------------------------------------------------------------------------------------
// systemd units

/** How a unit normally looks in `systemctl list-units`. */
export type UnitKind = 'daemon' | 'oneshot' | 'triggered' | 'missing';

export interface UnitTemplate {
  name: string;
  description: string;
  /** daemon: active running; oneshot: active exited; triggered: inactive dead (started by a timer); missing: not-found. */
  kind: UnitKind;
  /** `list-unit-files` state, or the template's for an instance (`getty@tty1.service`); none for a missing unit. */
  fileState?: string;
  /** Fails now and then (a backup job, a network share, kdump). */
  fragile?: true;
}

const unit = (
  name: string,
  kind: UnitKind,
  fileState: string | undefined,
  description: string,
  fragile?: true,
): UnitTemplate => ({
  name: `${name}.service`,
  kind,
  description,
  ...(fileState !== undefined && { fileState }),
  ...(fragile && { fragile }),
});

/** Units every systemd machine we simulate has. */
export const UNITS_BASE: readonly UnitTemplate[] = [
  unit('dbus', 'daemon', 'static', 'D-Bus System Message Bus'),
  unit('getty@tty1', 'daemon', 'enabled', 'Getty on tty1'),
  unit('kmod-static-nodes', 'oneshot', 'static', 'Create List of Static Device Nodes'),
  unit('logrotate', 'triggered', 'static', 'Rotate log files'),
  unit('systemd-journal-flush', 'oneshot', 'static', 'Flush Journal to Persistent Storage'),
  unit('systemd-journald', 'daemon', 'static', 'Journal Service'),
  unit('systemd-logind', 'daemon', 'static', 'User Login Management'),
  unit('systemd-modules-load', 'oneshot', 'static', 'Load Kernel Modules'),
  unit('systemd-random-seed', 'oneshot', 'static', 'Load/Save OS Random Seed'),
  unit('systemd-remount-fs', 'oneshot', 'enabled-runtime', 'Remount Root and Kernel File Systems'),
  unit('systemd-sysctl', 'oneshot', 'static', 'Apply Kernel Variables'),
  unit('systemd-tmpfiles-clean', 'triggered', 'static', 'Cleanup of Temporary Directories'),
  unit('systemd-tmpfiles-setup', 'oneshot', 'static', 'Create System Files and Directories'),
  unit('systemd-udev-trigger', 'oneshot', 'static', 'Coldplug All udev Devices'),
  unit('systemd-udevd', 'daemon', 'static', 'Rule-based Manager for Device Events and Files'),
  unit('systemd-update-utmp', 'oneshot', 'static', 'Record System Boot/Shutdown in UTMP'),
  unit('systemd-user-sessions', 'oneshot', 'static', 'Permit User Sessions'),
  unit('user-runtime-dir@1000', 'oneshot', 'static', 'User Runtime Directory /run/user/1000'),
  unit('user@1000', 'daemon', 'static', 'User Manager for UID 1000'),
];

export const UNITS_DEBIAN: readonly UnitTemplate[] = [
  unit('apparmor', 'oneshot', 'enabled', 'Load AppArmor profiles'),
  unit('apt-daily-upgrade', 'triggered', 'static', 'Daily apt upgrade and clean activities'),
  unit('apt-daily', 'triggered', 'static', 'Daily apt download activities'),
  unit('auditd', 'missing', undefined, 'auditd.service'),
  unit('console-setup', 'oneshot', 'enabled', 'Set console font and keymap'),
  unit('cron', 'daemon', 'enabled', 'Regular background program processing daemon'),
  unit('e2scrub_reap', 'oneshot', 'enabled', 'Remove Stale Online ext4 Metadata Check Snapshots'),
  unit('fstrim', 'triggered', 'static', 'Discard unused blocks on filesystems from /etc/fstab'),
  unit('keyboard-setup', 'oneshot', 'enabled', 'Set the console keyboard layout'),
  unit('man-db', 'triggered', 'static', 'Daily man-db regeneration'),
  unit('ssh', 'daemon', 'enabled', 'OpenBSD Secure Shell server'),
  unit('systemd-timesyncd', 'daemon', 'enabled', 'Network Time Synchronization'),
  unit('unattended-upgrades', 'daemon', 'enabled', 'Unattended Upgrades Shutdown'),
];

export const UNITS_BY_FEATURE = {
  ifupdown: [
    unit('networking', 'oneshot', 'enabled', 'Raise network interfaces'),
    unit('ifupdown-pre', 'oneshot', 'static', 'Helper to synchronize boot up for ifupdown'),
  ],
  ubuntu: [
    unit('multipathd', 'daemon', 'enabled', 'Device-Mapper Multipath Device Controller'),
    unit('polkit', 'daemon', 'static', 'Authorization Manager'),
    unit('qemu-guest-agent', 'daemon', 'static', 'QEMU Guest Agent'),
    unit('rsyslog', 'daemon', 'enabled', 'System Logging Service'),
    unit('snapd', 'daemon', 'enabled', 'Snap Daemon'),
    unit('systemd-networkd', 'daemon', 'enabled', 'Network Configuration'),
    unit('systemd-networkd-wait-online', 'oneshot', 'enabled', 'Wait for Network to be Configured', true),
    unit('systemd-resolved', 'daemon', 'enabled', 'Network Name Resolution'),
    unit('cloud-init', 'oneshot', 'enabled', 'Cloud-init: Network Stage'),
    unit('fail2ban', 'daemon', 'enabled', 'Fail2Ban Service', true),
  ],
  docker: [
    unit('containerd', 'daemon', 'enabled', 'containerd container runtime'),
    unit('docker', 'daemon', 'enabled', 'Docker Application Container Engine'),
  ],
  smartmontools: [
    unit('smartmontools', 'daemon', 'enabled', 'Self Monitoring and Reporting Technology (SMART) Daemon'),
  ],
  zfs: [
    unit('zfs-import-cache', 'oneshot', 'enabled', 'Import ZFS pools by cache file'),
    unit('zfs-mount', 'oneshot', 'enabled', 'Mount ZFS filesystems'),
    unit('zfs-share', 'oneshot', 'enabled', 'ZFS file system shares'),
    unit('zfs-volume-wait', 'oneshot', 'enabled', 'Wait for ZFS Volume (zvol) links in /dev'),
    unit('zfs-zed', 'daemon', 'enabled', 'ZFS Event Daemon (zed)'),
  ],
  nas: [
    unit('nfs-server', 'oneshot', 'enabled', 'NFS server and services', true),
    unit('nmbd', 'daemon', 'enabled', 'Samba NMB Daemon'),
    unit('smbd', 'daemon', 'enabled', 'Samba SMB Daemon', true),
    unit('restic-backup', 'triggered', 'static', 'Restic backup of /tank to Backblaze B2', true),
  ],
  proxmox: [
    unit('chrony', 'daemon', 'enabled', 'chrony, an NTP client/server'),
    unit('ksmtuned', 'daemon', 'enabled', 'Kernel Samepage Merging (KSM) Tuning Daemon'),
    unit('lxc', 'oneshot', 'enabled', 'LXC Container Initialization and Autoboot Code'),
    unit('lxcfs', 'daemon', 'enabled', 'FUSE filesystem for LXC'),
    unit('postfix@-', 'daemon', 'enabled', 'Postfix Mail Transport Agent (instance -)'),
    unit('pve-cluster', 'daemon', 'enabled', 'The Proxmox VE cluster filesystem'),
    unit('pve-firewall', 'daemon', 'enabled', 'Proxmox VE firewall'),
    unit('pve-ha-crm', 'daemon', 'enabled', 'PVE Cluster HA Resource Manager Daemon'),
    unit('pve-ha-lrm', 'daemon', 'enabled', 'PVE Local HA Resource Manager Daemon'),
    unit('pvedaemon', 'daemon', 'enabled', 'PVE API Daemon'),
    unit('pveproxy', 'daemon', 'enabled', 'PVE API Proxy Server'),
    unit('pvescheduler', 'daemon', 'enabled', 'Proxmox VE scheduler'),
    unit('pvestatd', 'daemon', 'enabled', 'PVE Status Daemon'),
    unit('qmeventd', 'daemon', 'enabled', 'PVE Qemu Event Daemon'),
    unit('rrdcached', 'daemon', 'enabled', 'LSB: start or stop rrdcached'),
    unit('spiceproxy', 'daemon', 'enabled', 'PVE SPICE Proxy Server'),
    unit('watchdog-mux', 'daemon', 'static', 'Proxmox VE watchdog multiplexer'),
    unit('proxmox-backup-restore', 'triggered', 'static', 'Proxmox VE vzdump backup of all guests', true),
  ],
  pi: [
    unit('avahi-daemon', 'daemon', 'enabled', 'Avahi mDNS/DNS-SD Stack'),
    unit('bluetooth', 'daemon', 'enabled', 'Bluetooth service'),
    unit('dphys-swapfile', 'oneshot', 'enabled', 'dphys-swapfile - set up, mount/unmount, and delete a swap file'),
    unit('hciuart', 'oneshot', 'enabled', 'Configure Bluetooth Modems connected by UART', true),
    unit('NetworkManager', 'daemon', 'enabled', 'Network Manager'),
    unit('rpi-eeprom-update', 'oneshot', 'enabled', 'Check for Raspberry Pi EEPROM updates'),
    unit('wpa_supplicant', 'daemon', 'enabled', 'WPA supplicant'),
  ],
  rocky: [
    unit('auditd', 'daemon', 'enabled', 'Security Auditing Service'),
    unit('chronyd', 'daemon', 'enabled', 'NTP client/server'),
    unit('crond', 'daemon', 'enabled', 'Command Scheduler'),
    unit('dbus-broker', 'daemon', 'enabled', 'D-Bus System Message Bus'),
    unit('dnf-makecache', 'triggered', 'static', 'dnf makecache'),
    unit('firewalld', 'daemon', 'enabled', 'firewalld - dynamic firewall daemon'),
    unit('irqbalance', 'daemon', 'enabled', 'irqbalance daemon'),
    unit('kdump', 'oneshot', 'enabled', 'Crash recovery kernel arming', true),
    unit(
      'lvm2-monitor',
      'oneshot',
      'enabled',
      'Monitoring of LVM2 mirrors, snapshots etc. using dmeventd or progress polling',
    ),
    unit('NetworkManager', 'daemon', 'enabled', 'Network Manager'),
    unit('node_exporter', 'daemon', 'enabled', 'Prometheus Node Exporter', true),
    unit('pgbouncer', 'daemon', 'enabled', 'pgBouncer connection pooling for PostgreSQL', true),
    unit('postgresql-16', 'daemon', 'enabled', 'PostgreSQL 16 database server'),
    unit('rsyslog', 'daemon', 'enabled', 'System Logging Service'),
    unit('sshd', 'daemon', 'enabled', 'OpenSSH server daemon'),
    unit('tuned', 'daemon', 'enabled', 'Dynamic System Tuning Daemon'),
  ],
} satisfies Record<string, readonly UnitTemplate[]>;

/** Unit files that exist without a loaded unit, so `list-unit-files` is longer than `list-units`, as on a real host. */
export const UNIT_FILES_ONLY: readonly [string, string][] = [
  ['autovt@.service', 'alias'],
  ['console-getty.service', 'disabled'],
  ['container-getty@.service', 'static'],
  ['debug-shell.service', 'disabled'],
  ['getty@.service', 'enabled'],
  ['rescue.service', 'static'],
  ['emergency.service', 'static'],
  ['serial-getty@.service', 'disabled'],
  ['systemd-boot-check-no-failures.service', 'disabled'],
  ['systemd-time-wait-sync.service', 'disabled'],
  ['user-runtime-dir@.service', 'static'],
  ['user@.service', 'static'],
];

// ---------------------------------------------------------------------------------------------
// Drives

export interface DriveModel {
  kind: 'hdd' | 'ssd' | 'nvme';
  family: string | null;
  model: string;
  firmware: string;
  capacityBytes: number;
  /** 0 for solid-state drives, as smartctl reports them. */
  rpm: number;
  serialPrefix: string;
  serialLength: number;
}

export const DRIVE_MODELS = {
  wdRed8: {
    kind: 'hdd',
    family: 'Western Digital Red',
    model: 'WDC WD80EFZZ-68BTXN0',
    firmware: '81.00A81',
    capacityBytes: 8_001_563_222_016,
    rpm: 5640,
    serialPrefix: 'WD-CA0K',
    serialLength: 4,
  },
  ironWolf8: {
    kind: 'hdd',
    family: 'Seagate IronWolf',
    model: 'ST8000VN004-3CP101',
    firmware: 'SC60',
    capacityBytes: 8_001_563_222_016,
    rpm: 7200,
    serialPrefix: 'WWZ',
    serialLength: 5,
  },
  toshibaMg08: {
    kind: 'hdd',
    family: 'Toshiba MG08ACA... Enterprise Capacity HDD',
    model: 'TOSHIBA MG08ACA16TE',
    firmware: '4303',
    capacityBytes: 16_000_900_661_248,
    rpm: 7200,
    serialPrefix: '71Q0A0',
    serialLength: 6,
  },
  evo870: {
    kind: 'ssd',
    family: 'Samsung based SSDs',
    model: 'Samsung SSD 870 EVO 1TB',
    firmware: 'SVT02B6Q',
    capacityBytes: 1_000_204_886_016,
    rpm: 0,
    serialPrefix: 'S6PTNX0T',
    serialLength: 7,
  },
  mx500: {
    kind: 'ssd',
    family: 'Crucial/Micron Client SSDs',
    model: 'CT500MX500SSD1',
    firmware: 'M3CR046',
    capacityBytes: 500_107_862_016,
    rpm: 0,
    serialPrefix: '2251E6',
    serialLength: 6,
  },
  pro980: {
    kind: 'nvme',
    family: null,
    model: 'Samsung SSD 980 PRO 1TB',
    firmware: '5B2QGXA7',
    capacityBytes: 1_000_204_886_016,
    rpm: 0,
    serialPrefix: 'S5GXNX0T',
    serialLength: 7,
  },
  sn770: {
    kind: 'nvme',
    family: null,
    model: 'WD_BLACK SN770 1TB',
    firmware: '731030WD',
    capacityBytes: 1_000_204_886_016,
    rpm: 0,
    serialPrefix: '22471D80',
    serialLength: 4,
  },
} satisfies Record<string, DriveModel>;

// ---------------------------------------------------------------------------------------------
// Package updates

export interface PackageUpdate {
  name: string;
  arch: string;
  from: string;
  to: string;
  /** apt origins or the dnf repository id. */
  origin: string;
  /** apk prints the origin package in braces and the license in parentheses. */
  apk?: { origin: string; license: string };
  security: boolean;
}

const apt = (name: string, origin: string, to: string, from: string, arch = 'amd64'): PackageUpdate => ({
  name,
  arch,
  from,
  to,
  origin,
  security: origin.split(',').some((o) => o.endsWith('-security')),
});

export const UPDATES_DEBIAN: readonly PackageUpdate[] = [
  apt('base-files', 'stable', '12.4+deb12u8', '12.4+deb12u7'),
  apt('bind9-host', 'stable-security', '1:9.18.28-1~deb12u2', '1:9.18.24-1'),
  apt('bind9-libs', 'stable-security', '1:9.18.28-1~deb12u2', '1:9.18.24-1'),
  apt('curl', 'stable-security', '7.88.1-10+deb12u8', '7.88.1-10+deb12u7'),
  apt('libc-bin', 'stable', '2.36-9+deb12u9', '2.36-9+deb12u8'),
  apt('libc6', 'stable', '2.36-9+deb12u9', '2.36-9+deb12u8'),
  apt('libcurl4', 'stable-security', '7.88.1-10+deb12u8', '7.88.1-10+deb12u7'),
  apt('libssl3', 'stable-security', '3.0.15-1~deb12u1', '3.0.14-1~deb12u2'),
  apt('libsystemd0', 'stable', '252.31-1~deb12u1', '252.30-1~deb12u2'),
  apt('libudev1', 'stable', '252.31-1~deb12u1', '252.30-1~deb12u2'),
  apt('openssh-client', 'stable-security', '1:9.2p1-2+deb12u3', '1:9.2p1-2+deb12u2'),
  apt('openssh-server', 'stable-security', '1:9.2p1-2+deb12u3', '1:9.2p1-2+deb12u2'),
  apt('openssh-sftp-server', 'stable-security', '1:9.2p1-2+deb12u3', '1:9.2p1-2+deb12u2'),
  apt('openssl', 'stable-security', '3.0.15-1~deb12u1', '3.0.14-1~deb12u2'),
  apt('postfix', 'stable', '3.7.11-0+deb12u1', '3.7.10-0+deb12u1'),
  apt('systemd', 'stable', '252.31-1~deb12u1', '252.30-1~deb12u2'),
  apt('tzdata', 'stable-updates', '2024b-0+deb12u1', '2024a-0+deb12u1', 'all'),
  apt('udev', 'stable', '252.31-1~deb12u1', '252.30-1~deb12u2'),
];

/** Kernel packages: installing one is what asks for a reboot. */
export const KERNEL_UPDATES = {
  debian: apt('linux-image-amd64', 'stable-security', '6.1.115-1', '6.1.112-1'),
  proxmox: apt('proxmox-kernel-6.8', 'stable', '6.8.12-4', '6.8.12-3', 'all'),
  ubuntu: apt('linux-image-generic', 'noble-updates,noble-security', '6.8.0-48.48', '6.8.0-45.45'),
  pi: apt('linux-image-rpi-v8', 'stable', '1:6.6.51-1+rpt3', '1:6.6.31-1+rpt1', 'arm64'),
} satisfies Record<string, PackageUpdate>;

export const UPDATES_DOCKER_CE: readonly PackageUpdate[] = [
  apt('containerd.io', 'bookworm', '1.7.22-1', '1.7.21-1'),
  apt('docker-ce', 'bookworm', '5:27.3.1-1~debian.12~bookworm', '5:27.2.0-1~debian.12~bookworm'),
  apt('docker-ce-cli', 'bookworm', '5:27.3.1-1~debian.12~bookworm', '5:27.2.0-1~debian.12~bookworm'),
  apt('docker-compose-plugin', 'bookworm', '2.29.7-1~debian.12~bookworm', '2.29.2-1~debian.12~bookworm'),
];

export const UPDATES_PROXMOX: readonly PackageUpdate[] = [
  apt('libpve-common-perl', 'stable', '8.2.5', '8.2.3', 'all'),
  apt('pve-manager', 'stable', '8.2.8', '8.2.7'),
  apt('pve-qemu-kvm', 'stable', '9.0.2-4', '9.0.2-3'),
  apt('qemu-server', 'stable', '8.2.6', '8.2.5'),
  apt('zfsutils-linux', 'stable', '2.2.6-pve1', '2.2.4-pve1'),
];

export const UPDATES_ZFS_BACKPORTS: readonly PackageUpdate[] = [
  apt('libzfs4linux', 'bookworm-backports', '2.2.6-1~bpo12+1', '2.2.4-1~bpo12+1'),
  apt('zfsutils-linux', 'bookworm-backports', '2.2.6-1~bpo12+1', '2.2.4-1~bpo12+1'),
];

export const UPDATES_UBUNTU: readonly PackageUpdate[] = [
  apt('libssl3t64', 'noble-updates,noble-security', '3.0.13-0ubuntu3.4', '3.0.13-0ubuntu3.3'),
  apt('openssl', 'noble-updates,noble-security', '3.0.13-0ubuntu3.4', '3.0.13-0ubuntu3.3'),
  apt('libc6', 'noble-updates', '2.39-0ubuntu8.3', '2.39-0ubuntu8.2'),
  apt('libc-bin', 'noble-updates', '2.39-0ubuntu8.3', '2.39-0ubuntu8.2'),
  apt('snapd', 'noble-updates', '2.65.3+24.04', '2.63.1+24.04'),
  apt('python3-urllib3', 'noble-updates,noble-security', '2.0.7-1ubuntu0.1', '2.0.7-1'),
  apt('cloud-init', 'noble-updates', '24.3.1-0ubuntu0~24.04.2', '24.2-0ubuntu1~24.04.2', 'all'),
  apt('ubuntu-pro-client', 'noble-updates', '34~24.04', '33.2~24.04'),
  apt('libsystemd0', 'noble-updates', '255.4-1ubuntu8.4', '255.4-1ubuntu8.2'),
  apt('systemd', 'noble-updates', '255.4-1ubuntu8.4', '255.4-1ubuntu8.2'),
  apt('vim', 'noble-updates,noble-security', '2:9.1.0016-1ubuntu7.3', '2:9.1.0016-1ubuntu7.2'),
  apt('tzdata', 'noble-updates', '2024a-3ubuntu1.1', '2024a-2ubuntu1', 'all'),
  apt('docker-ce', 'noble', '5:27.3.1-1~ubuntu.24.04~noble', '5:27.2.0-1~ubuntu.24.04~noble'),
  apt('containerd.io', 'noble', '1.7.22-1', '1.7.21-1'),
];

export const UPDATES_PI: readonly PackageUpdate[] = [
  apt('raspi-firmware', 'stable', '1:1.20240924-1', '1:1.20240529-1', 'all'),
  apt('rpi-eeprom', 'stable', '25.0-1', '24.1-1', 'arm64'),
  apt('libssl3', 'stable-security', '3.0.15-1~deb12u1', '3.0.14-1~deb12u2', 'arm64'),
  apt('openssl', 'stable-security', '3.0.15-1~deb12u1', '3.0.14-1~deb12u2', 'arm64'),
  apt('curl', 'stable-security', '7.88.1-10+deb12u8', '7.88.1-10+deb12u7', 'arm64'),
  apt('libcurl4', 'stable-security', '7.88.1-10+deb12u8', '7.88.1-10+deb12u7', 'arm64'),
  apt('tzdata', 'stable-updates', '2024b-0+deb12u1', '2024a-0+deb12u1', 'all'),
  apt('docker-ce', 'bookworm', '5:27.3.1-1~debian.12~bookworm', '5:27.2.0-1~debian.12~bookworm', 'arm64'),
];

const rpm = (name: string, arch: string, to: string, origin: string, security: boolean): PackageUpdate => ({
  name,
  arch,
  from: '',
  to,
  origin,
  security,
});

export const UPDATES_ROCKY: readonly PackageUpdate[] = [
  rpm('glibc', 'x86_64', '2.34-100.el9_4.4', 'baseos', false),
  rpm('glibc-common', 'x86_64', '2.34-100.el9_4.4', 'baseos', false),
  rpm('kernel', 'x86_64', '5.14.0-427.42.1.el9_4', 'baseos', true),
  rpm('kernel-core', 'x86_64', '5.14.0-427.42.1.el9_4', 'baseos', true),
  rpm('kernel-modules', 'x86_64', '5.14.0-427.42.1.el9_4', 'baseos', true),
  rpm('openssl', 'x86_64', '1:3.0.7-28.el9_4', 'baseos', true),
  rpm('openssl-libs', 'x86_64', '1:3.0.7-28.el9_4', 'baseos', true),
  rpm('pgbouncer', 'x86_64', '1.23.1-1PGDG.rhel9', 'pgdg-common', false),
  rpm('postgresql16', 'x86_64', '16.4-2PGDG.rhel9', 'pgdg16', false),
  rpm('postgresql16-libs', 'x86_64', '16.4-2PGDG.rhel9', 'pgdg16', false),
  rpm('postgresql16-server', 'x86_64', '16.4-2PGDG.rhel9', 'pgdg16', false),
  rpm('python3-urllib3', 'noarch', '1.26.5-5.el9_4.1', 'appstream', true),
  rpm('tzdata', 'noarch', '2024b-2.el9', 'appstream', false),
  rpm('NetworkManager', 'x86_64', '1:1.46.0-20.el9_4', 'baseos', false),
];

const apk = (name: string, to: string, from: string, origin: string, license: string): PackageUpdate => ({
  name,
  arch: 'x86_64',
  from,
  to,
  origin: 'main',
  apk: { origin, license },
  security: false,
});

export const UPDATES_ALPINE: readonly PackageUpdate[] = [
  apk('busybox', '1.36.1-r20', '1.36.1-r19', 'busybox', 'GPL-2.0-only'),
  apk('busybox-binsh', '1.36.1-r20', '1.36.1-r19', 'busybox', 'GPL-2.0-only'),
  apk('curl', '8.9.1-r1', '8.9.0-r0', 'curl', 'curl'),
  apk('libcrypto3', '3.1.7-r1', '3.1.7-r0', 'openssl', 'Apache-2.0'),
  apk('libcurl', '8.9.1-r1', '8.9.0-r0', 'curl', 'curl'),
  apk('libssl3', '3.1.7-r1', '3.1.7-r0', 'openssl', 'Apache-2.0'),
  apk('musl', '1.2.4_git20230717-r5', '1.2.4_git20230717-r4', 'musl', 'MIT'),
  apk(
    'musl-utils',
    '1.2.4_git20230717-r5',
    '1.2.4_git20230717-r4',
    'musl',
    'MIT AND BSD-2-Clause AND GPL-2.0-or-later',
  ),
  apk('openssh', '9.6_p1-r1', '9.6_p1-r0', 'openssh', 'SSH-OpenSSH'),
  apk('ssl_client', '1.36.1-r20', '1.36.1-r19', 'busybox', 'GPL-2.0-only'),
  apk('wireguard-tools', '1.0.20210914-r4', '1.0.20210914-r3', 'wireguard-tools', 'GPL-2.0-only'),
];
