/**
 * ZFS dataset properties: the native ones of OpenZFS 2.2 (zfsprops(7)) with what each accepts, user
 * properties (`module:property`), and which settings are risky enough to be held for a person. Names
 * and values are checked here before anything reaches a device, so `zfs set` never receives a word ZFS
 * would misread (a value starting with `-`, a name that is no property).
 */

const ON_OFF = ['on', 'off'] as const;
const SIZE = /^(?:0|[1-9]\d{0,17}(?:\.\d{1,3})?[KMGTPE]?(?:i?B)?)$/i;

type ValueRule =
  | { kind: 'enum'; values: readonly string[] }
  | { kind: 'size'; none: boolean; powerOfTwo?: { min: number; max: number } }
  | { kind: 'count' }
  | { kind: 'mountpoint' }
  | { kind: 'share' }
  | { kind: 'keylocation' }
  | { kind: 'selinux' };

const onOff: ValueRule = { kind: 'enum', values: ON_OFF };
const oneOf = (...values: string[]): ValueRule => ({ kind: 'enum', values });
const range = (prefix: string, from: number, to: number, step = 1) =>
  Array.from({ length: Math.floor((to - from) / step) + 1 }, (_, i) => `${prefix}${from + i * step}`);

/** Native properties that can be changed with `zfs set`, and what each accepts. */
const SETTABLE: Record<string, ValueRule> = {
  aclinherit: oneOf('discard', 'noallow', 'restricted', 'passthrough', 'passthrough-x'),
  aclmode: oneOf('discard', 'groupmask', 'passthrough', 'restricted'),
  acltype: oneOf('off', 'noacl', 'nfsv4', 'posix', 'posixacl'),
  atime: onOff,
  canmount: oneOf('on', 'off', 'noauto'),
  checksum: oneOf('on', 'off', 'fletcher2', 'fletcher4', 'sha256', 'noparity', 'sha512', 'skein', 'edonr', 'blake3'),
  compression: oneOf(
    'on',
    'off',
    'gzip',
    ...range('gzip-', 1, 9),
    'lz4',
    'lzjb',
    'zle',
    'zstd',
    ...range('zstd-', 1, 19),
    'zstd-fast',
    ...range('zstd-fast-', 1, 10),
    ...range('zstd-fast-', 20, 100, 10),
    'zstd-fast-500',
    'zstd-fast-1000',
  ),
  context: { kind: 'selinux' },
  fscontext: { kind: 'selinux' },
  defcontext: { kind: 'selinux' },
  rootcontext: { kind: 'selinux' },
  copies: oneOf('1', '2', '3'),
  dedup: oneOf(
    'on',
    'off',
    'verify',
    'sha256',
    'sha256,verify',
    'sha512',
    'sha512,verify',
    'skein',
    'skein,verify',
    'edonr,verify',
    'blake3',
    'blake3,verify',
  ),
  devices: onOff,
  dnodesize: oneOf('legacy', 'auto', '1k', '2k', '4k', '8k', '16k'),
  exec: onOff,
  filesystem_limit: { kind: 'count' },
  snapshot_limit: { kind: 'count' },
  keylocation: { kind: 'keylocation' },
  logbias: oneOf('latency', 'throughput'),
  mountpoint: { kind: 'mountpoint' },
  nbmand: onOff,
  overlay: onOff,
  prefetch: oneOf('all', 'none', 'metadata'),
  primarycache: oneOf('all', 'none', 'metadata'),
  secondarycache: oneOf('all', 'none', 'metadata'),
  quota: { kind: 'size', none: true },
  refquota: { kind: 'size', none: true },
  reservation: { kind: 'size', none: true },
  refreservation: { kind: 'size', none: true },
  readonly: onOff,
  recordsize: { kind: 'size', none: false, powerOfTwo: { min: 512, max: 16 * 1024 * 1024 } },
  redundant_metadata: oneOf('all', 'most', 'some', 'none'),
  relatime: onOff,
  setuid: onOff,
  sharenfs: { kind: 'share' },
  sharesmb: { kind: 'share' },
  snapdev: oneOf('hidden', 'visible'),
  snapdir: oneOf('hidden', 'visible'),
  special_small_blocks: { kind: 'size', none: false },
  sync: oneOf('standard', 'always', 'disabled'),
  version: oneOf('1', '2', '3', '4', '5', 'current'),
  volmode: oneOf('default', 'full', 'geom', 'dev', 'none'),
  volsize: { kind: 'size', none: false },
  vscan: onOff,
  xattr: oneOf('on', 'off', 'sa', 'dir'),
  zoned: onOff,
};

/** Native properties ZFS reports but sets itself, or only when the dataset is created. */
const READ_ONLY = [
  'available',
  'clones',
  'compressratio',
  'createtxg',
  'creation',
  'defer_destroy',
  'encryption',
  'encryptionroot',
  'filesystem_count',
  'guid',
  'keyformat',
  'keystatus',
  'logicalreferenced',
  'logicalused',
  'mounted',
  'objsetid',
  'origin',
  'pbkdf2iters',
  'receive_resume_token',
  'redact_snaps',
  'refcompressratio',
  'referenced',
  'snapshot_count',
  'snapshots_changed',
  'type',
  'used',
  'usedbychildren',
  'usedbydataset',
  'usedbyrefreservation',
  'usedbysnapshots',
  'userrefs',
  'volblocksize',
  'written',
  'casesensitivity',
  'normalization',
  'utf8only',
] as const;

/** `userquota@alice`, `groupobjquota@staff`, `projectquota@42`: space accounting per user, group or project. */
const QUOTA_PROPERTY = /^(user|group|project)(obj)?(quota|used)@[A-Za-z0-9_.][A-Za-z0-9_.-]{0,63}$/;
/** zfsprops(7): lowercase letters, digits and `: + . _ -`, with a colon; under 256 characters. */
const USER_PROPERTY = /^[a-z0-9_.+][a-z0-9_.+:-]*$/;
const MAX_USER_VALUE = 8191;

export const NATIVE_PROPERTIES: readonly string[] = [...Object.keys(SETTABLE), ...READ_ONLY].sort();

/**
 * Settings that change who can reach the data or whether it is there at all: held for a person. A wrong
 * mountpoint or canmount hides a dataset from the services using it, readonly and exec break writers and
 * programs, sharing exposes data on the network, quotas and volsize can fill up or truncate.
 */
export const RISKY_PROPERTIES: Readonly<Record<string, string>> = {
  readonly: 'services writing to the dataset start failing',
  mountpoint: 'the dataset is remounted elsewhere: whatever used its path no longer finds it',
  canmount: 'the dataset may no longer be mounted, hiding its files from the services using them',
  sharenfs: 'changes who can reach the data over NFS',
  sharesmb: 'changes who can reach the data over SMB',
  volsize: 'shrinking a volume cuts off the data past its new end',
  quota: 'a quota below what is used stops every write to the dataset',
  refquota: 'a quota below what is referenced stops every write to the dataset',
  exec: 'programs on the dataset can no longer be run',
  keylocation: 'the encryption key is looked for elsewhere: the dataset may not unlock at the next boot',
  zoned: 'the dataset is handed to a container zone and no longer mounted by the host',
};

export type PropertyKind = 'native' | 'native_read_only' | 'user' | 'quota';

/** Checks a property name for `zfs get` (any known property) and answers its kind. */
export function validatePropertyName(name: string): PropertyKind {
  const fail = (reason: string): never => {
    throw new Error(`invalid property ${JSON.stringify(name)}: ${reason}`);
  };
  if (name in SETTABLE) return 'native';
  if ((READ_ONLY as readonly string[]).includes(name)) return 'native_read_only';
  if (QUOTA_PROPERTY.test(name)) return 'quota';
  if (name.length === 0) fail('the name is empty');
  if (name.length >= 256) fail('a property name has fewer than 256 characters');
  if (!name.includes(':')) fail('not a ZFS native property; a user property needs a colon, e.g. com.example:backup');
  if (!USER_PROPERTY.test(name))
    fail('user properties may only contain lowercase letters, digits and : + . _ - (not first)');
  return 'user';
}

/** Checks `name=value` for `zfs set`: the property must be settable and the value one it accepts. */
export function validatePropertySetting(name: string, value: string): void {
  const fail = (reason: string): never => {
    throw new Error(`invalid value ${JSON.stringify(value)} for ${name}: ${reason}`);
  };
  const kind = validatePropertyName(name);
  if (kind === 'native_read_only')
    throw new Error(`property ${name} is read-only: ZFS sets it itself or only when the dataset is created`);
  if (/[\p{Cc}]/u.test(value)) fail('control characters are not allowed');
  if (value.startsWith('-')) fail('a value must not start with "-"');
  if (kind === 'user') {
    if (value.length > MAX_USER_VALUE) fail(`user property values have at most ${MAX_USER_VALUE} characters`);
    return;
  }
  if (kind === 'quota') {
    if (value !== 'none' && !SIZE.test(value)) fail('expected a size such as 10G, or none');
    return;
  }
  const rule = SETTABLE[name]!;
  switch (rule.kind) {
    case 'enum':
      if (!rule.values.includes(value)) fail(`expected one of ${rule.values.join(', ')}`);
      return;
    case 'size': {
      if (rule.none && value === 'none') return;
      if (!SIZE.test(value)) fail(`expected a size such as 128K or 10G${rule.none ? ', or none' : ''}`);
      if (rule.powerOfTwo) {
        const bytes = sizeBytes(value);
        if (bytes < rule.powerOfTwo.min || bytes > rule.powerOfTwo.max || (bytes & (bytes - 1)) !== 0) {
          fail(`expected a power of two from ${rule.powerOfTwo.min} to ${rule.powerOfTwo.max / 1024 / 1024}M`);
        }
      }
      return;
    }
    case 'count':
      if (value !== 'none' && !/^(?:0|[1-9]\d{0,18})$/.test(value)) fail('expected a whole number, or none');
      return;
    case 'mountpoint':
      if (value === 'none' || value === 'legacy') return;
      if (!value.startsWith('/')) fail('expected an absolute path, none or legacy');
      if (value.split('/').some((part) => part === '..' || part === '.'))
        fail('the path must not contain . or .. components');
      if (value.length > 4095) fail('the path is too long');
      return;
    case 'share':
      // on/off, or exportfs/net share options such as rw=@192.168.1.0/24,no_root_squash.
      if (!/^[A-Za-z0-9_.,:=@/+*-]{1,1024}$/.test(value))
        fail('expected on, off or share options (letters, digits and _ . , : = @ / + * -)');
      return;
    case 'keylocation':
      if (value === 'prompt') return;
      if (!/^(?:file:\/\/\/|https?:\/\/)[^\s'"\\]{1,4000}$/.test(value))
        fail('expected prompt, file:///path or an http(s) URL');
      if (value.startsWith('file://') && value.slice(7).split('/').includes('..'))
        fail('the path must not contain .. components');
      return;
    case 'selinux':
      if (value !== 'none' && !/^[A-Za-z0-9_.:,-]{1,255}$/.test(value))
        fail('expected none or an SELinux context such as system_u:object_r:container_file_t:s0');
      return;
  }
}

const UNIT_POWER: Record<string, number> = { '': 0, K: 1, M: 2, G: 3, T: 4, P: 5, E: 6 };

function sizeBytes(value: string): number {
  const match = /^(\d+(?:\.\d+)?)([KMGTPE]?)/i.exec(value)!;
  return Number(match[1]) * 1024 ** UNIT_POWER[match[2]!.toUpperCase()]!;
}

export interface DatasetProperty {
  dataset: string;
  property: string;
  value: string;
  /** `local`, `default`, `inherited from tank`, `received`, `temporary` or `-` (none). */
  source: string;
}

/** `zfs get -H -p -o name,property,value,source`: one tab-separated line per dataset and property. */
export function parseZfsGet(stdout: string): DatasetProperty[] {
  return stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const fields = line.split('\t');
      if (fields.length !== 4)
        throw new Error(`zfs get: expected 4 tab-separated fields, got ${JSON.stringify(line.slice(0, 200))}`);
      const [dataset, property, value, source] = fields as [string, string, string, string];
      return { dataset, property, value, source };
    });
}
