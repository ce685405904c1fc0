/**
 * Power state. A reboot is HIGH (the device comes back by itself); power-off, halt and single-user
 * modes are CRITICAL (someone has to walk to the machine). Cancelling (`shutdown -c`) or only warning
 * (`shutdown -k`) passes.
 */
import { parseArguments } from '../arguments.ts';
import type { CommandRule, RiskLevel, RuleHit } from '../types.ts';

function power(risk: RiskLevel, reason: string): RuleHit[] {
  return [{ category: 'power', risk, reason, targets: ['host'] }];
}

const POWER_OFF = (what: string) =>
  power('CRITICAL', `${what} powers the machine off: it needs physical access to come back`);
const REBOOT = (what: string) => power('HIGH', `${what} reboots the machine`);

/** systemctl verbs (and targets) that change the power state; shared with the service rules. */
export function systemctlPowerAction(verb: string): RuleHit[] | null {
  switch (verb.replace(/\.target$/, '')) {
    case 'reboot':
    case 'kexec':
    case 'soft-reboot':
      return REBOOT(`systemctl ${verb}`);
    case 'poweroff':
    case 'halt':
      return POWER_OFF(`systemctl ${verb}`);
    case 'rescue':
    case 'emergency':
      return power('CRITICAL', `systemctl ${verb} drops to single-user mode: network and SSH stop`);
    case 'suspend':
    case 'hibernate':
    case 'hybrid-sleep':
    case 'suspend-then-hibernate':
    case 'sleep':
      return power('HIGH', `systemctl ${verb} puts the machine to sleep: it is unreachable until woken`);
    default:
      return null;
  }
}

const shutdown: CommandRule = (inv) => {
  const parsed = parseArguments(inv.args);
  if (parsed.has('-c', '-k', '--help', '--show')) return [];
  return parsed.has('-r', '--reboot') ? REBOOT('shutdown -r') : POWER_OFF('shutdown');
};

const reboot: CommandRule = (inv) => {
  const parsed = parseArguments(inv.args);
  if (parsed.has('--help', '-w', '--wtmp-only')) return [];
  // --force skips the orderly shutdown: file systems are not unmounted cleanly.
  return parsed.has('-f', '--force')
    ? power('CRITICAL', 'reboot --force restarts without an orderly shutdown')
    : REBOOT('reboot');
};

const RUNLEVELS: Record<string, () => RuleHit[]> = {
  0: () => POWER_OFF('init 0'),
  6: () => REBOOT('init 6'),
  1: () => power('CRITICAL', 'runlevel 1 is single-user mode: network and SSH stop'),
  s: () => power('CRITICAL', 'runlevel S is single-user mode: network and SSH stop'),
  single: () => power('CRITICAL', 'single-user mode stops network and SSH'),
  2: () => power('MEDIUM', 'switching runlevel stops services of the current one'),
  3: () => power('MEDIUM', 'switching runlevel stops services of the current one'),
  4: () => power('MEDIUM', 'switching runlevel stops services of the current one'),
  5: () => power('MEDIUM', 'switching runlevel stops services of the current one'),
};

const init: CommandRule = (inv) => RUNLEVELS[(inv.args[0]?.value ?? '').toLowerCase()]?.() ?? [];

const kexec: CommandRule = (inv) => {
  const parsed = parseArguments(inv.args, { valued: ['--initrd', '--append', '--command-line', '-t', '--type'] });
  return parsed.has('-e', '--exec') || !parsed.has('-l', '--load', '-p', '--load-panic', '-u', '--unload')
    ? REBOOT('kexec')
    : [];
};

/** `ipmitool ... chassis power off|cycle|reset` acts on the machine behind that BMC. */
const ipmitool: CommandRule = (inv) => {
  const values = inv.args.map((word) => word.value);
  const powerIndex = values.indexOf('power');
  const action = powerIndex >= 0 ? values[powerIndex + 1] : undefined;
  if (action === 'off' || action === 'soft') return POWER_OFF(`ipmitool power ${action}`);
  if (action === 'cycle' || action === 'reset') return REBOOT(`ipmitool power ${action}`);
  return [];
};

export const powerRules: Record<string, CommandRule> = {
  shutdown,
  reboot,
  poweroff: (inv) => (parseArguments(inv.args).has('--help', '-w', '--wtmp-only') ? [] : POWER_OFF('poweroff')),
  halt: (inv) => (parseArguments(inv.args).has('--help', '-w', '--wtmp-only') ? [] : POWER_OFF('halt')),
  init,
  telinit: init,
  kexec,
  ipmitool,
};
