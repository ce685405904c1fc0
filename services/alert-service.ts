import { randomUUID } from 'node:crypto';
import type { Selectable } from 'kysely';
import { deliveryRequest, sendToChannel } from '../activities/alerts/deliver.ts';
import type {
  AlertChannelCreate,
  AlertChannelView,
  AlertRuleCreate,
  AlertRuleView,
  AlertState,
  AlertTransition,
  AlertView,
} from '../schema/alert.ts';
import type { AlertsTable } from '../schema/database.ts';
import type { AlertChannel, AlertRule } from '../store/alert-rules.ts';
import { notFound, ServiceError } from './service-error.ts';
import type { Repositories } from '../store/index.ts';

/** Alert history, rules and channels. Channel secrets go in and never come out. */
export class AlertService {
  constructor(private readonly store: Pick<Repositories, 'alertRules' | 'alerts'>) {}

  async alerts(filter: { hostname?: string; state?: AlertState; limit: number }): Promise<AlertView[]> {
    return (await this.store.alerts.list(filter)).map((a) => ({ ...alertView(a), rule: a.rule }));
  }

  async rules() {
    return (await this.store.alertRules.listRules()).map(ruleView);
  }

  async createRule(input: AlertRuleCreate) {
    const allowed: Record<typeof input.source, ReadonlyArray<keyof typeof input.match>> = {
      insight: ['min_severity', 'codes'],
      device_status: ['states'],
      config_change: ['min_risk'],
      operation: ['operation_states'],
    };
    const stray = Object.keys(input.match).filter(
      (k) => !allowed[input.source].includes(k as keyof typeof input.match),
    );
    if (
      stray.length > 0 ||
      (input.source === 'device_status' && !input.match.states?.length) ||
      (input.source === 'operation' && !input.match.operation_states?.length)
    ) {
      throw new ServiceError(
        'validation_error',
        400,
        `a ${input.source} rule takes match.${allowed[input.source].join(' / match.')}${stray.length ? `, not ${stray.join(', ')}` : ''}`,
      );
    }
    const row = await this.store.alertRules.insertRule({
      name: input.name,
      source: input.source,
      match: JSON.stringify(input.match),
      for_seconds: input.for_seconds,
      enabled: input.enabled,
    });
    if (!row) throw new ServiceError('conflict', 409, `a rule named ${input.name} exists`);
    return ruleView(row);
  }

  async setRuleEnabled(id: string, enabled: boolean) {
    const row = await this.store.alertRules.setRuleEnabled(id, enabled);
    if (!row) throw notFound(`alert rule ${id}`);
    return ruleView(row);
  }

  async deleteRule(id: string): Promise<void> {
    if (!(await this.store.alertRules.deleteRule(id))) throw notFound(`alert rule ${id}`);
  }

  async channels() {
    return (await this.store.alertRules.listChannels()).map(channelView);
  }

  async createChannel(input: AlertChannelCreate) {
    const row = await this.store.alertRules.insertChannel({
      name: input.name,
      kind: input.kind,
      url: input.url,
      secret: input.secret ?? null,
      enabled: true,
    });
    if (!row) throw new ServiceError('conflict', 409, `a channel named ${input.name} exists`);
    return channelView(row);
  }

  /**
   * Sends a made-up firing alert to one channel (enabled or not), the way real ones go, and answers
   * whether the receiver took it: its HTTP status, or why it could not be reached. The receiver's body
   * is not passed on.
   */
  async testChannel(
    id: string,
  ): Promise<{ channel: string; delivered: boolean; status: number | null; detail: string }> {
    const channel = await this.store.alertRules.findChannel(id);
    if (!channel) throw notFound(`alert channel ${id}`);
    const now = new Date().toISOString();
    const test: AlertTransition = {
      alert_id: `test-${randomUUID()}`,
      rule: 'test notification',
      device: 'infrastructor',
      subject: 'channel test',
      state: 'firing',
      severity: 'info',
      message: `A test notification to channel ${channel.name}: if you read this, alerts reach you here.`,
      evidence: {},
      first_seen: now,
      at: now,
    };
    try {
      const res = await sendToChannel(deliveryRequest(channel, test));
      await res.body?.cancel();
      return {
        channel: channel.name,
        delivered: res.ok,
        status: res.status,
        detail: `the receiver answered ${res.status}`,
      };
    } catch (err) {
      const reason = err instanceof Error ? ((err.cause as Error | undefined)?.message ?? err.message) : String(err);
      return {
        channel: channel.name,
        delivered: false,
        status: null,
        detail: `the receiver could not be reached: ${reason}`,
      };
    }
  }

  async deleteChannel(id: string): Promise<void> {
    if (!(await this.store.alertRules.deleteChannel(id))) throw notFound(`alert channel ${id}`);
  }
}

function alertView(a: Selectable<AlertsTable>) {
  return {
    id: a.id,
    device: a.hostname,
    subject: a.subject,
    state: a.state,
    severity: a.severity,
    message: a.message,
    evidence: a.evidence,
    muted: a.muted,
    first_seen: a.first_seen.toISOString(),
    fired_at: a.fired_at?.toISOString() ?? null,
    resolved_at: a.resolved_at?.toISOString() ?? null,
  };
}

function ruleView(r: AlertRule): AlertRuleView {
  return {
    id: r.id,
    name: r.name,
    source: r.source,
    match: r.match,
    for_seconds: r.for_seconds,
    enabled: r.enabled,
    created_at: r.created_at.toISOString(),
  };
}

function channelView(c: AlertChannel): AlertChannelView {
  return {
    id: c.id,
    name: c.name,
    kind: c.kind,
    url: c.url,
    has_secret: c.secret !== null,
    enabled: c.enabled,
    created_at: c.created_at.toISOString(),
  };
}
