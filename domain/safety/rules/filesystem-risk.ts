/** What a file system delete, overwrite or permission change means on a device: the protected paths it touches. */
import type { AffectedItem } from '../../../schema/operation.ts';
import { globMatches, hasGlob, type DeviceProtectionRules } from '../device-protection-rules.ts';
import { CHECK, isRuntimeOnly, knownTargets, listNames, programOf, type Device, type Judgement } from '../judgement.ts';
import { locatePath } from '../paths.ts';
import { DESTRUCTIVE_FROM, riskRank, type CommandFinding } from '../types.ts';

/** Programs whose file system findings delete; the others (redirections, tee, cp, dd, truncate) overwrite. */
const DELETING_PROGRAMS = new Set(['rm', 'unlink', 'shred', 'find', 'rsync', 'mv']);

export function judgePaths(finding: CommandFinding, argv: readonly string[], device: Device): Judgement {
  const paths = knownTargets(finding);
  // LOW findings (log truncation) do no lasting harm: protection and data-loss warnings are about the destructive ones.
  const guarded = riskRank(finding.risk) >= riskRank(DESTRUCTIVE_FROM);
  const protections = paths.map((path) => ({ path, protection: guarded ? protectedPathOf(path, device.rules) : null }));
  const items: AffectedItem[] = protections.map(({ path, protection }) => ({
    kind: 'path',
    name: path,
    critical: protection !== null,
    ...(protection ? { detail: `protected on ${device.type} devices (${protection.rule})` } : {}),
  }));
  const warnings = protections.flatMap(({ path, protection }) => {
    if (!protection) return [];
    const place = protection.relation === 'is' ? `${path} is` : `${path} ${protection.relation} ${protection.rule},`;
    return [`${place} a protected path on ${device.type} devices`];
  });
  const first = paths[0] ?? 'PATH';
  const pathsNoun = { one: 'PATH', many: 'PATHS', beforeName: false };

  if (finding.category === 'permission_change') {
    return {
      reason: finding.reason,
      items,
      warnings,
      alternatives: [
        `getfacl -R ${first} > /root/acl-backup.txt first (setfacl --restore=/root/acl-backup.txt undoes the change)`,
      ],
      checklist: [],
      downtime: null,
      reversible: false,
      phrase: {
        verb: ['chown', 'chgrp'].includes(programOf(argv)) ? 'CHANGE OWNERSHIP OF' : 'CHANGE PERMISSIONS OF',
        noun: pathsNoun,
        names: paths,
        unknown: 'UNKNOWN PATHS',
      },
      parityBlocks: false,
    };
  }
  const deletes = DELETING_PROGRAMS.has(programOf(argv));
  const unknown = finding.targets.some(isRuntimeOnly) ? ' (and paths only known at run time)' : '';
  return {
    reason: finding.reason,
    items,
    warnings: guarded
      ? [
          ...warnings,
          `Permanent data loss: ${paths.length > 0 ? `${listNames(paths)}${unknown}` : 'paths only known at run time'} cannot be recovered without a backup`,
        ]
      : warnings,
    alternatives: deletes
      ? [
          `find ${first} -maxdepth 1 -print to review what is there`,
          `mv ${first} into a trash directory on the same file system and delete it later`,
        ]
      : [`cp -a ${first} ${first}.bak first`],
    checklist: guarded ? [CHECK.backup] : [],
    downtime: null,
    reversible: false,
    phrase: { verb: deletes ? 'DELETE' : 'OVERWRITE', noun: pathsNoun, names: paths, unknown: 'UNKNOWN PATHS' },
    parityBlocks: true,
  };
}

/**
 * The protected path a target is at, inside, or above (deleting /mnt deletes /mnt/user). Home-relative
 * targets are taken to be under /home. `/` protects only itself and `/*`: every path is inside it.
 */
function protectedPathOf(target: string, rules: DeviceProtectionRules): { rule: string; relation: string } | null {
  const location = locatePath(target, null);
  const path =
    location.kind === 'absolute' ? location.path : location.kind === 'home' ? `/home/*/${location.path}` : null;
  if (path === null) return null;
  const segments = segmentsOf(path);
  for (const rule of rules.protectedPaths) {
    const guarded = segmentsOf(rule);
    if (guarded.length === 0) {
      if (segments.length === 0 || (segments.length === 1 && /^[*?]+$/.test(segments[0] ?? '')))
        return { rule, relation: segments.length === 0 ? 'is' : 'covers' };
      continue;
    }
    if (startsWithSegments(segments, guarded)) {
      if (segments.length > guarded.length) return { rule, relation: 'is inside' };
      return { rule, relation: segments.some(hasGlob) ? 'covers' : 'is' };
    }
    if (startsWithSegments(guarded, segments)) return { rule, relation: 'covers' };
  }
  return null;
}

const segmentsOf = (path: string): string[] => path.split('/').filter((segment) => segment !== '');

function startsWithSegments(path: readonly string[], prefix: readonly string[]): boolean {
  return prefix.length <= path.length && prefix.every((segment, index) => segmentsMatch(segment, path[index] ?? ''));
}

/** Either side may be a pattern (`/mnt/disk*` in a rule, `/mnt/*` in a command); two patterns may overlap. */
function segmentsMatch(a: string, b: string): boolean {
  if (hasGlob(a) && hasGlob(b)) return true;
  if (hasGlob(a)) return globMatches(a, b);
  return hasGlob(b) ? globMatches(b, a) : a === b;
}
