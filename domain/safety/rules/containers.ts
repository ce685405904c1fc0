/**
 * Docker / Podman / nerdctl and Compose. Stopping, killing or removing one named container is a
 * targeted action (LOW, not destructive); doing it to several, to `$(docker ps -q)`, to xargs input or
 * to `--all` is bulk. Anything that deletes volumes, named or anonymous, loses data (HIGH).
 */
import { posix } from 'node:path';
import { parseArguments, targetOf, type ParsedArguments } from '../arguments.ts';
import { describeLocation, locatePath } from '../paths.ts';
import { ALL_TARGETS, type CommandRule, type Cwd, type Invocation, type RuleHit, type ShellWord } from '../types.ts';

const DOCKER_GLOBAL_VALUED = [
  '-H',
  '--host',
  '-c',
  '--context',
  '--config',
  '-l',
  '--log-level',
  '--tlscacert',
  '--tlscert',
  '--tlskey',
  '--url',
  '--connection',
  '--identity',
  '--root',
  '--runroot',
];

/** Global options skipped; `subcommand` is the first operand (`ps`, `rm`, `compose`, `container`...). */
export function dockerCommandLine(args: readonly ShellWord[]): {
  subcommand: string | null;
  args: readonly ShellWord[];
} {
  const parsed = parseArguments(args, { valued: DOCKER_GLOBAL_VALUED, stopAtOperand: true });
  const [subcommand, ...rest] = parsed.rest;
  return { subcommand: subcommand?.value ?? null, args: rest };
}

/** `docker rm` = `docker container rm`, `docker rmi` = `docker image rm`. */
const TOP_LEVEL_ALIASES: Record<string, string> = {
  rm: 'container rm',
  stop: 'container stop',
  kill: 'container kill',
  restart: 'container restart',
  rmi: 'image rm',
  'container remove': 'container rm',
  'image remove': 'image rm',
  'volume remove': 'volume rm',
};
const MANAGEMENT_GROUPS = new Set([
  'container',
  'image',
  'volume',
  'network',
  'system',
  'builder',
  'buildx',
  'stack',
  'service',
  'pod',
]);

type DockerAction = (args: readonly ShellWord[], inv: Invocation) => RuleHit[];

const DOCKER_ACTIONS: Record<string, DockerAction> = {
  'container stop': (args, inv) =>
    containerLifecycle('stop', args, inv, ['-t', '--time', '-s', '--signal', '--cidfile']),
  'container kill': (args, inv) => containerLifecycle('kill', args, inv, ['-s', '--signal', '--cidfile']),
  'container restart': (args, inv) =>
    containerLifecycle('restart', args, inv, ['-t', '--time', '-s', '--signal', '--cidfile']),
  'container rm': (args, inv) => containerLifecycle('rm', args, inv, ['--cidfile', '-t', '--time']),
  'pod rm': (args, inv) => containerLifecycle('rm', args, inv, ['-t', '--time']),
  'pod stop': (args, inv) => containerLifecycle('stop', args, inv, ['-t', '--time']),
  'pod kill': (args, inv) => containerLifecycle('kill', args, inv, ['-s', '--signal']),
  'image rm': (args, inv) => {
    const targets = targetsOf(parseArguments(args).operands, inv);
    if (targets.names.length === 0) return [];
    return [
      targets.bulk
        ? {
            category: 'image_removal',
            risk: 'MEDIUM',
            reason: 'removes several or unbounded images',
            targets: targets.names,
          }
        : { category: 'image_removal', risk: 'LOW', reason: 'removes one image', targets: targets.names },
    ];
  },
  'volume rm': (args, inv) => {
    const targets = targetsOf(parseArguments(args).operands, inv);
    if (targets.names.length === 0) return [];
    return [
      {
        category: 'volume_removal',
        risk: 'HIGH',
        reason: 'deletes volumes and the data in them',
        targets: targets.names,
      },
    ];
  },
  'container prune': () => [prune('MEDIUM', 'removes all stopped containers')],
  'image prune': () => [prune('MEDIUM', 'removes unused images')],
  'network prune': () => [prune('MEDIUM', 'removes unused networks')],
  'builder prune': () => [prune('MEDIUM', 'removes the build cache')],
  'buildx prune': () => [prune('MEDIUM', 'removes the build cache')],
  'volume prune': () => [prune('HIGH', 'deletes unused volumes and their data')],
  'system prune': (args) => {
    const parsed = parseArguments(args, { valued: ['--filter'] });
    return [
      parsed.has('--volumes')
        ? prune('HIGH', 'removes stopped containers, unused images, networks and volumes with their data')
        : prune('MEDIUM', 'removes stopped containers, unused networks, images and build cache'),
    ];
  },
  'pod prune': () => [prune('MEDIUM', 'removes all stopped pods')],
  'stack rm': (args, inv) => removeGroup('stack', args, inv),
  'service rm': (args, inv) => removeGroup('service', args, inv),
  compose: (args, inv) => compose(args, inv),
};

function prune(risk: RuleHit['risk'], reason: string): RuleHit {
  return { category: 'container_prune', risk, reason, targets: [ALL_TARGETS] };
}

/** Names given, and whether they make a bulk action: several, unknown (`$(docker ps -q)`) or from xargs. */
function targetsOf(operands: readonly ShellWord[], inv: Invocation, all = false): { names: string[]; bulk: boolean } {
  const unbounded =
    all || inv.argsFromStdin || operands.some((word) => word.value === null || /[*?[]/.test(word.value));
  if (unbounded) return { names: [ALL_TARGETS], bulk: true };
  return { names: operands.map(targetOf), bulk: operands.length > 1 };
}

function containerLifecycle(
  verb: 'stop' | 'kill' | 'restart' | 'rm',
  args: readonly ShellWord[],
  inv: Invocation,
  valued: string[],
): RuleHit[] {
  const parsed = parseArguments(args, { valued });
  const targets = targetsOf(parsed.operands, inv, parsed.has('-a', '--all'));
  if (targets.names.length === 0) return [];
  const hits: RuleHit[] = [];
  if (verb === 'rm' && parsed.has('-v', '--volumes')) {
    hits.push({
      category: 'volume_removal',
      risk: 'HIGH',
      reason: 'removes containers with their anonymous volumes',
      targets: targets.names,
    });
  }
  const description = { stop: 'stops', kill: 'kills', restart: 'restarts', rm: 'removes' }[verb];
  if (!targets.bulk) {
    hits.push({
      category: 'container_action',
      risk: 'LOW',
      reason: `${description} one named container`,
      targets: targets.names,
    });
  } else {
    // A bulk restart disrupts but loses nothing; stop, kill and remove take services down.
    const unbounded = targets.names.includes(ALL_TARGETS);
    const risk = verb === 'restart' ? 'MEDIUM' : unbounded ? 'HIGH' : 'MEDIUM';
    const scope = unbounded ? 'every container it is given (unbounded)' : `${targets.names.length} containers`;
    hits.push({ category: 'container_bulk', risk, reason: `${description} ${scope}`, targets: targets.names });
  }
  return hits;
}

function removeGroup(kind: 'stack' | 'service', args: readonly ShellWord[], inv: Invocation): RuleHit[] {
  const targets = targetsOf(parseArguments(args).operands, inv);
  if (targets.names.length === 0) return [];
  return [
    {
      category: 'container_bulk',
      risk: 'MEDIUM',
      reason: `removes a swarm ${kind} and its containers`,
      targets: targets.names,
    },
  ];
}

const COMPOSE_GLOBAL_VALUED = [
  '-f',
  '--file',
  '-p',
  '--project-name',
  '--project-directory',
  '--env-file',
  '--profile',
  '--ansi',
  '--parallel',
  '--progress',
  '-H',
  '--host',
  '--context',
];

/**
 * `docker compose down` removes the project's containers and networks (MEDIUM); with `-v` also its
 * volumes (HIGH). Targets name the project: its directory (from `--project-directory` or `-f`), its
 * `-p` name, or the working directory.
 */
function compose(args: readonly ShellWord[], inv: Invocation): RuleHit[] {
  const global = parseArguments(args, { valued: COMPOSE_GLOBAL_VALUED, stopAtOperand: true });
  const [subcommand, ...rest] = global.rest;
  const project = [composeProject(global, inv.cwd)];
  switch (subcommand?.value) {
    case 'down': {
      const parsed = parseArguments(rest, { valued: ['--rmi', '-t', '--timeout'] });
      return [
        parsed.has('-v', '--volumes')
          ? {
              category: 'compose_down',
              risk: 'HIGH',
              reason: 'removes the compose project with its volumes and their data',
              targets: project,
            }
          : {
              category: 'compose_down',
              risk: 'MEDIUM',
              reason: "removes the compose project's containers and networks",
              targets: project,
            },
      ];
    }
    case 'rm': {
      const parsed = parseArguments(rest);
      const hits: RuleHit[] = [];
      if (parsed.has('-v', '--volumes')) {
        hits.push({
          category: 'volume_removal',
          risk: 'HIGH',
          reason: 'removes compose containers with their anonymous volumes',
          targets: project,
        });
      }
      hits.push(composeServices('removes', parsed.operands, project));
      return hits;
    }
    case 'stop':
    case 'kill':
      return [
        composeServices(
          subcommand.value === 'stop' ? 'stops' : 'kills',
          parseArguments(rest, { valued: ['-t', '--timeout', '-s', '--signal'] }).operands,
          project,
        ),
      ];
    default:
      return [];
  }
}

function composeServices(description: string, services: readonly ShellWord[], project: string[]): RuleHit {
  if (services.length === 0) {
    return {
      category: 'container_bulk',
      risk: 'MEDIUM',
      reason: `${description} every container of the compose project`,
      targets: project,
    };
  }
  return {
    category: 'container_action',
    risk: 'LOW',
    reason: `${description} named compose services`,
    targets: services.map(targetOf),
  };
}

function composeProject(global: ParsedArguments, cwd: Cwd): string {
  const directory = global.value('--project-directory');
  const file = global.value('-f', '--file');
  const name = global.value('-p', '--project-name');
  const where = directory ?? (file ? posix.dirname(file) : undefined);
  if (where !== undefined) return where === null ? ALL_TARGETS : describeLocation(locatePath(where, cwd), where);
  if (name !== undefined) return name ?? ALL_TARGETS;
  return cwd ?? '.';
}

const docker: CommandRule = (inv) => {
  const { subcommand, args } = dockerCommandLine(inv.args);
  if (subcommand === null) return [];
  const [group, ...groupArgs] = args;
  const key = MANAGEMENT_GROUPS.has(subcommand) && group?.value ? `${subcommand} ${group.value}` : subcommand;
  const action = DOCKER_ACTIONS[TOP_LEVEL_ALIASES[key] ?? key];
  if (!action) return [];
  return action(key === subcommand ? args : groupArgs, inv);
};

export const containerRules: Record<string, CommandRule> = {
  docker,
  podman: docker,
  nerdctl: docker,
  'docker-compose': (inv) => compose(inv.args, inv),
  'podman-compose': (inv) => compose(inv.args, inv),
};
