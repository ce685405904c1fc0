/** What a power action means for the device: how long it is away and whether it comes back by itself. */
import { parseArguments } from '../arguments.ts';
import { CHECK, programOf, word, type Device, type Downtime, type Judgement, type PhraseSpec } from '../judgement.ts';
import type { CommandFinding } from '../types.ts';

type PowerAction = 'reboot' | 'power_off' | 'sleep' | 'single_user' | 'runlevel' | 'sysrq';

/** Words of systemctl, init/telinit and ipmitool that name a power action. */
const POWER_WORDS: Record<string, PowerAction> = {
  reboot: 'reboot',
  kexec: 'reboot',
  'soft-reboot': 'reboot',
  6: 'reboot',
  cycle: 'reboot',
  reset: 'reboot',
  poweroff: 'power_off',
  halt: 'power_off',
  0: 'power_off',
  off: 'power_off',
  soft: 'power_off',
  suspend: 'sleep',
  hibernate: 'sleep',
  'hybrid-sleep': 'sleep',
  'suspend-then-hibernate': 'sleep',
  sleep: 'sleep',
  rescue: 'single_user',
  emergency: 'single_user',
  1: 'single_user',
  s: 'single_user',
  single: 'single_user',
  2: 'runlevel',
  3: 'runlevel',
  4: 'runlevel',
  5: 'runlevel',
};

function powerActionOf(finding: CommandFinding, argv: readonly string[]): PowerAction {
  if (finding.targets.includes('/proc/sysrq-trigger')) return 'sysrq';
  const program = programOf(argv);
  if (program === 'shutdown')
    return parseArguments(argv.slice(1).map(word)).has('-r', '--reboot') ? 'reboot' : 'power_off';
  const spoken = [program, ...argv.slice(1)]
    .map((value) => POWER_WORDS[value.toLowerCase().replace(/\.target$/, '')])
    .filter((action) => action !== undefined);
  // The action comes last (`ipmitool -H bmc chassis power cycle`); failing that, CRITICAL means it does not come back.
  return spoken.at(-1) ?? (finding.risk === 'CRITICAL' ? 'power_off' : 'reboot');
}

const POWER: Record<
  PowerAction,
  { phrase: PhraseSpec; downtime: Downtime; detail: string; alternatives: string[]; warning?: (host: string) => string }
> = {
  reboot: {
    phrase: { verb: 'REBOOT', deviceIsObject: true },
    downtime: 'reboot',
    detail: 'reboots',
    alternatives: [
      'shutdown -r +5 (cancellable with shutdown -c)',
      'systemctl restart SERVICE if only one service misbehaves',
    ],
  },
  power_off: {
    phrase: { verb: 'POWER OFF', deviceIsObject: true },
    downtime: 'powerOff',
    detail: 'powers off',
    alternatives: [
      'shutdown -h +5 (cancellable with shutdown -c)',
      'reboot instead if the device should come back by itself',
    ],
    warning: (host) => `${host} stays off until someone powers it on (at the machine or through IPMI)`,
  },
  sleep: {
    phrase: { verb: 'SUSPEND', deviceIsObject: true },
    downtime: 'sleep',
    detail: 'goes to sleep',
    alternatives: ['check that Wake-on-LAN works first (ethtool IFACE | grep Wake-on)'],
    warning: (host) => `${host} is unreachable until it is woken`,
  },
  single_user: {
    phrase: { verb: 'ENTER SINGLE-USER MODE' },
    downtime: 'console',
    detail: 'enters single-user mode',
    alternatives: ['do single-user maintenance from the console'],
    warning: (host) => `Network and SSH stop: only the console brings ${host} back`,
  },
  runlevel: {
    phrase: { verb: 'SWITCH RUNLEVEL' },
    downtime: 'runlevel',
    detail: 'switches runlevel',
    alternatives: ['systemctl isolate TARGET from the console'],
  },
  sysrq: {
    phrase: { verb: 'TRIGGER SYSRQ' },
    downtime: 'sysrq',
    detail: 'kernel SysRq action',
    alternatives: ['reboot (an orderly shutdown syncs and unmounts the disks)'],
    warning: (host) => `A SysRq action skips the orderly shutdown: ${host} may lose unwritten data`,
  },
};

export function judgePower(finding: CommandFinding, argv: readonly string[], device: Device): Judgement {
  const action = powerActionOf(finding, argv);
  const power = POWER[action];
  return {
    reason: finding.reason,
    items: [{ kind: 'device', name: device.host, critical: false, detail: power.detail }],
    warnings: power.warning ? [power.warning(device.host)] : [],
    alternatives: power.alternatives,
    checklist: action === 'reboot' ? [CHECK.autostart, CHECK.console] : [CHECK.console],
    downtime: power.downtime,
    reversible: action === 'reboot' || action === 'runlevel',
    phrase: power.phrase,
    parityBlocks: true,
  };
}
