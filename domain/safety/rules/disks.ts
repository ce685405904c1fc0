/**
 * Disks: making file systems, partitioning, discarding, secure erase, raw writes with dd, LVM/RAID
 * teardown. Read-only modes (`fdisk -l`, `parted -l`, `sfdisk -d`, `wipefs` without `-a`) pass.
 */
import { parseArguments, targetOf } from '../arguments.ts';
import { ALL_TARGETS, type CommandRule, type RuleHit, type ShellWord } from '../types.ts';
import { judgeWrite } from './writes.ts';

function wipe(reason: string, targets: readonly ShellWord[], risk: RuleHit['risk'] = 'CRITICAL'): RuleHit[] {
  return [{ category: 'disk_wipe', risk, reason, targets: targets.length > 0 ? targets.map(targetOf) : [ALL_TARGETS] }];
}

/** Option letters differ per mkfs flavour, so devices are recognised by path (or by being unknown). */
const makeFileSystem: CommandRule = (inv) => {
  // mke2fs (and mkfs.ext*) -n only shows what it would do.
  if (/^(?:mke2fs|mkfs\.ext[234])$/.test(inv.name) && inv.args.some((word) => word.value === '-n')) return [];
  const devices = inv.args.filter((word) => word.value === null || word.value.startsWith('/dev/'));
  return wipe(`${inv.name} creates a new file system, erasing what was on the device`, devices);
};

/** dd writes to `of=`; to a device that is a wipe, to a file it is an overwrite judged like `>`. */
const dd: CommandRule = (inv) => {
  const output = inv.args.find((word) => word.value === null || word.value.startsWith('of='));
  if (!output) return [];
  const target: ShellWord = { text: output.text, value: output.value === null ? null : output.value.slice(3) };
  const keepsRest = inv.args.some((word) => word.value?.startsWith('conv=') && word.value.includes('notrunc'));
  return judgeWrite(target, keepsRest ? 'append' : 'truncate', inv.cwd);
};

const READ_ONLY_PARTITIONING: Record<string, string[]> = {
  fdisk: ['-l', '--list', '-x', '--list-details'],
  sfdisk: [
    '-l',
    '--list',
    '-d',
    '--dump',
    '-J',
    '--json',
    '-V',
    '--verify',
    '-s',
    '--show-size',
    '-g',
    '--show-geometry',
    '-F',
    '--list-free',
    '-r',
    '--reorder-check',
  ],
  cfdisk: [],
  gdisk: ['-l'],
  sgdisk: ['-p', '--print', '-v', '--verify', '-i', '--info', '-O', '--print-mbr', '-P', '--pretend'],
};

function partitioner(name: string): CommandRule {
  return (inv) => {
    const readOnlyFlags = READ_ONLY_PARTITIONING[name] ?? [];
    const parsed = parseArguments(inv.args);
    if (parsed.has(...readOnlyFlags)) return [];
    return wipe(
      `${name} rewrites the partition table`,
      parsed.operands.filter((word) => word.value?.startsWith('/dev/') ?? true),
    );
  };
}

/** `parted -l` and `parted DEV print` only read. */
const parted: CommandRule = (inv) => {
  const parsed = parseArguments(inv.args, { valued: ['-a', '--align'] });
  if (parsed.has('-l', '--list', '-v', '--version', '-h', '--help')) return [];
  const [device, ...commands] = parsed.operands;
  if (commands.length === 0 && inv.stdin.kind === 'inherited') return [];
  if (
    commands.length > 0 &&
    commands.every((word) =>
      ['print', 'p', 'unit', 's', 'B', 'MiB', 'GiB', 'MB', 'GB', 'TB', 'TiB', 'compact', '%', 'chs', 'cyl'].includes(
        word.value ?? '',
      ),
    )
  )
    return [];
  return wipe('parted changes the partition table', device ? [device] : []);
};

const wipefs: CommandRule = (inv) => {
  const parsed = parseArguments(inv.args, { valued: ['-o', '--offset', '-t', '--types', '-b', '--backup'] });
  if (parsed.has('-n', '--no-act') || !parsed.has('-a', '--all', '-o', '--offset')) return [];
  return wipe('wipefs erases file system and partition signatures', parsed.operands);
};

const hdparm: CommandRule = (inv) => {
  const erasing = inv.args.some((word) =>
    /^--(?:security-erase|security-erase-enhanced|trim-sector-ranges|write-sector|make-bad-sector|dco-restore)/.test(
      word.value ?? '',
    ),
  );
  return erasing
    ? wipe(
        'hdparm erases or overwrites the drive',
        inv.args.filter((word) => word.value?.startsWith('/dev/')),
      )
    : [];
};

const nvme: CommandRule = (inv) => {
  const [subcommand, ...rest] = inv.args;
  if (!['format', 'sanitize', 'ns-delete', 'delete-ns'].includes(subcommand?.value ?? '')) return [];
  return wipe(
    `nvme ${subcommand?.value} erases the namespace`,
    rest.filter((word) => word.value?.startsWith('/dev/')),
  );
};

const cryptsetup: CommandRule = (inv) => {
  const parsed = parseArguments(inv.args, {
    valued: [
      '-c',
      '--cipher',
      '-s',
      '--key-size',
      '-h',
      '--hash',
      '-S',
      '--key-slot',
      '-d',
      '--key-file',
      '--type',
      '--pbkdf',
    ],
  });
  const [action, ...rest] = parsed.operands;
  if (!['luksFormat', 'erase', 'luksErase', 'reencrypt'].includes(action?.value ?? '')) return [];
  return wipe(`cryptsetup ${action?.value} destroys the data or its keys`, rest.slice(0, 1));
};

const mdadm: CommandRule = (inv) => {
  const parsed = parseArguments(inv.args);
  if (parsed.has('--zero-superblock', '--create', '-C'))
    return wipe('mdadm rewrites RAID superblocks', parsed.operands);
  if (parsed.has('--stop', '-S', '--remove', '-r', '--fail', '-f'))
    return wipe('mdadm stops or degrades a RAID array', parsed.operands, 'HIGH');
  return [];
};

const lvmRemoval: CommandRule = (inv) =>
  wipe(`${inv.name} removes LVM storage and the data on it`, parseArguments(inv.args).operands, 'HIGH');

const badblocks: CommandRule = (inv) => {
  const parsed = parseArguments(inv.args, { valued: ['-b', '-c', '-e', '-d', '-i', '-o', '-p', '-t'] });
  return parsed.has('-w') ? wipe('badblocks -w overwrites the whole device', parsed.operands.slice(0, 1)) : [];
};

export const diskRules: Record<string, CommandRule> = {
  mkfs: makeFileSystem,
  mke2fs: makeFileSystem,
  mkswap: makeFileSystem,
  mkntfs: makeFileSystem,
  mkdosfs: makeFileSystem,
  dd,
  fdisk: partitioner('fdisk'),
  sfdisk: partitioner('sfdisk'),
  cfdisk: partitioner('cfdisk'),
  gdisk: partitioner('gdisk'),
  sgdisk: partitioner('sgdisk'),
  parted,
  wipefs,
  blkdiscard: (inv) =>
    wipe(
      'blkdiscard discards every block of the device',
      parseArguments(inv.args, { valued: ['-o', '--offset', '-l', '--length', '-p', '--step'] }).operands,
    ),
  hdparm,
  nvme,
  cryptsetup,
  mdadm,
  pvremove: lvmRemoval,
  vgremove: lvmRemoval,
  lvremove: lvmRemoval,
  badblocks,
};

/** `mkfs.ext4`, `mkfs.xfs`, ... */
export const diskRuleFamilies: [RegExp, CommandRule][] = [[/^mkfs\.\w+$/, makeFileSystem]];
