/** What wiping a disk means: everything on it. */
import { CHECK, knownTargets, listNames, type Judgement } from '../judgement.ts';
import type { CommandFinding } from '../types.ts';

export function judgeDisks(finding: CommandFinding): Judgement {
  const devices = knownTargets(finding);
  const first = devices[0] ?? '/dev/DISK';
  return {
    reason: finding.reason,
    items: devices.map((name) => ({ kind: 'disk', name, critical: false })),
    warnings: [
      `Permanent data loss: everything on ${devices.length > 0 ? listNames(devices) : 'the device'} is erased`,
    ],
    alternatives: [
      `lsblk -o NAME,SIZE,MODEL,SERIAL,MOUNTPOINTS ${first} to confirm it is the disk you mean`,
      `wipefs -n ${first} lists signatures without erasing them`,
    ],
    checklist: [CHECK.backup, CHECK.identity],
    downtime: null,
    reversible: false,
    phrase: {
      verb: 'WIPE',
      noun: { one: 'DEVICE', many: 'DEVICES', beforeName: false },
      names: devices,
      unknown: 'UNKNOWN DEVICES',
    },
    parityBlocks: true,
  };
}
