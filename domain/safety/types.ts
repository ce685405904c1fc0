/**
 * Vocabulary shared by the command analysis and its rule families. The public part is re-exported by
 * `command-analysis.ts`; the rest describes what a rule sees.
 */

export type RiskLevel = 'NONE' | 'LOW' | 'MEDIUM' | 'HIGH' | 'CRITICAL';

const RISK_ORDER: readonly RiskLevel[] = ['NONE', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'];

export function riskRank(risk: RiskLevel): number {
  return RISK_ORDER.indexOf(risk);
}

export function maxRisk(risks: Iterable<RiskLevel>): RiskLevel {
  let highest: RiskLevel = 'NONE';
  for (const risk of risks) if (riskRank(risk) > riskRank(highest)) highest = risk;
  return highest;
}

/** A finding at or above this level makes the whole command destructive (held for typed confirmation). */
export const DESTRUCTIVE_FROM: RiskLevel = 'MEDIUM';

export type DestructiveCategory =
  | 'container_bulk'
  /** A start/stop/restart/remove of one named container: reported at LOW, never destructive on its own. */
  | 'container_action'
  | 'container_prune'
  | 'image_removal'
  | 'volume_removal'
  | 'compose_down'
  | 'filesystem_delete'
  | 'disk_wipe'
  | 'zfs_destroy'
  /** `zfs set` of a property that cuts services off their data (readonly, mountpoint, sharenfs...). */
  | 'zfs_property'
  | 'power'
  | 'service_stop'
  | 'network_cut'
  | 'package_removal'
  | 'process_kill'
  | 'permission_change'
  | 'account_change'
  | 'crontab_removal'
  | 'vm_destroy'
  /** Stopping, shutting down, rebooting, resetting or suspending a guest (VM or container) as a whole. */
  | 'vm_power'
  | 'resource_exhaustion'
  | 'unanalysable';

export interface CommandFinding {
  category: DestructiveCategory;
  risk: RiskLevel;
  /** The simple command as written, e.g. `docker rm -f a b` (for a redirection: the whole statement). */
  command: string;
  reason: string;
  /** Container names, paths, pools, services, packages...; `'*'` when the set is unbounded or unknown. */
  targets: string[];
  /** Wrappers the command ran through, outermost first, e.g. `['sudo', 'ssh nas', 'bash -c']`. */
  via?: string[];
}

/** What a rule returns: the analyser adds `command` and `via`. */
export type RuleHit = Omit<CommandFinding, 'command' | 'via'>;

/** Marks a target set that is unbounded or only known at run time. */
export const ALL_TARGETS = '*';

/**
 * One shell word after quote removal. `value` is null when the word holds an expansion whose result is
 * only known at run time (`$X`, `$(...)`, `$((...))`, process substitution). Glob characters are kept in
 * `value`, quoted or not: treating a quoted `*` as a pattern only errs towards caution.
 */
export interface ShellWord {
  readonly text: string;
  readonly value: string | null;
}

/**
 * Working directory of a command: an absolute path, a path anchored at a home directory (`~`, `~/src`),
 * or null when unknown (the SSH login directory is never assumed).
 */
export type Cwd = string | null;

/** Where a command's standard input comes from; decides whether a shell reading stdin can be analysed. */
export type StdinSource =
  | { kind: 'inherited' }
  | { kind: 'pipe' }
  | { kind: 'file' }
  /** Here-document or here-string; `text` is null when it holds expansions. */
  | { kind: 'text'; text: string | null };

/** A program about to run, after wrappers (`sudo`, `env`, ...) were peeled off. */
export interface Invocation {
  /** Program name without directory: `/usr/bin/rm` → `rm`. */
  readonly name: string;
  readonly args: readonly ShellWord[];
  readonly cwd: Cwd;
  readonly stdin: StdinSource;
  /** `xargs` appends operands the analysis cannot see. */
  readonly argsFromStdin: boolean;
}

export type CommandRule = (invocation: Invocation) => RuleHit[];
