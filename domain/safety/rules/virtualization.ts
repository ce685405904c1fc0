/**
 * Virtual machines and LXC containers (Proxmox `qm` / `pct` / `pvesh`, libvirt `virsh`). Destroying a
 * guest deletes its disks and rolling it back discards what it wrote since the snapshot (HIGH; destroying
 * with `--purge` also drops its replicas and backup jobs: CRITICAL). Stopping, shutting down, rebooting or
 * resetting a guest takes a whole machine with all its services down (MEDIUM); suspending keeps its
 * state and is reported only (LOW); stopping every guest of a node at once is HIGH. libvirt's `destroy`
 * is not a deletion but its hard power-off, judged as `qm stop`. Starting, resuming, listing and status
 * queries pass.
 */
import { parseArguments, targetOf } from '../arguments.ts';
import {
  ALL_TARGETS,
  type CommandRule,
  type DestructiveCategory,
  type RiskLevel,
  type RuleHit,
  type ShellWord,
} from '../types.ts';

function guest(
  category: DestructiveCategory,
  risk: RiskLevel,
  reason: string,
  guests: readonly ShellWord[],
): RuleHit[] {
  return [{ category, risk, reason, targets: guests.map(targetOf) }];
}

/** Guest lifecycle verbs of qm and pct, and the same actions as API paths (`.../status/stop`). */
const POWER_VERBS: Readonly<Record<string, { risk: RiskLevel; does: string }>> = {
  stop: {
    risk: 'MEDIUM',
    does: 'cuts the power of the guest: everything running in it stops at once, unsaved data in it is lost',
  },
  reset: {
    risk: 'MEDIUM',
    does: 'resets the guest like its reset button: everything running in it restarts without shutting down',
  },
  shutdown: {
    risk: 'MEDIUM',
    does: 'shuts the guest down: every service in it is unavailable until it is started again',
  },
  reboot: { risk: 'MEDIUM', does: 'reboots the guest: every service in it is unavailable while it restarts' },
  suspend: { risk: 'LOW', does: 'pauses the guest, keeping its state' },
};

/**
 * PVE's command line (Getopt::Long over the API schema): every option, booleans included, takes the next
 * word as its value unless that word is another option; `-opt` works like `--opt`. The VMID is the first
 * operand.
 */
function parsePveArguments(words: readonly ShellWord[]): {
  options: Map<string, string | null>;
  operands: ShellWord[];
} {
  const options = new Map<string, string | null>();
  const operands: ShellWord[] = [];
  for (let index = 0; index < words.length; index++) {
    const word = words[index] as ShellWord;
    const text = word.value;
    if (text === null || !text.startsWith('-') || text === '-' || text === '--') {
      if (text !== '--') operands.push(word);
      continue;
    }
    const name = text.replace(/^--?/, '');
    const equals = name.indexOf('=');
    if (equals > 0) {
      options.set(name.slice(0, equals), name.slice(equals + 1));
      continue;
    }
    const next = words[index + 1];
    const takesNext = next !== undefined && !(next.value ?? '').startsWith('-');
    options.set(name, takesNext ? (next.value ?? null) : null);
    if (takesNext) index++;
  }
  return { options, operands };
}

/** PVE's parse_boolean; a bare flag is true, a value only known at run time may be. */
function optionSet(options: ReadonlyMap<string, string | null>, name: string): boolean {
  if (!options.has(name)) return false;
  const value = options.get(name);
  return value === null || value === undefined || /^(?:1|true|yes|on)$/i.test(value);
}

function lifecycle(
  program: string,
  verb: string,
  guests: readonly ShellWord[],
  options: ReadonlyMap<string, string | null>,
): RuleHit[] {
  if (verb === 'destroy') {
    return optionSet(options, 'purge')
      ? guest(
          'vm_destroy',
          'CRITICAL',
          `${program} destroy --purge deletes the guest and its disks, and removes its replication jobs (their replicas) and backup jobs`,
          guests,
        )
      : guest('vm_destroy', 'HIGH', `${program} destroy deletes the guest and its disks`, guests);
  }
  if (verb === 'rollback')
    return guest(
      'vm_destroy',
      'HIGH',
      `${program} rollback discards everything the guest wrote since the snapshot`,
      guests,
    );
  const power = POWER_VERBS[verb];
  return power ? guest('vm_power', power.risk, `${program} ${verb} ${power.does}`, guests) : [];
}

/** qm / pct VERB VMID [OPTIONS]. */
const proxmox: CommandRule = (inv) => {
  const [verb, ...rest] = inv.args;
  const { options, operands } = parsePveArguments(rest);
  return lifecycle(inv.name, verb?.value ?? '', operands.slice(0, 1), options);
};

// `/nodes/NODE/qemu/100`, `/nodes/NODE/lxc/200/status/stop`, `/nodes/NODE/qemu/100/snapshot/SNAP/rollback`.
const GUEST_PATH = /^\/?nodes\/[^/]+\/(?:qemu|lxc)\/([^/]+)(?:\/(.*))?$/;
const STOP_ALL_PATH = /^\/?nodes\/[^/]+\/stopall$/;

/**
 * pvesh VERB PATH [OPTIONS]: the API calls behind the same guest actions. Reads (`get`, `ls`, `usage`)
 * pass; other API writes are not judged here.
 */
const pvesh: CommandRule = (inv) => {
  const [verb, path, ...rest] = inv.args;
  if (path === undefined) return [];
  if (verb?.value === 'create' && STOP_ALL_PATH.test(path.value ?? '')) {
    return [
      {
        category: 'vm_power',
        risk: 'HIGH',
        reason: 'pvesh stopall stops every guest of the node',
        targets: [ALL_TARGETS],
      },
    ];
  }
  const match = GUEST_PATH.exec(path.value ?? '');
  if (!match) return [];
  const id: ShellWord = { text: match[1] ?? '', value: match[1] ?? '' };
  const sub = match[2] ?? '';
  const { options } = parsePveArguments(rest);
  if (verb?.value === 'delete' && sub === '') return lifecycle('pvesh', 'destroy', [id], options);
  if (verb?.value !== 'create') return [];
  const action = /^status\/([a-z]+)$/.exec(sub)?.[1] ?? (/^snapshot\/[^/]+\/rollback$/.test(sub) ? 'rollback' : '');
  return lifecycle('pvesh', action, [id], options);
};

const virsh: CommandRule = (inv) => {
  const parsed = parseArguments(inv.args, { valued: ['-c', '--connect'], stopAtOperand: true });
  const [verb, ...rest] = parsed.rest;
  const operands = parseArguments(rest, { valued: ['--pool', '--storage'] });
  switch (verb?.value) {
    case 'undefine':
      return operands.has('--remove-all-storage', '--storage', '--wipe-storage')
        ? guest('vm_destroy', 'HIGH', 'virsh undefine deletes the guest with its storage', operands.operands)
        : guest('vm_destroy', 'MEDIUM', 'virsh undefine deletes the guest definition', operands.operands);
    case 'vol-delete':
    case 'vol-wipe':
    case 'pool-delete':
      return guest('vm_destroy', 'HIGH', `virsh ${verb.value} deletes storage`, operands.operands);
    default: {
      // libvirt's destroy is its hard stop; the other power verbs mean what they mean for qm.
      const name = verb?.value === 'destroy' ? 'stop' : (verb?.value ?? '');
      const power = Object.hasOwn(POWER_VERBS, name) ? POWER_VERBS[name] : undefined;
      return power
        ? guest('vm_power', power.risk, `virsh ${verb!.value} ${power.does}`, operands.operands.slice(0, 1))
        : [];
    }
  }
};

export const virtualizationRules: Record<string, CommandRule> = { qm: proxmox, pct: proxmox, pvesh, virsh };
