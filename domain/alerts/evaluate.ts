/**
 * Alert bookkeeping, pure: given the alerts of one rule still open for a device and the conditions a new
 * look found, what to insert, update, fire and resolve. A condition must hold `forSeconds` before it
 * fires (pending until then); one that disappears resolves its alert (notified only if it had fired).
 */
import type { AlertRuleMatch } from '../../schema/alert.ts';
import type { Insight } from '../insights/insight.ts';

export interface Condition {
  /** Unique per rule and device, e.g. `containers:container_exited:old-backup` or `device`. */
  subject: string;
  severity: string;
  message: string;
  evidence: Record<string, unknown>;
}

export interface OpenAlert {
  id: string;
  subject: string;
  state: 'pending' | 'firing';
  first_seen: Date;
}

export interface AlertPlan {
  insert: Array<{ condition: Condition; firing: boolean }>;
  update: Array<{ id: string; condition: Condition; fire: boolean }>;
  resolve: Array<{ id: string; wasFiring: boolean }>;
}

/**
 * `scope`: the subjects this look speaks for (a containers collection says nothing about disks), as a
 * prefix; open alerts outside it are left alone.
 */
export function planAlerts(
  open: readonly OpenAlert[],
  conditions: readonly Condition[],
  forSeconds: number,
  now: Date,
  scope: string,
): AlertPlan {
  const plan: AlertPlan = { insert: [], update: [], resolve: [] };
  const bySubject = new Map(open.map((a) => [a.subject, a]));
  const seen = new Set<string>();
  for (const condition of conditions) {
    if (seen.has(condition.subject)) continue;
    seen.add(condition.subject);
    const existing = bySubject.get(condition.subject);
    if (!existing) {
      plan.insert.push({ condition, firing: forSeconds === 0 });
      continue;
    }
    const held = (now.getTime() - existing.first_seen.getTime()) / 1000 >= forSeconds;
    plan.update.push({ id: existing.id, condition, fire: existing.state === 'pending' && held });
  }
  for (const alert of open) {
    if (alert.subject.startsWith(scope) && !seen.has(alert.subject))
      plan.resolve.push({ id: alert.id, wasFiring: alert.state === 'firing' });
  }
  return plan;
}

const SEVERITY_RANK: Record<string, number> = { info: 0, warning: 1, critical: 2 };

/** The insights of one collection that a rule matches, as conditions scoped to the data type. */
export function insightConditions(match: AlertRuleMatch, dataType: string, insights: readonly Insight[]): Condition[] {
  const least = SEVERITY_RANK[match.min_severity ?? 'warning'] ?? 1;
  return insights
    .filter((i) => (SEVERITY_RANK[i.severity] ?? 0) >= least && (!match.codes || match.codes.includes(i.code)))
    .map((i) => ({
      subject: `${dataType}:${i.code}:${i.subject}`,
      severity: i.severity,
      message: i.message,
      evidence: i.evidence,
    }));
}

/** The device's status as a condition when the rule lists it. */
export function deviceStatusConditions(
  match: AlertRuleMatch,
  hostname: string,
  status: string,
  detail: string | null,
): Condition[] {
  if (!match.states?.includes(status as never)) return [];
  return [
    {
      subject: 'device',
      severity: 'critical',
      message: `${hostname} is ${status}${detail ? `: ${detail}` : ''}`,
      evidence: { status, detail },
    },
  ];
}
