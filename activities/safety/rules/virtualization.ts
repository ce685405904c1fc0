/**
 * Virtual machines and LXC containers (Proxmox `qm` / `pct`, libvirt `virsh`). Destroying a guest
 * deletes its disks (HIGH); hard power-off or stopping a guest is a targeted action (LOW).
 */
import { parseArguments, targetOf } from '../arguments.ts';
import type { CommandRule, RuleHit, ShellWord } from '../types.ts';

function guest(risk: RuleHit['risk'], reason: string, guests: readonly ShellWord[]): RuleHit[] {
  return [{ category: 'vm_destroy', risk, reason, targets: guests.map(targetOf) }];
}

/** qm / pct: `destroy ID` deletes the guest with its disks; stop/shutdown/reset are single-guest actions. */
const proxmox: CommandRule = (inv) => {
  const [verb, ...rest] = inv.args;
  const ids = parseArguments(rest, { valued: ['--timeout', '--skiplock'] }).operands.slice(0, 1);
  switch (verb?.value) {
    case 'destroy':
      return guest('HIGH', `${inv.name} destroy deletes the guest and its disks`, ids);
    case 'stop':
    case 'shutdown':
    case 'reset':
    case 'reboot':
      return guest('LOW', `${inv.name} ${verb.value} of one guest`, ids);
    default:
      return [];
  }
};

const virsh: CommandRule = (inv) => {
  const parsed = parseArguments(inv.args, { valued: ['-c', '--connect'], stopAtOperand: true });
  const [verb, ...rest] = parsed.rest;
  const operands = parseArguments(rest, { valued: ['--pool', '--storage'] });
  switch (verb?.value) {
    case 'undefine':
      return operands.has('--remove-all-storage', '--storage', '--wipe-storage')
        ? guest('HIGH', 'virsh undefine deletes the guest with its storage', operands.operands)
        : guest('MEDIUM', 'virsh undefine deletes the guest definition', operands.operands);
    case 'vol-delete':
    case 'vol-wipe':
    case 'pool-delete':
      return guest('HIGH', `virsh ${verb.value} deletes storage`, operands.operands);
    case 'destroy':
      return guest('LOW', 'virsh destroy powers one guest off hard', operands.operands);
    default:
      return [];
  }
};

export const virtualizationRules: Record<string, CommandRule> = { qm: proxmox, pct: proxmox, virsh };
