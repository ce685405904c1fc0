import type { Kysely } from 'kysely';
import type { AlertTransition } from '../../schema/alert.ts';
import type { Database } from '../../schema/database.ts';
import { insightsFor } from '../insights/data-insights.ts';
import { writeAudit } from '../store/audit.ts';
import { deviceStatusConditions, insightConditions, planAlerts, type Condition } from './evaluate.ts';

export type AlertLook =
  | { source: 'insight'; hostname: string; dataType: string; data: unknown }
  | { source: 'device_status'; hostname: string };

/**
 * Applies every enabled rule of the look's source to what was just seen, in one transaction, and
 * answers the transitions to deliver. A device in maintenance has its alerts recorded but muted.
 */
export async function evaluateAlerts(db: Kysely<Database>, look: AlertLook): Promise<AlertTransition[]> {
  return db.transaction().execute(async (trx) => {
    const device = await trx.selectFrom('devices').select(['id', 'hostname', 'status', 'status_detail', 'maintenance']).where('hostname', '=', look.hostname).executeTakeFirst();
    if (!device) return [];
    const rules = await trx.selectFrom('alert_rules').selectAll().where('source', '=', look.source).where('enabled', '=', true).execute();
    if (rules.length === 0) return [];
    const insights = look.source === 'insight' ? insightsFor(look.dataType, look.data) : [];
    const muted = device.maintenance !== null;
    const now = new Date();
    const transitions: AlertTransition[] = [];
    for (const rule of rules) {
      const conditions: Condition[] =
        look.source === 'insight' ? insightConditions(rule.match, look.dataType, insights) : deviceStatusConditions(rule.match, device.hostname, device.status, device.status_detail);
      const open = await trx
        .selectFrom('alerts')
        .select(['id', 'subject', 'state', 'first_seen', 'severity', 'message', 'evidence'])
        .where('rule_id', '=', rule.id)
        .where('hostname', '=', device.hostname)
        .where('state', '<>', 'resolved')
        .forUpdate()
        .execute();
      const scope = look.source === 'insight' ? `${look.dataType}:` : 'device';
      const plan = planAlerts(open as Array<(typeof open)[number] & { state: 'pending' | 'firing' }>, conditions, rule.for_seconds, now, scope);
      const transition = (id: string, c: Pick<Condition, 'subject' | 'severity' | 'message' | 'evidence'>, firstSeen: Date, state: 'firing' | 'resolved') => {
        if (!muted) transitions.push({ alert_id: id, rule: rule.name, device: device.hostname, subject: c.subject, state, severity: c.severity, message: c.message, evidence: c.evidence, first_seen: firstSeen.toISOString(), at: now.toISOString() });
      };
      for (const { condition, firing } of plan.insert) {
        const row = await trx
          .insertInto('alerts')
          .values({ rule_id: rule.id, hostname: device.hostname, subject: condition.subject, state: firing ? 'firing' : 'pending', severity: condition.severity, message: condition.message, evidence: JSON.stringify(condition.evidence), muted, first_seen: now, fired_at: firing ? now : null, updated_at: now })
          .returning('id')
          .executeTakeFirstOrThrow();
        if (firing) transition(row.id, condition, now, 'firing');
      }
      for (const { id, condition, fire } of plan.update) {
        await trx
          .updateTable('alerts')
          .set({ severity: condition.severity, message: condition.message, evidence: JSON.stringify(condition.evidence), muted, updated_at: now, ...(fire && { state: 'firing' as const, fired_at: now }) })
          .where('id', '=', id)
          .execute();
        if (fire) transition(id, condition, open.find((a) => a.id === id)!.first_seen, 'firing');
      }
      for (const { id, wasFiring } of plan.resolve) {
        await trx.updateTable('alerts').set({ state: 'resolved', resolved_at: now, updated_at: now }).where('id', '=', id).execute();
        const was = open.find((a) => a.id === id)!;
        if (wasFiring) transition(id, { subject: was.subject, severity: was.severity, message: `recovered: ${was.message}`, evidence: was.evidence }, was.first_seen, 'resolved');
      }
    }
    for (const t of transitions) {
      await writeAudit(trx, {
        device_id: device.id,
        hostname: device.hostname,
        action: t.state === 'firing' ? 'alert_fired' : 'alert_resolved',
        data_type: look.source === 'insight' ? look.dataType : null,
        trigger: 'system',
        status: 'success',
        correlation_id: null,
        details: JSON.stringify({ alert_id: t.alert_id, rule: t.rule, subject: t.subject, severity: t.severity, message: t.message }),
      });
    }
    return transitions;
  });
}
