/**
 * Network changes that can cut the device off, including from the operator's own SSH session: links
 * and addresses taken down, default routes removed, firewalls reset or set to drop, VPNs (WireGuard,
 * Tailscale) brought down. Narrow firewall rules that do not touch SSH are targeted actions (LOW).
 */
import { parseArguments, targetOf } from '../arguments.ts';
import { ALL_TARGETS, type CommandRule, type RiskLevel, type RuleHit, type ShellWord } from '../types.ts';

function cut(risk: RiskLevel, reason: string, targets: readonly (ShellWord | string)[]): RuleHit[] {
  const names = targets.map((target) => (typeof target === 'string' ? target : targetOf(target)));
  return [{ category: 'network_cut', risk, reason, targets: names.length > 0 ? names : [ALL_TARGETS] }];
}

/** `ip` and `nmcli` accept any prefix of an object or verb: `ip l` is `ip link`. */
const isAbbreviationOf = (word: string | null | undefined, full: string, shortest = 1): boolean =>
  !!word && word.length >= shortest && full.startsWith(word);

const IP_GLOBAL_VALUED = new Set(['-n', '-netns', '-f', '-family', '-b', '-batch', '-l', '-loops', '-rc', '-rcvbuf']);

const ip: CommandRule = (inv) => {
  let index = 0;
  while (inv.args[index]?.value?.startsWith('-')) index += IP_GLOBAL_VALUED.has(inv.args[index]?.value ?? '') ? 2 : 1;
  const [object, verb, ...rest] = inv.args.slice(index).map((word) => word.value);
  const devices = rest.filter(
    (value): value is string => value !== null && value !== undefined && !['dev', 'down', 'up', 'set'].includes(value),
  );
  if (isAbbreviationOf(object, 'link')) {
    if (isAbbreviationOf(verb, 'set') && rest.includes('down'))
      return cut('HIGH', 'ip link set down disables the interface', devices.slice(0, 1));
    if (isAbbreviationOf(verb, 'delete'))
      return cut('HIGH', 'ip link delete removes the interface', devices.slice(0, 1));
  }
  if (isAbbreviationOf(object, 'address')) {
    if (isAbbreviationOf(verb, 'flush'))
      return cut('HIGH', 'ip address flush removes the interface addresses', devices);
    if (isAbbreviationOf(verb, 'delete')) return cut('HIGH', 'ip address delete removes an address', devices);
  }
  if (isAbbreviationOf(object, 'route')) {
    const defaultRoute = rest.some(
      (value) => value === 'default' || value === '0.0.0.0/0' || value === '::/0' || value === 'all',
    );
    if (isAbbreviationOf(verb, 'flush'))
      return cut(defaultRoute ? 'CRITICAL' : 'HIGH', 'ip route flush removes routes', devices);
    if (isAbbreviationOf(verb, 'delete')) {
      return defaultRoute
        ? cut('CRITICAL', 'removes the default route', ['default'])
        : cut('MEDIUM', 'ip route delete removes a route', devices);
    }
  }
  return [];
};

const ifconfig: CommandRule = (inv) => {
  const [device, ...settings] = inv.args;
  return device && settings.some((word) => word.value === 'down')
    ? cut('HIGH', 'ifconfig down disables the interface', [device])
    : [];
};

const ifdown: CommandRule = (inv) => {
  const parsed = parseArguments(inv.args, { valued: ['-i', '--interfaces', '-X', '--exclude', '-o'] });
  if (parsed.has('-n', '--no-act')) return [];
  return cut('HIGH', 'ifdown disables network interfaces', parsed.has('-a', '--all') ? [ALL_TARGETS] : parsed.operands);
};

const nmcli: CommandRule = (inv) => {
  const parsed = parseArguments(inv.args, {
    valued: [
      '-m',
      '--mode',
      '-c',
      '--colors',
      '-f',
      '--fields',
      '-g',
      '--get-values',
      '-e',
      '--escape',
      '-w',
      '--wait',
    ],
    stopAtOperand: true,
  });
  const [object, verb, ...rest] = parsed.rest;
  const [objectName, verbName] = [object?.value, verb?.value];
  if (isAbbreviationOf(objectName, 'networking') && verbName === 'off')
    return cut('CRITICAL', 'nmcli networking off disables all networking', [ALL_TARGETS]);
  if (isAbbreviationOf(objectName, 'radio') && rest.some((word) => word.value === 'off'))
    return cut('HIGH', 'nmcli radio off disables wireless', [verbName ?? ALL_TARGETS]);
  if (
    isAbbreviationOf(objectName, 'connection') &&
    (isAbbreviationOf(verbName, 'down', 2) || isAbbreviationOf(verbName, 'delete', 3))
  ) {
    return cut('HIGH', `nmcli connection ${verbName} takes the connection away`, rest);
  }
  if (
    isAbbreviationOf(objectName, 'device') &&
    ['disconnect', 'down', 'delete'].some((full) => isAbbreviationOf(verbName, full, 3))
  ) {
    return cut('HIGH', `nmcli device ${verbName} takes the device offline`, rest);
  }
  return [];
};

/** An SSH port or service name in a firewall rule. */
const mentionsSsh = (values: readonly (string | null)[]): boolean =>
  values.some((value) => value !== null && /(?:^|[,:\s/])(?:22|ssh|OpenSSH)(?:$|[,:\s/])/i.test(value));

const DROPPING = new Set(['DROP', 'REJECT']);
const NARROWING_MATCHES = [
  '-s',
  '--source',
  '-d',
  '--destination',
  '-p',
  '--protocol',
  '-i',
  '--in-interface',
  '-o',
  '--out-interface',
  '-m',
  '--match',
  '--dport',
  '--sport',
  '--dports',
  '--src-range',
];

const iptables: CommandRule = (inv) => {
  const valued = [
    '-t',
    '--table',
    '-A',
    '--append',
    '-I',
    '--insert',
    '-D',
    '--delete',
    '-P',
    '--policy',
    '-j',
    '--jump',
    '-N',
    '--new-chain',
    '-F',
    '--flush',
    '-X',
    '--delete-chain',
    '-R',
    '--replace',
    '-L',
    '--list',
    '-S',
    '--list-rules',
    '-Z',
    '--zero',
    ...NARROWING_MATCHES,
    '--to-destination',
    '--to-source',
    '--to-ports',
    '--comment',
    '--state',
    '--ctstate',
    '-w',
    '--wait',
    '--log-prefix',
    '--reject-with',
    '--limit',
    '--set-mark',
    '--icmp-type',
    '-g',
    '--goto',
  ];
  const parsed = parseArguments(inv.args, { valued });
  const table = parsed.value('-t', '--table') ?? 'filter';
  if (parsed.has('-P', '--policy')) {
    const chain = parsed.value('-P', '--policy') ?? '';
    const policy = parsed.operands[0]?.value ?? '';
    if (!DROPPING.has(policy.toUpperCase())) return [];
    return chain === 'FORWARD'
      ? cut('MEDIUM', 'default FORWARD policy DROP cuts containers and VMs off', [chain])
      : cut('CRITICAL', `default ${chain} policy ${policy} drops all traffic not explicitly allowed, SSH included`, [
          chain,
        ]);
  }
  if (parsed.has('-F', '--flush')) {
    const chain = parsed.value('-F', '--flush');
    return cut(
      'HIGH',
      `flushes ${chain ? `chain ${chain}` : `every chain of the ${table} table`}, removing its rules`,
      [chain ?? table],
    );
  }
  if (parsed.has('-X', '--delete-chain'))
    return cut('MEDIUM', 'deletes firewall chains', [parsed.value('-X', '--delete-chain') ?? table]);
  const chain = parsed.value('-A', '--append', '-I', '--insert', '-R', '--replace');
  const target = parsed.value('-j', '--jump');
  if (chain && target && DROPPING.has(target.toUpperCase()) && (chain === 'INPUT' || chain === 'OUTPUT')) {
    if (mentionsSsh(parsed.values('--dport', '--dports', '--sport', '-p', '--protocol')))
      return cut('CRITICAL', 'drops SSH traffic', [chain]);
    if (!parsed.has(...NARROWING_MATCHES)) return cut('CRITICAL', `drops all ${chain} traffic`, [chain]);
    return [
      { category: 'network_cut', risk: 'LOW', reason: `adds a narrow ${target} rule to ${chain}`, targets: [chain] },
    ];
  }
  return [];
};

const iptablesRestore: CommandRule = (inv) =>
  parseArguments(inv.args).has('-t', '--test')
    ? []
    : cut('MEDIUM', 'replaces the firewall rules with a saved set', [ALL_TARGETS]);

const nft: CommandRule = (inv) => {
  const parsed = parseArguments(inv.args, {
    valued: ['-f', '--file', '-I', '--includepath', '-d', '--debug', '-D', '--define'],
  });
  if (parsed.has('-c', '--check')) return [];
  if (parsed.has('-f', '--file'))
    return cut('MEDIUM', 'nft -f loads a ruleset file (usually replacing the rules)', [
      parsed.value('-f', '--file') ?? ALL_TARGETS,
    ]);
  // `nft flush ruleset` and `nft 'flush ruleset'` are the same command.
  const words = parsed.operands.flatMap((word) => (word.value ?? '').split(/\s+/)).filter(Boolean);
  const [verb, object] = words;
  if (verb === 'flush' && object === 'ruleset')
    return cut('HIGH', 'nft flush ruleset removes every firewall rule', ['ruleset']);
  if (verb === 'flush' || verb === 'delete' || verb === 'destroy')
    return cut('MEDIUM', `nft ${verb} ${object ?? ''} removes firewall rules`.trim(), words.slice(1, 3));
  return [];
};

const ufw: CommandRule = (inv) => {
  const parsed = parseArguments(inv.args);
  if (parsed.has('--dry-run')) return [];
  const [verb, ...rest] = parsed.operands.map((word) => word.value);
  switch (verb) {
    case 'enable':
      return cut('HIGH', 'ufw enable applies the firewall; SSH is cut unless allowed', ['ufw']);
    case 'reset':
      return cut('HIGH', 'ufw reset removes every rule and disables the firewall', ['ufw']);
    case 'default':
      return rest.some((value) => value === 'deny' || value === 'reject')
        ? cut(
            rest.includes('outgoing') ? 'CRITICAL' : 'HIGH',
            `ufw default ${rest.join(' ')} drops traffic not explicitly allowed`,
            ['ufw'],
          )
        : [];
    case 'deny':
    case 'reject':
    case 'limit':
      if (verb !== 'limit' && mentionsSsh(rest))
        return cut(
          'CRITICAL',
          `ufw ${verb} blocks SSH`,
          rest.filter((value): value is string => value !== null),
        );
      return [
        {
          category: 'network_cut',
          risk: 'LOW',
          reason: `ufw ${verb} adds a narrow rule`,
          targets: rest.map((value) => value ?? ALL_TARGETS),
        },
      ];
    case 'delete':
      return cut(
        'MEDIUM',
        'ufw delete removes a firewall rule (possibly the one allowing SSH)',
        rest.map((value) => value ?? ALL_TARGETS),
      );
    default:
      return [];
  }
};

const firewallCmd: CommandRule = (inv) => {
  const parsed = parseArguments(inv.args);
  if (parsed.has('--panic-on')) return cut('CRITICAL', 'firewalld panic mode drops all traffic', [ALL_TARGETS]);
  const removed = parsed.values('--remove-service', '--remove-port');
  if (mentionsSsh(removed))
    return cut(
      'CRITICAL',
      'firewalld stops allowing SSH',
      removed.map((value) => value ?? ALL_TARGETS),
    );
  const zone = parsed.value('--set-default-zone');
  if (zone === 'drop' || zone === 'block') return cut('HIGH', `default zone ${zone} rejects incoming traffic`, [zone]);
  return [];
};

const route: CommandRule = (inv) => {
  const values = inv.args.map((word) => word.value);
  if (!values.includes('del')) return [];
  return values.some((value) => value === 'default' || value === '0.0.0.0')
    ? cut('CRITICAL', 'removes the default route', ['default'])
    : cut('MEDIUM', 'route del removes a route', [ALL_TARGETS]);
};

export const networkRules: Record<string, CommandRule> = {
  ip,
  ifconfig,
  ifdown,
  nmcli,
  iptables,
  ip6tables: iptables,
  'iptables-legacy': iptables,
  'iptables-nft': iptables,
  'ip6tables-legacy': iptables,
  'ip6tables-nft': iptables,
  'iptables-restore': iptablesRestore,
  'ip6tables-restore': iptablesRestore,
  nft,
  ufw,
  'firewall-cmd': firewallCmd,
  route,
  'wg-quick': (inv) =>
    inv.args[0]?.value === 'down'
      ? cut('HIGH', 'wg-quick down takes the WireGuard tunnel down', inv.args.slice(1))
      : [],
  wg: (inv) =>
    inv.args[0]?.value === 'set' && inv.args.some((word) => word.value === 'remove')
      ? cut('MEDIUM', 'wg set removes a WireGuard peer', inv.args.slice(1, 2))
      : [],
  tailscale: (inv) => {
    const verb = inv.args.find((word) => !word.value?.startsWith('-'))?.value;
    return verb === 'down' || verb === 'logout'
      ? cut('HIGH', `tailscale ${verb} disconnects this device from the tailnet`, ['tailscale'])
      : [];
  },
  netplan: (inv) =>
    inv.args[0]?.value === 'apply'
      ? cut('MEDIUM', 'netplan apply switches to the new network config without a rollback (netplan try has one)', [
          'netplan',
        ])
      : [],
};
