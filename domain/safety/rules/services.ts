/**
 * Services (systemd, SysV `service` and /etc/init.d, OpenRC, runit). What is critical is decided here:
 * - remote access: ssh/sshd, networking, NetworkManager, systemd-networkd/resolved, tailscaled,
 *   wg-quick@*, zerotier-one. Stopping one can cut the very connection the command came through
 *   (CRITICAL); restarting is MEDIUM (a broken config then locks the operator out).
 * - infrastructure: docker, containerd, podman, libvirtd, pve*, corosync, zfs-* / zed, k3s, kubelet,
 *   firewalls, dbus, udev, logind. Stopping one takes every workload on it down (HIGH).
 * Stopping or restarting an application service (nginx, postgresql, grafana...) is a single-object
 * action: LOW, not destructive. Disabling or masking any service is destructive: it stays down from the
 * next boot on, when nobody is watching.
 */
import { parseArguments } from '../arguments.ts';
import { ALL_TARGETS, maxRisk, type CommandRule, type RiskLevel, type RuleHit, type ShellWord } from '../types.ts';
import { systemctlPowerAction } from './power.ts';

const REMOTE_ACCESS = [
  'ssh',
  'sshd',
  'networking',
  'network',
  'NetworkManager',
  'systemd-networkd',
  'systemd-resolved',
  'tailscaled',
  'wg-quick@*',
  'zerotier-one',
  'openvpn@*',
  'netplan*',
];
const INFRASTRUCTURE = [
  'docker',
  'containerd',
  'podman',
  'libvirtd',
  'pve*',
  'corosync',
  'zfs-*',
  'zfs',
  'zed',
  'k3s',
  'k3s-agent',
  'kubelet',
  'nftables',
  'iptables',
  'netfilter-persistent',
  'firewalld',
  'ufw',
  'dbus',
  'systemd-udevd',
  'udev',
  'systemd-logind',
  'systemd-journald',
  'lxd',
  'incus',
  'ceph*',
  'nfs-server',
  'multipathd',
  'iscsid',
];

type Criticality = 'remote_access' | 'infrastructure' | 'ordinary';

const globToRegExp = (glob: string): RegExp =>
  new RegExp(
    `^${glob
      .replace(/[.+^${}()|\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')
      .replace(/\[!/g, '[^')}$`,
  );

const REMOTE_ACCESS_PATTERNS = REMOTE_ACCESS.map(globToRegExp);
const INFRASTRUCTURE_PATTERNS = INFRASTRUCTURE.map(globToRegExp);
/** A unit pattern given by the user (`systemctl stop 'docker*'`) is tested against sample names. */
const SAMPLE_NAMES = [...REMOTE_ACCESS, ...INFRASTRUCTURE].map((name) => name.replace('*', 'x'));

/** A unit only known at run time (`$SVC`) counts as infrastructure. */
function serviceCriticality(unit: string | null): Criticality {
  if (unit === null) return 'infrastructure';
  const name = unit.replace(/\.(?:service|socket)$/, '');
  if (/[*?[]/.test(name)) {
    const pattern = globToRegExp(name);
    return worstCriticality(SAMPLE_NAMES.filter((sample) => pattern.test(sample)).map(serviceCriticality));
  }
  if (REMOTE_ACCESS_PATTERNS.some((pattern) => pattern.test(name))) return 'remote_access';
  if (INFRASTRUCTURE_PATTERNS.some((pattern) => pattern.test(name))) return 'infrastructure';
  return 'ordinary';
}

function worstCriticality(levels: Criticality[]): Criticality {
  if (levels.includes('remote_access')) return 'remote_access';
  return levels.includes('infrastructure') ? 'infrastructure' : 'ordinary';
}

type ServiceVerb = 'stop' | 'disable' | 'mask' | 'restart';

const RISK: Record<ServiceVerb, Record<Criticality, RiskLevel>> = {
  stop: { remote_access: 'CRITICAL', infrastructure: 'HIGH', ordinary: 'LOW' },
  disable: { remote_access: 'HIGH', infrastructure: 'MEDIUM', ordinary: 'MEDIUM' },
  // A masked unit cannot be started at all: a later restart (a package upgrade restarting sshd) leaves it down.
  mask: { remote_access: 'CRITICAL', infrastructure: 'HIGH', ordinary: 'MEDIUM' },
  restart: { remote_access: 'MEDIUM', infrastructure: 'MEDIUM', ordinary: 'LOW' },
};

const DESCRIPTION: Record<ServiceVerb, string> = {
  stop: 'stops',
  disable: 'disables (from next boot)',
  mask: 'masks (not even startable by hand until unmasked)',
  restart: 'restarts',
};

/** One finding for all units of a verb; `now` (`disable --now`, `mask --now`) also stops them. */
function serviceAction(verb: ServiceVerb, units: readonly ShellWord[], how: string, now = false): RuleHit[] {
  if (units.length === 0) return [];
  const levels = units.map((unit) => serviceCriticality(unit.value));
  const risk = maxRisk(levels.flatMap((level) => (now ? [RISK[verb][level], RISK.stop[level]] : [RISK[verb][level]])));
  const targets = units.map((unit) => unit.value?.replace(/\.service$/, '') ?? ALL_TARGETS);
  const criticality = worstCriticality(levels);
  const kind =
    criticality === 'remote_access'
      ? 'a remote-access service'
      : criticality === 'infrastructure'
        ? 'an infrastructure service'
        : 'a service';
  const action = now ? `stops and ${DESCRIPTION[verb]}` : DESCRIPTION[verb];
  return [{ category: 'service_stop', risk, reason: `${how} ${action} ${kind}: ${targets.join(', ')}`, targets }];
}

const SYSTEMCTL_VERBS: Record<string, ServiceVerb> = {
  stop: 'stop',
  kill: 'stop',
  mask: 'mask',
  disable: 'disable',
  restart: 'restart',
  'try-restart': 'restart',
  'reload-or-restart': 'restart',
  'try-reload-or-restart': 'restart',
  condrestart: 'restart',
  'force-reload': 'restart',
};

const systemctl: CommandRule = (inv) => {
  const parsed = parseArguments(inv.args, {
    valued: [
      '-s',
      '--signal',
      '-H',
      '--host',
      '-M',
      '--machine',
      '--kill-whom',
      '--kill-value',
      '--job-mode',
      '-p',
      '--property',
      '-t',
      '--type',
      '--state',
      '--root',
      '-n',
      '--lines',
      '-o',
      '--output',
      '--what',
      '--when',
      '--reboot-argument',
      '--timestamp',
      '--preset-mode',
      '--message',
      '--boot-loader-menu',
      '--boot-loader-entry',
      '--drop-in',
      '--image',
    ],
  });
  const [verbWord, ...units] = parsed.operands;
  const verb = verbWord?.value ?? '';
  const power = systemctlPowerAction(verb);
  if (power) return power;
  // Starting or isolating a power target (`systemctl start reboot.target`) is the power action.
  if (['start', 'isolate', 'restart'].includes(verb)) {
    const target = units
      .map((unit) => (unit.value ? systemctlPowerAction(unit.value.replace(/\.target$/, '')) : null))
      .find(Boolean);
    if (target) return target;
  }
  if (verb === 'isolate') {
    return [
      {
        category: 'service_stop',
        risk: 'MEDIUM',
        reason: 'systemctl isolate stops every unit not needed by the target',
        targets: units.map((unit) => unit.value ?? ALL_TARGETS),
      },
    ];
  }
  const action = SYSTEMCTL_VERBS[verb];
  if (!action) return [];
  // `disable --now` and `mask --now` also stop the unit.
  const now = (action === 'disable' || action === 'mask') && parsed.has('--now');
  return serviceAction(action, units, `systemctl ${verb}${now ? ' --now' : ''}`, now);
};

const SYSV_VERBS: Record<string, ServiceVerb> = {
  stop: 'stop',
  'force-stop': 'stop',
  kill: 'stop',
  zap: 'stop',
  restart: 'restart',
  'force-reload': 'restart',
  'try-restart': 'restart',
  condrestart: 'restart',
  down: 'stop',
  exit: 'stop',
  'force-shutdown': 'stop',
  'force-restart': 'restart',
};

/** `service NAME VERB`, `rc-service NAME VERB`; `/etc/init.d/NAME VERB` arrives here as `service`. */
const service: CommandRule = (inv) => {
  const parsed = parseArguments(inv.args);
  const [unit, verb] = parsed.operands;
  const action = SYSV_VERBS[verb?.value ?? ''];
  return unit && action ? serviceAction(action, [unit], `${inv.name} ${verb?.value}`) : [];
};

/** runit: `sv stop sshd`. */
const sv: CommandRule = (inv) => {
  const parsed = parseArguments(inv.args, { valued: ['-w'] });
  const [verb, ...units] = parsed.operands;
  const action = SYSV_VERBS[verb?.value ?? ''];
  return action ? serviceAction(action, units, `sv ${verb?.value}`) : [];
};

/** `rc-update del sshd`, `update-rc.d sshd disable|remove`. */
const rcUpdate: CommandRule = (inv) => {
  const [verb, unit] = parseArguments(inv.args).operands;
  return unit && ['del', 'delete'].includes(verb?.value ?? '') ? serviceAction('disable', [unit], 'rc-update del') : [];
};

const updateRcD: CommandRule = (inv) => {
  const [unit, verb] = parseArguments(inv.args).operands;
  return unit && ['disable', 'remove'].includes(verb?.value ?? '')
    ? serviceAction('disable', [unit], `update-rc.d ${verb?.value}`)
    : [];
};

/** `chkconfig nginx off` (also with `--level 35`), `chkconfig --del nginx`. */
const chkconfig: CommandRule = (inv) => {
  const parsed = parseArguments(inv.args, { valued: ['--level'] });
  const [unit, state] = parsed.operands;
  if (!unit) return [];
  if (parsed.has('--del')) return serviceAction('disable', [unit], 'chkconfig --del');
  return state?.value === 'off' ? serviceAction('disable', [unit], 'chkconfig off') : [];
};

export const serviceRules: Record<string, CommandRule> = {
  systemctl,
  service,
  'rc-service': service,
  sv,
  'rc-update': rcUpdate,
  'update-rc.d': updateRcD,
  chkconfig,
};
