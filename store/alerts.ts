import type { Kysely, Transaction } from 'kysely';
import type { AlertState, AlertTransition } from '../schema/alert.ts';
import type { PrincipalRef } from '../schema/api-token.ts';
import type { Database } from '../schema/database.ts';
import { insightsFor } from '../domain/insights/data-insights.ts';
import { AuditRepository } from './audit.ts';
import { alertTransitions } from '../platform/metrics.ts';
import { deviceStatusConditions, insightConditions, planAlerts, type Condition } from '../domain/alerts/evaluate.ts';

export type AlertLook =
  | { source: 'insight'; hostname: string; dataType: string; data: unknown }
  | { source: 'device_status'; hostname: string };

/** Something that happened once: it notifies when a rule matches, and is history at once (resolved). */
export type AlertEvent =
  | {
      source: 'config_change';
      hostname: string;
      eventId: string;
      path: string;
      changeType: string;
      risk: string;
      reasons: string[];
    }
  | {
      source: 'operation';
      hostname: string;
      operationId: string;
      state: string;
      command: string;
      risk: string | null;
      requestedBy: PrincipalRef;
      actor: PrincipalRef;
    };

const RISK_RANK: Record<string, number> = { NONE: 0, LOW: 1, MEDIUM: 2, HIGH: 3, CRITICAL: 4 };

/** One audit row (and so one live event) per notification. */
async function recordTransitions(
  trx: Transaction<Database>,
  device: { id: string; hostname: string },
  transitions: AlertTransition[],
  dataType: string | null,
): Promise<void> {
  for (const t of transitions) {
    alertTransitions.inc({ state: t.state });
    await new AuditRepository(trx).write({
      device_id: device.id,
      hostname: device.hostname,
      action: t.state === 'firing' ? 'alert_fired' : 'alert_resolved',
      data_type: dataType,
      trigger: 'system',
      status: 'success',
      correlation_id: null,
      details: JSON.stringify({
        alert_id: t.alert_id,
        rule: t.rule,
        subject: t.subject,
        severity: t.severity,
        message: t.message,
      }),
    });
  }
}

/** Alerts: evaluating rules against what was seen, and their history. */
export class AlertRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /** Records and answers the notifications an event calls for; a retried activity records each once. */
  async evaluateEvent(e: AlertEvent): Promise<AlertTransition[]> {
    return this.#db.transaction().execute(async (trx) => {
      const device = await trx
        .selectFrom('devices')
        .select(['id', 'hostname', 'maintenance'])
        .where('hostname', '=', e.hostname)
        .executeTakeFirst();
      if (!device) return [];
      const rules = await trx
        .selectFrom('alert_rules')
        .selectAll()
        .where('source', '=', e.source)
        .where('enabled', '=', true)
        .execute();
      const now = new Date();
      const transitions: AlertTransition[] = [];
      for (const rule of rules) {
        const matches =
          e.source === 'config_change'
            ? (RISK_RANK[e.risk] ?? 0) >= (RISK_RANK[rule.match.min_risk ?? 'HIGH'] ?? 3)
            : (rule.match.operation_states ?? []).includes(e.state as never);
        if (!matches) continue;
        const subject =
          e.source === 'config_change' ? `config:${e.path}:${e.eventId}` : `operation:${e.operationId}:${e.state}`;
        const severity =
          e.source === 'config_change'
            ? e.risk === 'CRITICAL'
              ? 'critical'
              : 'warning'
            : e.state === 'blocked'
              ? 'warning'
              : 'info';
        const message =
          e.source === 'config_change'
            ? `${e.path} ${e.changeType} on ${e.hostname}, risk ${e.risk}${e.reasons.length ? `: ${e.reasons.slice(0, 3).join('; ')}` : ''}`
            : `operation ${e.state} on ${e.hostname}${e.risk ? ` (risk ${e.risk})` : ''}, asked by ${e.requestedBy.name}${e.actor.id === e.requestedBy.id ? '' : `, ${e.state} by ${e.actor.name}`}: ${e.command.slice(0, 200)}`;
        const evidence =
          e.source === 'config_change'
            ? { event_id: e.eventId, path: e.path, change_type: e.changeType, risk: e.risk }
            : {
                operation_id: e.operationId,
                state: e.state,
                risk: e.risk,
                requested_by: e.requestedBy.id,
                by: e.actor.id,
              };
        // A retried activity finds its own row: the event is recorded (and notified) once.
        const seen = await trx
          .selectFrom('alerts')
          .select('id')
          .where('rule_id', '=', rule.id)
          .where('hostname', '=', device.hostname)
          .where('subject', '=', subject)
          .executeTakeFirst();
        if (seen) continue;
        const row = await trx
          .insertInto('alerts')
          .values({
            rule_id: rule.id,
            hostname: device.hostname,
            subject,
            state: 'resolved',
            severity,
            message,
            evidence: JSON.stringify(evidence),
            muted: device.maintenance !== null,
            first_seen: now,
            fired_at: now,
            resolved_at: now,
            updated_at: now,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        if (device.maintenance !== null) continue;
        transitions.push({
          alert_id: row.id,
          rule: rule.name,
          device: device.hostname,
          subject,
          state: 'firing',
          severity,
          message,
          evidence,
          first_seen: now.toISOString(),
          at: now.toISOString(),
        });
      }
      await recordTransitions(trx, device, transitions, null);
      return transitions;
    });
  }

  /**
   * Applies every enabled rule of the look's source to what was just seen, in one transaction, and
   * answers the transitions to deliver. A device in maintenance has its alerts recorded but muted.
   */
  async evaluate(look: AlertLook): Promise<AlertTransition[]> {
    return this.#db.transaction().execute(async (trx) => {
      const device = await trx
        .selectFrom('devices')
        .select(['id', 'hostname', 'status', 'status_detail', 'maintenance'])
        .where('hostname', '=', look.hostname)
        .executeTakeFirst();
      if (!device) return [];
      const rules = await trx
        .selectFrom('alert_rules')
        .selectAll()
        .where('source', '=', look.source)
        .where('enabled', '=', true)
        .execute();
      if (rules.length === 0) return [];
      const insights = look.source === 'insight' ? insightsFor(look.dataType, look.data) : [];
      const muted = device.maintenance !== null;
      const now = new Date();
      const transitions: AlertTransition[] = [];
      // One query for every rule's open alerts: a collection pays one round-trip, not one per rule.
      const openOfAll = await trx
        .selectFrom('alerts')
        .select(['id', 'rule_id', 'subject', 'state', 'first_seen', 'severity', 'message', 'evidence'])
        .where(
          'rule_id',
          'in',
          rules.map((r) => r.id),
        )
        .where('hostname', '=', device.hostname)
        .where('state', '<>', 'resolved')
        .orderBy('id')
        .forUpdate()
        .execute();
      for (const rule of rules) {
        const conditions: Condition[] =
          look.source === 'insight'
            ? insightConditions(rule.match, look.dataType, insights)
            : deviceStatusConditions(rule.match, device.hostname, device.status, device.status_detail);
        const open = openOfAll.filter((a) => a.rule_id === rule.id);
        const scope = look.source === 'insight' ? `${look.dataType}:` : 'device';
        const plan = planAlerts(
          open as Array<(typeof open)[number] & { state: 'pending' | 'firing' }>,
          conditions,
          rule.for_seconds,
          now,
          scope,
        );
        const transition = (
          id: string,
          c: Pick<Condition, 'subject' | 'severity' | 'message' | 'evidence'>,
          firstSeen: Date,
          state: 'firing' | 'resolved',
        ) => {
          if (!muted)
            transitions.push({
              alert_id: id,
              rule: rule.name,
              device: device.hostname,
              subject: c.subject,
              state,
              severity: c.severity,
              message: c.message,
              evidence: c.evidence,
              first_seen: firstSeen.toISOString(),
              at: now.toISOString(),
            });
        };
        for (const { condition, firing } of plan.insert) {
          const row = await trx
            .insertInto('alerts')
            .values({
              rule_id: rule.id,
              hostname: device.hostname,
              subject: condition.subject,
              state: firing ? 'firing' : 'pending',
              severity: condition.severity,
              message: condition.message,
              evidence: JSON.stringify(condition.evidence),
              muted,
              first_seen: now,
              fired_at: firing ? now : null,
              updated_at: now,
            })
            .returning('id')
            .executeTakeFirstOrThrow();
          if (firing) transition(row.id, condition, now, 'firing');
        }
        for (const { id, condition, fire } of plan.update) {
          await trx
            .updateTable('alerts')
            .set({
              severity: condition.severity,
              message: condition.message,
              evidence: JSON.stringify(condition.evidence),
              muted,
              updated_at: now,
              ...(fire && { state: 'firing' as const, fired_at: now }),
            })
            .where('id', '=', id)
            .execute();
          if (fire) transition(id, condition, open.find((a) => a.id === id)!.first_seen, 'firing');
        }
        for (const { id, wasFiring } of plan.resolve) {
          await trx
            .updateTable('alerts')
            .set({ state: 'resolved', resolved_at: now, updated_at: now })
            .where('id', '=', id)
            .execute();
          const was = open.find((a) => a.id === id)!;
          if (wasFiring)
            transition(
              id,
              {
                subject: was.subject,
                severity: was.severity,
                message: `recovered: ${was.message}`,
                evidence: was.evidence,
              },
              was.first_seen,
              'resolved',
            );
        }
      }
      await recordTransitions(trx, device, transitions, look.source === 'insight' ? look.dataType : null);
      return transitions;
    });
  }

  /** Alert history, newest first, with each alert's rule name. */
  list(filter: { hostname?: string; state?: AlertState; limit: number }) {
    let q = this.#db
      .selectFrom('alerts')
      .innerJoin('alert_rules', 'alert_rules.id', 'alerts.rule_id')
      .selectAll('alerts')
      .select('alert_rules.name as rule')
      .orderBy('alerts.first_seen', 'desc')
      .limit(filter.limit);
    if (filter.hostname) q = q.where('alerts.hostname', '=', filter.hostname);
    if (filter.state) q = q.where('alerts.state', '=', filter.state);
    return q.execute();
  }

  firing(): Promise<Array<{ hostname: string; severity: string }>> {
    return this.#db.selectFrom('alerts').select(['hostname', 'severity']).where('state', '=', 'firing').execute();
  }
}
