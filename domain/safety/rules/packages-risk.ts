/** What removing packages means: the services they provide go with them; the package manager can simulate it first. */
import { knownTargets, programOf, type Judgement } from '../judgement.ts';
import type { CommandFinding } from '../types.ts';

const SIMULATE: Record<string, (packages: string) => string> = {
  apt: (packages) => `apt-get -s remove ${packages} (simulate: lists what would go)`,
  'apt-get': (packages) => `apt-get -s remove ${packages} (simulate: lists what would go)`,
  dnf: (packages) => `dnf remove --assumeno ${packages} (lists what would go)`,
  yum: (packages) => `yum remove --assumeno ${packages} (lists what would go)`,
  pacman: (packages) => `pacman -Rp ${packages} (prints what would go)`,
  zypper: (packages) => `zypper rm --dry-run ${packages}`,
  apk: (packages) => `apk del --simulate ${packages}`,
};

export function judgePackages(finding: CommandFinding, argv: readonly string[]): Judgement {
  const names = knownTargets(finding);
  return {
    reason: finding.reason,
    items: names.map((name) => ({ kind: 'package', name, critical: false })),
    warnings: [],
    alternatives: [
      SIMULATE[programOf(argv)]?.(names.join(' ') || 'PACKAGE') ??
        "simulate first with the package manager's dry-run option",
    ],
    checklist: [],
    downtime: 'packages',
    reversible: false,
    phrase: {
      verb: 'REMOVE',
      noun: { one: 'PACKAGE', many: 'PACKAGES', beforeName: true },
      names,
      unknown: 'PACKAGES',
    },
    parityBlocks: false,
  };
}
