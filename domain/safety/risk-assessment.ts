/**
 * Weighs a command analysis against the device it would run on: the live container list says what
 * "all containers" or a compose project really are and which of them other services depend on; the
 * device type says which containers and paths are protected; tags mark production; a running Unraid
 * parity operation blocks container, disk, file system and power actions. The result is what a human
 * reads before typing the confirmation phrase. Pure: the caller fetches the device state.
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
import type { ContainerInfo, ContainersData, ContainerState } from '../collectors/containers.ts';
import { CollectorParseError } from '../collectors/parse-error.ts';
import { excerptOf } from '../collectors/sections.ts';
import { shellQuote } from '../ssh/quote.ts';
import { parseArguments } from './arguments.ts';
import { analyseCommand, type CommandAnalysis } from './command-analysis.ts';
import {
  criticalRoleOf, globMatches, hasGlob, imageRepository, protectionRulesFor, type DeviceProtectionRules,
} from './device-protection-rules.ts';
import { locatePath } from './paths.ts';
import { dockerCommandLine } from './rules/containers.ts';
import {
  ALL_TARGETS, DESTRUCTIVE_FROM, maxRisk, riskRank, type CommandFinding, type DestructiveCategory, type RiskLevel, type ShellWord,
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

interface Device {
  host: string;
  type: string;
  rules: DeviceProtectionRules;
  containers: ContainersData | null;
  /** Raise finding risks for what is on the device: only for commands already held (see the decisions above). */
  escalate: boolean;
}

/** How the confirmation phrase names a finding's action and scope; the device is added when it is built. */
interface PhraseSpec {
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
const DOWNTIME = {
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
type Downtime = keyof typeof DOWNTIME;
const DOWNTIME_SEVERITY = Object.keys(DOWNTIME) as Downtime[];

/** What one finding means on this device. */
interface Judgement {
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

interface FindingAssessment extends Judgement {
  category: DestructiveCategory;
  risk: RiskLevel;
}

const CHECK = {
  backup: 'A recent backup of the affected data exists and has been restored once',
  console: 'Console or out-of-band access (IPMI, KVM, physical) is ready in case SSH does not come back',
  recreate: 'The compose files or `docker run` options of the removed containers are at hand to recreate them',
  identity: 'The device or dataset is the one you mean (check lsblk -o NAME,SIZE,MODEL,SERIAL / zfs list)',
  maintenance: 'This is inside an agreed maintenance window and users have been told',
  script: 'The script has been read: what it runs is not known here',
  autostart: 'Containers, VMs and services are set to start on boot (restart policies, autostart)',
} as const;

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
    default:
      return judgeOther(finding, argv, device);
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
// Containers

type ContainerScope = 'containers' | 'compose' | 'stack' | 'service' | 'pod';

interface DockerAction {
  scope: ContainerScope;
  /** Management group (`container`, `image`, `volume`, `system`...), null for top-level verbs. */
  group: string | null;
  /** `stop`, `kill`, `restart`, `rm`, `prune`, `down`... (`remove` and `rmi` read as `rm`). */
  verb: string;
  /** Words after the verb. */
  args: readonly string[];
}

const DOCKER_GROUPS = new Set(['container', 'image', 'volume', 'network', 'system', 'builder', 'buildx']);
const COMPOSE_VERBS = new Set(['down', 'stop', 'kill', 'rm', 'restart']);
const ACTIVE_STATES: ReadonlySet<ContainerState> = new Set(['running', 'paused', 'restarting']);
const REVERSIBLE_CONTAINER_VERBS = new Set(['stop', 'kill', 'restart', 'pause', 'start']);
const CONTAINER_VERB_WORDS: Record<string, string> = { stop: 'STOP', kill: 'KILL', restart: 'RESTART', rm: 'REMOVE', down: 'REMOVE', pause: 'PAUSE', start: 'START' };
/** Prunes whose victims are not in the container list. */
const UNLISTED_PRUNE: Record<string, string> = {
  image: 'unused images',
  network: 'unused networks',
  builder: 'build cache',
  buildx: 'build cache',
  volume: 'unused volumes and their data',
  system: 'unused images, networks and build cache',
  'system --volumes': 'unused images, networks, build cache and volumes with their data',
  pod: 'stopped pods',
};

const word = (value: string): ShellWord => ({ text: value, value });
const programOf = (argv: readonly string[]): string => (argv[0] ?? '').slice((argv[0] ?? '').lastIndexOf('/') + 1);

function dockerActionOf(argv: readonly string[]): DockerAction {
  const rest = argv.slice(1);
  if (programOf(argv).endsWith('-compose')) return composeAction(rest);
  const { subcommand, args } = dockerCommandLine(rest.map(word));
  const values = args.map((arg) => arg.value ?? arg.text);
  if (subcommand === 'compose') return composeAction(values);
  const [groupVerb = '', ...groupArgs] = values;
  if (subcommand === 'stack' || subcommand === 'service' || subcommand === 'pod') {
    return { scope: subcommand, group: subcommand, verb: normaliseVerb(groupVerb), args: groupArgs };
  }
  if (subcommand !== null && DOCKER_GROUPS.has(subcommand)) {
    return { scope: 'containers', group: subcommand, verb: normaliseVerb(groupVerb), args: groupArgs };
  }
  return { scope: 'containers', group: subcommand === 'rmi' ? 'image' : null, verb: normaliseVerb(subcommand ?? ''), args: values };
}

const normaliseVerb = (verb: string): string => (verb === 'remove' || verb === 'rmi' ? 'rm' : verb);

/** The verb is the last compose verb written: a project named `stop` still comes before its verb. */
function composeAction(values: readonly string[]): DockerAction {
  const at = values.reduce((found, value, index) => (COMPOSE_VERBS.has(value) ? index : found), -1);
  return { scope: 'compose', group: null, verb: values[at] ?? '', args: values.slice(at + 1) };
}

/**
 * Compose names a project after its directory unless `-p` names it: lowercased, keeping [a-z0-9_-].
 * The analysis gives `-p NAME`, the project directory, or `.` / `*` when it cannot know.
 */
function composeProjectOf(target: string | undefined): string | null {
  if (target === undefined || isRuntimeOnly(target) || target === '.' || target === '~') return null;
  const name = (target.slice(target.lastIndexOf('/') + 1)).toLowerCase().replace(/[^a-z0-9_-]/g, '');
  return name === '' ? null : name;
}

interface ContainerSelection {
  matched: ContainerInfo[];
  /** For the reason line: `running containers on tower (12): swag, mariadb, ...`. */
  summary: string;
  warnings: string[];
}

function selectionOf(what: string, matched: ContainerInfo[], host: string, warnings: string[] = []): ContainerSelection {
  const names = matched.length > 0 ? listNames(matched.map((container) => container.name)) : 'none';
  return { matched, summary: `${what} on ${host} (${matched.length}): ${names}`, warnings };
}

/** The containers on the device a finding acts on; null when it acts on no container (images, volumes, pods). */
function selectContainers(finding: CommandFinding, action: DockerAction, live: readonly ContainerInfo[], host: string): ContainerSelection | null {
  const active = live.filter((container) => ACTIVE_STATES.has(container.state));
  // These verbs only touch running containers.
  const runningOnly = ['stop', 'kill', 'restart', 'pause'].includes(action.verb);
  if (finding.category === 'container_prune') {
    return action.group === 'container' || action.group === 'system'
      ? selectionOf('stopped containers', live.filter((container) => !ACTIVE_STATES.has(container.state)), host)
      : null;
  }
  if (finding.category === 'image_removal' || action.group === 'volume' || action.scope === 'pod') return null;
  if (action.scope === 'compose' && finding.category === 'container_action') {
    return byLabel(live, 'com.docker.compose.service', finding.targets, 'compose service', host);
  }
  if (action.scope === 'compose') {
    const project = composeProjectOf(finding.targets[0]);
    if (project === null) {
      const projects = unique(live.map((container) => container.compose_project).filter((name) => name !== null));
      const known = projects.length > 0 ? `; compose projects on ${host}: ${listNames(projects)}` : '';
      return { matched: [], summary: 'which compose project is not known', warnings: [`The compose project is not known (its directory is not known): which containers it affects cannot be said${known}`] };
    }
    const members = (runningOnly ? active : live).filter((container) => container.compose_project === project);
    const warnings = live.some((container) => container.compose_project === project) ? [] : [`Compose project ${project} has no containers on ${host}`];
    return selectionOf(`${runningOnly ? 'running ' : ''}containers of compose project ${project}`, members, host, warnings);
  }
  if (action.scope === 'stack') return byLabel(live, 'com.docker.stack.namespace', finding.targets, 'swarm stack', host);
  if (action.scope === 'service') return byLabel(live, 'com.docker.swarm.service.name', finding.targets, 'swarm service', host);
  if (finding.targets.includes(ALL_TARGETS)) {
    // `$(docker ps -q)`, `-a`, xargs: what docker ps lists, running ones for stop-like verbs.
    return runningOnly ? selectionOf('running containers', active, host) : selectionOf('containers', [...live], host);
  }
  const matched: ContainerInfo[] = [];
  const warnings: string[] = [];
  for (const target of finding.targets) {
    // Docker also takes an ID or a unique prefix of one.
    const byId = /^[0-9a-f]+$/.test(target) ? live.filter((container) => container.id.startsWith(target)) : [];
    const found = live.find((container) => container.name === target) ?? (byId.length === 1 ? byId[0] : undefined);
    if (found) matched.push(found);
    else warnings.push(`Container ${target} not found on ${host}: docker will fail for it`);
  }
  return { matched, summary: `found on ${host}: ${matched.length > 0 ? listNames(matched.map((container) => container.name)) : 'none'}`, warnings };
}

function byLabel(live: readonly ContainerInfo[], label: string, targets: readonly string[], what: string, host: string): ContainerSelection {
  const matched = live.filter((container) => targets.includes(container.labels[label] ?? ''));
  const missing = targets.filter((target) => !isRuntimeOnly(target) && !matched.some((container) => container.labels[label] === target));
  return selectionOf(`containers of ${what} ${targets.join(', ')}`, matched, host, missing.map((name) => `${capitalise(what)} ${name} not found on ${host}`));
}

/** Why a container matters, or null: its label, the device type's protected names, or a well-known critical service. */
function criticalReasonOf(container: Pick<ContainerInfo, 'name' | 'image' | 'labels'>, device: Device): string | null {
  if (container.labels['infrastructor.critical'] === 'true') return 'marked critical (infrastructor.critical=true)';
  if (device.rules.protectedContainers.some((glob) => globMatches(glob, container.name))) return `protected on ${device.type} devices`;
  return criticalRoleOf(container.name, imageRepository(container.image));
}

function judgeContainers(finding: CommandFinding, argv: readonly string[], device: Device): Judgement {
  const action = dockerActionOf(argv);
  const live = device.containers?.containers ?? null;
  const selected = live === null ? null : selectContainers(finding, action, live, device.host);
  const actsOnContainers = finding.category !== 'image_removal' && finding.category !== 'container_prune' && action.group !== 'volume' && action.scope !== 'pod';
  const named = knownTargets(finding);
  const withVolumes = finding.category === 'volume_removal' || isVolumePrune(action) || (finding.category === 'compose_down' && parseArguments(action.args.map(word), { valued: ['--rmi', '-t', '--timeout'] }).has('-v', '--volumes'));

  // Each affected container with why it is critical (null when it is not).
  let containers: { name: string; detail: string; why: string | null }[] = [];
  let others: AffectedItem[] = [];
  if (selected) {
    containers = selected.matched.map((container) => {
      const project = container.compose_project ? `, compose project ${container.compose_project}` : '';
      return { name: container.name, detail: `${container.state}, image ${container.image}${project}`, why: criticalReasonOf(container, device) };
    });
  } else if (actsOnContainers && action.scope === 'containers') {
    // No live list: the names given are all there is to go on.
    containers = named.map((name) => ({ name, detail: 'not checked against the device', why: criticalReasonOf({ name, image: '', labels: {} }, device) }));
  } else {
    const what = finding.category === 'image_removal' ? 'docker image' : action.scope === 'pod' ? 'podman pod (its containers are not listed)' : action.group === 'volume' ? 'docker volume: its data is deleted' : null;
    others = what === null ? [] : named.map((name) => ({ kind: 'other', name, critical: false, detail: what }));
  }
  const items: AffectedItem[] = [
    ...containers.map(({ name, detail, why }): AffectedItem => ({ kind: 'container', name, critical: why !== null, detail: why ? `${detail}; critical: ${why}` : detail })),
    ...others,
  ];

  const warnings = [...(selected?.warnings ?? [])];
  if (live === null && (actsOnContainers || finding.category === 'container_prune')) {
    warnings.push('The live container list was not available: which containers are affected is not known');
  } else if (device.containers?.docker_available === false) {
    warnings.push(`Docker is not available on ${device.host}: the command will most likely fail`);
  }
  const critical = containers.filter((container) => container.why !== null);
  if (critical.length > 0) {
    warnings.push(`Critical containers affected: ${listNames(critical.map(({ name, why }) => `${name} (${why})`))}; services that depend on them fail while they are down`);
  }
  if (withVolumes) {
    const volumes = action.group === 'volume' && named.length > 0 ? `volumes ${listNames(named)}`
      : action.scope === 'containers' && named.length > 0 ? `the anonymous volumes of ${listNames(named)}` : 'the volumes';
    warnings.push(`Permanent data loss: ${volumes} cannot be recovered without a backup`);
  }

  const removes = ['rm', 'down'].includes(action.verb) || finding.category === 'compose_down' || isContainerPrune(action);
  const checklist = [
    ...(withVolumes ? [CHECK.backup] : []),
    ...(removes && actsOnContainers ? [CHECK.recreate] : []),
    ...(critical.length > 0 ? [`Services that depend on ${listNames(critical.map((item) => item.name))} are known and may go down with them`] : []),
  ];

  return {
    reason: containerReason(finding, action, selected, live !== null),
    items,
    warnings,
    alternatives: containerAlternatives(finding, argv, action, selected?.matched ?? [], named, withVolumes, device),
    checklist,
    downtime: containerDowntime(finding, action),
    reversible: REVERSIBLE_CONTAINER_VERBS.has(action.verb) && (finding.category === 'container_bulk' || finding.category === 'container_action'),
    phrase: containerPhrase(finding, action, selected, named, withVolumes),
    parityBlocks: finding.category !== 'image_removal',
    ...(selected ? { countRisk: countRisk(selected.matched.length) } : {}),
  };
}

const isContainerPrune = (action: DockerAction): boolean => action.verb === 'prune' && (action.group === 'container' || action.group === 'system');
const isVolumePrune = (action: DockerAction): boolean =>
  action.verb === 'prune' && (action.group === 'volume' || (action.group === 'system' && parseArguments(action.args.map(word), { valued: ['--filter'] }).has('--volumes')));

/** 1–2 containers LOW, 3–10 MEDIUM, 11+ HIGH, as in the design document. */
function countRisk(count: number): RiskLevel {
  if (count === 0) return 'NONE';
  if (count <= 2) return 'LOW';
  return count <= 10 ? 'MEDIUM' : 'HIGH';
}

function containerReason(finding: CommandFinding, action: DockerAction, selected: ContainerSelection | null, liveKnown: boolean): string {
  const parts: string[] = [];
  if (selected) {
    parts.push(selected.summary);
  } else if (!liveKnown && finding.category !== 'image_removal' && action.group !== 'volume') {
    parts.push('the live container list was not available');
  }
  const pruned = action.group === 'system' && isVolumePrune(action) ? 'system --volumes' : action.group ?? '';
  const unlisted = finding.category === 'container_prune' ? UNLISTED_PRUNE[pruned] : undefined;
  if (unlisted) parts.push(`${unlisted}: how many is not known here (docker system df shows it)`);
  return parts.length > 0 ? `${finding.reason} — ${parts.join('; ')}` : finding.reason;
}

function containerDowntime(finding: CommandFinding, action: DockerAction): Downtime | null {
  if (finding.category === 'container_prune' || finding.category === 'image_removal' || action.group === 'volume') return null;
  if (finding.category === 'compose_down' || action.verb === 'rm') return 'containersRemoved';
  if (action.verb === 'restart') return 'restart';
  return action.verb === 'stop' || action.verb === 'kill' || action.verb === 'pause' ? 'containersStopped' : null;
}

function containerPhrase(finding: CommandFinding, action: DockerAction, selected: ContainerSelection | null, named: readonly string[], withVolumes: boolean): PhraseSpec {
  const verb = CONTAINER_VERB_WORDS[action.verb] ?? 'CHANGE';
  const suffix = withVolumes && finding.category !== 'container_prune' && action.group !== 'volume' ? 'WITH VOLUMES' : undefined;
  if (finding.category === 'container_prune') return { verb: isVolumePrune(action) ? 'PRUNE DOCKER VOLUMES' : 'PRUNE DOCKER DATA' };
  if (finding.category === 'image_removal') return { verb: 'REMOVE', noun: { one: 'IMAGE', many: 'IMAGES', beforeName: true }, names: named, unknown: 'IMAGES' };
  if (action.group === 'volume') return { verb: 'DELETE', noun: { one: 'VOLUME', many: 'VOLUMES', beforeName: true }, names: named, unknown: 'VOLUMES' };
  if (action.scope === 'compose' && finding.category !== 'container_action') {
    const project = composeProjectOf(finding.targets[0]);
    return { verb, noun: { one: 'COMPOSE PROJECT', many: 'COMPOSE PROJECTS', beforeName: true }, names: project ? [project] : [], unknown: 'UNKNOWN COMPOSE PROJECT', suffix };
  }
  const nouns: Record<ContainerScope, { one: string; many: string }> = {
    containers: { one: 'CONTAINER', many: 'CONTAINERS' },
    compose: { one: 'COMPOSE SERVICE', many: 'COMPOSE SERVICES' },
    stack: { one: 'STACK', many: 'STACKS' },
    service: { one: 'SWARM SERVICE', many: 'SWARM SERVICES' },
    pod: { one: 'POD', many: 'PODS' },
  };
  const noun = { ...nouns[action.scope], beforeName: true };
  // For "all", the live list gives the count; named targets are what was asked for, found or not.
  const names = finding.targets.includes(ALL_TARGETS) ? (selected?.matched.map((container) => container.name) ?? []) : named;
  return { verb, noun, names, unknown: `ALL ${noun.many}`, suffix };
}

function containerAlternatives(
  finding: CommandFinding, argv: readonly string[], action: DockerAction, matched: readonly ContainerInfo[], named: readonly string[], withVolumes: boolean, device: Device,
): string[] {
  // Suggest the tool that was used: docker, podman, nerdctl (docker-compose → docker compose).
  const cli = programOf(argv).replace(/-compose$/, '') || 'docker';
  if (finding.category === 'container_prune') {
    if (isVolumePrune(action)) return [`${cli} volume ls -f dangling=true to review; back up the volumes that hold data first`];
    if (action.group === 'container') return [`${cli} ps -a --filter status=exited to review, then ${cli} rm only the containers you mean`];
    return [`${cli} system df, then ${cli} image prune --filter until=168h (only images unused for a week)`];
  }
  if (finding.category === 'image_removal') return [`${cli} image ls to review: pulled images can be pulled again, locally built ones cannot`];
  if (action.group === 'volume') {
    const volume = named[0] ?? 'VOLUME';
    return [`back up first: ${cli} run --rm -v ${volume}:/data -v "$PWD":/backup alpine tar czf /backup/${volume}.tgz -C /data .`];
  }
  // Named compose services are a targeted action: nothing safer to offer.
  if (action.scope === 'compose' && finding.category === 'container_action') return [];
  if (action.scope === 'compose') {
    const project = composeProjectOf(finding.targets[0]);
    const projectOption = project ? ` -p ${project}` : '';
    if (finding.category === 'compose_down') {
      return withVolumes
        ? [`${cli} compose${projectOption} down without -v (keeps the volumes)`, `${cli} compose${projectOption} stop (keeps containers and volumes)`]
        : [`${cli} compose${projectOption} stop (keeps containers and volumes)`];
    }
    return [`${cli} compose${projectOption} ${action.verb === 'rm' ? 'stop' : action.verb} SERVICE (only the services you mean)`];
  }
  if (action.scope === 'stack' || action.scope === 'service') return [`${cli} service scale NAME=0 stops a service and keeps its definition`];
  if (action.scope === 'pod') return [`${cli} pod stop keeps the pods and their containers`];

  const alternatives: string[] = [];
  if (finding.targets.includes(ALL_TARGETS)) {
    // Suggest the ordinary containers by name: the critical ones are better left alone.
    const ordinary = matched.filter((container) => criticalReasonOf(container, device) === null).map((container) => container.name).slice(0, 3);
    alternatives.push(`${cli} ${action.verb === 'rm' ? 'stop' : action.verb} ${ordinary.length > 0 ? ordinary.join(' ') : 'NAME...'} (name the containers you mean)`);
    const project = matched.find((container) => container.compose_project !== null)?.compose_project;
    if (project) alternatives.push(`${cli} compose -p ${project} stop (one project at a time; keeps containers and volumes)`);
  }
  if (action.verb === 'rm') alternatives.push(`${cli} stop ${named.join(' ') || 'NAME...'} instead: stopped containers can be started again`);
  if (action.verb === 'kill') alternatives.push(`${cli} stop ${named.join(' ') || 'NAME...'} lets the containers shut down cleanly`);
  return alternatives;
}

// ---------------------------------------------------------------------------------------------------
// Paths

/** Programs whose file system findings delete; the others (redirections, tee, cp, dd, truncate) overwrite. */
const DELETING_PROGRAMS = new Set(['rm', 'unlink', 'shred', 'find', 'rsync', 'mv']);

function judgePaths(finding: CommandFinding, argv: readonly string[], device: Device): Judgement {
  const paths = knownTargets(finding);
  // LOW findings (log truncation) do no lasting harm: protection and data-loss warnings are about the destructive ones.
  const guarded = riskRank(finding.risk) >= riskRank(DESTRUCTIVE_FROM);
  const protections = paths.map((path) => ({ path, protection: guarded ? protectedPathOf(path, device.rules) : null }));
  const items: AffectedItem[] = protections.map(({ path, protection }) => ({
    kind: 'path', name: path, critical: protection !== null, ...(protection ? { detail: `protected on ${device.type} devices (${protection.rule})` } : {}),
  }));
  const warnings = protections.flatMap(({ path, protection }) => {
    if (!protection) return [];
    const place = protection.relation === 'is' ? `${path} is` : `${path} ${protection.relation} ${protection.rule},`;
    return [`${place} a protected path on ${device.type} devices`];
  });
  const first = paths[0] ?? 'PATH';
  const pathsNoun = { one: 'PATH', many: 'PATHS', beforeName: false };

  if (finding.category === 'permission_change') {
    return {
      reason: finding.reason,
      items,
      warnings,
      alternatives: [`getfacl -R ${first} > /root/acl-backup.txt first (setfacl --restore=/root/acl-backup.txt undoes the change)`],
      checklist: [],
      downtime: null,
      reversible: false,
      phrase: { verb: ['chown', 'chgrp'].includes(programOf(argv)) ? 'CHANGE OWNERSHIP OF' : 'CHANGE PERMISSIONS OF', noun: pathsNoun, names: paths, unknown: 'UNKNOWN PATHS' },
      parityBlocks: false,
    };
  }
  const deletes = DELETING_PROGRAMS.has(programOf(argv));
  const unknown = finding.targets.some(isRuntimeOnly) ? ' (and paths only known at run time)' : '';
  return {
    reason: finding.reason,
    items,
    warnings: guarded ? [...warnings, `Permanent data loss: ${paths.length > 0 ? `${listNames(paths)}${unknown}` : 'paths only known at run time'} cannot be recovered without a backup`] : warnings,
    alternatives: deletes
      ? [`find ${first} -maxdepth 1 -print to review what is there`, `mv ${first} into a trash directory on the same file system and delete it later`]
      : [`cp -a ${first} ${first}.bak first`],
    checklist: guarded ? [CHECK.backup] : [],
    downtime: null,
    reversible: false,
    phrase: { verb: deletes ? 'DELETE' : 'OVERWRITE', noun: pathsNoun, names: paths, unknown: 'UNKNOWN PATHS' },
    parityBlocks: true,
  };
}

/**
 * The protected path a target is at, inside, or above (deleting /mnt deletes /mnt/user). Home-relative
 * targets are taken to be under /home. `/` protects only itself and `/*`: every path is inside it.
 */
function protectedPathOf(target: string, rules: DeviceProtectionRules): { rule: string; relation: string } | null {
  const location = locatePath(target, null);
  const path = location.kind === 'absolute' ? location.path : location.kind === 'home' ? `/home/*/${location.path}` : null;
  if (path === null) return null;
  const segments = segmentsOf(path);
  for (const rule of rules.protectedPaths) {
    const guarded = segmentsOf(rule);
    if (guarded.length === 0) {
      if (segments.length === 0 || (segments.length === 1 && /^[*?]+$/.test(segments[0] ?? ''))) return { rule, relation: segments.length === 0 ? 'is' : 'covers' };
      continue;
    }
    if (startsWithSegments(segments, guarded)) {
      if (segments.length > guarded.length) return { rule, relation: 'is inside' };
      return { rule, relation: segments.some(hasGlob) ? 'covers' : 'is' };
    }
    if (startsWithSegments(guarded, segments)) return { rule, relation: 'covers' };
  }
  return null;
}

const segmentsOf = (path: string): string[] => path.split('/').filter((segment) => segment !== '');

function startsWithSegments(path: readonly string[], prefix: readonly string[]): boolean {
  return prefix.length <= path.length && prefix.every((segment, index) => segmentsMatch(segment, path[index] ?? ''));
}

/** Either side may be a pattern (`/mnt/disk*` in a rule, `/mnt/*` in a command); two patterns may overlap. */
function segmentsMatch(a: string, b: string): boolean {
  if (hasGlob(a) && hasGlob(b)) return true;
  if (hasGlob(a)) return globMatches(a, b);
  return hasGlob(b) ? globMatches(b, a) : a === b;
}

// ---------------------------------------------------------------------------------------------------
// Disks and ZFS

function judgeDisks(finding: CommandFinding): Judgement {
  const devices = knownTargets(finding);
  const first = devices[0] ?? '/dev/DISK';
  return {
    reason: finding.reason,
    items: devices.map((name) => ({ kind: 'disk', name, critical: false })),
    warnings: [`Permanent data loss: everything on ${devices.length > 0 ? listNames(devices) : 'the device'} is erased`],
    alternatives: [`lsblk -o NAME,SIZE,MODEL,SERIAL,MOUNTPOINTS ${first} to confirm it is the disk you mean`, `wipefs -n ${first} lists signatures without erasing them`],
    checklist: [CHECK.backup, CHECK.identity],
    downtime: null,
    reversible: false,
    phrase: { verb: 'WIPE', noun: { one: 'DEVICE', many: 'DEVICES', beforeName: false }, names: devices, unknown: 'UNKNOWN DEVICES' },
    parityBlocks: true,
  };
}

/** zpool verbs that lose data on their targets; the rest (offline, detach, export...) reduce redundancy or availability. */
const ZPOOL_DATA_LOSS = new Set(['destroy', 'labelclear', 'create', 'add']);

function judgeZfs(finding: CommandFinding, argv: readonly string[]): Judgement {
  const targets = knownTargets(finding);
  const first = targets[0] ?? 'POOL/DATASET';
  const sub = argv[1] ?? '';
  const zfsNoun = { one: 'ZFS', many: 'ZFS DATASETS', beforeName: true };
  let phrase: PhraseSpec;
  let alternatives: string[];
  let dataLoss = true;
  let reversible = false;
  if (programOf(argv) === 'zpool') {
    dataLoss = ZPOOL_DATA_LOSS.has(sub);
    reversible = sub === 'offline' || sub === 'export';
    phrase = sub === 'destroy'
      ? { verb: 'DESTROY', noun: { one: 'ZFS POOL', many: 'ZFS POOLS', beforeName: true }, names: targets }
      : { verb: `ZPOOL ${sub.toUpperCase()}`, noun: { one: 'POOL', many: 'POOLS', beforeName: false }, names: targets.slice(0, 1) };
    alternatives = sub === 'destroy'
      ? [`zpool export ${first} takes the pool offline reversibly (zpool import brings it back)`]
      : [`zpool status ${first} to check redundancy first`];
  } else if (sub === 'rollback') {
    phrase = { verb: 'ROLL BACK', noun: zfsNoun, names: targets };
    alternatives = [`zfs clone ${first} ${first.split('@')[0] ?? first}-restore to copy files back without losing later changes`];
  } else if (sub === 'set') {
    dataLoss = false;
    reversible = true;
    const properties = argv.slice(2).filter((arg) => arg.includes('=')).map((arg) => arg.slice(0, arg.indexOf('=')));
    phrase = { verb: `SET ${properties.join(' ').toUpperCase() || 'PROPERTIES'} OF`, noun: zfsNoun, names: targets };
    alternatives = [`zfs get ${properties.join(',') || 'all'} ${first} shows the current value and its source, to set it back`];
  } else if (sub === 'receive' || sub === 'recv') {
    phrase = { verb: 'OVERWRITE', noun: zfsNoun, names: targets };
    alternatives = ['receive into a new dataset, check it, then zfs rename'];
  } else {
    phrase = { verb: 'DESTROY', noun: zfsNoun, names: targets };
    alternatives = [`zfs destroy -n -v ${first} (dry run: lists what would be destroyed)`];
    // A snapshot of the dataset is destroyed with it: only a copy on another pool is a backup.
    if (!first.includes('@')) alternatives.push(`zfs snapshot ${first}@before-destroy and zfs send it to another pool first`);
  }
  return {
    reason: finding.reason,
    items: targets.map((name) => ({ kind: 'zfs', name, critical: false })),
    warnings: dataLoss ? [`Permanent data loss: ${targets.length > 0 ? listNames(targets) : 'the datasets'} cannot be recovered without a backup`] : [],
    alternatives,
    checklist: dataLoss ? [CHECK.backup, CHECK.identity] : [CHECK.identity],
    downtime: null,
    reversible,
    phrase: { ...phrase, unknown: 'ZFS DATASETS' },
    parityBlocks: true,
  };
}

// ---------------------------------------------------------------------------------------------------
// Power, services, network

type PowerAction = 'reboot' | 'power_off' | 'sleep' | 'single_user' | 'runlevel' | 'sysrq';

/** Words of systemctl, init/telinit and ipmitool that name a power action. */
const POWER_WORDS: Record<string, PowerAction> = {
  reboot: 'reboot', kexec: 'reboot', 'soft-reboot': 'reboot', 6: 'reboot', cycle: 'reboot', reset: 'reboot',
  poweroff: 'power_off', halt: 'power_off', 0: 'power_off', off: 'power_off', soft: 'power_off',
  suspend: 'sleep', hibernate: 'sleep', 'hybrid-sleep': 'sleep', 'suspend-then-hibernate': 'sleep', sleep: 'sleep',
  rescue: 'single_user', emergency: 'single_user', 1: 'single_user', s: 'single_user', single: 'single_user',
  2: 'runlevel', 3: 'runlevel', 4: 'runlevel', 5: 'runlevel',
};

function powerActionOf(finding: CommandFinding, argv: readonly string[]): PowerAction {
  if (finding.targets.includes('/proc/sysrq-trigger')) return 'sysrq';
  const program = programOf(argv);
  if (program === 'shutdown') return parseArguments(argv.slice(1).map(word)).has('-r', '--reboot') ? 'reboot' : 'power_off';
  const spoken = [program, ...argv.slice(1)].map((value) => POWER_WORDS[value.toLowerCase().replace(/\.target$/, '')]).filter((action) => action !== undefined);
  // The action comes last (`ipmitool -H bmc chassis power cycle`); failing that, CRITICAL means it does not come back.
  return spoken.at(-1) ?? (finding.risk === 'CRITICAL' ? 'power_off' : 'reboot');
}

const POWER: Record<PowerAction, { phrase: PhraseSpec; downtime: Downtime; detail: string; alternatives: string[]; warning?: (host: string) => string }> = {
  reboot: {
    phrase: { verb: 'REBOOT', deviceIsObject: true },
    downtime: 'reboot',
    detail: 'reboots',
    alternatives: ['shutdown -r +5 (cancellable with shutdown -c)', 'systemctl restart SERVICE if only one service misbehaves'],
  },
  power_off: {
    phrase: { verb: 'POWER OFF', deviceIsObject: true },
    downtime: 'powerOff',
    detail: 'powers off',
    alternatives: ['shutdown -h +5 (cancellable with shutdown -c)', 'reboot instead if the device should come back by itself'],
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

function judgePower(finding: CommandFinding, argv: readonly string[], device: Device): Judgement {
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

type ServiceVerb = 'stop' | 'restart' | 'disable' | 'mask' | 'isolate';

const SERVICE_DOWNTIME: Record<ServiceVerb, Downtime> = { stop: 'service', restart: 'restart', disable: 'nextBoot', mask: 'nextBoot', isolate: 'service' };

/** `now`: `disable --now` and `mask --now` also stop the unit. */
function serviceActionOf(argv: readonly string[]): { verb: ServiceVerb; now: boolean } {
  const words = new Set(argv.slice(1));
  if (words.has('isolate')) return { verb: 'isolate', now: false };
  if (['restart', 'try-restart', 'reload-or-restart', 'try-reload-or-restart', 'condrestart', 'force-reload', 'force-restart'].some((verb) => words.has(verb))) return { verb: 'restart', now: false };
  if (words.has('mask')) return { verb: 'mask', now: words.has('--now') };
  // systemctl disable, rc-update del, update-rc.d remove, chkconfig off / --del.
  if (['disable', 'del', 'delete', 'remove', 'off', '--del'].some((verb) => words.has(verb))) return { verb: 'disable', now: words.has('--now') };
  return { verb: 'stop', now: false };
}

type UnitWeight = 'remote access' | 'infrastructure' | 'ordinary';

/**
 * What depends on a unit, in the analysis's own judgement of stopping it alone: CRITICAL when remote
 * access goes with it, destructive when workloads depend on it.
 */
function unitWeightOf(unit: string): UnitWeight {
  const risk = analyseCommand(`systemctl stop ${shellQuote(unit)}`).risk;
  if (risk === 'CRITICAL') return 'remote access';
  return riskRank(risk) >= riskRank(DESTRUCTIVE_FROM) ? 'infrastructure' : 'ordinary';
}

/** Unraid's docker is `/etc/rc.d/rc.docker`; a unit only known at run time may be docker too. */
const isDockerService = (name: string): boolean => isRuntimeOnly(name) || /^(?:rc\.)?(?:docker|containerd)(?:\.service|\.socket)?$/.test(name);

function judgeServices(finding: CommandFinding, argv: readonly string[], device: Device): Judgement {
  const { verb, now } = serviceActionOf(argv);
  const names = knownTargets(finding);
  const weights = new Map(names.map((name) => [name, unitWeightOf(name)]));
  const remote = names.filter((name) => weights.get(name) === 'remote access');
  const docker = names.filter(isDockerService);
  const persistent = verb === 'disable' || verb === 'mask';
  const takesDown = !persistent || now;
  const listed = names.length > 0 ? listNames(names) : 'The services';
  const warnings = [
    ...(remote.length > 0 ? [`Remote access goes through ${listNames(remote)}: SSH to ${device.host} may be lost${takesDown ? '' : ' at its next boot'}`] : []),
    ...(takesDown && docker.length > 0 && verb !== 'restart' ? [`Stopping ${listNames(docker)} stops every container on ${device.host}`] : []),
    ...(verb === 'disable' ? [`${listed} will not start when ${device.host} next boots, until re-enabled`] : []),
    ...(verb === 'mask' ? [`${listed} cannot be started at all, at boot or by hand, until unmasked`] : []),
  ];
  const first = names[0] ?? 'SERVICE';
  const alternatives = [
    ...(verb === 'stop' && docker.length > 0 ? ['docker stop only the containers you mean, leaving the daemon running'] : []),
    ...(remote.length > 0 ? [`systemctl reload ${remote[0]} applies configuration changes without dropping sessions`] : []),
    ...(verb === 'stop' ? [`systemctl restart ${first} if a restart is what you need`] : []),
    ...(verb === 'mask' ? [`systemctl disable ${first} keeps it from starting at boot and leaves it startable by hand`] : []),
    ...(persistent && programOf(argv) === 'systemctl' ? [`systemctl stop ${first} if it only needs to be down until the next boot`] : []),
  ];
  const verbWord = `${now ? 'STOP AND ' : ''}${{ stop: 'STOP', restart: 'RESTART', disable: 'DISABLE', mask: 'MASK', isolate: 'ISOLATE' }[verb]}`;
  const noun = verb === 'isolate' ? { one: 'TARGET', many: 'TARGETS', beforeName: true } : { one: 'SERVICE', many: 'SERVICES', beforeName: true };
  return {
    reason: finding.reason,
    items: names.map((name): AffectedItem => {
      const weight = weights.get(name) ?? 'ordinary';
      return weight === 'ordinary' ? { kind: 'service', name, critical: false } : { kind: 'service', name, critical: true, detail: weight };
    }),
    warnings,
    alternatives,
    checklist: remote.length > 0 ? [CHECK.console] : [],
    downtime: now ? 'service' : SERVICE_DOWNTIME[verb],
    reversible: true,
    phrase: { verb: verbWord, noun, names, unknown: `UNKNOWN ${noun.many}` },
    // Stopping docker stops every container: held like a container action.
    parityBlocks: takesDown && finding.targets.some(isDockerService),
  };
}

type NetworkTarget = 'firewall' | 'route' | 'link';

/** How to make a network change undoable, per tool. */
const NETWORK_SAFETY_NETS: Record<string, string> = {
  iptables: 'iptables-save > /root/iptables.rules first (iptables-restore < /root/iptables.rules undoes the change)',
  ip6tables: 'ip6tables-save > /root/ip6tables.rules first (ip6tables-restore < /root/ip6tables.rules undoes the change)',
  nft: 'nft list ruleset > /root/nftables.rules first (nft -f /root/nftables.rules restores it)',
  ufw: 'ufw status numbered to review; ufw allow OpenSSH before tightening the rules',
  'firewall-cmd': 'change only the runtime configuration (no --permanent): firewall-cmd --reload reverts it',
  netplan: 'netplan try (rolls back unless confirmed)',
};

function networkTargetOf(argv: readonly string[]): NetworkTarget {
  const program = programOf(argv);
  if (/^(?:ip6?tables|nft$|ufw$|firewall-cmd$)/.test(program)) return 'firewall';
  const object = argv.slice(1).find((value) => !value.startsWith('-')) ?? '';
  return program === 'route' || (program === 'ip' && object !== '' && 'route'.startsWith(object)) ? 'route' : 'link';
}

function judgeNetwork(finding: CommandFinding, argv: readonly string[], device: Device): Judgement {
  const target = networkTargetOf(argv);
  const names = knownTargets(finding);
  const link = names[0] ?? 'IFACE';
  const revert = target === 'link'
    ? `schedule a revert first, e.g. (sleep 300; ip link set ${link} up) & — or run it from the console`
    : 'schedule a revert first, or run it from the console';
  // iptables-legacy, iptables-nft and iptables-restore take the same safety net as iptables.
  const tool = programOf(argv).replace(/-(?:legacy|nft|restore)$/, '');
  return {
    reason: finding.reason,
    items: names.map((name) => (target === 'link' ? { kind: 'interface', name, critical: false } : { kind: 'other', name, critical: false, detail: target })),
    warnings: [`SSH access to ${device.host} may be lost: only the console can restore it`],
    alternatives: [NETWORK_SAFETY_NETS[tool] ?? revert],
    checklist: [CHECK.console],
    downtime: 'console',
    reversible: true,
    phrase: target === 'link'
      ? { verb: 'TAKE DOWN', noun: { one: 'INTERFACE', many: 'INTERFACES', beforeName: false }, names, unknown: 'ALL INTERFACES' }
      : { verb: target === 'firewall' ? 'CHANGE FIREWALL' : 'CHANGE ROUTES' },
    parityBlocks: false,
  };
}

// ---------------------------------------------------------------------------------------------------
// Virtual machines and containers

/**
 * qm and pct name the action after the program; pvesh in its API path (`.../status/stop`, `DELETE
 * .../qemu/100`); virsh after its options (`-c URI`), where `destroy` is the hard stop.
 */
function guestActionOf(argv: readonly string[]): string {
  if (programOf(argv) === 'virsh') {
    const verb = argv.slice(1).find((word, i, rest) => !word.startsWith('-') && rest[i - 1] !== '-c' && rest[i - 1] !== '--connect') ?? '';
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
  stop: { verb: 'STOP', downtime: 'guestsStopped', hard: true, alternatives: (cli, id) => [`${cli} shutdown ${id} lets the guest shut down cleanly`] },
  reset: { verb: 'RESET', downtime: 'guestReboot', hard: true, alternatives: (cli, id) => [`${cli} reboot ${id} lets the guest restart cleanly`] },
  shutdown: { verb: 'SHUT DOWN', downtime: 'guestsStopped', hard: false, alternatives: (cli, id) => [`${cli} reboot ${id} if the guest should come back by itself`] },
  reboot: { verb: 'REBOOT', downtime: 'guestReboot', hard: false, alternatives: () => [] },
  suspend: { verb: 'SUSPEND', downtime: 'guestsSuspended', hard: false, alternatives: () => [] },
};

function judgeGuests(finding: CommandFinding, argv: readonly string[], device: Device): Judgement {
  const names = knownTargets(finding);
  const program = programOf(argv);
  const action = guestActionOf(argv);
  const guest = names[0] ?? 'VMID';
  const cli = program === 'pvesh' ? ((argv[2] ?? '').includes('/lxc/') ? 'pct' : 'qm') : program;
  const items = names.map((name): AffectedItem => ({ kind: 'other', name, critical: false, detail: 'virtual machine or container guest' }));
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
    const power = GUEST_POWER[action] ?? { verb: 'CHANGE', downtime: 'guestsStopped', hard: false, alternatives: () => [] };
    const listed = names.length > 0 ? listNames(names) : 'the guest';
    return {
      ...base,
      warnings: power.hard ? [`No clean shutdown: what ${listed} has not written to disk is lost, as at a power cut`] : [],
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
    alternatives: program === 'virsh'
      ? [`virsh dumpxml ${guest} > ${guest}.xml first; virsh shutdown ${guest} keeps the guest`]
      : [`vzdump ${guest} first; ${cli} shutdown ${guest} keeps the guest`],
    checklist: dataLoss ? [CHECK.backup] : [],
    downtime: null,
    reversible: false,
    phrase: { verb: 'DESTROY', noun: guestNoun, names, unknown: 'GUESTS' },
  };
}

// ---------------------------------------------------------------------------------------------------
// Everything else

const SIMULATE: Record<string, (packages: string) => string> = {
  apt: (packages) => `apt-get -s remove ${packages} (simulate: lists what would go)`,
  'apt-get': (packages) => `apt-get -s remove ${packages} (simulate: lists what would go)`,
  dnf: (packages) => `dnf remove --assumeno ${packages} (lists what would go)`,
  yum: (packages) => `yum remove --assumeno ${packages} (lists what would go)`,
  pacman: (packages) => `pacman -Rp ${packages} (prints what would go)`,
  zypper: (packages) => `zypper rm --dry-run ${packages}`,
  apk: (packages) => `apk del --simulate ${packages}`,
};

function judgeOther(finding: CommandFinding, argv: readonly string[], device: Device): Judgement {
  const names = knownTargets(finding);
  const base = { reason: finding.reason, warnings: [], checklist: [], downtime: null, reversible: false, parityBlocks: false };
  const program = programOf(argv);
  switch (finding.category) {
    case 'package_removal':
      return {
        ...base,
        items: names.map((name) => ({ kind: 'package', name, critical: false })),
        alternatives: [SIMULATE[program]?.(names.join(' ') || 'PACKAGE') ?? 'simulate first with the package manager\'s dry-run option'],
        downtime: 'packages',
        phrase: { verb: 'REMOVE', noun: { one: 'PACKAGE', many: 'PACKAGES', beforeName: true }, names, unknown: 'PACKAGES' },
      };
    case 'process_kill':
      return {
        ...base,
        // CRITICAL kills take init, sshd or the network daemons: the device or SSH may go with them.
        ...(finding.risk === 'CRITICAL' ? { warnings: [`${device.host} or SSH access to it may go down with these processes`], checklist: [CHECK.console] } : {}),
        items: names.map((name) => ({ kind: 'process', name, critical: false })),
        alternatives: [
          // A name or pattern may match more than meant: list first, then kill by PID.
          ...(['pkill', 'killall'].includes(program) && names[0] ? [`pgrep -af ${names[0]} lists the matching processes; kill the PIDs you mean`] : []),
          'systemctl restart the owning service instead of killing its processes',
          'kill -TERM first (lets the process clean up); -KILL only if it hangs',
        ],
        downtime: 'processes',
        phrase: { verb: 'KILL', noun: { one: 'PROCESS', many: 'PROCESSES', beforeName: true }, names, unknown: 'MATCHING PROCESSES' },
      };
    case 'account_change': {
      const files = names.filter((name) => name.includes('/'));
      return {
        ...base,
        items: names.map((name) => ({ kind: 'other', name, critical: false, detail: files.includes(name) ? 'login file' : 'account' })),
        alternatives: files.length > 0 ? [`cp -a ${files[0]} ${files[0]}.bak first`] : [`usermod -L ${names[0] ?? 'USER'} locks the account reversibly (usermod -U unlocks it)`],
        checklist: ['A second session stays open until a fresh login has been tested'],
        phrase: { verb: 'CHANGE', noun: { one: 'LOGIN', many: 'LOGINS', beforeName: true }, names, unknown: 'LOGINS' },
      };
    }
    case 'crontab_removal': {
      const user = parseArguments(argv.slice(1).map(word), { valued: ['-u'] }).value('-u');
      return {
        ...base,
        items: [{ kind: 'other', name: `crontab of ${user ?? 'the SSH user'}`, critical: false }],
        alternatives: ['crontab -l > crontab.backup first; crontab -e removes single jobs'],
        phrase: user ? { verb: 'DELETE CRONTAB OF', names: [user] } : { verb: 'DELETE CRONTAB' },
      };
    }
    case 'resource_exhaustion':
      return {
        ...base,
        items: [{ kind: 'device', name: device.host, critical: false, detail: 'resources exhausted' }],
        warnings: [`${device.host} may stop responding until it is rebooted`],
        alternatives: [],
        checklist: [CHECK.console],
        downtime: 'exhaustion',
        phrase: { verb: 'EXHAUST RESOURCES' },
      };
    default:
      return {
        ...base,
        items: [],
        warnings: ['What this command does could not be analysed: any effect is possible'],
        alternatives: ['run the script\'s contents directly so they can be analysed'],
        checklist: [CHECK.script],
        phrase: { verb: 'RUN UNANALYSABLE COMMAND' },
      };
  }
}

// ---------------------------------------------------------------------------------------------------
// Assembly

function parityBlock(ctx: RiskContext, device: Device, assessed: readonly FindingAssessment[], destructive: boolean): string | null {
  if (!destructive || !ctx.unraidParity?.running || !device.rules.blockDuringParity) return null;
  const blocking = assessed.some((finding) => finding.parityBlocks && riskRank(finding.risk) >= riskRank(DESTRUCTIVE_FROM));
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
  if (names.length > 0 && spec.noun) scopes.push(`${names.length} ${names.length === 1 ? spec.noun.one : spec.noun.many}`);
  if (names.length === 0 && spec.unknown && spec.noun) scopes.push(spec.unknown);
  const place = spec.deviceIsObject ? host : `ON ${host}`;
  const phrases = (scopes.length > 0 ? scopes : ['']).map((scope) => [spec.verb, scope, spec.suffix, place].filter(Boolean).join(' '));
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

/** Targets only known at run time: the unbounded marker, or source text such as `"$DIR"` kept for display. */
const isRuntimeOnly = (target: string): boolean => target === ALL_TARGETS || /[$`]/.test(target);
const knownTargets = (finding: CommandFinding): string[] => unique(finding.targets.filter((target) => !isRuntimeOnly(target)));

const unique = <T>(values: readonly T[]): T[] => [...new Set(values)];
const capitalise = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1);

function listNames(names: readonly string[], max = 6): string {
  const shown = names.slice(0, max).join(', ');
  return names.length > max ? `${shown} and ${names.length - max} more` : shown;
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
    throw new CollectorParseError('unraid_parity', 'no mdResync/mdResyncPos lines: not the status of Unraid\'s md driver', excerptOf(mdstat, 300));
  }
  if (size === 0 && position === 0) return { running: false, detail: `no parity operation running (array ${values.get('mdState') ?? 'state unknown'})` };

  const action = values.get('mdResyncAction') ?? '';
  const operation = /^check\s+[PQ]/.test(action) ? 'parity check' : /^check/.test(action) ? 'read check' : /^recon/.test(action) ? 'parity sync or disk rebuild' : /^clear/.test(action) ? 'disk clear' : 'array operation';
  const total = size > 0 ? size : numberOf('mdResyncSize') ?? 0;
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
