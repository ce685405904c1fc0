/**
 * Where a path points and how precious that place is. Paths are normalised lexically (`/tmp/../etc` is
 * `/etc`); symlinks cannot be seen from here and are not followed.
 */
import { posix } from 'node:path';
import type { Cwd } from './types.ts';

export type PathLocation =
  | { kind: 'absolute'; path: string }
  /** Relative to a home directory; `path` is '' for the home directory itself. */
  | { kind: 'home'; path: string }
  /** Relative to a working directory that is not known. */
  | { kind: 'relative'; path: string }
  /** Only known at run time, or climbing out of an unknown directory with `..`. */
  | { kind: 'unknown' };

export function locatePath(value: string | null, cwd: Cwd): PathLocation {
  if (value === null || value === '') return { kind: 'unknown' };
  if (value.startsWith('/')) return { kind: 'absolute', path: posix.normalize(value).replace(/(?<=.)\/$/, '') };
  const home = /^~[^/]*(?:\/(.*))?$/s.exec(value);
  if (home) return anchoredBelow('home', home[1] ?? '');
  if (cwd === null) return anchoredBelow('relative', value);
  return locatePath(cwd.endsWith('/') ? cwd + value : `${cwd}/${value}`, null);
}

function anchoredBelow(kind: 'home' | 'relative', rest: string): PathLocation {
  if (rest === '') return { kind, path: '' };
  const normalised = posix.normalize(rest).replace(/\/$/, '');
  if (normalised === '..' || normalised.startsWith('../')) return { kind: 'unknown' };
  return { kind, path: normalised === '.' ? '' : normalised };
}

/** Display form used in finding targets. */
export function describeLocation(location: PathLocation, written: string): string {
  switch (location.kind) {
    case 'absolute':
      return location.path;
    case 'home':
      return location.path === '' ? '~' : `~/${location.path}`;
    case 'relative':
      return location.path === '' ? '.' : location.path;
    case 'unknown':
      return written;
  }
}

/**
 * How precious a place is, from the point of view of deleting or overwriting it:
 * - root: `/` itself;
 * - critical_dir: top-level system directories and a few vital subdirectories (`/etc`, `/var/lib/docker`);
 * - system: anything inside the OS tree (`/etc/fstab`, `/usr/lib/x`, `/var/lib/x`);
 * - pseudo: inside `/dev`, `/proc`, `/sys` (writes there are device or kernel settings, see the rules);
 * - home_dir: a whole home directory (`~`, `/home/alice`, `/root`);
 * - data_top: a whole data area (`/data`, `/mnt/tank`, `/srv/www`, `/opt/app`, `/var/log`);
 * - data: anything else inside such areas, and log files are `logs`;
 * - temp_root / temp: `/tmp`, `/var/tmp`, `/dev/shm` themselves / anything inside them;
 * - relative: relative to an unknown working directory;
 * - unknown: only known at run time, or a pattern over a whole unknown directory (`*`).
 */
export type PathZone =
  | 'root'
  | 'critical_dir'
  | 'system'
  | 'pseudo'
  | 'home_dir'
  | 'data_top'
  | 'data'
  | 'logs'
  | 'temp_root'
  | 'temp'
  | 'relative'
  | 'unknown';

const TEMP_DIRS = ['/tmp', '/var/tmp', '/dev/shm'];

const CRITICAL_DIRS = new Set([
  '/bin',
  '/boot',
  '/boot/efi',
  '/dev',
  '/etc',
  '/home',
  '/lib',
  '/lib32',
  '/lib64',
  '/libx32',
  '/media',
  '/mnt',
  '/opt',
  '/proc',
  '/root',
  '/run',
  '/sbin',
  '/snap',
  '/srv',
  '/sys',
  '/usr',
  '/var',
  '/usr/bin',
  '/usr/sbin',
  '/usr/lib',
  '/usr/lib64',
  '/usr/local',
  '/usr/share',
  '/var/lib',
  '/var/spool',
  '/var/lib/docker',
  '/var/lib/containerd',
  '/var/lib/libvirt',
  '/var/lib/vz',
  '/var/lib/mysql',
  '/var/lib/postgresql',
  '/etc/ssh',
  '/etc/pve',
  '/etc/systemd',
  '/root/.ssh',
]);

const SYSTEM_TREES = [
  '/bin',
  '/boot',
  '/etc',
  '/lib',
  '/lib32',
  '/lib64',
  '/libx32',
  '/run',
  '/sbin',
  '/snap',
  '/usr',
  '/var/lib',
  '/var/spool',
  '/root/.ssh',
];
const PSEUDO_TREES = ['/dev', '/proc', '/sys'];
/** Second-level directories here are whole data areas (`/mnt/tank`, `/srv/www`). */
const DATA_AREAS = ['/mnt', '/media', '/srv', '/opt'];

export const isWithin = (path: string, tree: string): boolean => path.startsWith(`${tree}/`);
const GLOB = /[*?[]/;

export function pathZone(location: PathLocation): PathZone {
  switch (location.kind) {
    case 'unknown':
      return 'unknown';
    case 'relative': {
      // `*` or `.*` in an unknown directory: everything there, wherever that is.
      const wildcard = firstWildcardSegment(location.path);
      return wildcard?.parent === '' && /^[.*?]+$/.test(wildcard.segment) ? 'unknown' : 'relative';
    }
    case 'home': {
      const wildcard = firstWildcardSegment(location.path);
      const path = wildcard ? wildcard.parent : location.path;
      if (path === '') return 'home_dir';
      if (path === '.ssh') return 'critical_dir';
      return isWithin(`/${path}`, '/.ssh') ? 'system' : 'data';
    }
    case 'absolute': {
      const wildcard = firstWildcardSegment(location.path);
      // A pattern stands for the directory it lists, except that anything inside a temp dir is temp.
      if (!wildcard) return absoluteZone(location.path);
      const parent = wildcard.parent === '' ? '/' : wildcard.parent;
      const parentZone = absoluteZone(parent);
      if (parentZone === 'temp_root') return 'temp';
      if (parent === '/var/log') return 'logs';
      return parentZone;
    }
  }
}

function firstWildcardSegment(path: string): { parent: string; segment: string } | null {
  const segments = path.split('/');
  const index = segments.findIndex((segment) => GLOB.test(segment));
  const segment = segments[index];
  return segment === undefined ? null : { parent: segments.slice(0, index).join('/'), segment };
}

function absoluteZone(path: string): PathZone {
  if (path === '/') return 'root';
  if (TEMP_DIRS.includes(path)) return 'temp_root';
  if (TEMP_DIRS.some((tree) => isWithin(path, tree))) return 'temp';
  if (path === '/var/log') return 'data_top';
  if (isWithin(path, '/var/log')) return 'logs';
  if (CRITICAL_DIRS.has(path)) return 'critical_dir';
  if (PSEUDO_TREES.some((tree) => isWithin(path, tree))) return 'pseudo';
  if (SYSTEM_TREES.some((tree) => isWithin(path, tree))) return 'system';
  const segments = path.split('/').slice(1);
  if (path === '/root' || (segments.length === 2 && segments[0] === 'home')) return 'home_dir';
  if (segments.length === 1) return 'data_top';
  if (segments.length === 2 && DATA_AREAS.includes(`/${segments[0]}`)) return 'data_top';
  return 'data';
}

/** Block devices: writing to them destroys file systems. Patterns (`/dev/sd*`) count. */
const BLOCK_DEVICE =
  /^\/dev\/(?:sd|hd|vd|xvd)[a-z*?[]|^\/dev\/(?:nvme|mmcblk|md|dm-|zd|loop|nbd|rbd|bcache)[0-9*?[]|^\/dev\/(?:mapper|md|zvol|disk|block)\/./;

export function isBlockDevice(location: PathLocation): boolean {
  return location.kind === 'absolute' && BLOCK_DEVICE.test(location.path);
}

/**
 * Files whose loss or rewrite changes who can log in: `credentials` (passwd, shadow, group, sudoers) and
 * `authorized_keys` (anyone's `~/.ssh/authorized_keys`).
 */
export type AuthFile = 'credentials' | 'authorized_keys';

const CREDENTIAL_FILES = new Set(['/etc/passwd', '/etc/shadow', '/etc/group', '/etc/gshadow', '/etc/sudoers']);

export function authFile(location: PathLocation): AuthFile | null {
  if (location.kind === 'unknown') return null;
  const path = location.kind === 'absolute' ? location.path : `/${location.path}`;
  if (CREDENTIAL_FILES.has(path) || isWithin(path, '/etc/sudoers.d')) return 'credentials';
  if (path.endsWith('/.ssh/authorized_keys') || path.endsWith('/.ssh/authorized_keys2')) return 'authorized_keys';
  return null;
}

/**
 * A login's SSH directory (`~/.ssh`, `/root/.ssh`, `/home/NAME/.ssh`): 'dir' for the directory itself,
 * 'inside' for anything in it. sshd reads the keys there as that user and ignores them when they are
 * unreadable or owned by someone else.
 */
export function sshPlace(location: PathLocation): 'dir' | 'inside' | null {
  if (location.kind !== 'absolute' && location.kind !== 'home') return null;
  const path = location.kind === 'home' ? `~/${location.path}` : location.path;
  const match = /^(?:~|\/root|\/home\/[^/]+)\/\.ssh(\/.+)?$/.exec(path);
  if (!match) return null;
  return match[1] ? 'inside' : 'dir';
}
