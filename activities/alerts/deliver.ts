import { ApplicationFailure } from '@temporalio/activity';
import { createHmac } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import type { AlertTransition } from '../../schema/alert.ts';
import type { AlertChannelsTable, Database } from '../../schema/database.ts';
import type { Logger } from '../../platform/logger.ts';

export interface DeliveryDeps {
  db: Kysely<Database>;
  logger: Logger;
}

type Channel = Selectable<AlertChannelsTable>;

const TIMEOUT_MS = 10_000;

/** The HTTP request each kind of channel expects. */
export function deliveryRequest(channel: Pick<Channel, 'kind' | 'url' | 'secret'>, t: AlertTransition): { url: string; headers: Record<string, string>; body: string } {
  const title = `${t.state === 'firing' ? (t.severity === 'critical' ? '🔴' : '🟠') : '✅'} ${t.device}: ${t.rule}`;
  switch (channel.kind) {
    case 'webhook': {
      const body = JSON.stringify({ event: `alert.${t.state}`, id: `${t.alert_id}:${t.state}`, ...t });
      // Receivers verify the sender with the shared secret, like GitHub's X-Hub-Signature-256.
      const signature: Record<string, string> = channel.secret ? { 'x-infra-signature-256': `sha256=${createHmac('sha256', channel.secret).update(body).digest('hex')}` } : {};
      return { url: channel.url, headers: { 'content-type': 'application/json', ...signature }, body };
    }
    case 'ntfy': {
      // ntfy's JSON publishing posts to the server root with the topic in the body.
      const u = new URL(channel.url);
      const segments = u.pathname.split('/').filter(Boolean);
      const topic = segments.pop() ?? '';
      u.pathname = `/${segments.join('/')}`;
      const body = JSON.stringify({ topic, title, message: t.message, priority: t.state === 'firing' && t.severity === 'critical' ? 5 : 3, tags: [t.state, t.severity, t.device] });
      return { url: u.toString(), headers: { 'content-type': 'application/json', ...(channel.secret && { authorization: `Bearer ${channel.secret}` }) }, body };
    }
    case 'gotify': {
      const body = JSON.stringify({ title, message: t.message, priority: t.state === 'firing' && t.severity === 'critical' ? 8 : 5, extras: { 'infrastructor::alert': t } });
      return { url: `${channel.url.replace(/\/+$/, '')}/message`, headers: { 'content-type': 'application/json', ...(channel.secret && { 'x-gotify-key': channel.secret }) }, body };
    }
  }
}

/**
 * Sends each transition to every enabled channel. A channel that is down or answers 5xx makes the
 * activity retry (receivers dedupe by `id`: delivery is at least once); one that refuses (4xx) is
 * logged and skipped, since sending the same request again cannot help.
 */
export async function deliverAlerts(deps: DeliveryDeps, transitions: AlertTransition[]): Promise<{ delivered: number; refused: number }> {
  const channels = await deps.db.selectFrom('alert_channels').selectAll().where('enabled', '=', true).execute();
  let delivered = 0;
  let refused = 0;
  const failures: string[] = [];
  for (const channel of channels) {
    for (const t of transitions) {
      const req = deliveryRequest(channel, t);
      try {
        const res = await fetch(req.url, { method: 'POST', headers: req.headers, body: req.body, signal: AbortSignal.timeout(TIMEOUT_MS) });
        if (res.ok) delivered++;
        else if (res.status >= 400 && res.status < 500 && res.status !== 429) {
          refused++;
          deps.logger.warn('alert channel refused a notification', { channel: channel.name, status: res.status });
        } else failures.push(`${channel.name}: HTTP ${res.status}`);
      } catch (err) {
        failures.push(`${channel.name}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }
  if (failures.length > 0) throw ApplicationFailure.create({ type: 'alert_delivery_failed', message: failures.join('; '), nonRetryable: false });
  return { delivered, refused };
}
