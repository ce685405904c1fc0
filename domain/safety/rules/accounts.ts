/**
 * Accounts and logins: deleting users, removing or locking passwords, shells and group memberships,
 * editing login files in place, and `crontab -r`. Writes to login files through redirections are judged
 * in `writes.ts`. Changing a password interactively (`passwd alice`) is routine and passes.
 */
import { parseArguments, targetOf } from '../arguments.ts';
import { authFile, describeLocation, locatePath } from '../paths.ts';
import { ALL_TARGETS, type CommandRule, type RiskLevel, type RuleHit, type ShellWord } from '../types.ts';

function account(risk: RiskLevel, reason: string, users: readonly ShellWord[]): RuleHit[] {
  return [
    { category: 'account_change', risk, reason, targets: users.length > 0 ? users.map(targetOf) : [ALL_TARGETS] },
  ];
}

const isRoot = (users: readonly ShellWord[]) => users.some((user) => user.value === 'root' || user.value === null);

const passwd: CommandRule = (inv) => {
  const parsed = parseArguments(inv.args, {
    valued: [
      '-n',
      '--mindays',
      '-x',
      '--maxdays',
      '-w',
      '--warndays',
      '-i',
      '--inactive',
      '-r',
      '--repository',
      '-R',
      '--root',
      '-P',
      '--prefix',
    ],
  });
  const users = parsed.operands;
  if (parsed.has('-d', '--delete'))
    return account(
      isRoot(users) ? 'CRITICAL' : 'HIGH',
      'passwd -d removes the password: anyone can log in without one',
      users,
    );
  if (parsed.has('-l', '--lock'))
    return account(isRoot(users) ? 'HIGH' : 'MEDIUM', 'passwd -l locks the account password', users);
  if (parsed.has('-e', '--expire')) return account('MEDIUM', 'passwd -e expires the password', users);
  return [];
};

const userdel: CommandRule = (inv) => {
  const parsed = parseArguments(inv.args, { valued: ['-R', '--root', '-P', '--prefix'] });
  const users = parsed.operands;
  const removesHome = parsed.has('-r', '--remove', '--remove-home', '--remove-all-files');
  const reason = `${inv.name} deletes the account${removesHome ? ' and its home directory' : ''}`;
  return account(isRoot(users) ? 'CRITICAL' : 'HIGH', reason, users);
};

const usermod: CommandRule = (inv) => {
  const parsed = parseArguments(inv.args, {
    valued: [
      '-c',
      '--comment',
      '-d',
      '--home',
      '-e',
      '--expiredate',
      '-f',
      '--inactive',
      '-g',
      '--gid',
      '-G',
      '--groups',
      '-l',
      '--login',
      '-p',
      '--password',
      '-R',
      '--root',
      '-P',
      '--prefix',
      '-s',
      '--shell',
      '-u',
      '--uid',
      '-Z',
      '--selinux-user',
      '-v',
      '--add-subuids',
      '-V',
      '--del-subuids',
      '-w',
      '--add-subgids',
      '-W',
      '--del-subgids',
    ],
  });
  const users = parsed.operands;
  const shell = parsed.value('-s', '--shell');
  if (parsed.has('-L', '--lock'))
    return account(isRoot(users) ? 'HIGH' : 'MEDIUM', 'usermod -L locks the account', users);
  if (shell !== undefined && (shell === null || /(?:nologin|false)$/.test(shell)))
    return account('MEDIUM', 'usermod -s takes the login shell away', users);
  if (parsed.value('-e', '--expiredate') !== undefined)
    return account('MEDIUM', 'usermod -e sets the account expiry', users);
  // -G without -a replaces every supplementary group, sudo/wheel included.
  if (parsed.has('-G', '--groups') && !parsed.has('-a', '--append'))
    return account('MEDIUM', 'usermod -G without -a drops the user from groups not listed (sudo, docker...)', users);
  if (parsed.has('-p', '--password')) return account('MEDIUM', 'usermod -p replaces the password hash', users);
  return [];
};

const groupdel: CommandRule = (inv) =>
  account(
    'MEDIUM',
    `${inv.name} deletes a group`,
    parseArguments(inv.args, { valued: ['-R', '--root', '-P', '--prefix'] }).operands,
  );

const chpasswd: CommandRule = () =>
  account('MEDIUM', 'chpasswd sets passwords for the accounts it reads from input', []);

const chage: CommandRule = (inv) => {
  const parsed = parseArguments(inv.args, {
    valued: [
      '-d',
      '--lastday',
      '-E',
      '--expiredate',
      '-I',
      '--inactive',
      '-m',
      '--mindays',
      '-M',
      '--maxdays',
      '-W',
      '--warndays',
      '-R',
      '--root',
    ],
  });
  return parsed.has('-E', '--expiredate', '-d', '--lastday')
    ? account('MEDIUM', 'chage changes when the account or password expires', parsed.operands)
    : [];
};

/** `sed -i` on login files rewrites them in place (e.g. deleting lines of authorized_keys). */
const sed: CommandRule = (inv) => {
  const parsed = parseArguments(inv.args, { valued: ['-e', '--expression', '-f', '--file', '-l', '--line-length'] });
  if (!inv.args.some((word) => /^-[a-zA-Z]*i|^--in-place/.test(word.value ?? ''))) return [];
  const files = parsed.has('-e', '--expression', '-f', '--file') ? parsed.operands : parsed.operands.slice(1);
  const loginFiles = files
    .map((file) => locatePath(file.value, inv.cwd))
    .filter((location) => authFile(location) !== null);
  if (loginFiles.length === 0) return [];
  return [
    {
      category: 'account_change',
      risk: 'MEDIUM',
      reason: 'sed -i rewrites login files in place',
      targets: loginFiles.map((location) => describeLocation(location, '')),
    },
  ];
};

const crontab: CommandRule = (inv) => {
  const parsed = parseArguments(inv.args, { valued: ['-u'] });
  if (!parsed.has('-r')) return [];
  const user = parsed.value('-u');
  return [
    {
      category: 'crontab_removal',
      risk: 'MEDIUM',
      reason: `crontab -r deletes every scheduled job of ${user ? `user ${user}` : 'the current user'}`,
      targets: [user ?? 'current user'],
    },
  ];
};

export const accountRules: Record<string, CommandRule> = {
  passwd,
  userdel,
  deluser: userdel,
  usermod,
  groupdel,
  delgroup: groupdel,
  chpasswd,
  chage,
  sed,
  crontab,
};
