/**
 * chmod / chown / chgrp. Recursive changes over system trees break sudo, sshd (which refuses loose key
 * permissions) and services; on data or temp trees they are routine. Non-recursive changes are only
 * flagged on `/` itself and on login files.
 */
import { parseArguments, targetOf } from '../arguments.ts';
import { authFile, describeLocation, locatePath, pathZone, type PathZone } from '../paths.ts';
import { maxRisk, type CommandRule, type RiskLevel, type RuleHit } from '../types.ts';

const RECURSIVE_RISK: Partial<Record<PathZone, RiskLevel>> = {
  root: 'CRITICAL', critical_dir: 'CRITICAL', system: 'HIGH', pseudo: 'HIGH', unknown: 'MEDIUM',
};

function permissionRule(program: 'chmod' | 'chown' | 'chgrp'): CommandRule {
  return (inv) => {
    const parsed = parseArguments(inv.args, { valued: ['--from'] });
    const recursive = parsed.has('-R', '--recursive');
    // The mode or owner comes first unless --reference names a file to copy it from.
    const paths = parsed.has('--reference') ? parsed.operands : parsed.operands.slice(1);
    const atRisk: { where: string; risk: RiskLevel }[] = [];
    for (const path of paths) {
      const location = locatePath(path.value, inv.cwd);
      const zone = pathZone(location);
      let risk: RiskLevel = 'NONE';
      if (recursive) risk = RECURSIVE_RISK[zone] ?? 'NONE';
      // A loose or foreign-owned home makes sshd reject its authorized_keys.
      if (recursive && zone === 'home_dir' && program === 'chmod') risk = 'MEDIUM';
      if (zone === 'root') risk = maxRisk([risk, 'HIGH']);
      if (authFile(location) === 'credentials') risk = maxRisk([risk, 'MEDIUM']);
      if (risk !== 'NONE') atRisk.push({ where: describeLocation(location, targetOf(path)), risk });
    }
    if (atRisk.length === 0) return [];
    const hit: RuleHit = {
      category: 'permission_change',
      risk: maxRisk(atRisk.map((entry) => entry.risk)),
      reason: `${program}${recursive ? ' -R' : ''} changes ${program === 'chmod' ? 'permissions' : 'ownership'} of ${atRisk.map((entry) => entry.where).join(', ')}`,
      targets: atRisk.map((entry) => entry.where),
    };
    return [hit];
  };
}

export const permissionRules: Record<string, CommandRule> = {
  chmod: permissionRule('chmod'),
  chown: permissionRule('chown'),
  chgrp: permissionRule('chgrp'),
};
