/** What a container, compose, image or volume finding means on a device: which live containers it reaches and which of them matter. */
import type { AffectedItem } from '../../../schema/operation.ts';
import type { ContainerInfo, ContainerState } from '../../collectors/containers.ts';
import { parseArguments } from '../arguments.ts';
import { criticalRoleOf, globMatches, imageRepository } from '../device-protection-rules.ts';
import {
  CHECK,
  capitalise,
  isRuntimeOnly,
  knownTargets,
  listNames,
  programOf,
  unique,
  word,
  type Device,
  type Downtime,
  type Judgement,
  type PhraseSpec,
} from '../judgement.ts';
import { ALL_TARGETS, type CommandFinding, type RiskLevel } from '../types.ts';
import { dockerCommandLine } from './containers.ts';

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
const CONTAINER_VERB_WORDS: Record<string, string> = {
  stop: 'STOP',
  kill: 'KILL',
  restart: 'RESTART',
  rm: 'REMOVE',
  down: 'REMOVE',
  pause: 'PAUSE',
  start: 'START',
};
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
  return {
    scope: 'containers',
    group: subcommand === 'rmi' ? 'image' : null,
    verb: normaliseVerb(subcommand ?? ''),
    args: values,
  };
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
  const name = target
    .slice(target.lastIndexOf('/') + 1)
    .toLowerCase()
    .replace(/[^a-z0-9_-]/g, '');
  return name === '' ? null : name;
}

interface ContainerSelection {
  matched: ContainerInfo[];
  /** For the reason line: `running containers on tower (12): swag, mariadb, ...`. */
  summary: string;
  warnings: string[];
}

function selectionOf(
  what: string,
  matched: ContainerInfo[],
  host: string,
  warnings: string[] = [],
): ContainerSelection {
  const names = matched.length > 0 ? listNames(matched.map((container) => container.name)) : 'none';
  return { matched, summary: `${what} on ${host} (${matched.length}): ${names}`, warnings };
}

/** The containers on the device a finding acts on; null when it acts on no container (images, volumes, pods). */
function selectContainers(
  finding: CommandFinding,
  action: DockerAction,
  live: readonly ContainerInfo[],
  host: string,
): ContainerSelection | null {
  const active = live.filter((container) => ACTIVE_STATES.has(container.state));
  // These verbs only touch running containers.
  const runningOnly = ['stop', 'kill', 'restart', 'pause'].includes(action.verb);
  if (finding.category === 'container_prune') {
    return action.group === 'container' || action.group === 'system'
      ? selectionOf(
          'stopped containers',
          live.filter((container) => !ACTIVE_STATES.has(container.state)),
          host,
        )
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
      return {
        matched: [],
        summary: 'which compose project is not known',
        warnings: [
          `The compose project is not known (its directory is not known): which containers it affects cannot be said${known}`,
        ],
      };
    }
    const members = (runningOnly ? active : live).filter((container) => container.compose_project === project);
    const warnings = live.some((container) => container.compose_project === project)
      ? []
      : [`Compose project ${project} has no containers on ${host}`];
    return selectionOf(
      `${runningOnly ? 'running ' : ''}containers of compose project ${project}`,
      members,
      host,
      warnings,
    );
  }
  if (action.scope === 'stack')
    return byLabel(live, 'com.docker.stack.namespace', finding.targets, 'swarm stack', host);
  if (action.scope === 'service')
    return byLabel(live, 'com.docker.swarm.service.name', finding.targets, 'swarm service', host);
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
  return {
    matched,
    summary: `found on ${host}: ${matched.length > 0 ? listNames(matched.map((container) => container.name)) : 'none'}`,
    warnings,
  };
}

function byLabel(
  live: readonly ContainerInfo[],
  label: string,
  targets: readonly string[],
  what: string,
  host: string,
): ContainerSelection {
  const matched = live.filter((container) => targets.includes(container.labels[label] ?? ''));
  const missing = targets.filter(
    (target) => !isRuntimeOnly(target) && !matched.some((container) => container.labels[label] === target),
  );
  return selectionOf(
    `containers of ${what} ${targets.join(', ')}`,
    matched,
    host,
    missing.map((name) => `${capitalise(what)} ${name} not found on ${host}`),
  );
}

/** Why a container matters, or null: its label, the device type's protected names, or a well-known critical service. */
function criticalReasonOf(container: Pick<ContainerInfo, 'name' | 'image' | 'labels'>, device: Device): string | null {
  if (container.labels['infrastructor.critical'] === 'true') return 'marked critical (infrastructor.critical=true)';
  if (device.rules.protectedContainers.some((glob) => globMatches(glob, container.name)))
    return `protected on ${device.type} devices`;
  return criticalRoleOf(container.name, imageRepository(container.image));
}

export function judgeContainers(finding: CommandFinding, argv: readonly string[], device: Device): Judgement {
  const action = dockerActionOf(argv);
  const live = device.containers?.containers ?? null;
  const selected = live === null ? null : selectContainers(finding, action, live, device.host);
  const actsOnContainers =
    finding.category !== 'image_removal' &&
    finding.category !== 'container_prune' &&
    action.group !== 'volume' &&
    action.scope !== 'pod';
  const named = knownTargets(finding);
  const withVolumes =
    finding.category === 'volume_removal' ||
    isVolumePrune(action) ||
    (finding.category === 'compose_down' &&
      parseArguments(action.args.map(word), { valued: ['--rmi', '-t', '--timeout'] }).has('-v', '--volumes'));

  // Each affected container with why it is critical (null when it is not).
  let containers: { name: string; detail: string; why: string | null }[] = [];
  let others: AffectedItem[] = [];
  if (selected) {
    containers = selected.matched.map((container) => {
      const project = container.compose_project ? `, compose project ${container.compose_project}` : '';
      return {
        name: container.name,
        detail: `${container.state}, image ${container.image}${project}`,
        why: criticalReasonOf(container, device),
      };
    });
  } else if (actsOnContainers && action.scope === 'containers') {
    // No live list: the names given are all there is to go on.
    containers = named.map((name) => ({
      name,
      detail: 'not checked against the device',
      why: criticalReasonOf({ name, image: '', labels: {} }, device),
    }));
  } else {
    const what =
      finding.category === 'image_removal'
        ? 'docker image'
        : action.scope === 'pod'
          ? 'podman pod (its containers are not listed)'
          : action.group === 'volume'
            ? 'docker volume: its data is deleted'
            : null;
    others = what === null ? [] : named.map((name) => ({ kind: 'other', name, critical: false, detail: what }));
  }
  const items: AffectedItem[] = [
    ...containers.map(({ name, detail, why }): AffectedItem => ({
      kind: 'container',
      name,
      critical: why !== null,
      detail: why ? `${detail}; critical: ${why}` : detail,
    })),
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
    warnings.push(
      `Critical containers affected: ${listNames(critical.map(({ name, why }) => `${name} (${why})`))}; services that depend on them fail while they are down`,
    );
  }
  if (withVolumes) {
    const volumes =
      action.group === 'volume' && named.length > 0
        ? `volumes ${listNames(named)}`
        : action.scope === 'containers' && named.length > 0
          ? `the anonymous volumes of ${listNames(named)}`
          : 'the volumes';
    warnings.push(`Permanent data loss: ${volumes} cannot be recovered without a backup`);
  }

  const removes =
    ['rm', 'down'].includes(action.verb) || finding.category === 'compose_down' || isContainerPrune(action);
  const checklist = [
    ...(withVolumes ? [CHECK.backup] : []),
    ...(removes && actsOnContainers ? [CHECK.recreate] : []),
    ...(critical.length > 0
      ? [`Services that depend on ${listNames(critical.map((item) => item.name))} are known and may go down with them`]
      : []),
  ];

  return {
    reason: containerReason(finding, action, selected, live !== null),
    items,
    warnings,
    alternatives: containerAlternatives(finding, argv, action, selected?.matched ?? [], named, withVolumes, device),
    checklist,
    downtime: containerDowntime(finding, action),
    reversible:
      REVERSIBLE_CONTAINER_VERBS.has(action.verb) &&
      (finding.category === 'container_bulk' || finding.category === 'container_action'),
    phrase: containerPhrase(finding, action, selected, named, withVolumes),
    parityBlocks: finding.category !== 'image_removal',
    ...(selected ? { countRisk: countRisk(selected.matched.length) } : {}),
  };
}

const isContainerPrune = (action: DockerAction): boolean =>
  action.verb === 'prune' && (action.group === 'container' || action.group === 'system');
const isVolumePrune = (action: DockerAction): boolean =>
  action.verb === 'prune' &&
  (action.group === 'volume' ||
    (action.group === 'system' && parseArguments(action.args.map(word), { valued: ['--filter'] }).has('--volumes')));

/** 1–2 containers LOW, 3–10 MEDIUM, 11+ HIGH, as in the design document. */
function countRisk(count: number): RiskLevel {
  if (count === 0) return 'NONE';
  if (count <= 2) return 'LOW';
  return count <= 10 ? 'MEDIUM' : 'HIGH';
}

function containerReason(
  finding: CommandFinding,
  action: DockerAction,
  selected: ContainerSelection | null,
  liveKnown: boolean,
): string {
  const parts: string[] = [];
  if (selected) {
    parts.push(selected.summary);
  } else if (!liveKnown && finding.category !== 'image_removal' && action.group !== 'volume') {
    parts.push('the live container list was not available');
  }
  const pruned = action.group === 'system' && isVolumePrune(action) ? 'system --volumes' : (action.group ?? '');
  const unlisted = finding.category === 'container_prune' ? UNLISTED_PRUNE[pruned] : undefined;
  if (unlisted) parts.push(`${unlisted}: how many is not known here (docker system df shows it)`);
  return parts.length > 0 ? `${finding.reason} — ${parts.join('; ')}` : finding.reason;
}

function containerDowntime(finding: CommandFinding, action: DockerAction): Downtime | null {
  if (finding.category === 'container_prune' || finding.category === 'image_removal' || action.group === 'volume')
    return null;
  if (finding.category === 'compose_down' || action.verb === 'rm') return 'containersRemoved';
  if (action.verb === 'restart') return 'restart';
  return action.verb === 'stop' || action.verb === 'kill' || action.verb === 'pause' ? 'containersStopped' : null;
}

function containerPhrase(
  finding: CommandFinding,
  action: DockerAction,
  selected: ContainerSelection | null,
  named: readonly string[],
  withVolumes: boolean,
): PhraseSpec {
  const verb = CONTAINER_VERB_WORDS[action.verb] ?? 'CHANGE';
  const suffix =
    withVolumes && finding.category !== 'container_prune' && action.group !== 'volume' ? 'WITH VOLUMES' : undefined;
  if (finding.category === 'container_prune')
    return { verb: isVolumePrune(action) ? 'PRUNE DOCKER VOLUMES' : 'PRUNE DOCKER DATA' };
  if (finding.category === 'image_removal')
    return {
      verb: 'REMOVE',
      noun: { one: 'IMAGE', many: 'IMAGES', beforeName: true },
      names: named,
      unknown: 'IMAGES',
    };
  if (action.group === 'volume')
    return {
      verb: 'DELETE',
      noun: { one: 'VOLUME', many: 'VOLUMES', beforeName: true },
      names: named,
      unknown: 'VOLUMES',
    };
  if (action.scope === 'compose' && finding.category !== 'container_action') {
    const project = composeProjectOf(finding.targets[0]);
    return {
      verb,
      noun: { one: 'COMPOSE PROJECT', many: 'COMPOSE PROJECTS', beforeName: true },
      names: project ? [project] : [],
      unknown: 'UNKNOWN COMPOSE PROJECT',
      suffix,
    };
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
  const names = finding.targets.includes(ALL_TARGETS)
    ? (selected?.matched.map((container) => container.name) ?? [])
    : named;
  return { verb, noun, names, unknown: `ALL ${noun.many}`, suffix };
}

function containerAlternatives(
  finding: CommandFinding,
  argv: readonly string[],
  action: DockerAction,
  matched: readonly ContainerInfo[],
  named: readonly string[],
  withVolumes: boolean,
  device: Device,
): string[] {
  // Suggest the tool that was used: docker, podman, nerdctl (docker-compose → docker compose).
  const cli = programOf(argv).replace(/-compose$/, '') || 'docker';
  if (finding.category === 'container_prune') {
    if (isVolumePrune(action))
      return [`${cli} volume ls -f dangling=true to review; back up the volumes that hold data first`];
    if (action.group === 'container')
      return [`${cli} ps -a --filter status=exited to review, then ${cli} rm only the containers you mean`];
    return [`${cli} system df, then ${cli} image prune --filter until=168h (only images unused for a week)`];
  }
  if (finding.category === 'image_removal')
    return [`${cli} image ls to review: pulled images can be pulled again, locally built ones cannot`];
  if (action.group === 'volume') {
    const volume = named[0] ?? 'VOLUME';
    return [
      `back up first: ${cli} run --rm -v ${volume}:/data -v "$PWD":/backup alpine tar czf /backup/${volume}.tgz -C /data .`,
    ];
  }
  // Named compose services are a targeted action: nothing safer to offer.
  if (action.scope === 'compose' && finding.category === 'container_action') return [];
  if (action.scope === 'compose') {
    const project = composeProjectOf(finding.targets[0]);
    const projectOption = project ? ` -p ${project}` : '';
    if (finding.category === 'compose_down') {
      return withVolumes
        ? [
            `${cli} compose${projectOption} down without -v (keeps the volumes)`,
            `${cli} compose${projectOption} stop (keeps containers and volumes)`,
          ]
        : [`${cli} compose${projectOption} stop (keeps containers and volumes)`];
    }
    return [
      `${cli} compose${projectOption} ${action.verb === 'rm' ? 'stop' : action.verb} SERVICE (only the services you mean)`,
    ];
  }
  if (action.scope === 'stack' || action.scope === 'service')
    return [`${cli} service scale NAME=0 stops a service and keeps its definition`];
  if (action.scope === 'pod') return [`${cli} pod stop keeps the pods and their containers`];

  const alternatives: string[] = [];
  if (finding.targets.includes(ALL_TARGETS)) {
    // Suggest the ordinary containers by name: the critical ones are better left alone.
    const ordinary = matched
      .filter((container) => criticalReasonOf(container, device) === null)
      .map((container) => container.name)
      .slice(0, 3);
    alternatives.push(
      `${cli} ${action.verb === 'rm' ? 'stop' : action.verb} ${ordinary.length > 0 ? ordinary.join(' ') : 'NAME...'} (name the containers you mean)`,
    );
    const project = matched.find((container) => container.compose_project !== null)?.compose_project;
    if (project)
      alternatives.push(`${cli} compose -p ${project} stop (one project at a time; keeps containers and volumes)`);
  }
  if (action.verb === 'rm')
    alternatives.push(`${cli} stop ${named.join(' ') || 'NAME...'} instead: stopped containers can be started again`);
  if (action.verb === 'kill')
    alternatives.push(`${cli} stop ${named.join(' ') || 'NAME...'} lets the containers shut down cleanly`);
  return alternatives;
}
