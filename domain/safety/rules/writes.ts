/**
 * Writing to a path, by redirection (`> /etc/fstab`), `tee`, `cp`, `dd of=`. Overwriting ordinary
 * files is everyday work; what is flagged is writing to disks, to the SysRq trigger, to login files, or
 * truncating system files. Log truncation (`: > /var/log/syslog`) is reported at LOW: it frees space and
 * loses only old log lines.
 */
import { targetOf } from '../arguments.ts';
import { authFile, describeLocation, isBlockDevice, locatePath, pathZone } from '../paths.ts';
import type { Cwd, RuleHit, ShellWord } from '../types.ts';

export type WriteMode = 'truncate' | 'append';

export function judgeWrite(target: ShellWord, mode: WriteMode, cwd: Cwd): RuleHit[] {
  const location = locatePath(target.value, cwd);
  const where = describeLocation(location, targetOf(target));
  const targets = [where];
  if (location.kind === 'unknown') {
    // `> "$F"` could be any file; appending to one is how logs are written and is left alone.
    return mode === 'truncate'
      ? [
          {
            category: 'filesystem_delete',
            risk: 'MEDIUM',
            reason: 'overwrites a file whose path is only known at run time',
            targets,
          },
        ]
      : [];
  }
  if (isBlockDevice(location)) {
    return [{ category: 'disk_wipe', risk: 'CRITICAL', reason: `writes directly to block device ${where}`, targets }];
  }
  if (where === '/proc/sysrq-trigger') {
    return [
      {
        category: 'power',
        risk: 'CRITICAL',
        reason: 'triggers a kernel SysRq action (reboot, crash or power-off without sync)',
        targets,
      },
    ];
  }
  const auth = authFile(location);
  if (auth === 'credentials') {
    return [
      {
        category: 'account_change',
        risk: mode === 'truncate' ? 'CRITICAL' : 'HIGH',
        reason: `rewrites login credentials in ${where}`,
        targets,
      },
    ];
  }
  if (auth === 'authorized_keys') {
    return [
      mode === 'truncate'
        ? {
            category: 'account_change',
            risk: 'HIGH',
            reason: 'replaces the SSH authorized keys (can lock everyone out)',
            targets,
          }
        : { category: 'account_change', risk: 'LOW', reason: 'adds an SSH authorized key', targets },
    ];
  }
  if (mode === 'append') return [];
  switch (pathZone(location)) {
    case 'root':
    case 'critical_dir':
    case 'system':
      return [{ category: 'filesystem_delete', risk: 'HIGH', reason: `truncates system file ${where}`, targets }];
    case 'logs':
      return [{ category: 'filesystem_delete', risk: 'LOW', reason: `truncates log file ${where}`, targets }];
    default:
      // Writes into /dev, /proc and /sys set devices or kernel parameters; ordinary files are fair game.
      return [];
  }
}
