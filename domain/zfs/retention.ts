/**
 * Which snapshots a retention policy keeps and which it destroys, in the style of sanoid and restic's
 * `forget`: the newest `keep_last` snapshots, plus the newest snapshot of each of the last N hours, days,
 * ISO weeks, months and years that have one. Periods are UTC. Each dataset is planned on its own; only
 * snapshots whose name matches the policy's pattern take part (others, e.g. a manual `before-upgrade`,
 * are never destroyed). Pure: no I/O, the same answer for the same listing.
 */

export interface RetentionPolicy {
  keep_last: number;
  hourly: number;
  daily: number;
  weekly: number;
  monthly: number;
  yearly: number;
  /** Glob over the part after `@` (`*` and `?`), e.g. `autosnap_*`; null = every snapshot. */
  name_pattern: string | null;
}

export interface PlannedSnapshot {
  /** Full name, `dataset@snapshot`. */
  name: string;
  dataset: string;
  /** ISO 8601. */
  creation: string;
}

export interface KeptSnapshot extends PlannedSnapshot {
  /** Which rules keep it, e.g. `last 3`, `daily 2026-11-24`. */
  reasons: string[];
}

export interface RetentionPlan {
  keep: KeptSnapshot[];
  destroy: PlannedSnapshot[];
  /** Snapshots the pattern leaves out: untouched. */
  ignored: PlannedSnapshot[];
}

type Period = 'hourly' | 'daily' | 'weekly' | 'monthly' | 'yearly';
const PERIODS: readonly Period[] = ['hourly', 'daily', 'weekly', 'monthly', 'yearly'];

const pad = (n: number) => String(n).padStart(2, '0');

/** ISO 8601 week of a UTC instant, e.g. `2026-W48` (weeks start on Monday; week 1 holds the first Thursday). */
function isoWeek(date: Date): string {
  const day = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));
  const weekday = day.getUTCDay() || 7;
  day.setUTCDate(day.getUTCDate() + 4 - weekday);
  const yearStart = Date.UTC(day.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((day.getTime() - yearStart) / 86_400_000 + 1) / 7);
  return `${day.getUTCFullYear()}-W${pad(week)}`;
}

function periodOf(period: Period, iso: string): string {
  const d = new Date(iso);
  const date = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  switch (period) {
    case 'hourly':
      return `${date}T${pad(d.getUTCHours())}`;
    case 'daily':
      return date;
    case 'weekly':
      return isoWeek(d);
    case 'monthly':
      return date.slice(0, 7);
    case 'yearly':
      return date.slice(0, 4);
  }
}

/** `*` any run of characters, `?` one; everything else literal. */
export function globRegExp(pattern: string): RegExp {
  const body = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

export function snapshotPart(name: string): string {
  return name.slice(name.indexOf('@') + 1);
}

/** A policy that keeps nothing would destroy every matching snapshot: refused as a mistake. */
export function retentionPolicyProblem(policy: RetentionPolicy): string | null {
  const kept = policy.keep_last + PERIODS.reduce((sum, period) => sum + policy[period], 0);
  return kept === 0
    ? 'the policy keeps nothing: set keep_last or at least one of hourly, daily, weekly, monthly, yearly'
    : null;
}

export function planRetention(snapshots: readonly PlannedSnapshot[], policy: RetentionPolicy): RetentionPlan {
  const problem = retentionPolicyProblem(policy);
  if (problem) throw new Error(problem);
  const matches =
    policy.name_pattern === null
      ? () => true
      : (s: PlannedSnapshot) => globRegExp(policy.name_pattern!).test(snapshotPart(s.name));
  const plan: RetentionPlan = { keep: [], destroy: [], ignored: snapshots.filter((s) => !matches(s)) };
  const byDataset = new Map<string, PlannedSnapshot[]>();
  for (const snapshot of snapshots.filter(matches))
    byDataset.set(snapshot.dataset, [...(byDataset.get(snapshot.dataset) ?? []), snapshot]);

  for (const list of byDataset.values()) {
    // Newest first; equal times keep the listing's order (zfs lists by creation, so later = newer).
    const newestFirst = list
      .map((s, i) => ({ s, i }))
      .sort((a, b) => Date.parse(b.s.creation) - Date.parse(a.s.creation) || b.i - a.i)
      .map(({ s }) => s);
    const reasons = new Map<string, string[]>();
    const keep = (snapshot: PlannedSnapshot, reason: string) =>
      reasons.set(snapshot.name, [...(reasons.get(snapshot.name) ?? []), reason]);
    newestFirst.slice(0, policy.keep_last).forEach((s) => keep(s, `last ${policy.keep_last}`));
    for (const period of PERIODS) {
      const seen = new Set<string>();
      for (const snapshot of newestFirst) {
        if (seen.size >= policy[period]) break;
        const bucket = periodOf(period, snapshot.creation);
        if (seen.has(bucket)) continue;
        seen.add(bucket);
        keep(snapshot, `${period} ${bucket}`);
      }
    }
    for (const snapshot of newestFirst) {
      const why = reasons.get(snapshot.name);
      if (why) plan.keep.push({ ...snapshot, reasons: why });
      else plan.destroy.push(snapshot);
    }
  }
  return plan;
}
