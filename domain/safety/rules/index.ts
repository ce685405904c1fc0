/** All rule families, looked up by program name. */
import type { CommandRule, Invocation, ShellWord } from '../types.ts';
import { accountRules } from './accounts.ts';
import { containerRules } from './containers.ts';
import { diskRuleFamilies, diskRules } from './disks.ts';
import { filesystemRules, parseFind } from './filesystem.ts';
import { networkRules } from './network.ts';
import { packageRules } from './packages.ts';
import { permissionRules } from './permissions.ts';
import { powerRules } from './power.ts';
import { processRules } from './processes.ts';
import { serviceRules } from './services.ts';
import { virtualizationRules } from './virtualization.ts';
import { zfsRules } from './zfs.ts';

const FAMILIES = [
  containerRules,
  filesystemRules,
  permissionRules,
  diskRules,
  zfsRules,
  powerRules,
  serviceRules,
  networkRules,
  packageRules,
  processRules,
  accountRules,
  virtualizationRules,
];

const RULES = new Map<string, CommandRule>();
for (const family of FAMILIES) {
  for (const [name, rule] of Object.entries(family)) {
    // One program, one rule: a second definition would silently shadow the first.
    if (RULES.has(name)) throw new Error(`command rule for ${name} is defined twice`);
    RULES.set(name, rule);
  }
}

export function ruleFor(program: string): CommandRule | undefined {
  return RULES.get(program) ?? diskRuleFamilies.find(([pattern]) => pattern.test(program))?.[1];
}

/** Commands a program runs besides acting itself: `find -exec`. */
export function spawnedCommands(invocation: Invocation): ShellWord[][] {
  return invocation.name === 'find' ? parseFind(invocation.args).execs : [];
}
