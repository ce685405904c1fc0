/**
 * Package removal (apt, dpkg, dnf/yum, rpm, pacman, apk, snap, zypper, flatpak). Removing any package is
 * MEDIUM; removing one the machine or its remote access depends on (kernel, systemd, sshd, sudo,
 * docker, zfs, network stack, Proxmox) is HIGH. Simulations (`apt-get -s`, `--dry-run`) pass.
 */
import { parseArguments, targetOf } from '../arguments.ts';
import { ALL_TARGETS, type CommandRule, type RiskLevel, type RuleHit, type ShellWord } from '../types.ts';

const ESSENTIAL_PACKAGES = [
  /^openssh/,
  /^ssh$/,
  /^sudo$/,
  /^systemd/,
  /^libc6?$/,
  /^glibc/,
  /^linux-(?:image|generic|headers|modules)/,
  /^kernel/,
  /^grub/,
  /^docker/,
  /^containerd/,
  /^podman$/,
  /^zfs/,
  /^libzfs/,
  /^netplan/,
  /^network-?manager/i,
  /^ifupdown/,
  /^iproute2?$/,
  /^tailscale$/,
  /^wireguard/,
  /^proxmox/,
  /^pve-/,
  /^lvm2$/,
  /^mdadm$/,
  /^cryptsetup/,
  /^bash$/,
  /^coreutils$/,
  /^apt$/,
  /^dpkg$/,
  /^dnf$/,
  /^rpm$/,
  /^pacman$/,
  /^apk-tools$/,
  /^util-linux$/,
  /^dbus/,
  /^udev$/,
  /^e2fsprogs$/,
  /^init/,
  /^busybox$/,
];

const SIMULATION_FLAGS = ['-s', '--simulate', '--dry-run', '--just-print', '--recon', '--no-act', '--assumeno'];

/** Package names may be patterns (`docker*`), versioned (`nginx=1.2`), or carry an arch (`libc6:amd64`). */
function isEssential(name: string | null): boolean {
  if (name === null) return true;
  const bare = name.replace(/[=:<>].*$/, '');
  if (/[*?[]/.test(bare)) {
    const pattern = new RegExp(
      `^${bare
        .replace(/[.+^${}()|\\]/g, '\\$&')
        .replace(/\*/g, '.*')
        .replace(/\?/g, '.')}$`,
    );
    return ['openssh-server', 'systemd', 'docker-ce', 'linux-image-generic', 'zfsutils-linux', 'sudo'].some((sample) =>
      pattern.test(sample),
    );
  }
  return ESSENTIAL_PACKAGES.some((pattern) => pattern.test(bare));
}

function packageRemoval(tool: string, packages: readonly ShellWord[], argsFromStdin: boolean): RuleHit[] {
  if (argsFromStdin)
    return [
      {
        category: 'package_removal',
        risk: 'HIGH',
        reason: `${tool} removes packages read from input`,
        targets: [ALL_TARGETS],
      },
    ];
  if (packages.length === 0) return [];
  const essential = packages.filter((word) => isEssential(word.value));
  const risk: RiskLevel = essential.length > 0 ? 'HIGH' : 'MEDIUM';
  const reason =
    essential.length > 0
      ? `${tool} removes packages the system depends on: ${essential.map(targetOf).join(', ')}`
      : `${tool} removes packages`;
  return [{ category: 'package_removal', risk, reason, targets: packages.map(targetOf) }];
}

const autoremove = (tool: string): RuleHit[] => [
  {
    category: 'package_removal',
    risk: 'MEDIUM',
    reason: `${tool} removes packages nothing depends on any more`,
    targets: [ALL_TARGETS],
  },
];

/** `TOOL [options] VERB packages...` managers. */
function verbManager(removeVerbs: string[], autoremoveVerbs: string[], valued: string[]): CommandRule {
  return (inv) => {
    const parsed = parseArguments(inv.args, { valued });
    if (parsed.has(...SIMULATION_FLAGS)) return [];
    const [verb, ...packages] = parsed.operands;
    if (autoremoveVerbs.includes(verb?.value ?? '')) return autoremove(inv.name);
    return removeVerbs.includes(verb?.value ?? '')
      ? packageRemoval(`${inv.name} ${verb?.value}`, packages, inv.argsFromStdin)
      : [];
  };
}

const APT_VALUED = ['-o', '--option', '-c', '--config-file', '-t', '--target-release', '-a', '--host-architecture'];

const dpkg: CommandRule = (inv) => {
  const parsed = parseArguments(inv.args, { valued: ['--root', '--admindir', '--instdir', '--force', '--log'] });
  if (parsed.has('--no-act', '--dry-run', '--simulate')) return [];
  return parsed.has('-r', '--remove', '-P', '--purge')
    ? packageRemoval('dpkg', parsed.operands, inv.argsFromStdin)
    : [];
};

const rpm: CommandRule = (inv) => {
  const parsed = parseArguments(inv.args, { valued: ['--root', '--dbpath'] });
  if (parsed.has('--test')) return [];
  return parsed.has('-e', '--erase') ? packageRemoval('rpm -e', parsed.operands, inv.argsFromStdin) : [];
};

/** pacman -R, -Rs, -Rns, --remove. */
const pacman: CommandRule = (inv) => {
  const parsed = parseArguments(inv.args, {
    valued: ['-b', '--dbpath', '-r', '--root', '--cachedir', '--config', '--arch'],
  });
  if (parsed.has('-p', '--print')) return [];
  return parsed.has('-R', '--remove') ? packageRemoval('pacman -R', parsed.operands, inv.argsFromStdin) : [];
};

export const packageRules: Record<string, CommandRule> = {
  apt: verbManager(['remove', 'purge'], ['autoremove', 'autopurge'], APT_VALUED),
  'apt-get': verbManager(['remove', 'purge'], ['autoremove', 'autopurge'], APT_VALUED),
  aptitude: verbManager(['remove', 'purge'], [], APT_VALUED),
  dpkg,
  dnf: verbManager(
    ['remove', 'erase', 'rm'],
    ['autoremove'],
    ['--installroot', '--releasever', '-c', '--config', '--setopt'],
  ),
  yum: verbManager(
    ['remove', 'erase'],
    ['autoremove'],
    ['--installroot', '--releasever', '-c', '--config', '--setopt'],
  ),
  microdnf: verbManager(['remove'], ['autoremove'], []),
  rpm,
  pacman,
  yay: pacman,
  paru: pacman,
  apk: verbManager(['del'], [], ['-X', '--repository', '--root', '-p']),
  snap: verbManager(['remove'], [], []),
  zypper: verbManager(['remove', 'rm'], [], ['-R', '--root']),
  flatpak: verbManager(['uninstall', 'remove'], [], []),
};
