/** What changing logins or deleting a crontab means: a way back (a copy, a second session) before the change. */
import { parseArguments } from '../arguments.ts';
import { knownTargets, word, type Judgement } from '../judgement.ts';
import type { CommandFinding } from '../types.ts';

export function judgeAccounts(finding: CommandFinding): Judgement {
  const names = knownTargets(finding);
  const files = names.filter((name) => name.includes('/'));
  return {
    reason: finding.reason,
    items: names.map((name) => ({
      kind: 'other',
      name,
      critical: false,
      detail: files.includes(name) ? 'login file' : 'account',
    })),
    warnings: [],
    alternatives:
      files.length > 0
        ? [`cp -a ${files[0]} ${files[0]}.bak first`]
        : [`usermod -L ${names[0] ?? 'USER'} locks the account reversibly (usermod -U unlocks it)`],
    checklist: ['A second session stays open until a fresh login has been tested'],
    downtime: null,
    reversible: false,
    phrase: { verb: 'CHANGE', noun: { one: 'LOGIN', many: 'LOGINS', beforeName: true }, names, unknown: 'LOGINS' },
    parityBlocks: false,
  };
}

export function judgeCrontab(finding: CommandFinding, argv: readonly string[]): Judgement {
  const user = parseArguments(argv.slice(1).map(word), { valued: ['-u'] }).value('-u');
  return {
    reason: finding.reason,
    items: [{ kind: 'other', name: `crontab of ${user ?? 'the SSH user'}`, critical: false }],
    warnings: [],
    alternatives: ['crontab -l > crontab.backup first; crontab -e removes single jobs'],
    checklist: [],
    downtime: null,
    reversible: false,
    phrase: user ? { verb: 'DELETE CRONTAB OF', names: [user] } : { verb: 'DELETE CRONTAB' },
    parityBlocks: false,
  };
}
