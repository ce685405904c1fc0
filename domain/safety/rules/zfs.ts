/**
 * ZFS pools and datasets. Destroying pools or datasets, clearing labels and rolling back lose data;
 * offline/detach/remove/export take redundancy or whole pools away; setting a risky property (readonly,
 * mountpoint, sharenfs...) cuts services off their data. Snapshots, status, lists and other settings pass.
 */
import { RISKY_PROPERTIES } from '../../zfs/properties.ts';
import { ALL_TARGETS } from '../types.ts';
import { parseArguments, targetOf } from '../arguments.ts';
import type { CommandRule, RiskLevel, RuleHit, ShellWord } from '../types.ts';

const ZPOOL_ACTIONS: Record<string, { risk: RiskLevel; reason: string; valued?: string[] }> = {
  destroy: { risk: 'CRITICAL', reason: 'destroys the pool and every dataset in it' },
  labelclear: { risk: 'CRITICAL', reason: 'erases ZFS labels from the device' },
  remove: { risk: 'HIGH', reason: 'removes a device from the pool' },
  detach: { risk: 'HIGH', reason: 'detaches a mirror device, reducing redundancy' },
  split: { risk: 'HIGH', reason: 'splits mirror devices off into a new pool' },
  offline: { risk: 'MEDIUM', reason: 'takes a device offline, reducing redundancy' },
  export: { risk: 'MEDIUM', reason: 'exports the pool: its datasets become unavailable', valued: [] },
  create: {
    risk: 'HIGH',
    reason: 'creates a pool over the given devices, erasing them',
    valued: ['-o', '-O', '-m', '-R', '-t'],
  },
  add: { risk: 'HIGH', reason: 'adds devices to the pool irreversibly, erasing them', valued: ['-o'] },
  replace: { risk: 'MEDIUM', reason: 'replaces a pool device (it is resilvered over)', valued: ['-o'] },
  reguid: { risk: 'MEDIUM', reason: 'changes the pool GUID' },
  upgrade: { risk: 'MEDIUM', reason: 'enables new pool features irreversibly', valued: ['-V'] },
};

function action(
  subcommand: ShellWord | undefined,
  args: readonly ShellWord[],
  spec: (typeof ZPOOL_ACTIONS)[string],
): RuleHit {
  const operands = parseArguments(args, { valued: spec.valued ?? [] }).operands;
  return {
    category: 'zfs_destroy',
    risk: spec.risk,
    reason: `zpool ${subcommand?.value}: ${spec.reason}`,
    targets: operands.map(targetOf),
  };
}

const zpool: CommandRule = (inv) => {
  const [subcommand, ...args] = inv.args;
  const spec = ZPOOL_ACTIONS[subcommand?.value ?? ''];
  if (!spec) return [];
  // `zpool upgrade` alone (or -v) only lists pools that could be upgraded.
  if (subcommand?.value === 'upgrade' && !args.some((word) => word.value === '-a' || !word.value?.startsWith('-')))
    return [];
  return [action(subcommand, args, spec)];
};

const zfs: CommandRule = (inv) => {
  const [subcommand, ...args] = inv.args;
  switch (subcommand?.value) {
    case 'destroy': {
      const parsed = parseArguments(args);
      if (parsed.has('-n')) return [];
      const targets = parsed.operands.map(targetOf);
      const recursive = parsed.has('-r', '-R');
      // A snapshot alone (`tank/data@before`) loses one restore point; a dataset loses its data.
      const onlySnapshots = targets.length > 0 && targets.every((target) => target.includes('@'));
      const risk: RiskLevel = onlySnapshots && !recursive ? 'MEDIUM' : recursive ? 'CRITICAL' : 'HIGH';
      const what = onlySnapshots ? 'snapshots' : 'datasets and their data';
      return [
        { category: 'zfs_destroy', risk, reason: `zfs destroy${recursive ? ' -r' : ''} deletes ${what}`, targets },
      ];
    }
    case 'rollback': {
      const parsed = parseArguments(args);
      return [
        {
          category: 'zfs_destroy',
          risk: 'HIGH',
          reason: 'zfs rollback discards every change since the snapshot',
          targets: parsed.operands.map(targetOf),
        },
      ];
    }
    case 'receive':
    case 'recv': {
      const parsed = parseArguments(args, { valued: ['-o', '-x', '-d', '-e'] });
      return parsed.has('-F')
        ? [
            {
              category: 'zfs_destroy',
              risk: 'HIGH',
              reason: 'zfs receive -F overwrites the target dataset',
              targets: parsed.operands.map(targetOf),
            },
          ]
        : [];
    }
    case 'set': {
      const parsed = parseArguments(args);
      const settings = parsed.operands.filter((word) => word.value === null || word.value.includes('='));
      const targets = parsed.operands.filter((word) => !settings.includes(word)).map(targetOf);
      // A property only known at run time (`zfs set "$P" tank`) may be any of them.
      const risky = settings
        .map((word) => (word.value === null ? ALL_TARGETS : word.value.slice(0, word.value.indexOf('='))))
        .filter((name) => name === ALL_TARGETS || name in RISKY_PROPERTIES);
      if (risky.length === 0) return [];
      const why = risky.map((name) =>
        name === ALL_TARGETS ? 'a property known only at run time' : `${name}: ${RISKY_PROPERTIES[name]}`,
      );
      return [{ category: 'zfs_property', risk: 'MEDIUM', reason: `zfs set ${why.join('; ')}`, targets }];
    }
    default:
      return [];
  }
};

export const zfsRules: Record<string, CommandRule> = { zpool, zfs };
