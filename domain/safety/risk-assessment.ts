/**
 * Weighs a command analysis against the device it would run on: the live container list says what
 * "all containers" or a compose project really are and which of them other services depend on; the
 * device type says which containers and paths are protected; tags mark production; a running Unraid
 * parity operation blocks container, disk, file system and power actions. The result is what a human
 * reads before typing the confirmation phrase. Pure: the caller fetches the device state. Each family's
 * judgement of its findings lives beside its rules (`rules/<family>-risk.ts`); this file composes them.
 *
 * Decisions:
 * - `destructive` is the analysis's. The device only raises the risk of commands already held: raising a
 *   LOW action (`docker stop mariadb`) to HIGH without holding it would contradict itself, so for those
 *   the warnings say what matters and the level stays.
 * - Risk only goes up: max of the finding's risk, the count of affected containers (1–2 LOW, 3–10
 *   MEDIUM, 11+ HIGH), HIGH for anything critical or protected, CRITICAL on production devices.
 * - Counts are of known items only; what cannot be known here (unused images, `"$DIR"`) is said so.
 */
import type { AffectedItem, RiskAssessment } from '../../schema/operation.ts';
import type { ContainersData } from '../collectors/containers.ts';
import { CollectorParseError } from '../collectors/parse-error.ts';
import { excerptOf } from '../collectors/sections.ts';
import { analyseCommand, type CommandAnalysis } from './command-analysis.ts';
import { protectionRulesFor } from './device-protection-rules.ts';
import { CHECK, DOWNTIME, unique, type Device, type Downtime, type Judgement, type PhraseSpec } from './judgement.ts';
import { judgeAccounts, judgeCrontab } from './rules/accounts-risk.ts';
import { judgeContainers } from './rules/containers-risk.ts';
import { judgeDisks } from './rules/disks-risk.ts';
import { judgePaths } from './rules/filesystem-risk.ts';
import { judgeNetwork } from './rules/network-risk.ts';
import { judgePackages } from './rules/packages-risk.ts';
import { judgePower } from './rules/power-risk.ts';
import { judgeProcesses } from './rules/processes-risk.ts';
import { judgeServices } from './rules/services-risk.ts';
import { judgeGuests } from './rules/virtualization-risk.ts';
import { judgeZfs } from './rules/zfs-risk.ts';
import {
  DESTRUCTIVE_FROM,
  maxRisk,
  riskRank,
  type CommandFinding,
  type DestructiveCategory,
  type RiskLevel,
} from './types.ts';

export interface RiskContext {
  hostname: string;
  /** 'linux' | 'unraid' | 'proxmox' | 'truenas' | 'synology' | 'raspberry_pi' | 'wsl' | 'other' */
  deviceType: string;
  /** A `production` or `prod` tag makes a held command CRITICAL. */
  tags: string[];
  /** Fresh live list when the command touches containers, else null. */
  containers: ContainersData | null;
  /** Null when not an Unraid device or unknown. */
  unraidParity: { running: boolean; detail: string } | null;
}

const DOWNTIME_SEVERITY = Object.keys(DOWNTIME) as Downtime[];

interface FindingAssessment extends Judgement {
  category: DestructiveCategory;
  risk: RiskLevel;
}

export function assessRisk(analysis: CommandAnalysis, ctx: RiskContext): RiskAssessment {
  const device: Device = {
    host: ctx.hostname,
    type: ctx.deviceType,
    rules: protectionRulesFor(ctx.deviceType),
    containers: ctx.containers,
    escalate: analysis.destructive,
  };
  const assessed = analysis.findings.map((finding) => assessFinding(finding, device));
  // Stable: among equal risks the finding written first leads.
  const ranked = [...assessed].sort((a, b) => riskRank(b.risk) - riskRank(a.risk));
  const production = ctx.tags.some((tag) => /^prod(?:uction)?$/i.test(tag));

  const warnings: string[] = [];
  const checklist: string[] = [];
  if (production && assessed.length > 0) {
    warnings.push(`${ctx.hostname} is tagged production: live services are affected`);
    checklist.push(CHECK.maintenance);
  }
  const blockedReason = parityBlock(ctx, device, assessed, analysis.destructive);
  if (ctx.unraidParity?.running && analysis.destructive && !blockedReason) {
    warnings.push(`Unraid array operation in progress: ${ctx.unraidParity.detail}. The array disks are busy`);
  }

  const risk = analysis.destructive
    ? maxRisk([analysis.risk, ...assessed.map((finding) => finding.risk), production ? 'CRITICAL' : 'NONE'])
    : analysis.risk;
  const items = mergeItems(assessed.flatMap((finding) => finding.items));
  const downtimes = assessed.map((finding) => finding.downtime).filter((downtime) => downtime !== null);
  const worstDowntime = [...DOWNTIME_SEVERITY].reverse().find((downtime) => downtimes.includes(downtime));
  const leading = ranked[0];

  return {
    destructive: analysis.destructive,
    risk_level: risk,
    categories: unique(ranked.map((finding) => finding.category)),
    reasons: assessed.map((finding) => finding.reason),
    affected_count: items.length,
    affected_items: items,
    estimated_downtime: worstDowntime ? DOWNTIME[worstDowntime] : null,
    rollback_possible: assessed.every((finding) => finding.reversible),
    safety_warnings: unique([...warnings, ...ranked.flatMap((finding) => finding.warnings)]),
    safer_alternatives: unique(ranked.flatMap((finding) => finding.alternatives)),
    safety_checklist: unique([...checklist, ...ranked.flatMap((finding) => finding.checklist)]),
    confirmation_phrase: analysis.destructive && leading ? phraseText(leading.phrase, ctx.hostname) : null,
    blocked_reason: blockedReason,
  };
}

function assessFinding(finding: CommandFinding, device: Device): FindingAssessment {
  const judgement = judge(finding, actingArgv(finding), device);
  const critical = judgement.items.some((item) => item.critical);
  const risk = device.escalate
    ? maxRisk([finding.risk, judgement.countRisk ?? 'NONE', critical ? 'HIGH' : 'NONE'])
    : finding.risk;
  return { ...judgement, category: finding.category, risk };
}

function judge(finding: CommandFinding, argv: readonly string[], device: Device): Judgement {
  switch (finding.category) {
    case 'container_bulk':
    case 'container_action':
    case 'container_prune':
    case 'compose_down':
    case 'volume_removal':
    case 'image_removal':
      return judgeContainers(finding, argv, device);
    case 'filesystem_delete':
    case 'permission_change':
      return judgePaths(finding, argv, device);
    case 'disk_wipe':
      return judgeDisks(finding);
    case 'zfs_destroy':
    case 'zfs_property':
      return judgeZfs(finding, argv);
    case 'power':
      return judgePower(finding, argv, device);
    case 'service_stop':
      return judgeServices(finding, argv, device);
    case 'network_cut':
      return judgeNetwork(finding, argv, device);
    case 'vm_destroy':
    case 'vm_power':
      return judgeGuests(finding, argv, device);
    case 'package_removal':
      return judgePackages(finding, argv);
    case 'process_kill':
      return judgeProcesses(finding, argv, device);
    case 'account_change':
      return judgeAccounts(finding);
    case 'crontab_removal':
      return judgeCrontab(finding, argv);
    case 'resource_exhaustion':
      return judgeExhaustion(finding, device);
    case 'unanalysable':
      return judgeUnanalysable(finding);
  }
}

/**
 * The argv of the program a finding is about. Findings carry the command as written, not the verb, so
 * it is read again to tell `docker stop` from `docker rm` or `reboot` from `poweroff`. The acting program
 * is the last simple command listed: substitutions (`$(docker ps -q)`) and `find` come before it.
 */
function actingArgv(finding: CommandFinding): readonly string[] {
  return analyseCommand(finding.command).simpleCommands.at(-1) ?? [];
}

// ---------------------------------------------------------------------------------------------------
// Findings about the command as a whole

function judgeExhaustion(finding: CommandFinding, device: Device): Judgement {
  return {
    reason: finding.reason,
    items: [{ kind: 'device', name: device.host, critical: false, detail: 'resources exhausted' }],
    warnings: [`${device.host} may stop responding until it is rebooted`],
    alternatives: [],
    checklist: [CHECK.console],
    downtime: 'exhaustion',
    reversible: false,
    phrase: { verb: 'EXHAUST RESOURCES' },
    parityBlocks: false,
  };
}

function judgeUnanalysable(finding: CommandFinding): Judgement {
  return {
    reason: finding.reason,
    items: [],
    warnings: ['What this command does could not be analysed: any effect is possible'],
    alternatives: ["run the script's contents directly so they can be analysed"],
    checklist: [CHECK.script],
    downtime: null,
    reversible: false,
    phrase: { verb: 'RUN UNANALYSABLE COMMAND' },
    parityBlocks: false,
  };
}

// ---------------------------------------------------------------------------------------------------
// Assembly

function parityBlock(
  ctx: RiskContext,
  device: Device,
  assessed: readonly FindingAssessment[],
  destructive: boolean,
): string | null {
  if (!destructive || !ctx.unraidParity?.running || !device.rules.blockDuringParity) return null;
  const blocking = assessed.some(
    (finding) => finding.parityBlocks && riskRank(finding.risk) >= riskRank(DESTRUCTIVE_FROM),
  );
  if (!blocking) return null;
  return `Unraid array operation in progress: ${ctx.unraidParity.detail}. Container, disk, file system and power actions are blocked until it finishes`;
}

const MAX_PHRASE_LENGTH = 79;

/** `STOP 12 CONTAINERS ON nas01`; a single name is used when the phrase stays short, else a count. */
function phraseText(spec: PhraseSpec, host: string): string {
  const names = spec.names ?? [];
  const [only] = names;
  const scopes: string[] = [];
  if (names.length === 1 && only !== undefined) scopes.push(spec.noun?.beforeName ? `${spec.noun.one} ${only}` : only);
  if (names.length > 0 && spec.noun)
    scopes.push(`${names.length} ${names.length === 1 ? spec.noun.one : spec.noun.many}`);
  if (names.length === 0 && spec.unknown && spec.noun) scopes.push(spec.unknown);
  const place = spec.deviceIsObject ? host : `ON ${host}`;
  const phrases = (scopes.length > 0 ? scopes : ['']).map((scope) =>
    [spec.verb, scope, spec.suffix, place].filter(Boolean).join(' '),
  );
  return phrases.find((phrase) => phrase.length <= MAX_PHRASE_LENGTH) ?? phrases.at(-1) ?? spec.verb;
}

/** One item per kind and name; critical if any finding says so. */
function mergeItems(items: readonly AffectedItem[]): AffectedItem[] {
  const merged = new Map<string, AffectedItem>();
  for (const item of items) {
    const key = `${item.kind}\0${item.name}`;
    const seen = merged.get(key);
    if (!seen) merged.set(key, item);
    else if (item.critical && !seen.critical) merged.set(key, item);
  }
  return [...merged.values()];
}

// ---------------------------------------------------------------------------------------------------
// Unraid parity

/**
 * Unraid's md driver prints its state as key=value lines (`mdResync=3907018532`, `mdResyncPos=...`).
 * An operation is in progress while mdResync (its size) is non-zero, and paused when only mdResyncPos
 * is. mdResyncAction is sticky: it names the last operation even when idle. Throws when the text is not
 * Unraid md status, so an unreadable state stops the command instead of letting it through.
 */
export function parseUnraidParityStatus(mdstat: string): { running: boolean; detail: string } {
  const values = new Map<string, string>();
  for (const line of mdstat.split('\n')) {
    const match = /^\s*(\w+)="?([^"]*?)"?\s*$/.exec(line);
    if (match?.[1] && match[2] !== undefined) values.set(match[1], match[2]);
  }
  const numberOf = (key: string): number | null => {
    const value = values.get(key);
    return value !== undefined && /^\d+$/.test(value) ? Number(value) : null;
  };
  const size = numberOf('mdResync');
  const position = numberOf('mdResyncPos');
  if (size === null || position === null) {
    throw new CollectorParseError(
      'unraid_parity',
      "no mdResync/mdResyncPos lines: not the status of Unraid's md driver",
      excerptOf(mdstat, 300),
    );
  }
  if (size === 0 && position === 0)
    return {
      running: false,
      detail: `no parity operation running (array ${values.get('mdState') ?? 'state unknown'})`,
    };

  const action = values.get('mdResyncAction') ?? '';
  const operation = /^check\s+[PQ]/.test(action)
    ? 'parity check'
    : /^check/.test(action)
      ? 'read check'
      : /^recon/.test(action)
        ? 'parity sync or disk rebuild'
        : /^clear/.test(action)
          ? 'disk clear'
          : 'array operation';
  const total = size > 0 ? size : (numberOf('mdResyncSize') ?? 0);
  const percent = total > 0 ? `${(Math.min(position / total, 1) * 100).toFixed(1)}%` : 'progress unknown';
  const named = action === '' ? '' : ` (${action})`;
  if (size === 0) return { running: true, detail: `${operation} paused at ${percent}${named}` };
  // mdResyncDb blocks were done in the last mdResyncDt seconds.
  const seconds = numberOf('mdResyncDt') ?? 0;
  const blocks = numberOf('mdResyncDb') ?? 0;
  const left = seconds > 0 && blocks > 0 ? `, about ${durationText(((total - position) * seconds) / blocks)} left` : '';
  return { running: true, detail: `${operation} ${percent}${named}${left}` };
}

function durationText(seconds: number): string {
  const minutes = Math.max(1, Math.round(seconds / 60));
  const hours = Math.floor(minutes / 60);
  return hours > 0 ? `${hours} h ${minutes % 60} min` : `${minutes} min`;
}
