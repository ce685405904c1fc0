/**
 * The vocabulary the risk assessment and each family's judgement share: the device a command would run
 * on, what one finding means there (a Judgement), how its confirmation phrase reads, downtime estimates
 * and checklist lines.
 */
import type { AffectedItem } from '../../schema/operation.ts';
import type { ContainersData } from '../collectors/containers.ts';
import type { DeviceProtectionRules } from './device-protection-rules.ts';
import { ALL_TARGETS, type CommandFinding, type RiskLevel, type ShellWord } from './types.ts';

export interface Device {
  host: string;
  type: string;
  rules: DeviceProtectionRules;
  containers: ContainersData | null;
  /** Raise finding risks for what is on the device: only for commands already held (see the decisions in risk-assessment.ts). */
  escalate: boolean;
}

/** How the confirmation phrase names a finding's action and scope; the device is added when it is built. */
export interface PhraseSpec {
  /** What is done: `STOP`, `DELETE`, `POWER OFF`. */
  verb: string;
  /** `beforeName`: one item reads `CONTAINER plex` rather than `/srv/x`; several always read `12 CONTAINERS`. */
  noun?: { one: string; many: string; beforeName: boolean };
  names?: readonly string[];
  /** Scope when no names are known: `ALL CONTAINERS`. */
  unknown?: string;
  suffix?: string;
  /** The device is the object (`REBOOT nas01`) rather than the place (`... ON nas01`). */
  deviceIsObject?: boolean;
}

/** Downtime estimates from least to most severe: a command's estimate is the most severe of its findings'. */
export const DOWNTIME = {
  restart: 'seconds to a minute while it restarts',
  nextBoot: 'none now; from the next boot until re-enabled (or unmasked)',
  guestReboot: 'a minute or two while the guest reboots',
  reboot: '1–5 minutes while the device reboots',
  processes: 'until the processes are started again',
  packages: 'until the packages are installed again (for services they provide)',
  service: 'until the service is started again',
  runlevel: 'until the previous runlevel is restored',
  containersStopped: 'until the containers are started again',
  guestsSuspended: 'until the guests are resumed',
  guestsStopped: 'until the guests are started again',
  containersRemoved: 'until the containers are recreated',
  exhaustion: 'until the device recovers or is rebooted (it may stop responding)',
  sleep: 'until the device is woken (Wake-on-LAN or the power button)',
  sysrq: 'unknown: the kernel may reboot, crash or power off',
  console: 'until restored from the console — SSH access may be lost',
  powerOff: 'until someone powers it on',
} as const;
export type Downtime = keyof typeof DOWNTIME;

/** What one finding means on this device. */
export interface Judgement {
  reason: string;
  items: AffectedItem[];
  warnings: string[];
  alternatives: string[];
  checklist: string[];
  downtime: Downtime | null;
  reversible: boolean;
  phrase: PhraseSpec;
  /** Held back while an Unraid parity operation runs. */
  parityBlocks: boolean;
  /** Risk from how many containers are affected, when the live list says. */
  countRisk?: RiskLevel;
}

export const CHECK = {
  backup: 'A recent backup of the affected data exists and has been restored once',
  console: 'Console or out-of-band access (IPMI, KVM, physical) is ready in case SSH does not come back',
  recreate: 'The compose files or `docker run` options of the removed containers are at hand to recreate them',
  identity: 'The device or dataset is the one you mean (check lsblk -o NAME,SIZE,MODEL,SERIAL / zfs list)',
  maintenance: 'This is inside an agreed maintenance window and users have been told',
  script: 'The script has been read: what it runs is not known here',
  autostart: 'Containers, VMs and services are set to start on boot (restart policies, autostart)',
} as const;

export const word = (value: string): ShellWord => ({ text: value, value });
export const programOf = (argv: readonly string[]): string =>
  (argv[0] ?? '').slice((argv[0] ?? '').lastIndexOf('/') + 1);

/** Targets only known at run time: the unbounded marker, or source text such as `"$DIR"` kept for display. */
export const isRuntimeOnly = (target: string): boolean => target === ALL_TARGETS || /[$`]/.test(target);
export const knownTargets = (finding: CommandFinding): string[] =>
  unique(finding.targets.filter((target) => !isRuntimeOnly(target)));

export const unique = <T>(values: readonly T[]): T[] => [...new Set(values)];
export const capitalise = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1);

export function listNames(names: readonly string[], max = 6): string {
  const shown = names.slice(0, max).join(', ');
  return names.length > max ? `${shown} and ${names.length - max} more` : shown;
}
