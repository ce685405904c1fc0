/** What stopping, restarting, disabling or masking a service means: remote access, containers, the next boot. */
import type { AffectedItem } from '../../../schema/operation.ts';
import { shellQuote } from '../../ssh/quote.ts';
import { analyseCommand } from '../command-analysis.ts';
import {
  CHECK,
  isRuntimeOnly,
  knownTargets,
  listNames,
  programOf,
  type Device,
  type Downtime,
  type Judgement,
} from '../judgement.ts';
import { DESTRUCTIVE_FROM, riskRank, type CommandFinding } from '../types.ts';

type ServiceVerb = 'stop' | 'restart' | 'disable' | 'mask' | 'isolate';

const SERVICE_DOWNTIME: Record<ServiceVerb, Downtime> = {
  stop: 'service',
  restart: 'restart',
  disable: 'nextBoot',
  mask: 'nextBoot',
  isolate: 'service',
};

/** `now`: `disable --now` and `mask --now` also stop the unit. */
function serviceActionOf(argv: readonly string[]): { verb: ServiceVerb; now: boolean } {
  const words = new Set(argv.slice(1));
  if (words.has('isolate')) return { verb: 'isolate', now: false };
  if (
    [
      'restart',
      'try-restart',
      'reload-or-restart',
      'try-reload-or-restart',
      'condrestart',
      'force-reload',
      'force-restart',
    ].some((verb) => words.has(verb))
  )
    return { verb: 'restart', now: false };
  if (words.has('mask')) return { verb: 'mask', now: words.has('--now') };
  // systemctl disable, rc-update del, update-rc.d remove, chkconfig off / --del.
  if (['disable', 'del', 'delete', 'remove', 'off', '--del'].some((verb) => words.has(verb)))
    return { verb: 'disable', now: words.has('--now') };
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
const isDockerService = (name: string): boolean =>
  isRuntimeOnly(name) || /^(?:rc\.)?(?:docker|containerd)(?:\.service|\.socket)?$/.test(name);

export function judgeServices(finding: CommandFinding, argv: readonly string[], device: Device): Judgement {
  const { verb, now } = serviceActionOf(argv);
  const names = knownTargets(finding);
  const weights = new Map(names.map((name) => [name, unitWeightOf(name)]));
  const remote = names.filter((name) => weights.get(name) === 'remote access');
  const docker = names.filter(isDockerService);
  const persistent = verb === 'disable' || verb === 'mask';
  const takesDown = !persistent || now;
  const listed = names.length > 0 ? listNames(names) : 'The services';
  const warnings = [
    ...(remote.length > 0
      ? [
          `Remote access goes through ${listNames(remote)}: SSH to ${device.host} may be lost${takesDown ? '' : ' at its next boot'}`,
        ]
      : []),
    ...(takesDown && docker.length > 0 && verb !== 'restart'
      ? [`Stopping ${listNames(docker)} stops every container on ${device.host}`]
      : []),
    ...(verb === 'disable' ? [`${listed} will not start when ${device.host} next boots, until re-enabled`] : []),
    ...(verb === 'mask' ? [`${listed} cannot be started at all, at boot or by hand, until unmasked`] : []),
  ];
  const first = names[0] ?? 'SERVICE';
  const alternatives = [
    ...(verb === 'stop' && docker.length > 0
      ? ['docker stop only the containers you mean, leaving the daemon running']
      : []),
    ...(remote.length > 0
      ? [`systemctl reload ${remote[0]} applies configuration changes without dropping sessions`]
      : []),
    ...(verb === 'stop' ? [`systemctl restart ${first} if a restart is what you need`] : []),
    ...(verb === 'mask'
      ? [`systemctl disable ${first} keeps it from starting at boot and leaves it startable by hand`]
      : []),
    ...(persistent && programOf(argv) === 'systemctl'
      ? [`systemctl stop ${first} if it only needs to be down until the next boot`]
      : []),
  ];
  const verbWord = `${now ? 'STOP AND ' : ''}${{ stop: 'STOP', restart: 'RESTART', disable: 'DISABLE', mask: 'MASK', isolate: 'ISOLATE' }[verb]}`;
  const noun =
    verb === 'isolate'
      ? { one: 'TARGET', many: 'TARGETS', beforeName: true }
      : { one: 'SERVICE', many: 'SERVICES', beforeName: true };
  return {
    reason: finding.reason,
    items: names.map((name): AffectedItem => {
      const weight = weights.get(name) ?? 'ordinary';
      return weight === 'ordinary'
        ? { kind: 'service', name, critical: false }
        : { kind: 'service', name, critical: true, detail: weight };
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
