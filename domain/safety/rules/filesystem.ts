/**
 * Deleting and overwriting files: rm, unlink, shred, truncate, mv away, rsync --delete, find -delete,
 * tee / cp onto precious files. Recursive deletion is destructive anywhere but inside /tmp, /var/tmp and
 * /dev/shm; deleting a single file only in system locations or when its path is unknown.
 */
import { parseArguments, targetOf } from '../arguments.ts';
import { authFile, describeLocation, locatePath, pathZone, type PathZone } from '../paths.ts';
import {
  ALL_TARGETS,
  maxRisk,
  riskRank,
  type CommandRule,
  type Invocation,
  type RiskLevel,
  type RuleHit,
  type ShellWord,
} from '../types.ts';
import { judgeWrite } from './writes.ts';

const DELETION: Record<PathZone, { recursive: RiskLevel; single: RiskLevel; what: string }> = {
  root: { recursive: 'CRITICAL', single: 'HIGH', what: 'the root file system' },
  critical_dir: { recursive: 'CRITICAL', single: 'HIGH', what: 'a system directory' },
  system: { recursive: 'HIGH', single: 'HIGH', what: 'a system path' },
  pseudo: { recursive: 'HIGH', single: 'HIGH', what: 'a device or kernel path' },
  home_dir: { recursive: 'CRITICAL', single: 'HIGH', what: 'a whole home directory' },
  data_top: { recursive: 'HIGH', single: 'NONE', what: 'a whole data area' },
  data: { recursive: 'MEDIUM', single: 'NONE', what: 'a directory tree' },
  logs: { recursive: 'MEDIUM', single: 'NONE', what: 'logs' },
  temp_root: { recursive: 'MEDIUM', single: 'NONE', what: 'the temp directory itself' },
  temp: { recursive: 'NONE', single: 'NONE', what: 'a temp path' },
  relative: { recursive: 'MEDIUM', single: 'NONE', what: 'relative to an unknown working directory' },
  unknown: { recursive: 'HIGH', single: 'MEDIUM', what: 'location only known at run time' },
};

/**
 * One finding for the worst deleted path (targets list every path at risk), plus account findings for
 * login files. `action` reads as a sentence start ("rm -r deletes"). `minimum` raises the risk of
 * anything outside temp dirs (shred destroys content whatever it is).
 */
function judgeDeletion(
  paths: readonly ShellWord[],
  recursive: boolean,
  inv: Invocation,
  action: string,
  minimum: RiskLevel = 'NONE',
): RuleHit[] {
  const hits: RuleHit[] = [];
  const atRisk: { where: string; risk: RiskLevel; what: string }[] = [];
  if (inv.argsFromStdin) {
    atRisk.push({ where: ALL_TARGETS, risk: recursive ? 'HIGH' : 'MEDIUM', what: 'paths read from input by xargs' });
  }
  for (const path of paths) {
    const location = locatePath(path.value, inv.cwd);
    const where = describeLocation(location, targetOf(path));
    const zone = pathZone(location);
    const auth = authFile(location);
    if (auth) {
      hits.push({
        category: 'account_change',
        risk: auth === 'credentials' ? 'CRITICAL' : 'HIGH',
        reason: `${action} login file ${where}`,
        targets: [where],
      });
      continue;
    }
    const { recursive: ifRecursive, single, what } = DELETION[zone];
    const judged = recursive ? ifRecursive : single;
    const risk = zone === 'temp' ? judged : maxRisk([judged, minimum]);
    if (risk !== 'NONE') atRisk.push({ where, risk, what });
  }
  const worst = atRisk.reduce<(typeof atRisk)[number] | undefined>(
    (a, b) => (a && riskRank(a.risk) >= riskRank(b.risk) ? a : b),
    undefined,
  );
  if (worst) {
    const reason = `${action} ${worst.where} (${worst.what})`;
    hits.push({ category: 'filesystem_delete', risk: worst.risk, reason, targets: atRisk.map((entry) => entry.where) });
  }
  return hits;
}

const rm: CommandRule = (inv) => {
  const parsed = parseArguments(inv.args);
  const recursive = parsed.has('-r', '-R', '--recursive');
  return judgeDeletion(parsed.operands, recursive, inv, recursive ? 'rm -r deletes' : 'rm deletes');
};

const shred: CommandRule = (inv) => {
  const parsed = parseArguments(inv.args, { valued: ['-n', '--iterations', '-s', '--size', '--random-source'] });
  const devices = parsed.operands.filter((word) => /^\/dev\//.test(word.value ?? ''));
  const files = parsed.operands.filter((word) => !devices.includes(word));
  const hits = judgeDeletion(files, false, inv, 'shred destroys the content of', 'MEDIUM');
  if (devices.length > 0) {
    hits.push({
      category: 'disk_wipe',
      risk: 'CRITICAL',
      reason: 'shred overwrites a whole device',
      targets: devices.map(targetOf),
    });
  }
  return hits;
};

const truncate: CommandRule = (inv) => {
  const parsed = parseArguments(inv.args, { valued: ['-s', '--size', '-r', '--reference'] });
  // Growing a file (`-s +1G`) loses nothing.
  if (parsed.value('-s', '--size')?.startsWith('+')) return [];
  return parsed.operands.flatMap((file) => judgeWrite(file, 'truncate', inv.cwd));
};

/** Moving a system path away breaks the system as surely as deleting it; `mv x /dev/null` deletes x. */
const mv: CommandRule = (inv) => {
  const parsed = parseArguments(inv.args, { valued: ['-t', '--target-directory', '-S', '--suffix'] });
  const targetDirectory = parsed.value('-t', '--target-directory');
  const sources = targetDirectory === undefined ? parsed.operands.slice(0, -1) : parsed.operands;
  const destination = targetDirectory === undefined ? parsed.operands.at(-1)?.value : targetDirectory;
  if (destination === '/dev/null') {
    return judgeDeletion(sources, true, inv, 'mv to /dev/null deletes (and replaces /dev/null with)', 'HIGH');
  }
  const systemSources = sources.filter((word) =>
    ['root', 'critical_dir', 'system', 'pseudo'].includes(pathZone(locatePath(word.value, inv.cwd))),
  );
  return judgeDeletion(systemSources, true, inv, 'mv moves away');
};

/** `--delete` makes the destination mirror the source: whatever else is there goes. */
const rsync: CommandRule = (inv) => {
  if (!inv.args.some((word) => /^--(?:delete|del$|delete-)/.test(word.value ?? ''))) return [];
  const destination = inv.args.at(-1);
  if (!destination || destination.value?.startsWith('-')) return [];
  // Remote destinations (`host:/path`, `rsync://host/module/path`) are judged by their path.
  const remotePath = destination.value?.replace(/^rsync:\/\/[^/]*\/[^/]*|^[^/:]*:/, '') ?? null;
  const location = locatePath(remotePath === '' ? '~' : remotePath, inv.cwd);
  const risk: Partial<Record<PathZone, RiskLevel>> = {
    root: 'CRITICAL',
    critical_dir: 'CRITICAL',
    system: 'HIGH',
    pseudo: 'HIGH',
    home_dir: 'HIGH',
    unknown: 'MEDIUM',
    data_top: 'LOW',
    data: 'LOW',
    relative: 'LOW',
    logs: 'LOW',
    temp_root: 'LOW',
  };
  const judged = risk[pathZone(location)];
  if (!judged) return [];
  const where = describeLocation(location, targetOf(destination));
  return [
    {
      category: 'filesystem_delete',
      risk: judged,
      reason: `rsync --delete removes files in ${where} that the source lacks`,
      targets: [where],
    },
  ];
};

const FIND_SELECTIVE_TESTS = new Set([
  '-name',
  '-iname',
  '-path',
  '-ipath',
  '-wholename',
  '-iwholename',
  '-regex',
  '-iregex',
  '-newer',
  '-mtime',
  '-mmin',
  '-atime',
  '-amin',
  '-ctime',
  '-cmin',
  '-size',
  '-empty',
  '-user',
  '-group',
  '-perm',
  '-links',
  '-inum',
  '-samefile',
]);
const FIND_EXEC = new Set(['-exec', '-execdir', '-ok', '-okdir']);

export interface FindExpression {
  roots: ShellWord[];
  deletes: boolean;
  /** Narrowed by names, times, sizes...: matches some files, not whole trees. */
  selective: boolean;
  /** Argv of each `-exec ... ;` (the `{}` placeholder replaced by a pattern under the roots). */
  execs: ShellWord[][];
}

export function parseFind(args: readonly ShellWord[]): FindExpression {
  let index = 0;
  while (/^-(?:[HLP]|O\d*)$/.test(args[index]?.value ?? '') || args[index]?.value === '-D') {
    index += args[index]?.value === '-D' ? 2 : 1;
  }
  const roots: ShellWord[] = [];
  for (; index < args.length; index++) {
    const value = args[index]?.value;
    if (value !== null && value !== undefined && /^[-!(),]/.test(value)) break;
    roots.push(args[index] as ShellWord);
  }
  if (roots.length === 0) roots.push({ text: '.', value: '.' });
  const [firstRoot] = roots;
  const placeholder: string | null =
    roots.length === 1 && firstRoot?.value != null ? `${firstRoot.value.replace(/\/+$/, '')}/*` : null;
  const expression: FindExpression = { roots, deletes: false, selective: false, execs: [] };
  for (; index < args.length; index++) {
    const value = args[index]?.value ?? '';
    if (value === '-delete') expression.deletes = true;
    if (FIND_SELECTIVE_TESTS.has(value)) expression.selective = true;
    if (!FIND_EXEC.has(value)) continue;
    const words: ShellWord[] = [];
    for (index++; index < args.length && args[index]?.value !== ';' && args[index]?.value !== '+'; index++) {
      const word = args[index] as ShellWord;
      words.push(
        word.value?.includes('{}')
          ? { text: word.text, value: placeholder === null ? null : word.value.replaceAll('{}', placeholder) }
          : word,
      );
    }
    if (words.length > 0) expression.execs.push(words);
  }
  return expression;
}

const find: CommandRule = (inv) => {
  const expression = parseFind(inv.args);
  if (!expression.deletes) return [];
  // A selective find deletes matching files under its roots; otherwise it empties the whole trees.
  if (expression.selective) {
    const matches = expression.roots.map((root) => ({
      text: root.text,
      value: root.value === null ? null : `${root.value.replace(/\/+$/, '')}/*`,
    }));
    return judgeDeletion(matches, false, inv, 'find -delete deletes matching files in');
  }
  return judgeDeletion(expression.roots, true, inv, 'find -delete deletes everything in');
};

const tee: CommandRule = (inv) => {
  const parsed = parseArguments(inv.args, { valued: ['--output-error'] });
  const mode = parsed.has('-a', '--append') ? 'append' : 'truncate';
  return parsed.operands.flatMap((file) => judgeWrite(file, mode, inv.cwd));
};

const OVERWRITING_SOURCES = new Set(['/dev/null', '/dev/zero', '/dev/random', '/dev/urandom']);

/** Copying onto a disk or a login file, or copying emptiness or noise over any file. */
const copy: CommandRule = (inv) => {
  const parsed = parseArguments(inv.args, {
    valued: ['-t', '--target-directory', '-S', '--suffix', '-m', '--mode', '-o', '--owner', '-g', '--group'],
  });
  const targetDirectory = parsed.value('-t', '--target-directory');
  const destination = targetDirectory === undefined ? parsed.operands.at(-1) : undefined;
  if (!destination || parsed.operands.length < 2) return [];
  const overwrites = parsed.operands.slice(0, -1).some((word) => OVERWRITING_SOURCES.has(word.value ?? ''));
  const hits = judgeWrite(destination, 'truncate', inv.cwd);
  return overwrites ? hits : hits.filter((hit) => hit.category === 'disk_wipe' || hit.category === 'account_change');
};

export const filesystemRules: Record<string, CommandRule> = {
  rm,
  unlink: (inv) => judgeDeletion(inv.args, false, inv, 'unlink deletes'),
  shred,
  truncate,
  mv,
  rsync,
  find,
  tee,
  cp: copy,
  install: copy,
};
