/**
 * Killing processes. One PID is a targeted action (LOW). Killing by name or pattern (pkill, killall,
 * `kill $(pgrep x)`) is destructive: a name matches every instance, a pattern (`pkill -f`) whatever
 * command line contains it. PID 1, `-1` (every process), process groups and critical daemons by name
 * (sshd, dockerd, systemd...) rank higher.
 */
import { parseArguments, targetOf } from '../arguments.ts';
import { ALL_TARGETS, maxRisk, type CommandRule, type RiskLevel, type RuleHit, type ShellWord } from '../types.ts';

/** Killing these cuts remote access (CRITICAL) or takes workloads down (HIGH). */
const CRITICAL_DAEMONS: [RegExp, RiskLevel][] = [
  [/^(?:sshd|ssh|systemd|init|NetworkManager|systemd-networkd|tailscaled|wpa_supplicant|dhclient|dhcpcd)$/, 'CRITICAL'],
  [
    /^(?:dockerd|containerd|containerd-shim.*|podman|libvirtd|qemu.*|kvm|pve.*|corosync|zed|k3s|kubelet|dbus-daemon|systemd-.*)$/,
    'HIGH',
  ],
];
/** Names a pkill pattern is tried against. */
const DAEMON_NAMES = [
  'sshd',
  'systemd',
  'init',
  'NetworkManager',
  'tailscaled',
  'dockerd',
  'containerd',
  'libvirtd',
  'qemu-system-x86_64',
  'pvedaemon',
  'zed',
  'k3s',
  'kubelet',
  'dbus-daemon',
];

function daemonRisk(name: string): RiskLevel | null {
  return CRITICAL_DAEMONS.find(([pattern]) => pattern.test(name))?.[1] ?? null;
}

function pidRisk(pid: ShellWord): { risk: RiskLevel; why: string } | null {
  const value = pid.value;
  if (value === '1') return { risk: 'CRITICAL', why: 'PID 1 is init: the system goes down' };
  if (value === '-1') return { risk: 'CRITICAL', why: '-1 signals every process' };
  if (value === '0' || value?.startsWith('-')) return { risk: 'MEDIUM', why: `${value} signals a whole process group` };
  if (value === null || !/^%?\d+$/.test(value)) return { risk: 'MEDIUM', why: `${targetOf(pid)} is not a known PID` };
  return null;
}

/** `kill -9 PID`, `kill -s KILL PID`, `kill -KILL PID`; `kill -l` only lists signals. */
const kill: CommandRule = (inv) => {
  const words = [...inv.args];
  let signal = 'TERM';
  while (words[0]?.value?.startsWith('-') && words[0].value !== '-1' && words[0].value !== '--') {
    const option = words.shift()?.value ?? '';
    if (['-l', '-L', '--list', '--table'].includes(option)) return [];
    if (['-s', '-n', '--signal'].includes(option)) signal = words.shift()?.value ?? signal;
    else signal = option.replace(/^-(?:SIG)?/, '');
  }
  if (words[0]?.value === '--') words.shift();
  if (inv.argsFromStdin)
    return [
      {
        category: 'process_kill',
        risk: 'MEDIUM',
        reason: `kill -${signal} of PIDs read from input`,
        targets: [ALL_TARGETS],
      },
    ];
  if (words.length === 0) return [];
  const dangers = words.map(pidRisk).filter((danger) => danger !== null);
  if (dangers.length === 0)
    return [
      {
        category: 'process_kill',
        risk: 'LOW',
        reason: `kill -${signal} of specific processes`,
        targets: words.map(targetOf),
      },
    ];
  const risk = maxRisk(dangers.map((danger) => danger.risk));
  return [
    {
      category: 'process_kill',
      risk,
      reason: `kill -${signal}: ${dangers.map((danger) => danger.why).join('; ')}`,
      targets: words.map(targetOf),
    },
  ];
};

interface NameMatch {
  /** pkill patterns are regular expressions (an invalid one matches nothing); killall names are exact. */
  regex: boolean;
  /** What a name is tested against, for the reason: `whose name matches`, `named`. */
  matching: string;
  negated: boolean;
  user: string | undefined;
}

function byName(
  program: string,
  names: readonly ShellWord[],
  { regex, matching, negated, user }: NameMatch,
): RuleHit[] {
  if (negated)
    return [
      {
        category: 'process_kill',
        risk: 'CRITICAL',
        reason: `${program} -v signals every process that does NOT match`,
        targets: [ALL_TARGETS],
      },
    ];
  if (names.length === 0) {
    if (!user) return [];
    return [
      {
        category: 'process_kill',
        risk: user === 'root' || user === '0' ? 'CRITICAL' : 'HIGH',
        reason: `${program} signals every process of user ${user}`,
        targets: [ALL_TARGETS],
      },
    ];
  }
  if (names.some((word) => word.value === null)) {
    return [
      {
        category: 'process_kill',
        risk: 'MEDIUM',
        reason: `${program} of processes named only at run time`,
        targets: names.map(targetOf),
      },
    ];
  }
  const daemons = names.flatMap((word) =>
    regex ? DAEMON_NAMES.filter(regexMatcher(word.value ?? '')) : [word.value ?? ''],
  );
  const critical = daemons.filter((daemon) => daemonRisk(daemon) !== null);
  if (critical.length === 0) {
    return [
      {
        category: 'process_kill',
        risk: 'MEDIUM',
        reason: `${program} kills every process ${matching} ${names.map(targetOf).join(', ')}`,
        targets: names.map(targetOf),
      },
    ];
  }
  const risk = maxRisk(critical.map((daemon) => daemonRisk(daemon) ?? 'NONE'));
  return [
    {
      category: 'process_kill',
      risk,
      reason: `${program} kills critical daemons: ${[...new Set(critical)].join(', ')}`,
      targets: names.map(targetOf),
    },
  ];
}

function regexMatcher(pattern: string): (name: string) => boolean {
  try {
    const regExp = new RegExp(pattern);
    return (name) => regExp.test(name);
  } catch {
    return () => false;
  }
}

const pkill: CommandRule = (inv) => {
  const parsed = parseArguments(inv.args, {
    valued: [
      '-u',
      '--euid',
      '-U',
      '--uid',
      '-g',
      '--pgroup',
      '-G',
      '--group',
      '-P',
      '--parent',
      '-s',
      '--session',
      '-t',
      '--terminal',
      '--signal',
      '-F',
      '--pidfile',
      '--ns',
      '--nslist',
    ],
  });
  return byName('pkill', parsed.operands, {
    regex: true,
    matching: parsed.has('-f', '--full') ? 'whose command line matches' : 'whose name matches',
    negated: parsed.has('-v', '--inverse'),
    user: parsed.value('-u', '--euid', '-U', '--uid') ?? undefined,
  });
};

const killall: CommandRule = (inv) => {
  const parsed = parseArguments(inv.args, {
    valued: [
      '-s',
      '--signal',
      '-u',
      '--user',
      '-o',
      '--older-than',
      '-y',
      '--younger-than',
      '-n',
      '--ns',
      '-Z',
      '--context',
    ],
  });
  if (parsed.has('-l', '--list')) return [];
  // `killall -r` takes regular expressions like pkill.
  const regex = parsed.has('-r', '--regexp');
  return byName('killall', parsed.operands, {
    regex,
    matching: regex ? 'whose name matches' : 'named',
    negated: false,
    user: parsed.value('-u', '--user') ?? undefined,
  });
};

export const processRules: Record<string, CommandRule> = {
  kill,
  pkill,
  killall,
  killall5: () => [
    { category: 'process_kill', risk: 'CRITICAL', reason: 'killall5 signals every process', targets: [ALL_TARGETS] },
  ],
};
