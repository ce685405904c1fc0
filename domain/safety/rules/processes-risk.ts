/** What killing processes means: their services stop, and with init, sshd or the network daemons the device or SSH too. */
import { CHECK, knownTargets, programOf, type Device, type Judgement } from '../judgement.ts';
import type { CommandFinding } from '../types.ts';

export function judgeProcesses(finding: CommandFinding, argv: readonly string[], device: Device): Judgement {
  const names = knownTargets(finding);
  const program = programOf(argv);
  // CRITICAL kills take init, sshd or the network daemons: the device or SSH may go with them.
  const critical = finding.risk === 'CRITICAL';
  return {
    reason: finding.reason,
    items: names.map((name) => ({ kind: 'process', name, critical: false })),
    warnings: critical ? [`${device.host} or SSH access to it may go down with these processes`] : [],
    alternatives: [
      // A name or pattern may match more than meant: list first, then kill by PID.
      ...(['pkill', 'killall'].includes(program) && names[0]
        ? [`pgrep -af ${names[0]} lists the matching processes; kill the PIDs you mean`]
        : []),
      'systemctl restart the owning service instead of killing its processes',
      'kill -TERM first (lets the process clean up); -KILL only if it hangs',
    ],
    checklist: critical ? [CHECK.console] : [],
    downtime: 'processes',
    reversible: false,
    phrase: {
      verb: 'KILL',
      noun: { one: 'PROCESS', many: 'PROCESSES', beforeName: true },
      names,
      unknown: 'MATCHING PROCESSES',
    },
    parityBlocks: false,
  };
}
