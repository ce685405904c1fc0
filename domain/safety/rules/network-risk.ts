/** What a firewall, route or link change means: SSH access may go, so a way back is set up first. */
import { CHECK, knownTargets, programOf, type Device, type Judgement } from '../judgement.ts';
import type { CommandFinding } from '../types.ts';

type NetworkTarget = 'firewall' | 'route' | 'link';

/** How to make a network change undoable, per tool. */
const NETWORK_SAFETY_NETS: Record<string, string> = {
  iptables: 'iptables-save > /root/iptables.rules first (iptables-restore < /root/iptables.rules undoes the change)',
  ip6tables:
    'ip6tables-save > /root/ip6tables.rules first (ip6tables-restore < /root/ip6tables.rules undoes the change)',
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

export function judgeNetwork(finding: CommandFinding, argv: readonly string[], device: Device): Judgement {
  const target = networkTargetOf(argv);
  const names = knownTargets(finding);
  const link = names[0] ?? 'IFACE';
  const revert =
    target === 'link'
      ? `schedule a revert first, e.g. (sleep 300; ip link set ${link} up) & — or run it from the console`
      : 'schedule a revert first, or run it from the console';
  // iptables-legacy, iptables-nft and iptables-restore take the same safety net as iptables.
  const tool = programOf(argv).replace(/-(?:legacy|nft|restore)$/, '');
  return {
    reason: finding.reason,
    items: names.map((name) =>
      target === 'link'
        ? { kind: 'interface', name, critical: false }
        : { kind: 'other', name, critical: false, detail: target },
    ),
    warnings: [`SSH access to ${device.host} may be lost: only the console can restore it`],
    alternatives: [NETWORK_SAFETY_NETS[tool] ?? revert],
    checklist: [CHECK.console],
    downtime: 'console',
    reversible: true,
    phrase:
      target === 'link'
        ? {
            verb: 'TAKE DOWN',
            noun: { one: 'INTERFACE', many: 'INTERFACES', beforeName: false },
            names,
            unknown: 'ALL INTERFACES',
          }
        : { verb: target === 'firewall' ? 'CHANGE FIREWALL' : 'CHANGE ROUTES' },
    parityBlocks: false,
  };
}
