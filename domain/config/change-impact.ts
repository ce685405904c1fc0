/**
 * Weighs one configuration change the way an experienced homelab operator would: what it breaks or
 * exposes, which services it touches, and what has to be run for it to take effect. Pure: the caller
 * parses both versions and computes the semantic changes (see config-diff.ts).
 *
 * Decisions:
 * - Risk is the highest of the findings; every reason cites its evidence (the service, port, path, upstream).
 *   Reasons are ordered most severe first, then in the order of the semantic changes.
 * - A file that does not parse stays at least HIGH even when the previous version was broken too: whatever
 *   reads it next (reload, `up`, reboot) fails. Nothing is to be restarted then; the hint is the command
 *   that shows the error instead.
 * - A deleted or unparseable file is judged as a whole: one reason instead of one per removed service.
 * - Deleting a compose file leaves its containers running, so there is nothing to restart.
 */
import { riskRank } from '../safety/types.ts';
import { shellQuote } from '../ssh/quote.ts';
import { formatParseError, kindLabel, ofKind, portLabel, serverSubject, type SemanticChange } from './config-diff.ts';
import type {
  ComposeConfig,
  ComposeService,
  ConfigKind,
  NginxServer,
  ParsedConfig,
  ParsedConfigData,
} from './parsed-config.ts';

export type ChangeRiskLevel = 'LOW' | 'MEDIUM' | 'HIGH' | 'CRITICAL';

export interface ChangeImpact {
  risk_level: ChangeRiskLevel;
  reasons: string[];
  /** Compose service names, nginx server_names, or the systemd unit name; sorted. */
  affected_services: string[];
  restart_required: boolean;
  /** The command that applies the change (or, for a file that does not parse, the one that shows why). */
  restart_hint: string | null;
}

export interface ChangeImpactInput {
  /** The file's path on the device (for MOVE, where it is now). */
  path: string;
  changeType: 'CREATE' | 'MODIFY' | 'DELETE' | 'MOVE';
  before: ParsedConfig | null;
  after: ParsedConfig | null;
  changes: SemanticChange[];
}

interface Finding {
  risk: ChangeRiskLevel;
  reason: string;
}

export function assessChangeImpact(input: ChangeImpactInput): ChangeImpact {
  const context = contextOf(input);
  const findings = [...fileFindings(context)];
  // Field changes against a deleted or unparseable version are artifacts (everything "removed"); the
  // file-level reason says what matters.
  if (input.changeType !== 'DELETE' && (input.after === null || input.after.ok)) {
    for (const change of input.changes) findings.push(...changeFindings(change, context));
  }
  const unchanged = context.beforeData !== null && context.afterData !== null && input.changes.length === 0;
  if (unchanged) {
    findings.push({
      risk: 'LOW',
      reason:
        context.kind === 'unknown'
          ? 'content changed; unrecognised file type, so no semantic comparison'
          : 'no semantic change',
    });
  }
  // Stable sort: equal risks keep the order they were found in.
  findings.sort((x, y) => riskRank(y.risk) - riskRank(x.risk));
  const affected = affectedServices(context);
  return {
    risk_level: findings[0]?.risk ?? 'LOW',
    reasons: findings.map((finding) => finding.reason),
    affected_services: affected,
    ...restartOf(context, affected, unchanged),
  };
}

interface Context {
  input: ChangeImpactInput;
  /** The kind the file is now (or was, when deleted). */
  kind: ConfigKind;
  beforeData: ParsedConfigData | null;
  afterData: ParsedConfigData | null;
}

function contextOf(input: ChangeImpactInput): Context {
  const kindOf = (config: ParsedConfig | null) => (config === null ? null : config.ok ? config.data.kind : config.kind);
  const dataOf = (config: ParsedConfig | null) => (config?.ok ? config.data : null);
  return {
    input,
    kind: kindOf(input.after) ?? kindOf(input.before) ?? 'unknown',
    beforeData: dataOf(input.before),
    afterData: dataOf(input.after),
  };
}

function unitName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

// ---------------------------------------------------------------------------------------------------
// Findings

function fileFindings({ input, kind, beforeData, afterData }: Context): Finding[] {
  const findings: Finding[] = [];
  const { after, before } = input;
  if (after && !after.ok) {
    const verb = before === null ? 'does not parse' : before.ok ? 'no longer parses' : 'still does not parse';
    findings.push({ risk: 'HIGH', reason: `${kindLabel(after.kind)} ${verb}: ${formatParseError(after.error)}` });
  }
  if (input.changeType === 'DELETE') {
    const compose = ofKind(beforeData, 'compose');
    const nginx = ofKind(beforeData, 'nginx');
    if (kind === 'compose') {
      const services = compose ? ` (services ${compose.services.map((service) => service.name).join(', ')})` : '';
      findings.push({
        risk: 'HIGH',
        reason: `compose file deleted${services}: the containers it started keep running, unmanaged`,
      });
    } else if (kind === 'systemd') {
      findings.push({
        risk: 'HIGH',
        reason: `systemd unit ${unitName(input.path)} deleted: it will not start again once stopped or after a reboot`,
      });
    } else if (kind === 'nginx') {
      const servers = nginx ? ` (${nginx.servers.map(serverSubject).join(', ')})` : '';
      findings.push({
        risk: 'MEDIUM',
        reason: `nginx config deleted${servers}: no longer served after the next reload`,
      });
    } else {
      findings.push({ risk: 'LOW', reason: 'file deleted' });
    }
  }
  // A created file normally reads as its services or servers added; one with none still gets a reason.
  if (input.changeType === 'CREATE' && input.changes.length === 0) {
    findings.push({ risk: 'LOW', reason: `${kindLabel(kind)} created` });
  }
  if (input.changeType === 'MOVE') {
    const compose = ofKind(afterData, 'compose');
    if (compose && compose.project_name === null) {
      findings.push({
        risk: 'MEDIUM',
        reason: `compose file moved to ${input.path} without a top-level name: the project name follows the directory, so \`up\` would start a second copy of its services`,
      });
    } else if (kind === 'systemd') {
      findings.push({
        risk: 'MEDIUM',
        reason: `systemd unit moved to ${input.path}: systemd knows it by its old path until daemon-reload, and enablement links may point to the old file`,
      });
    } else {
      findings.push({ risk: 'LOW', reason: `file moved to ${input.path}` });
    }
  }
  return findings;
}

/**
 * Reverse-proxy routing lives in these labels; a change there moves or drops a route. Matched on the
 * description config-diff writes for label changes (`service web: label <key> <verb>`).
 */
const ROUTING_LABEL_CHANGE = /: label (traefik|caddy|swag)[._]/;
/** Both spellings of "the container will not be restarted". */
const NO_RESTART = new Set([null, 'no']);

function changeFindings(change: SemanticChange, context: Context): Finding[] {
  const { description, subject } = change;
  const low = (reason = description): Finding[] => [{ risk: 'LOW', reason }];
  const medium = (reason = description): Finding[] => [{ risk: 'MEDIUM', reason }];
  const high = (reason: string): Finding[] => [{ risk: 'HIGH', reason }];
  const beforeCompose = ofKind(context.beforeData, 'compose');
  const afterCompose = ofKind(context.afterData, 'compose');
  switch (change.kind) {
    case 'config.kind_changed':
      return medium();

    case 'compose.service.added':
      return addedServiceFindings(findService(afterCompose, subject), description);
    case 'compose.service.removed':
      return high(`${description}: its container is no longer managed here and \`up --remove-orphans\` deletes it`);
    case 'compose.service.image':
      return medium(imageReason(change));
    case 'compose.service.build':
      return medium(`${description}: the image is rebuilt from different sources`);
    case 'compose.service.container_name':
      return medium(`${description}: proxy configs and containers that reach it by name stop resolving it`);
    case 'compose.service.port_removed': {
      const port = findService(beforeCompose, subject)?.ports.find(
        (candidate) => portLabel(candidate) === change.before,
      );
      return port?.published ? high(`${description}: clients using host port ${port.published} lose access`) : low();
    }
    case 'compose.service.volume_removed':
      return high(`${description}: the container no longer sees the data at that path (it may start empty)`);
    case 'compose.service.network_removed':
      return medium(
        `${description}: it can no longer reach (or be reached by) containers on that network, such as the reverse proxy`,
      );
    case 'compose.service.env_removed':
    case 'compose.service.env_file_removed':
    case 'systemd.env_removed':
    case 'systemd.env_file_removed':
      return medium(`${description}: the program may now miss required settings`);
    case 'compose.service.restart':
    case 'systemd.restart':
      return NO_RESTART.has(change.after ?? null) && !NO_RESTART.has(change.before ?? null)
        ? medium(`${description}: it no longer comes back after a crash or reboot`)
        : low();
    case 'compose.service.privileged':
      return change.after === 'true'
        ? high(`${description}: the container gets full access to host devices and the kernel`)
        : low();
    case 'compose.service.network_mode':
      return networkModeFindings(change);
    case 'compose.service.label_added':
    case 'compose.service.label_removed':
    case 'compose.service.label_changed':
      return ROUTING_LABEL_CHANGE.test(description) ? medium(`${description}: reverse-proxy routing label`) : low();
    case 'compose.volume_removed':
    case 'compose.network_removed':
      return medium(`${description}: services still referring to it fail to start`);
    case 'compose.project_name':
      return medium(`${description}: compose starts a new project while the old project's containers keep running`);

    case 'nginx.server.added':
      return addedServerFindings(context, subject, description);
    case 'nginx.server.removed':
      return medium(`${description}: it is no longer served after the next reload`);
    case 'nginx.server.listen':
      return medium();
    case 'nginx.server.ssl':
      return change.after === 'off'
        ? high(`${description}: traffic, including logins and cookies, goes over plain HTTP`)
        : low();
    case 'nginx.server.upstream':
      return medium();
    case 'nginx.server.auth_removed':
      return authRemovedFindings(change, context);
    case 'nginx.server.location_removed':
      return medium(`${description}: requests to that path now fall to another location`);
    case 'nginx.upstream_block.removed':
    case 'nginx.upstream_block.changed':
      return medium();

    case 'systemd.exec_start':
      return medium();
    case 'systemd.user':
      return userFindings(change);
    case 'systemd.wanted_by':
      return change.after === null ? medium(`${description}: it is no longer started at boot`) : low();

    default:
      return low();
  }
}

function findService(compose: ComposeConfig | null, name: string): ComposeService | undefined {
  return compose?.services.find((service) => service.name === name);
}

function addedServiceFindings(service: ComposeService | undefined, description: string): Finding[] {
  const findings: Finding[] = [{ risk: 'LOW', reason: description }];
  if (service?.privileged)
    findings.push({
      risk: 'HIGH',
      reason: `${description} with privileged: true: full access to host devices and the kernel`,
    });
  if (service?.network_mode === 'host')
    findings.push({
      risk: 'HIGH',
      reason: `${description} with network_mode host: it shares the host's network stack, bypassing port mappings`,
    });
  return findings;
}

/** `nginx` and `nginx:latest` float; a digest or any other tag is pinned. */
function isUnpinned(image: string): boolean {
  if (image.includes('@')) return false;
  const lastSegment = image.slice(image.lastIndexOf('/') + 1);
  const colon = lastSegment.indexOf(':');
  return colon < 0 || lastSegment.slice(colon + 1) === 'latest';
}

function imageReason({ description, before, after }: SemanticChange): string {
  if (after && isUnpinned(after))
    return `${description} (${after} is unpinned: the version that runs changes with every pull)`;
  if (before && isUnpinned(before)) return `${description} (pinned now; ${before} was unpinned)`;
  return description;
}

function networkModeFindings(change: SemanticChange): Finding[] {
  const { description } = change;
  if (change.after === 'host') {
    return [
      {
        risk: 'HIGH',
        reason: `${description}: the container shares the host's network stack, bypassing port mappings`,
      },
    ];
  }
  // `service:gluetun` style modes route a container through another one, usually a VPN.
  const was = change.before ?? '';
  if (was.startsWith('service:') || was.startsWith('container:')) {
    return [
      {
        risk: 'HIGH',
        reason: `${description}: traffic no longer goes through ${was.slice(was.indexOf(':') + 1)} (often a VPN)`,
      },
    ];
  }
  return [{ risk: 'MEDIUM', reason: description }];
}

function serversNamed(data: ParsedConfigData | null, subject: string): NginxServer[] {
  return ofKind(data, 'nginx')?.servers.filter((server) => serverSubject(server) === subject) ?? [];
}

function addedServerFindings(context: Context, subject: string, description: string): Finding[] {
  const exposed = serversNamed(context.afterData, subject).find(
    (server) => server.upstreams.length > 0 && server.auth.length === 0,
  );
  if (!exposed) return [{ risk: 'LOW', reason: description }];
  return [
    { risk: 'MEDIUM', reason: `${description}: proxies to ${exposed.upstreams.join(', ')} with no auth in front` },
  ];
}

/**
 * Swapping one auth method for another is a change to check; losing the last one on a server that
 * proxies an app puts that app on the network without a login. Reported once per server.
 */
function authRemovedFindings(change: SemanticChange, context: Context): Finding[] {
  const removedHere = context.input.changes.filter(
    (other) => other.kind === change.kind && other.subject === change.subject,
  );
  if (removedHere[0] !== change) return [];
  const removed = removedHere.map((other) => other.before).join(', ');
  const exposed = serversNamed(context.afterData, change.subject).find(
    (server) => server.upstreams.length > 0 && server.auth.length === 0,
  );
  if (exposed) {
    return [
      {
        risk: 'CRITICAL',
        reason: `${change.subject}: auth removed (${removed}): ${exposed.upstreams.join(', ')} is now reachable without login`,
      },
    ];
  }
  return [{ risk: 'MEDIUM', reason: `${change.subject}: auth ${removed} removed; check that login is still enforced` }];
}

function userFindings(change: SemanticChange): Finding[] {
  const asRoot = (user: string | null | undefined) => user === null || user === undefined || user === 'root';
  if (asRoot(change.after) && !asRoot(change.before)) {
    return [{ risk: 'HIGH', reason: `${change.description}: the service now runs as root` }];
  }
  return [{ risk: 'MEDIUM', reason: change.description }];
}

// ---------------------------------------------------------------------------------------------------
// Affected services and restart

function affectedServices(context: Context): string[] {
  const { input, kind, beforeData, afterData } = context;
  const broken = input.after !== null && !input.after.ok;
  const wholeFile =
    input.changeType === 'DELETE' ||
    broken ||
    // A broken previous version says nothing about what changed since the last good one.
    (input.before !== null && !input.before.ok);
  const names = new Set<string>();
  if (kind === 'compose') {
    for (const change of input.changes) if (change.kind.startsWith('compose.service.')) names.add(change.subject);
    if (wholeFile) {
      for (const data of [beforeData, afterData])
        ofKind(data, 'compose')?.services.forEach((service) => names.add(service.name));
    }
  } else if (kind === 'nginx') {
    for (const server of nginxServersTouched(context, wholeFile))
      server.server_names.forEach((name) => names.add(name));
  } else if (kind === 'systemd' && (input.changes.length > 0 || input.changeType !== 'MODIFY' || broken)) {
    names.add(unitName(input.path));
  }
  return [...names].sort();
}

function nginxServersTouched({ input, beforeData, afterData }: Context, wholeFile: boolean): NginxServer[] {
  const servers = [...(ofKind(beforeData, 'nginx')?.servers ?? []), ...(ofKind(afterData, 'nginx')?.servers ?? [])];
  if (wholeFile) return servers;
  const subjects = new Set(
    input.changes.filter((change) => change.kind.startsWith('nginx.server.')).map((change) => change.subject),
  );
  const blocks = new Set(
    input.changes
      .filter((change) => change.kind.startsWith('nginx.upstream_block.'))
      .map((change) => change.subject.slice('upstream '.length)),
  );
  return servers.filter(
    (server) =>
      subjects.has(serverSubject(server)) || server.upstreams.some((target) => blocks.has(upstreamHost(target))),
  );
}

/** `http://grafana:3000/path` → `grafana`: the name an `upstream` block would be referred to by. */
function upstreamHost(target: string): string {
  return target.replace(/^[a-z]+:\/\//, '').split(/[:/]/)[0] ?? '';
}

/** Quotes only when needed, so the usual hint stays readable and copy-pasteable. */
function shellArg(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : shellQuote(value);
}

function restartOf(
  context: Context,
  affected: string[],
  unchanged: boolean,
): Pick<ChangeImpact, 'restart_required' | 'restart_hint'> {
  const { input, kind } = context;
  const path = shellArg(input.path);
  const nginx = /\/swag\/|proxy-confs/.test(input.path) ? 'docker exec swag nginx' : 'nginx';
  const unit = shellArg(unitName(input.path));
  if (input.after !== null && !input.after.ok) {
    const check = {
      compose: `docker compose -f ${path} config --quiet`,
      nginx: `${nginx} -t`,
      systemd: `systemd-analyze verify ${path}`,
      unknown: null,
    };
    return { restart_required: false, restart_hint: check[input.after.kind] };
  }
  if (unchanged || kind === 'unknown') return { restart_required: false, restart_hint: null };
  if (kind === 'nginx') return { restart_required: true, restart_hint: `${nginx} -s reload` };
  if (kind === 'systemd') return systemdRestart(context, unit);
  if (input.changeType === 'DELETE') return { restart_required: false, restart_hint: null };
  return { restart_required: true, restart_hint: composeUp(context, path, affected) };
}

function composeUp({ input, afterData }: Context, path: string, affected: string[]): string {
  const present = new Set(ofKind(afterData, 'compose')?.services.map((service) => service.name) ?? []);
  const services = affected.filter((name) => present.has(name)).map(shellArg);
  const orphans = input.changes.some((change) => change.kind === 'compose.service.removed') ? ' --remove-orphans' : '';
  return [`docker compose -f ${path} up -d${orphans}`, ...services].join(' ');
}

function systemdRestart(
  { input, afterData }: Context,
  unit: string,
): Pick<ChangeImpact, 'restart_required' | 'restart_hint'> {
  if (input.changeType === 'DELETE') return { restart_required: true, restart_hint: 'systemctl daemon-reload' };
  if (input.changeType === 'CREATE') {
    const atBoot = (ofKind(afterData, 'systemd')?.wanted_by.length ?? 0) > 0;
    return {
      restart_required: true,
      restart_hint: `systemctl daemon-reload && systemctl ${atBoot ? 'enable --now' : 'start'} ${unit}`,
    };
  }
  // [Install] is only read by enable/disable: the running service is unaffected.
  if (input.changes.length > 0 && input.changes.every((change) => change.kind === 'systemd.wanted_by')) {
    return { restart_required: false, restart_hint: `systemctl daemon-reload && systemctl reenable ${unit}` };
  }
  return { restart_required: true, restart_hint: `systemctl daemon-reload && systemctl restart ${unit}` };
}
