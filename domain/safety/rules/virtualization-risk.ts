/** What a guest (VM or container) power action, rollback or destroy means. */
import type { AffectedItem } from '../../../schema/operation.ts';
import { CHECK, knownTargets, listNames, programOf, type Device, type Downtime, type Judgement } from '../judgement.ts';
import { riskRank, type CommandFinding } from '../types.ts';

/**
 * qm and pct name the action after the program; pvesh in its API path (`.../status/stop`, `DELETE
 * .../qemu/100`); virsh after its options (`-c URI`), where `destroy` is the hard stop.
 */
function guestActionOf(argv: readonly string[]): string {
  if (programOf(argv) === 'virsh') {
    const verb =
      argv
        .slice(1)
        .find((word, i, rest) => !word.startsWith('-') && rest[i - 1] !== '-c' && rest[i - 1] !== '--connect') ?? '';
    return verb === 'destroy' ? 'stop' : verb;
  }
  if (programOf(argv) !== 'pvesh') return argv[1] ?? '';
  const path = argv[2] ?? '';
  if (argv[1] === 'delete') return 'destroy';
  if (/\/stopall$/.test(path)) return 'stopall';
  if (/\/rollback$/.test(path)) return 'rollback';
  return /\/status\/([a-z]+)$/.exec(path)?.[1] ?? '';
}

interface GuestPower {
  verb: string;
  downtime: Downtime;
  /** A gentler command for the same need, given the tool (qm, pct) and the guest. */
  alternatives: (cli: string, id: string) => string[];
  hard: boolean;
}

const GUEST_POWER: Readonly<Record<string, GuestPower>> = {
  stop: {
    verb: 'STOP',
    downtime: 'guestsStopped',
    hard: true,
    alternatives: (cli, id) => [`${cli} shutdown ${id} lets the guest shut down cleanly`],
  },
  reset: {
    verb: 'RESET',
    downtime: 'guestReboot',
    hard: true,
    alternatives: (cli, id) => [`${cli} reboot ${id} lets the guest restart cleanly`],
  },
  shutdown: {
    verb: 'SHUT DOWN',
    downtime: 'guestsStopped',
    hard: false,
    alternatives: (cli, id) => [`${cli} reboot ${id} if the guest should come back by itself`],
  },
  reboot: { verb: 'REBOOT', downtime: 'guestReboot', hard: false, alternatives: () => [] },
  suspend: { verb: 'SUSPEND', downtime: 'guestsSuspended', hard: false, alternatives: () => [] },
};

export function judgeGuests(finding: CommandFinding, argv: readonly string[], device: Device): Judgement {
  const names = knownTargets(finding);
  const program = programOf(argv);
  const action = guestActionOf(argv);
  const guest = names[0] ?? 'VMID';
  const cli = program === 'pvesh' ? ((argv[2] ?? '').includes('/lxc/') ? 'pct' : 'qm') : program;
  const items = names.map((name): AffectedItem => ({
    kind: 'other',
    name,
    critical: false,
    detail: 'virtual machine or container guest',
  }));
  const guestNoun = { one: 'GUEST', many: 'GUESTS', beforeName: true };
  const base = { reason: finding.reason, items, parityBlocks: false };

  if (finding.category === 'vm_power') {
    if (action === 'stopall') {
      return {
        ...base,
        items: [{ kind: 'device', name: device.host, critical: false, detail: 'every guest stops' }],
        warnings: [`Every virtual machine and container on ${device.host} stops, with all their services`],
        alternatives: [`${cli} shutdown the guests you mean, one at a time`],
        checklist: [CHECK.maintenance],
        downtime: 'guestsStopped',
        reversible: true,
        phrase: { verb: 'STOP ALL GUESTS' },
      };
    }
    const power = GUEST_POWER[action] ?? {
      verb: 'CHANGE',
      downtime: 'guestsStopped',
      hard: false,
      alternatives: () => [],
    };
    const listed = names.length > 0 ? listNames(names) : 'the guest';
    return {
      ...base,
      warnings: power.hard
        ? [`No clean shutdown: what ${listed} has not written to disk is lost, as at a power cut`]
        : [],
      alternatives: power.alternatives(cli, guest),
      checklist: action === 'suspend' ? [] : [`Users and services that depend on guest ${listed} know it goes down`],
      downtime: power.downtime,
      reversible: true,
      phrase: { verb: power.verb, noun: guestNoun, names, unknown: 'GUESTS' },
    };
  }

  const listed = names.length > 0 ? listNames(names) : 'the guests';
  if (action === 'rollback') {
    return {
      ...base,
      warnings: [`Permanent data loss: everything ${listed} wrote since the snapshot is discarded`],
      alternatives: [`${cli} snapshot ${guest} before-rollback first: the current state stays restorable`],
      checklist: [CHECK.backup],
      downtime: 'guestReboot',
      reversible: false,
      phrase: { verb: 'ROLL BACK', noun: guestNoun, names, unknown: 'GUESTS' },
    };
  }
  const dataLoss = riskRank(finding.risk) >= riskRank('HIGH');
  return {
    ...base,
    warnings: dataLoss ? [`Permanent data loss: the disks of ${listed} are deleted`] : [],
    alternatives:
      program === 'virsh'
        ? [`virsh dumpxml ${guest} > ${guest}.xml first; virsh shutdown ${guest} keeps the guest`]
        : [`vzdump ${guest} first; ${cli} shutdown ${guest} keeps the guest`],
    checklist: dataLoss ? [CHECK.backup] : [],
    downtime: null,
    reversible: false,
    phrase: { verb: 'DESTROY', noun: guestNoun, names, unknown: 'GUESTS' },
  };
}
