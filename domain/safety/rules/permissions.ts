/**
 * chmod / chown / chgrp / setfacl. Recursive changes over system trees break sudo, sshd (which refuses
 * loose key permissions) and services; on data or temp trees they are routine. A single path is flagged
 * on `/` itself, on login files, and where the change takes away what a system path or an SSH directory
 * needs: a mode that leaves out bits the place needs (see NEEDS), another owner or group, removed ACL
 * entries. Adding permissions (`chmod +x`) and anything in temp, data or project directories pass.
 */
import { parseArguments, targetOf } from '../arguments.ts';
import { globMatches } from '../device-protection-rules.ts';
import {
  authFile,
  describeLocation,
  isWithin,
  locatePath,
  pathZone,
  sshPlace,
  type PathLocation,
  type PathZone,
} from '../paths.ts';
import { maxRisk, type CommandRule, type Invocation, type RiskLevel, type RuleHit, type ShellWord } from '../types.ts';

const RECURSIVE_RISK: Partial<Record<PathZone, RiskLevel>> = {
  root: 'CRITICAL',
  critical_dir: 'CRITICAL',
  system: 'HIGH',
  pseudo: 'HIGH',
  unknown: 'MEDIUM',
};

/** Taking something away from one path; a top-level system directory takes what is below it along. */
const SINGLE_PATH_RISK: Partial<Record<PathZone, RiskLevel>> = { root: 'HIGH', critical_dir: 'HIGH', system: 'MEDIUM' };

interface Change {
  program: 'chmod' | 'chown' | 'chgrp' | 'setfacl';
  /** The mode, owner or ACL option as written (`600`, `-x`, `nobody`, `-b`). */
  spec: string | undefined;
  recursive: boolean;
  paths: readonly ShellWord[];
  /** Reads after the command: `changes permissions of`. */
  what: string;
  /** What the change takes away from one system path (with why it matters), or null when nothing. */
  loss: (location: PathLocation, zone: PathZone) => { detail: string } | null;
}

/** One finding for all paths at risk. */
function judgeChange(change: Change, inv: Invocation): RuleHit[] {
  const atRisk: { where: string; risk: RiskLevel; detail?: string }[] = [];
  for (const path of change.paths) {
    const location = locatePath(path.value, inv.cwd);
    const zone = pathZone(location);
    let risk: RiskLevel = 'NONE';
    let detail: string | undefined;
    if (change.recursive) risk = RECURSIVE_RISK[zone] ?? 'NONE';
    // A loose or foreign-owned home makes sshd reject its authorized_keys.
    if (change.recursive && zone === 'home_dir' && change.program === 'chmod') risk = 'MEDIUM';
    if (zone === 'root') risk = maxRisk([risk, 'HIGH']);
    const single = sshPlace(location) ? 'HIGH' : SINGLE_PATH_RISK[zone];
    if (authFile(location) === 'credentials') {
      risk = maxRisk([risk, 'MEDIUM']);
    } else if (!change.recursive && single) {
      const loss = change.loss(location, zone);
      if (loss) {
        risk = maxRisk([risk, single]);
        detail = loss.detail;
      }
    }
    if (risk !== 'NONE') atRisk.push({ where: describeLocation(location, targetOf(path)), risk, detail });
  }
  if (atRisk.length === 0) return [];
  const command = [change.program, change.recursive ? '-R' : '', change.spec ?? ''].filter(Boolean).join(' ');
  const listed = atRisk.map((entry) => (entry.detail ? `${entry.where} (${entry.detail})` : entry.where));
  return [
    {
      category: 'permission_change',
      risk: maxRisk(atRisk.map((entry) => entry.risk)),
      reason: `${command} ${change.what} ${listed.join(', ')}`,
      targets: atRisk.map((entry) => entry.where),
    },
  ];
}

// ---------------------------------------------------------------------------------------------------
// Modes

interface Need {
  bits: number;
  why: string;
}

const PROGRAMS: Need = { bits: 0o555, why: 'programs must stay readable and runnable by every user' };
const SYSTEM_DIRS: Need = { bits: 0o555, why: 'every user must be able to list and enter system directories' };
const SYSTEM_FILES: Need = {
  bits: 0o444,
  why: 'unprivileged processes read system files such as resolv.conf, libraries and unit files',
};
const OWNER_ONLY_DIR: Need = { bits: 0o700, why: 'its owner must keep entering it' };
const OWNER_READS: Need = { bits: 0o400, why: 'its owner must keep reading it' };
const SERVICE_STATE: Need = { bits: 0o600, why: 'its service must keep reading and writing it' };

/**
 * What a place needs, first match wins: `itself` for the directory named, `within` for anything below.
 * Secrets and service state are private to their owner; everything else in the system tree is read by
 * every user (SYSTEM_DIRS, SYSTEM_FILES). The current mode is not known here, so a mode is judged by
 * what it leaves of these bits.
 */
const NEEDS: { tree: string; itself: Need; within: Need }[] = [
  ...['/bin', '/sbin', '/usr/bin', '/usr/sbin', '/usr/local/bin', '/usr/local/sbin', '/usr/libexec'].map((tree) => ({
    tree,
    itself: PROGRAMS,
    within: PROGRAMS,
  })),
  ...['/etc/ssl/private', '/etc/wireguard', '/root'].map((tree) => ({
    tree,
    itself: OWNER_ONLY_DIR,
    within: OWNER_READS,
  })),
  { tree: '/etc/ssh', itself: SYSTEM_DIRS, within: OWNER_READS },
  ...['/var/lib', '/var/spool'].map((tree) => ({ tree, itself: SYSTEM_DIRS, within: SERVICE_STATE })),
];

/** They work only with their setuid bit: `chmod 755 /usr/bin/sudo` breaks sudo. */
const SETUID_PROGRAMS = [
  'sudo',
  'su',
  'pkexec',
  'passwd',
  'newgrp',
  'gpasswd',
  'chsh',
  'chfn',
  'mount',
  'umount',
  'fusermount',
  'fusermount3',
];

function neededBits(location: PathLocation, zone: PathZone): Need | null {
  const ssh = sshPlace(location);
  if (ssh)
    return ssh === 'dir'
      ? { bits: 0o700, why: 'sshd enters it as its owner' }
      : { bits: 0o400, why: 'sshd reads the keys as their owner' };
  if (location.kind !== 'absolute') return null;
  const { path } = location;
  const place = NEEDS.find(({ tree }) => path === tree || isWithin(path, tree));
  if (place) {
    const need = path === place.tree ? place.itself : place.within;
    // A pattern (`/usr/bin/*`) stands for every program it may match.
    const name = path.slice(path.lastIndexOf('/') + 1);
    const setuid = need === PROGRAMS ? SETUID_PROGRAMS.find((program) => globMatches(name, program)) : undefined;
    return setuid ? { bits: 0o4555, why: `${setuid} works only with its setuid bit` } : need;
  }
  if (zone === 'root' || zone === 'critical_dir') return SYSTEM_DIRS;
  return zone === 'system' ? SYSTEM_FILES : null;
}

const CLASS_SHIFT: Readonly<Record<string, number>> = { u: 6, g: 3, o: 0 };

/**
 * What `mode` makes of permission bits `from`: a numeric mode sets every bit; a symbolic one (`u+x,go-w`,
 * `a=r`, `-x`) changes some. Null when the mode is not known here (`$MODE`, `--reference`) or not
 * understood. A clause without `ugoa` counts as `a` (the umask is not known).
 */
function applyMode(mode: string | null, from: number): number | null {
  if (mode === null) return null;
  if (/^[0-7]+$/.test(mode)) return parseInt(mode, 8);
  let bits = from;
  for (const clause of mode.split(',')) {
    const parsed = /^([ugoa]*)((?:[-+=](?:[ugo]|[rwxXst]*))+)$/.exec(clause);
    if (!parsed) return null;
    const who = !parsed[1] || parsed[1].includes('a') ? 'ugo' : parsed[1];
    for (const [, operator, perms = ''] of (parsed[2] ?? '').matchAll(/([-+=])([ugo]|[rwxXst]*)/g)) {
      const given = permissionBits(who, perms, bits);
      if (operator === '+') bits |= given;
      else if (operator === '-') bits &= ~given;
      else bits = (bits & ~permissionBits(who, 'rwxs', 0)) | given;
    }
  }
  return bits;
}

/** Bits of `perms` (letters of `rwxXst`, or a class to copy such as `g`) for the classes in `who`. */
function permissionBits(who: string, perms: string, current: number): number {
  const copied = CLASS_SHIFT[perms];
  let rwx = copied === undefined ? 0 : (current >> copied) & 0o7;
  let special = 0;
  for (const perm of copied === undefined ? perms : '') {
    if (perm === 'r') rwx |= 4;
    else if (perm === 'w') rwx |= 2;
    // X: execute only where some class may already execute (or on directories).
    else if (perm === 'x' || (perm === 'X' && (current & 0o111) !== 0)) rwx |= 1;
    else if (perm === 's') special |= (who.includes('u') ? 0o4000 : 0) | (who.includes('g') ? 0o2000 : 0);
    else if (perm === 't') special |= 0o1000;
  }
  return [...who].reduce((bits, someone) => bits | (rwx << (CLASS_SHIFT[someone] ?? 0)), special);
}

/** `ls -l` form of permission bits: 0o4555 is `r-sr-xr-x`. */
function modeString(bits: number): string {
  const letters = [...'rwxrwxrwx'].map((letter, index) => ((bits >> (8 - index)) & 1 ? letter : '-'));
  if (bits & 0o4000) letters[2] = letters[2] === 'x' ? 's' : 'S';
  return letters.join('');
}

/** `chmod -x FILE`: a mode that takes permissions away looks like an option. */
const MODE_AS_OPTION = /^-[rwxXst]+(?:,|$)/;

const chmod: CommandRule = (inv) => {
  const modeOption = inv.args.find((word) => MODE_AS_OPTION.test(word.value ?? ''));
  const parsed = parseArguments(
    inv.args.filter((word) => word !== modeOption),
    { valued: ['--reference'] },
  );
  // The mode comes first unless --reference names a file to copy it from.
  const reference = parsed.has('--reference');
  const modeWord = reference ? undefined : (modeOption ?? parsed.operands[0]);
  const mode = modeWord?.value ?? null;
  return judgeChange(
    {
      program: 'chmod',
      spec: modeWord && targetOf(modeWord),
      recursive: parsed.has('-R', '--recursive'),
      paths: reference || modeOption ? parsed.operands : parsed.operands.slice(1),
      what: 'changes permissions of',
      loss: (location, zone) => {
        const need = neededBits(location, zone);
        if (!need) return null;
        const left = applyMode(mode, need.bits);
        if (left !== null && (left & need.bits) === need.bits) return null;
        const unknown = left === null ? 'the mode is not known here; ' : '';
        return { detail: `${unknown}it needs ${modeString(need.bits)}: ${need.why}` };
      },
    },
    inv,
  );
};

// ---------------------------------------------------------------------------------------------------
// Owners and ACLs

/** chown / chgrp; a new owner also clears the setuid bit of a program. */
function ownershipRule(program: 'chown' | 'chgrp'): CommandRule {
  return (inv) => {
    const parsed = parseArguments(inv.args, { valued: ['--from', '--reference'] });
    // The owner comes first unless --reference names a file to copy it from.
    const reference = parsed.has('--reference');
    const owner = reference ? undefined : parsed.operands[0];
    return judgeChange(
      {
        program,
        spec: owner && targetOf(owner),
        recursive: parsed.has('-R', '--recursive'),
        paths: reference ? parsed.operands : parsed.operands.slice(1),
        what: program === 'chown' ? 'changes ownership of' : 'changes the group of',
        loss: (location) => {
          if (!sshPlace(location)) return { detail: 'system files must stay owned by root or their service' };
          // sshd checks who owns the keys, not their group.
          return program === 'chown' ? { detail: 'sshd ignores keys owned by someone else' } : null;
        },
      },
      inv,
    );
  };
}

/** Options that take entries away: all (-b), the default ACL (-k), named ones (-x, -X), all but the new (--set). */
const ACL_REMOVALS = [
  '-b',
  '--remove-all',
  '-k',
  '--remove-default',
  '-x',
  '--remove',
  '-X',
  '--remove-file',
  '--set',
  '--set-file',
];

const setfacl: CommandRule = (inv) => {
  const parsed = parseArguments(inv.args, {
    valued: [
      '-m',
      '--modify',
      '-M',
      '--modify-file',
      '-x',
      '--remove',
      '-X',
      '--remove-file',
      '--set',
      '--set-file',
      '--restore',
    ],
  });
  const removal = ACL_REMOVALS.find((option) => parsed.has(option));
  return judgeChange(
    {
      program: 'setfacl',
      spec: removal,
      recursive: parsed.has('-R', '--recursive'),
      paths: parsed.operands,
      what: 'changes the ACLs of',
      loss: () => (removal ? { detail: 'the removed entries may be what lets a user or service in' } : null),
    },
    inv,
  );
};

export const permissionRules: Record<string, CommandRule> = {
  chmod,
  chown: ownershipRule('chown'),
  chgrp: ownershipRule('chgrp'),
  setfacl,
};
