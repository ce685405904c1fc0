/** What a zfs or zpool finding means: data loss, or redundancy and availability. */
import { CHECK, knownTargets, listNames, programOf, type Judgement, type PhraseSpec } from '../judgement.ts';
import type { CommandFinding } from '../types.ts';

/** zpool verbs that lose data on their targets; the rest (offline, detach, export...) reduce redundancy or availability. */
const ZPOOL_DATA_LOSS = new Set(['destroy', 'labelclear', 'create', 'add']);

export function judgeZfs(finding: CommandFinding, argv: readonly string[]): Judgement {
  const targets = knownTargets(finding);
  const first = targets[0] ?? 'POOL/DATASET';
  const sub = argv[1] ?? '';
  const zfsNoun = { one: 'ZFS', many: 'ZFS DATASETS', beforeName: true };
  let phrase: PhraseSpec;
  let alternatives: string[];
  let dataLoss = true;
  let reversible = false;
  if (programOf(argv) === 'zpool') {
    dataLoss = ZPOOL_DATA_LOSS.has(sub);
    reversible = sub === 'offline' || sub === 'export';
    phrase =
      sub === 'destroy'
        ? { verb: 'DESTROY', noun: { one: 'ZFS POOL', many: 'ZFS POOLS', beforeName: true }, names: targets }
        : {
            verb: `ZPOOL ${sub.toUpperCase()}`,
            noun: { one: 'POOL', many: 'POOLS', beforeName: false },
            names: targets.slice(0, 1),
          };
    alternatives =
      sub === 'destroy'
        ? [`zpool export ${first} takes the pool offline reversibly (zpool import brings it back)`]
        : [`zpool status ${first} to check redundancy first`];
  } else if (sub === 'rollback') {
    phrase = { verb: 'ROLL BACK', noun: zfsNoun, names: targets };
    alternatives = [
      `zfs clone ${first} ${first.split('@')[0] ?? first}-restore to copy files back without losing later changes`,
    ];
  } else if (sub === 'set') {
    dataLoss = false;
    reversible = true;
    const properties = argv
      .slice(2)
      .filter((arg) => arg.includes('='))
      .map((arg) => arg.slice(0, arg.indexOf('=')));
    phrase = { verb: `SET ${properties.join(' ').toUpperCase() || 'PROPERTIES'} OF`, noun: zfsNoun, names: targets };
    alternatives = [
      `zfs get ${properties.join(',') || 'all'} ${first} shows the current value and its source, to set it back`,
    ];
  } else if (sub === 'receive' || sub === 'recv') {
    phrase = { verb: 'OVERWRITE', noun: zfsNoun, names: targets };
    alternatives = ['receive into a new dataset, check it, then zfs rename'];
  } else {
    phrase = { verb: 'DESTROY', noun: zfsNoun, names: targets };
    alternatives = [`zfs destroy -n -v ${first} (dry run: lists what would be destroyed)`];
    // A snapshot of the dataset is destroyed with it: only a copy on another pool is a backup.
    if (!first.includes('@'))
      alternatives.push(`zfs snapshot ${first}@before-destroy and zfs send it to another pool first`);
  }
  return {
    reason: finding.reason,
    items: targets.map((name) => ({ kind: 'zfs', name, critical: false })),
    warnings: dataLoss
      ? [
          `Permanent data loss: ${targets.length > 0 ? listNames(targets) : 'the datasets'} cannot be recovered without a backup`,
        ]
      : [],
    alternatives,
    checklist: dataLoss ? [CHECK.backup, CHECK.identity] : [CHECK.identity],
    downtime: null,
    reversible,
    phrase: { ...phrase, unknown: 'ZFS DATASETS' },
    parityBlocks: true,
  };
}
