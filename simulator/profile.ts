import type { Capability } from '../domain/collectors/collector.ts';
import {
  CONTAINERS,
  type ContainerTemplate,
  DRIVE_MODELS,
  type DriveModel,
  KERNEL_UPDATES,
  OS,
  type OsSpec,
  type PackageUpdate,
  type UnitTemplate,
  UNITS_BASE,
  UNITS_BY_FEATURE,
  UNITS_DEBIAN,
  UPDATES_ALPINE,
  UPDATES_DEBIAN,
  UPDATES_DOCKER_CE,
  UPDATES_PI,
  UPDATES_PROXMOX,
  UPDATES_ROCKY,
  UPDATES_UBUNTU,
  UPDATES_ZFS_BACKPORTS,
} from './catalog.ts';
import { hashText, Rng } from './random.ts';

/**
 * A simulated device's fixed description: what it is, what it runs and what it has, drawn from the
 * catalog by a generator seeded with the fleet seed and the hostname. Everything that changes over
 * time lives in model.ts; this is the part that stays put.
 */

export type Role = 'nas' | 'proxmox' | 'docker' | 'pi' | 'router' | 'database';

/** The first devices cover every role in this order, so even a small fleet (and the tests) meets all kinds. */
export const ROLE_ORDER: readonly Role[] = ['nas', 'proxmox', 'docker', 'pi', 'router', 'database'];
/** Mix of the rest of the fleet: mostly container hosts, as in the homelabs and small fleets this is for. */
const ROLE_WEIGHTS: readonly [Role, number][] = [
  ['docker', 34],
  ['pi', 15],
  ['proxmox', 14],
  ['database', 13],
  ['nas', 12],
  ['router', 12],
];
const HOSTNAME_PREFIX: Readonly<Record<Role, string>> = {
  nas: 'nas',
  proxmox: 'pve',
  docker: 'docker',
  pi: 'pi',
  router: 'gw',
  database: 'db',
};

/** Seconds of simulated time after fleet start at which the degrading drive starts reallocating sectors. */
export const DRIVE_DEGRADES_AFTER_SECONDS = 2 * 3600;
/** Length of the resilver on the pool that is resilvering when the fleet starts. */
const RESILVER_SECONDS = 2 * 3600;

export interface InterfaceAddress {
  family: 'inet' | 'inet6';
  local: string;
  prefixlen: number;
  scope: 'host' | 'global' | 'link';
  broadcast?: string;
}

export interface InterfaceSpec {
  name: string;
  /** iproute2's link_type. */
  linkType: 'ether' | 'loopback' | 'none';
  /** iproute2's linkinfo.info_kind (bridge, tun, wireguard...); absent for a plain NIC. */
  kind?: string;
  mac: string | null;
  mtu: number;
  master?: string;
  /** Administratively up, and with carrier (LOWER_UP) when `carrier`. */
  up: boolean;
  carrier: boolean;
  pointToPoint?: true;
  /** The docker network a bridge serves (`bridge` for docker0), so container veths know their master. */
  dockerNetwork?: string;
  addresses: InterfaceAddress[];
  rxBytesPerSecond: number;
  txBytesPerSecond: number;
}

export interface FilesystemSpec {
  device: string;
  type: string;
  mountpoint: string;
  sizeKib: number;
  usedKib: number;
  growthKibPerHour: number;
  /** For ZFS mounts: the dataset whose numbers df shows. */
  dataset?: string;
}

export interface ContainerSpec extends ContainerTemplate {
  id: string;
  /** Unix seconds. */
  createdAt: number;
  startedAt: number;
  restartCount: number;
  labels: Record<string, string>;
}

export interface DriveSpec {
  name: string;
  /** smartctl device type: `sat` or `nvme`. */
  type: 'sat' | 'nvme';
  model: DriveModel;
  serial: string;
  powerOnHours: number;
  powerCycles: number;
  temperatureC: number;
  /** The name ZFS knows the drive by, when it is in a pool. */
  vdevName?: string;
  /** The fleet's one failing drive: reallocated sectors grow from DRIVE_DEGRADES_AFTER_SECONDS on. */
  degrading: boolean;
}

export interface DatasetSpec {
  name: string;
  type: 'filesystem' | 'volume';
  /** Share of the pool's used space held by this dataset itself (children not included). */
  share: number;
  mountpoint: string;
  compressratio: string;
  /** Gets sanoid-style daily snapshots (and hourly ones when `hourly`). */
  snapshots?: 'daily' | 'hourly';
}

export interface PoolSpec {
  name: string;
  /** `raidz2-0` or `mirror-0`. */
  vdev: string;
  /** Data disks needed for parity: 2 for raidz2, 1 for a mirror (only one copy counts). */
  parityDisks: number;
  disks: string[];
  sizeBytes: number;
  allocatedBytes: number;
  growthBytesPerHour: number;
  fragmentationPercent: number;
  datasets: DatasetSpec[];
  /** Unix seconds at which the last monthly scrub finished, and how long it took. */
  lastScrubEnd: number;
  lastScrubSeconds: number;
  /** A disk being replaced when the fleet starts: `disks[diskIndex]` is resilvering from `oldDisk`. */
  resilver?: { diskIndex: number; oldDisk: string; startedAt: number; seconds: number };
}

/** A Proxmox VE guest of the node: its configuration and the base of its usage, which varies over time. */
export interface GuestSpec {
  vmid: number;
  name: string;
  type: 'qemu' | 'lxc';
  cores: number;
  memoryBytes: number;
  /** Share of its memory a running guest uses, before the swing over the day. */
  memoryUsedFraction: number;
  diskBytes: number;
  /** LXC only: share of the root disk in use (PVE cannot see inside a VM's disks). */
  diskUsedFraction: number;
  /** Busy share of its own cores at the quiet hour. */
  cpuBase: number;
  rxBytesPerSecond: number;
  txBytesPerSecond: number;
  readBytesPerSecond: number;
  writeBytesPerSecond: number;
  running: boolean;
  template: boolean;
  tags: string[];
  /** In the nightly vzdump job: locked `backup` while its turn runs. */
  backedUp: boolean;
  /** Unix seconds; for a running guest, when it started. */
  startedAt: number;
}

export interface DeviceProfile {
  hostname: string;
  role: Role;
  /** The device_type the device is registered with. */
  deviceType: 'linux' | 'proxmox' | 'raspberry_pi';
  os: OsSpec;
  kernel: string;
  arch: 'x86_64' | 'aarch64';
  cores: number;
  memoryKib: number;
  swapKib: number;
  /** A virtual machine: some steal time, no drives of its own. */
  virtual: boolean;
  capabilities: Record<Capability, boolean>;
  packageManager: 'apt' | 'dnf' | 'apk';
  systemd: { version: number; versionLine: string } | null;
  smartctlVersion: string | null;
  pveVersion: string | null;
  /** The server part of the SSH identification string, e.g. `OpenSSH_9.2p1 Debian-2+deb12u3`. */
  sshServer: string;
  /** Unix seconds. */
  bootTime: number;
  /** CPU busy fraction: base ± amplitude over the day, peaking at `peakHour` UTC; iowait as a fraction of busy. */
  load: { base: number; amplitude: number; peakHour: number; iowait: number };
  memoryUsedFraction: number;
  lanAddress: string;
  defaultRoute: { gateway: string; dev: string };
  interfaces: InterfaceSpec[];
  filesystems: FilesystemSpec[];
  containers: ContainerSpec[];
  units: UnitTemplate[];
  drives: DriveSpec[];
  pools: PoolSpec[];
  /** Proxmox VE guests; empty for every other role. */
  guests: GuestSpec[];
  updates: {
    catalog: PackageUpdate[];
    /** Updates pile up over one cycle and are applied at its end. */
    cycleSeconds: number;
    /**
     * The kernel package a pending reboot names, where the distribution signals one (apt with
     * update-notifier or unattended-upgrades); null where it keeps no such signal.
     */
    rebootPackage: string | null;
    /** Seconds after midnight UTC at which the daily metadata refresh runs (apt, dnf); null when nothing refreshes it (apk). */
    refreshSecondOfDay: number | null;
  };
  scenarios: { degradingDrive: string | null; resilveringPool: string | null };
  /**
   * How the owner edits the device's configuration files (config-files.ts): one edit every
   * `periodSeconds`, at Unix times `offsetSeconds + k·periodSeconds`; `seed` picks what gets edited.
   */
  configEdits: { periodSeconds: number; offsetSeconds: number; seed: number };
}

/**
 * Share of devices with inotify-tools, an extra package everywhere: NAS owners install it for their sync
 * scripts, container hosts often have it, the Alpine router never. The others are watched by polling.
 */
const INOTIFY_TOOLS_SHARE: Readonly<Record<Role, number>> = {
  nas: 1,
  docker: 0.6,
  proxmox: 0.4,
  pi: 0.3,
  database: 0.3,
  router: 0,
};

function roleFor(seed: number, index: number): Role {
  const fixed = ROLE_ORDER[index];
  if (fixed) return fixed;
  const rng = new Rng(hashText(`${seed}/role/${index}`));
  let roll = rng.next() * ROLE_WEIGHTS.reduce((sum, [, weight]) => sum + weight, 0);
  for (const [role, weight] of ROLE_WEIGHTS) {
    roll -= weight;
    if (roll < 0) return role;
  }
  return 'docker';
}

function hostnameFor(role: Role, index: number): string {
  return `${HOSTNAME_PREFIX[role]}-${String(index + 1).padStart(3, '0')}`;
}

const PRIMARY_INTERFACE: Readonly<Record<Role, string>> = {
  nas: 'eno1',
  proxmox: 'vmbr0',
  docker: 'ens18',
  pi: 'eth0',
  router: 'eth0',
  database: 'ens18',
};
const GIB_KIB = 1024 * 1024;
const DAY = 86_400;

/** IPv6 link-local address from a MAC (EUI-64), as the kernel assigns it. */
function linkLocal(mac: string): string {
  const b = mac.split(':').map((part) => parseInt(part, 16));
  const byte = (i: number) => b[i] ?? 0;
  const word = (hi: number, lo: number) => ((hi << 8) | lo).toString(16);
  return `fe80::${word(byte(0) ^ 2, byte(1))}:${word(byte(2), 0xff)}:${word(0xfe, byte(3))}:${word(byte(4), byte(5))}`;
}

/** An Ethernet-like interface; it gets its IPv6 link-local address unless it is a bridge port or has no carrier. */
function nic(
  name: string,
  mac: string,
  opts: Partial<Omit<InterfaceSpec, 'addresses'>> & { inet?: InterfaceAddress[] } = {},
): InterfaceSpec {
  const { inet = [], ...rest } = opts;
  const carrier = rest.carrier ?? true;
  const linkLocalAddresses: InterfaceAddress[] =
    rest.master === undefined && carrier
      ? [{ family: 'inet6', local: linkLocal(mac), prefixlen: 64, scope: 'link' }]
      : [];
  return {
    name,
    linkType: 'ether',
    mac,
    mtu: 1500,
    up: true,
    carrier,
    rxBytesPerSecond: 0,
    txBytesPerSecond: 0,
    ...rest,
    addresses: [...inet, ...linkLocalAddresses],
  };
}

const LOOPBACK: InterfaceSpec = {
  name: 'lo',
  linkType: 'loopback',
  mac: '00:00:00:00:00:00',
  mtu: 65536,
  up: true,
  carrier: true,
  addresses: [
    { family: 'inet', local: '127.0.0.1', prefixlen: 8, scope: 'host' },
    { family: 'inet6', local: '::1', prefixlen: 128, scope: 'host' },
  ],
  rxBytesPerSecond: 2_000,
  txBytesPerSecond: 2_000,
};

function ipv4(address: string, prefixlen: number): InterfaceAddress {
  const value = address.split('.').reduce((acc, part) => acc * 256 + Number(part), 0);
  const block = 2 ** (32 - prefixlen);
  const last = value - (value % block) + block - 1;
  const broadcast = [24, 16, 8, 0].map((shift) => Math.floor(last / 2 ** shift) % 256).join('.');
  return { family: 'inet', local: address, prefixlen, scope: 'global', broadcast };
}

/** Per-role facts that are not random. */
const ROLE_BASICS: Readonly<
  Record<
    Role,
    Pick<
      DeviceProfile,
      | 'deviceType'
      | 'os'
      | 'kernel'
      | 'arch'
      | 'virtual'
      | 'packageManager'
      | 'smartctlVersion'
      | 'pveVersion'
      | 'sshServer'
    > & { systemd: DeviceProfile['systemd'] }
  >
> = {
  nas: {
    sshServer: 'OpenSSH_9.2p1 Debian-2+deb12u3',
    deviceType: 'linux',
    os: OS.debian12,
    kernel: '6.1.0-26-amd64',
    arch: 'x86_64',
    virtual: false,
    packageManager: 'apt',
    smartctlVersion: '7.3 2022-02-28 r5338',
    pveVersion: null,
    systemd: { version: 252, versionLine: 'systemd 252 (252.30-1~deb12u2)' },
  },
  proxmox: {
    sshServer: 'OpenSSH_9.2p1 Debian-2+deb12u3',
    deviceType: 'proxmox',
    os: OS.debian12,
    kernel: '6.8.12-4-pve',
    arch: 'x86_64',
    virtual: false,
    packageManager: 'apt',
    smartctlVersion: '7.3 2022-02-28 r5338',
    pveVersion: 'pve-manager/8.2.7/3e0176e6bb2ade3b (running kernel: 6.8.12-4-pve)',
    systemd: { version: 252, versionLine: 'systemd 252 (252.30-1~deb12u2)' },
  },
  docker: {
    sshServer: 'OpenSSH_9.6p1 Ubuntu-3ubuntu13.5',
    deviceType: 'linux',
    os: OS.ubuntu2404,
    kernel: '6.8.0-45-generic',
    arch: 'x86_64',
    virtual: true,
    packageManager: 'apt',
    smartctlVersion: null,
    pveVersion: null,
    systemd: { version: 255, versionLine: 'systemd 255 (255.4-1ubuntu8.2)' },
  },
  pi: {
    sshServer: 'OpenSSH_9.2p1 Raspbian-2+deb12u3',
    deviceType: 'raspberry_pi',
    os: OS.debian12,
    kernel: '6.6.31+rpt-rpi-v8',
    arch: 'aarch64',
    virtual: false,
    packageManager: 'apt',
    smartctlVersion: null,
    pveVersion: null,
    systemd: { version: 252, versionLine: 'systemd 252 (252.30-1~deb12u2+rpi1)' },
  },
  router: {
    sshServer: 'OpenSSH_9.6',
    deviceType: 'linux',
    os: OS.alpine319,
    kernel: '6.6.58-0-virt',
    arch: 'x86_64',
    virtual: true,
    packageManager: 'apk',
    smartctlVersion: null,
    pveVersion: null,
    systemd: null,
  },
  database: {
    sshServer: 'OpenSSH_8.7',
    deviceType: 'linux',
    os: OS.rocky94,
    kernel: '5.14.0-427.37.1.el9_4.x86_64',
    arch: 'x86_64',
    virtual: true,
    packageManager: 'dnf',
    smartctlVersion: '7.2 2020-12-30 r5155',
    pveVersion: null,
    systemd: { version: 252, versionLine: 'systemd 252 (252-32.el9_4.7.rocky.0.1)' },
  },
};

const ROLE_CONTAINERS: Readonly<Record<Role, readonly (readonly [ContainerTemplate[], number])[]>> = {
  // [templates that come and go together (a compose project), probability the device has them]
  nas: [
    [[CONTAINERS.swag], 0.7],
    [[CONTAINERS.jellyfin, CONTAINERS.sonarr, CONTAINERS.radarr, CONTAINERS.prowlarr, CONTAINERS.qbittorrent], 1],
    [[CONTAINERS.nextcloudApp, CONTAINERS.nextcloudDb, CONTAINERS.nextcloudRedis], 0.8],
    [[CONTAINERS.resticBackup], 0.8],
    [[CONTAINERS.portainer], 0.4],
  ],
  docker: [
    [[CONTAINERS.swag], 0.6],
    [[CONTAINERS.grafana, CONTAINERS.prometheus, CONTAINERS.nodeExporter], 0.8],
    [[CONTAINERS.vaultwarden], 0.6],
    [[CONTAINERS.uptimeKuma], 0.7],
    [[CONTAINERS.paperless, CONTAINERS.paperlessDb, CONTAINERS.paperlessBroker], 0.5],
    [[CONTAINERS.nextcloudApp, CONTAINERS.nextcloudDb, CONTAINERS.nextcloudRedis], 0.3],
    [[CONTAINERS.portainer], 0.5],
    [[CONTAINERS.watchtower], 0.6],
  ],
  pi: [
    [[CONTAINERS.pihole], 1],
    [[CONTAINERS.homeassistant, CONTAINERS.mosquitto, CONTAINERS.zigbee2mqtt], 0.7],
  ],
  proxmox: [],
  router: [],
  database: [],
};

function containersFor(rng: Rng, role: Role, bootTime: number, startTime: number): ContainerSpec[] {
  const chosen = ROLE_CONTAINERS[role].filter(([, probability]) => rng.chance(probability)).flatMap(([group]) => group);
  // A container host without containers would make a dull demo: keep at least the first group.
  const templates = chosen.length > 0 ? chosen : (ROLE_CONTAINERS[role][0]?.[0] ?? []);
  const composeVersion = rng.pick(['2.29.7', '2.29.2', '2.27.1']);
  return templates.map((t) => {
    const createdAt = Math.min(bootTime, startTime - rng.int(2, 120) * DAY) - rng.int(0, DAY);
    // Most containers started with the machine; some were recreated or restarted since.
    const restarted = rng.chance(0.25);
    const startedAt = restarted ? rng.int(bootTime, startTime - 600) : bootTime + rng.int(20, 90);
    const labels: Record<string, string> = {};
    if (t.project !== null) {
      const dir = `/opt/stacks/${t.project}`;
      Object.assign(labels, {
        'com.docker.compose.config-hash': rng.hex(64),
        'com.docker.compose.container-number': '1',
        'com.docker.compose.depends_on': '',
        'com.docker.compose.image': `sha256:${rng.hex(64)}`,
        'com.docker.compose.oneoff': 'False',
        'com.docker.compose.project': t.project,
        'com.docker.compose.project.config_files': `${dir}/compose.yaml`,
        'com.docker.compose.project.working_dir': dir,
        'com.docker.compose.service': t.service,
        'com.docker.compose.version': composeVersion,
      });
    }
    if (t.image.startsWith('lscr.io/linuxserver/')) {
      labels.build_version = `Linuxserver.io version:- ${t.image.split(':')[1] ?? 'latest'}-ls${rng.int(100, 260)}`;
      labels.maintainer = 'linuxserver.io';
    }
    return { ...t, id: rng.hex(64), createdAt, startedAt, restartCount: restarted ? rng.int(1, 3) : 0, labels };
  });
}

function unitsFor(role: Role): UnitTemplate[] {
  const f = UNITS_BY_FEATURE;
  switch (role) {
    case 'nas':
      return [...UNITS_BASE, ...UNITS_DEBIAN, ...f.ifupdown, ...f.docker, ...f.smartmontools, ...f.zfs, ...f.nas];
    case 'proxmox':
      return [
        ...UNITS_BASE,
        ...UNITS_DEBIAN.filter(
          (u) => u.name !== 'systemd-timesyncd.service' && u.name !== 'unattended-upgrades.service',
        ),
        ...f.ifupdown,
        ...f.smartmontools,
        ...f.zfs,
        ...f.proxmox,
      ];
    case 'docker':
      return [...UNITS_BASE, ...UNITS_DEBIAN.filter((u) => u.name !== 'auditd.service'), ...f.ubuntu, ...f.docker];
    case 'pi':
      return [...UNITS_BASE, ...UNITS_DEBIAN, ...f.pi, ...f.docker];
    case 'database':
      return [...UNITS_BASE.filter((u) => u.name !== 'dbus.service'), ...f.rocky];
    case 'router':
      return [];
  }
}

function vdevName(model: DriveModel, serial: string, suffix = ''): string {
  return `${model.kind === 'nvme' ? 'nvme' : 'ata'}-${model.model.replace(/ /g, '_')}_${serial}${suffix}`;
}

function drive(rng: Rng, name: string, model: DriveModel, degrading = false): DriveSpec {
  const serial = `${model.serialPrefix}${rng.serial(model.serialLength)}`;
  return {
    name,
    type: model.kind === 'nvme' ? 'nvme' : 'sat',
    model,
    serial,
    powerOnHours: model.kind === 'hdd' ? rng.int(5_000, 40_000) : rng.int(2_000, 20_000),
    powerCycles: rng.int(20, 400),
    temperatureC: model.kind === 'hdd' ? rng.int(30, 38) : model.kind === 'ssd' ? rng.int(27, 34) : rng.int(38, 47),
    degrading,
  };
}

interface Storage {
  drives: DriveSpec[];
  pools: PoolSpec[];
  filesystems: FilesystemSpec[];
}

/** The usual Linux pseudo-filesystems: df lists them and the collector leaves them out. */
function tmpfsRows(memoryKib: number): FilesystemSpec[] {
  const tmp = (device: string, type: string, mountpoint: string, sizeKib: number, usedKib = 0): FilesystemSpec => ({
    device,
    type,
    mountpoint,
    sizeKib,
    usedKib,
    growthKibPerHour: 0,
  });
  return [
    tmp('udev', 'devtmpfs', '/dev', Math.round(memoryKib / 2)),
    tmp('tmpfs', 'tmpfs', '/run', Math.round(memoryKib / 10), 1420),
    tmp('tmpfs', 'tmpfs', '/dev/shm', Math.round(memoryKib / 2)),
    tmp('tmpfs', 'tmpfs', '/run/lock', 5120),
  ];
}

function fs(
  device: string,
  type: string,
  mountpoint: string,
  sizeKib: number,
  usedFraction: number,
  growthKibPerHour: number,
): FilesystemSpec {
  return { device, type, mountpoint, sizeKib, usedKib: Math.round(sizeKib * usedFraction), growthKibPerHour };
}

function daysAgo(startTime: number, rng: Rng, minDays: number, maxDays: number): number {
  return startTime - rng.int(minDays * DAY, maxDays * DAY);
}

/** Drives, pools and filesystems; devices 0 and 1 (the fleet's first nas and proxmox, see ROLE_ORDER) carry the two storage scenarios. */
function storageFor(rng: Rng, role: Role, index: number, memoryKib: number, startTime: number): Storage {
  const base = tmpfsRows(memoryKib);
  // One device in ten has a filesystem filling fast enough to cross alert thresholds within days.
  const filling = rng.chance(0.1);
  const growth = (normal: number) => (filling ? 180 * 1024 : normal);
  switch (role) {
    case 'nas': {
      const boot = drive(rng, '/dev/nvme0', rng.pick([DRIVE_MODELS.pro980, DRIVE_MODELS.sn770]));
      const hddModel = rng.pick([DRIVE_MODELS.wdRed8, DRIVE_MODELS.ironWolf8, DRIVE_MODELS.toshibaMg08]);
      const degradingHere = index === 0;
      const hdds = ['a', 'b', 'c', 'd', 'e', 'f'].map((letter, i) => {
        // The failing drive is a replacement of another make, bought later: the usual story.
        const failing = degradingHere && i === 2;
        const d = drive(rng, `/dev/sd${letter}`, failing ? DRIVE_MODELS.ironWolf8 : hddModel, failing);
        d.vdevName = vdevName(d.model, d.serial);
        return d;
      });
      const diskBytes = hdds.reduce((sum, d) => sum + d.model.capacityBytes, 0);
      const pool: PoolSpec = {
        name: 'tank',
        vdev: 'raidz2-0',
        parityDisks: 2,
        disks: hdds.map((d) => d.vdevName ?? d.name),
        sizeBytes: Math.floor(diskBytes * 0.998),
        allocatedBytes: Math.floor(diskBytes * rng.between(0.35, 0.75)),
        growthBytesPerHour: rng.int(40, 400) * 1024 ** 2,
        fragmentationPercent: rng.int(1, 9),
        datasets: [
          { name: 'tank', type: 'filesystem', share: 0, mountpoint: '/tank', compressratio: '1.04' },
          {
            name: 'tank/appdata',
            type: 'filesystem',
            share: 0.02,
            mountpoint: '/tank/appdata',
            compressratio: '1.62',
            snapshots: 'daily',
          },
          {
            name: 'tank/backups',
            type: 'filesystem',
            share: 0.22,
            mountpoint: '/tank/backups',
            compressratio: '1.21',
            snapshots: 'daily',
          },
          {
            name: 'tank/documents',
            type: 'filesystem',
            share: 0.03,
            mountpoint: '/tank/documents',
            compressratio: '1.58',
            snapshots: 'hourly',
          },
          { name: 'tank/media', type: 'filesystem', share: 0.68, mountpoint: '/tank/media', compressratio: '1.00' },
          {
            name: 'tank/nextcloud',
            type: 'filesystem',
            share: 0.0499,
            mountpoint: '/tank/nextcloud',
            compressratio: '1.12',
            snapshots: 'daily',
          },
        ],
        lastScrubEnd: daysAgo(startTime, rng, 1, 27),
        lastScrubSeconds: rng.int(6, 20) * 3600,
      };
      const filesystems = [
        ...base,
        fs('/dev/nvme0n1p2', 'ext4', '/', 479_079_112, rng.between(0.15, 0.45), growth(12 * 1024)),
        fs('/dev/nvme0n1p1', 'vfat', '/boot/efi', 523_248, 0.011, 0),
        ...pool.datasets
          .filter((d) => d.type === 'filesystem')
          .map((d) => ({
            device: d.name,
            type: 'zfs',
            mountpoint: d.mountpoint,
            sizeKib: 0,
            usedKib: 0,
            growthKibPerHour: 0,
            dataset: d.name,
          })),
      ];
      return { drives: [boot, ...hdds], pools: [pool], filesystems };
    }
    case 'proxmox': {
      const ssds = ['a', 'b'].map((letter) => {
        const d = drive(rng, `/dev/sd${letter}`, DRIVE_MODELS.evo870);
        d.vdevName = vdevName(d.model, d.serial, '-part3');
        return d;
      });
      const resilvering = index === 1;
      const rpoolBytes = 996_432_412_672;
      const rpool: PoolSpec = {
        name: 'rpool',
        vdev: 'mirror-0',
        parityDisks: 1,
        disks: ssds.map((d) => d.vdevName ?? d.name),
        sizeBytes: rpoolBytes,
        allocatedBytes: Math.floor(rpoolBytes * rng.between(0.2, 0.6)),
        growthBytesPerHour: rng.int(5, 60) * 1024 ** 2,
        fragmentationPercent: rng.int(4, 18),
        datasets: [
          { name: 'rpool', type: 'filesystem', share: 0, mountpoint: '/rpool', compressratio: '1.41' },
          { name: 'rpool/ROOT', type: 'filesystem', share: 0, mountpoint: '/rpool/ROOT', compressratio: '1.86' },
          {
            name: 'rpool/ROOT/pve-1',
            type: 'filesystem',
            share: 0.04,
            mountpoint: '/',
            compressratio: '1.86',
            snapshots: 'daily',
          },
          { name: 'rpool/data', type: 'filesystem', share: 0, mountpoint: '/rpool/data', compressratio: '1.37' },
          {
            name: 'rpool/data/subvol-102-disk-0',
            type: 'filesystem',
            share: 0.02,
            mountpoint: '/rpool/data/subvol-102-disk-0',
            compressratio: '1.63',
            snapshots: 'daily',
          },
          {
            name: 'rpool/data/vm-100-disk-0',
            type: 'volume',
            share: 0.29,
            mountpoint: '-',
            compressratio: '1.29',
            snapshots: 'daily',
          },
          {
            name: 'rpool/data/vm-101-disk-0',
            type: 'volume',
            share: 0.6097,
            mountpoint: '-',
            compressratio: '1.38',
            snapshots: 'daily',
          },
          {
            name: 'rpool/var-lib-vz',
            type: 'filesystem',
            share: 0.04,
            mountpoint: '/var/lib/vz',
            compressratio: '1.08',
          },
        ],
        lastScrubEnd: daysAgo(startTime, rng, 1, 27),
        lastScrubSeconds: rng.int(15, 75) * 60,
        ...(resilvering && {
          resilver: {
            diskIndex: 1,
            oldDisk: vdevName(
              DRIVE_MODELS.evo870,
              `${DRIVE_MODELS.evo870.serialPrefix}${rng.serial(DRIVE_MODELS.evo870.serialLength)}`,
              '-part3',
            ),
            // Started a little before the fleet, so the first answer already shows progress.
            startedAt: startTime - Math.round(RESILVER_SECONDS * 0.06),
            seconds: RESILVER_SECONDS,
          },
        }),
      };
      const drives = [...ssds];
      const pools = [rpool];
      if (rng.chance(0.5)) {
        const hdds = ['c', 'd'].map((letter) => {
          const d = drive(rng, `/dev/sd${letter}`, DRIVE_MODELS.toshibaMg08);
          d.vdevName = vdevName(d.model, d.serial);
          return d;
        });
        drives.push(...hdds);
        pools.push({
          name: 'tank',
          vdev: 'mirror-0',
          parityDisks: 1,
          disks: hdds.map((d) => d.vdevName ?? d.name),
          sizeBytes: 15_994_458_210_304,
          allocatedBytes: Math.floor(15_994_458_210_304 * rng.between(0.2, 0.7)),
          growthBytesPerHour: rng.int(20, 200) * 1024 ** 2,
          fragmentationPercent: rng.int(1, 6),
          datasets: [
            { name: 'tank', type: 'filesystem', share: 0, mountpoint: '/tank', compressratio: '1.02' },
            {
              name: 'tank/backup',
              type: 'filesystem',
              share: 0.9999,
              mountpoint: '/tank/backup',
              compressratio: '1.09',
              snapshots: 'daily',
            },
          ],
          lastScrubEnd: daysAgo(startTime, rng, 1, 27),
          lastScrubSeconds: rng.int(8, 26) * 3600,
        });
      }
      const zfsRows = pools.flatMap((p) =>
        p.datasets
          .filter((d) => d.type === 'filesystem')
          .map((d) => ({
            device: d.name,
            type: 'zfs',
            mountpoint: d.mountpoint,
            sizeKib: 0,
            usedKib: 0,
            growthKibPerHour: 0,
            dataset: d.name,
          })),
      );
      return {
        drives,
        pools,
        filesystems: [...base, ...zfsRows, fs('/dev/fuse', 'fuse', '/etc/pve', 131_072, 0.0002, 0)],
      };
    }
    case 'docker':
      return {
        drives: [],
        pools: [],
        filesystems: [
          ...base,
          fs(
            '/dev/mapper/ubuntu--vg-ubuntu--lv',
            'ext4',
            '/',
            rng.pick([61_611_820, 102_626_232, 204_795_440]),
            rng.between(0.35, 0.75),
            growth(30 * 1024),
          ),
          fs('/dev/sda2', 'ext4', '/boot', 1_992_552, 0.1, 0),
          fs('/dev/sda1', 'vfat', '/boot/efi', 1_098_632, 0.006, 0),
        ],
      };
    case 'pi':
      return {
        drives: [],
        pools: [],
        filesystems: [
          ...base,
          fs(
            '/dev/mmcblk0p2',
            'ext4',
            '/',
            rng.pick([29_787_264, 60_144_324]),
            rng.between(0.2, 0.6),
            growth(6 * 1024),
          ),
          fs('/dev/mmcblk0p1', 'vfat', '/boot/firmware', 522_232, 0.13, 0),
        ],
      };
    case 'router':
      return {
        drives: [],
        pools: [],
        filesystems: [
          ...base.slice(1, 3),
          fs('/dev/vda3', 'ext4', '/', 7_937_312, rng.between(0.1, 0.3), 200),
          fs('/dev/vda1', 'ext4', '/boot', 300_144, 0.09, 0),
        ],
      };
    case 'database':
      return {
        drives: [],
        pools: [],
        filesystems: [
          ...base.slice(1),
          fs('/dev/mapper/rl-root', 'xfs', '/', 73_364_480, rng.between(0.15, 0.35), 4 * 1024),
          fs('/dev/vda1', 'xfs', '/boot', 983_040, 0.36, 0),
          fs('/dev/mapper/rl-pgdata', 'xfs', '/var/lib/pgsql', 524_032_000, rng.between(0.3, 0.7), growth(90 * 1024)),
        ],
      };
  }
}

function interfacesFor(
  rng: Rng,
  role: Role,
  lanAddress: string,
  containers: readonly ContainerSpec[],
  hasDocker: boolean,
): InterfaceSpec[] {
  const lan = [ipv4(lanAddress, 24)];
  const rate = (min: number, max: number) => rng.int(min, max) * 1000;
  // Compose projects get a bridge each; docker's default bridge has carrier only while something uses it.
  const networks = containers.flatMap((c) => c.networks.split(','));
  const bridges = [...new Set(networks.filter((n) => n !== 'host' && n !== 'bridge'))];
  const docker = hasDocker
    ? [
        nic('docker0', rng.mac(), {
          kind: 'bridge',
          dockerNetwork: 'bridge',
          carrier: networks.includes('bridge'),
          inet: [ipv4('172.17.0.1', 16)],
          rxBytesPerSecond: rate(1, 30),
          txBytesPerSecond: rate(5, 90),
        }),
        ...bridges.map((network, i) =>
          nic(`br-${rng.hex(12)}`, rng.mac(), {
            kind: 'bridge',
            dockerNetwork: network,
            inet: [ipv4(`172.${18 + i}.0.1`, 16)],
            rxBytesPerSecond: rate(5, 200),
            txBytesPerSecond: rate(20, 900),
          }),
        ),
      ]
    : [];
  switch (role) {
    case 'nas':
      return [
        LOOPBACK,
        nic('eno1', rng.mac('3c:ec:ef'), {
          inet: lan,
          rxBytesPerSecond: rate(200, 2000),
          txBytesPerSecond: rate(300, 3000),
        }),
        nic('eno2', rng.mac('3c:ec:ef'), { carrier: false }),
        ...docker,
      ];
    case 'proxmox': {
      const eno1 = nic('eno1', rng.mac('a8:a1:59'), {
        master: 'vmbr0',
        rxBytesPerSecond: rate(300, 3000),
        txBytesPerSecond: rate(300, 3000),
      });
      return [
        LOOPBACK,
        eno1,
        // A Linux bridge takes the MAC of its first port.
        nic('vmbr0', eno1.mac ?? rng.mac(), {
          kind: 'bridge',
          inet: lan,
          rxBytesPerSecond: rate(100, 800),
          txBytesPerSecond: rate(100, 900),
        }),
        nic('tap100i0', rng.mac('bc:24:11'), {
          kind: 'tun',
          master: 'vmbr0',
          rxBytesPerSecond: rate(50, 900),
          txBytesPerSecond: rate(50, 900),
        }),
        nic('tap101i0', rng.mac('bc:24:11'), {
          kind: 'tun',
          master: 'vmbr0',
          rxBytesPerSecond: rate(50, 900),
          txBytesPerSecond: rate(50, 900),
        }),
        nic('veth102i0', rng.mac('fe:a3:5c'), {
          kind: 'veth',
          master: 'vmbr0',
          rxBytesPerSecond: rate(5, 90),
          txBytesPerSecond: rate(5, 90),
        }),
      ];
    }
    case 'docker':
      return [
        LOOPBACK,
        nic('ens18', rng.mac('bc:24:11'), {
          inet: lan,
          rxBytesPerSecond: rate(50, 1500),
          txBytesPerSecond: rate(50, 1500),
        }),
        ...docker,
      ];
    case 'pi':
      return [
        LOOPBACK,
        nic('eth0', rng.mac('d8:3a:dd'), {
          inet: lan,
          rxBytesPerSecond: rate(10, 300),
          txBytesPerSecond: rate(10, 200),
        }),
        nic('wlan0', rng.mac('d8:3a:dd'), { carrier: false }),
        ...docker,
      ];
    case 'router':
      return [
        LOOPBACK,
        nic('eth0', rng.mac('52:54:00'), {
          inet: [ipv4(`198.51.100.${rng.int(2, 250)}`, 24)],
          rxBytesPerSecond: rate(500, 5000),
          txBytesPerSecond: rate(200, 1500),
        }),
        nic('eth1', rng.mac('52:54:00'), {
          inet: lan,
          rxBytesPerSecond: rate(200, 1500),
          txBytesPerSecond: rate(500, 5000),
        }),
        {
          name: 'wg0',
          linkType: 'none',
          kind: 'wireguard',
          mac: null,
          mtu: 1420,
          up: true,
          carrier: true,
          pointToPoint: true,
          addresses: [{ family: 'inet', local: '10.200.0.1', prefixlen: 24, scope: 'global' }],
          rxBytesPerSecond: rate(5, 200),
          txBytesPerSecond: rate(5, 400),
        },
      ];
    case 'database':
      return [
        LOOPBACK,
        nic('ens18', rng.mac('bc:24:11'), {
          inet: lan,
          rxBytesPerSecond: rate(200, 3000),
          txBytesPerSecond: rate(500, 6000),
        }),
      ];
  }
}

const GIB_BYTES = 1024 ** 3;

/** What homelab Proxmox nodes run: [name, tags, cores, memory GiB, disk GiB] per kind. */
type GuestTemplate = readonly [name: string, tags: string[], cores: number, memoryGib: number, diskGib: number];
const QEMU_GUESTS: readonly GuestTemplate[] = [
  ['docker-host', ['docker', 'prod'], 4, 8, 64],
  ['home-assistant', ['iot'], 2, 4, 32],
  ['opnsense', ['network'], 2, 4, 32],
  ['nextcloud', ['prod'], 4, 8, 200],
  ['k3s-node-1', ['k3s'], 4, 12, 100],
  ['gitlab', ['dev'], 4, 8, 120],
  ['truenas', ['storage'], 2, 16, 32],
];
const LXC_GUESTS: readonly GuestTemplate[] = [
  ['pihole', ['dns', 'infra'], 1, 0.5, 8],
  ['adguard', ['dns'], 1, 0.25, 4],
  ['unifi', ['infra'], 2, 2, 8],
  ['jellyfin', ['media'], 4, 4, 20],
  ['nginx-proxy', ['web'], 1, 0.5, 4],
  ['wireguard', ['network'], 1, 0.25, 2],
  ['mqtt', ['iot'], 1, 0.25, 2],
  ['paperless', ['docs'], 2, 2, 16],
];
const STOPPED_GUESTS: readonly [string, 'qemu' | 'lxc', number, number, number][] = [
  ['windows-11', 'qemu', 8, 16, 128],
  ['kali', 'qemu', 2, 4, 40],
  ['test-debian', 'lxc', 1, 1, 8],
  ['old-wiki', 'lxc', 1, 1, 8],
];

/**
 * Guests of a Proxmox node: VMs 100 and 101 and container 102 run (their disks and tap/veth interfaces are
 * in the profile's storage and network), a few stopped test guests and often a cloud-init template.
 * Drawn from their own generator, so adding guests changes nothing else about the device.
 */
function guestsFor(seed: number, hostname: string, role: Role, bootTime: number): GuestSpec[] {
  if (role !== 'proxmox') return [];
  const rng = new Rng(hashText(`${seed}/${hostname}/guests`));
  const running = (
    vmid: number,
    type: 'qemu' | 'lxc',
    [name, tags, cores, memoryGib, diskGib]: GuestTemplate,
  ): GuestSpec => ({
    vmid,
    name,
    type,
    cores,
    memoryBytes: memoryGib * GIB_BYTES,
    // Now and then a guest that lives close to its memory limit, so memory pressure comes and goes.
    memoryUsedFraction: rng.chance(0.25) ? rng.between(0.86, 0.9) : rng.between(0.3, 0.75),
    diskBytes: diskGib * GIB_BYTES,
    diskUsedFraction: type === 'lxc' ? rng.between(0.2, 0.8) : 0,
    cpuBase: rng.between(0.01, 0.25),
    rxBytesPerSecond: rng.int(2, 400) * 1000,
    txBytesPerSecond: rng.int(2, 600) * 1000,
    readBytesPerSecond: rng.int(5, 800) * 1000,
    writeBytesPerSecond: rng.int(10, 1500) * 1000,
    running: true,
    template: false,
    tags,
    backedUp: rng.chance(0.85),
    // onboot guests start a little after the node, one after another.
    startedAt: bootTime + 40 + (vmid - 100) * rng.int(5, 30),
  });
  const idle = (
    vmid: number,
    type: 'qemu' | 'lxc',
    name: string,
    cores: number,
    memoryGib: number,
    diskGib: number,
    template: boolean,
  ): GuestSpec => ({
    vmid,
    name,
    type,
    cores,
    memoryBytes: memoryGib * GIB_BYTES,
    memoryUsedFraction: 0,
    diskBytes: diskGib * GIB_BYTES,
    diskUsedFraction: 0,
    cpuBase: 0,
    rxBytesPerSecond: 0,
    txBytesPerSecond: 0,
    readBytesPerSecond: 0,
    writeBytesPerSecond: 0,
    running: false,
    template,
    tags: [],
    backedUp: false,
    startedAt: 0,
  });
  const vmA = rng.pick(QEMU_GUESTS);
  const guests = [
    running(100, 'qemu', vmA),
    running(101, 'qemu', rng.pick(QEMU_GUESTS.filter((g) => g !== vmA))),
    running(102, 'lxc', rng.pick(LXC_GUESTS)),
  ];
  const stopped = STOPPED_GUESTS.filter(() => rng.chance(0.4));
  stopped.forEach(([name, type, cores, memoryGib, diskGib], i) =>
    guests.push(idle(103 + i, type, name, cores, memoryGib, diskGib, false)),
  );
  if (rng.chance(0.6))
    guests.push(idle(9000, 'qemu', rng.pick(['debian-12-cloud', 'ubuntu-2404-cloud']), 2, 2, 3.5, true));
  return guests;
}

function updatesFor(rng: Rng, role: Role, capabilities: Record<Capability, boolean>): DeviceProfile['updates'] {
  const some = (packages: readonly PackageUpdate[]) => packages.filter(() => rng.chance(0.8));
  const daily = rng.int(3 * 3600, 9 * 3600);
  const cycleSeconds = rng.int(2 * DAY, 9 * DAY);
  switch (role) {
    case 'nas':
      return {
        catalog: [
          ...some(UPDATES_DEBIAN),
          KERNEL_UPDATES.debian,
          ...(capabilities.docker ? some(UPDATES_DOCKER_CE) : []),
          ...some(UPDATES_ZFS_BACKPORTS),
        ],
        cycleSeconds,
        rebootPackage: 'linux-image-6.1.0-27-amd64',
        refreshSecondOfDay: daily,
      };
    case 'proxmox':
      return {
        catalog: [...some(UPDATES_DEBIAN), ...some(UPDATES_PROXMOX), KERNEL_UPDATES.proxmox],
        cycleSeconds,
        rebootPackage: null,
        refreshSecondOfDay: daily,
      };
    case 'docker':
      return {
        catalog: [...some(UPDATES_UBUNTU), KERNEL_UPDATES.ubuntu],
        cycleSeconds,
        rebootPackage: 'linux-image-6.8.0-48-generic',
        refreshSecondOfDay: daily,
      };
    case 'pi':
      return {
        catalog: [...some(UPDATES_PI), KERNEL_UPDATES.pi],
        cycleSeconds,
        rebootPackage: null,
        refreshSecondOfDay: daily,
      };
    case 'router':
      return { catalog: some(UPDATES_ALPINE), cycleSeconds, rebootPackage: null, refreshSecondOfDay: null };
    case 'database':
      return { catalog: some(UPDATES_ROCKY), cycleSeconds, rebootPackage: null, refreshSecondOfDay: daily };
  }
}

/** The profile of the device at `index` of a fleet built from `seed`; `startTime` (Unix seconds) anchors boot times and scenarios. */
export function buildProfile(seed: number, index: number, startTime: number): DeviceProfile {
  const role = roleFor(seed, index);
  const hostname = hostnameFor(role, index);
  const rng = new Rng(hashText(`${seed}/${hostname}`));
  const basics = ROLE_BASICS[role];
  const bootTime = Math.floor(startTime - rng.int(3600, 90 * DAY));
  const cores =
    role === 'pi'
      ? 4
      : role === 'router'
        ? rng.pick([1, 2])
        : role === 'proxmox'
          ? rng.pick([8, 12, 16])
          : rng.pick([2, 4, 4, 8]);
  const memoryGib =
    role === 'pi'
      ? rng.pick([4, 8])
      : role === 'router'
        ? 1
        : role === 'proxmox'
          ? rng.pick([64, 128])
          : role === 'nas'
            ? rng.pick([16, 32, 64])
            : rng.pick([4, 8, 16]);
  const memoryKib = memoryGib * GIB_KIB - rng.int(150_000, 400_000);
  const subnet = Math.floor(index / 200);
  const lanAddress = `10.20.${subnet}.${10 + (index % 200)}`;

  const containers = containersFor(rng, role, bootTime, startTime);
  const storage = storageFor(rng, role, index, memoryKib, startTime);
  const hasDocker = ROLE_CONTAINERS[role].length > 0;
  // Drawn from their own generator, so adding them changed nothing else about the device.
  const configRng = new Rng(hashText(`${seed}/${hostname}/config`));
  const editPeriod = configRng.int(30, 90) * 60;
  const configEdits = {
    periodSeconds: editPeriod,
    offsetSeconds: configRng.int(0, editPeriod - 1),
    seed: configRng.int(0, 0x7fffffff),
  };
  const capabilities: Record<Capability, boolean> = {
    docker: hasDocker,
    zfs: storage.pools.length > 0,
    smartctl: basics.smartctlVersion !== null,
    systemd: basics.systemd !== null,
    inotifywait: configRng.chance(INOTIFY_TOOLS_SHARE[role]),
    proxmox: role === 'proxmox',
    unraid: false,
    wsl: false,
    swag: containers.some((c) => c.image.includes('linuxserver/swag')),
    gpu: false,
  };
  const degrading = storage.drives.find((d) => d.degrading);
  return {
    hostname,
    role,
    ...basics,
    cores,
    memoryKib,
    swapKib: role === 'proxmox' || role === 'router' ? 0 : rng.pick([999_420, 2_097_148, 4_194_300]),
    capabilities,
    bootTime,
    load: {
      base: rng.between(0.03, role === 'database' || role === 'nas' ? 0.3 : 0.18),
      amplitude: rng.between(0.02, 0.15),
      peakHour: rng.int(0, 23),
      iowait: role === 'nas' || role === 'database' ? rng.between(0.05, 0.2) : rng.between(0.005, 0.04),
    },
    memoryUsedFraction: rng.between(0.2, 0.65),
    lanAddress,
    defaultRoute:
      role === 'router'
        ? { gateway: '198.51.100.1', dev: 'eth0' }
        : { gateway: `10.20.${subnet}.1`, dev: PRIMARY_INTERFACE[role] },
    interfaces: interfacesFor(rng, role, lanAddress, containers, hasDocker),
    filesystems: storage.filesystems,
    containers,
    units: unitsFor(role),
    drives: storage.drives,
    pools: storage.pools,
    guests: guestsFor(seed, hostname, role, bootTime),
    updates: updatesFor(rng, role, capabilities),
    scenarios: {
      degradingDrive: degrading ? degrading.name : null,
      resilveringPool: storage.pools.find((p) => p.resilver)?.name ?? null,
    },
    configEdits,
  };
}
