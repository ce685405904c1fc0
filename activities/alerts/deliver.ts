import { ApplicationFailure } from '@temporalio/activity';
import { createHmac } from 'node:crypto';
import type { AlertTransition, HeldOperationNotice } from '../../schema/alert.ts';
import type { AlertChannel } from '../../store/alert-rules.ts';
import type { Logger } from '../../platform/logger.ts';
import type { Repositories } from '../../store/index.ts';

export interface DeliveryDeps {
  store: Repositories;
  logger: Logger;
}

type Channel = AlertChannel;

const TIMEOUT_MS = 10_000;

/** The HTTP request each kind of channel expects. */
export function deliveryRequest(
  channel: Pick<Channel, 'kind' | 'url' | 'secret'>,
  t: AlertTransition,
): { url: string; headers: Record<string, string>; body: string } {
  const title = `${t.state === 'firing' ? (t.severity === 'critical' ? '🔴' : '🟠') : '✅'} ${t.device}: ${t.rule}`;
  switch (channel.kind) {
    case 'webhook': {
      const body = JSON.stringify({ event: `alert.${t.state}`, id: `${t.alert_id}:${t.state}`, ...t });
      return {
        url: channel.url,
        headers: { 'content-type': 'application/json', ...signatureOf(channel.secret, body) },
        body,
      };
    }
    case 'ntfy': {
      const { url, topic } = ntfyTarget(channel.url);
      const body = JSON.stringify({
        topic,
        title,
        message: t.message,
        priority: t.state === 'firing' && t.severity === 'critical' ? 5 : 3,
        tags: [t.state, t.severity, t.device],
      });
      return {
        url,
        headers: {
          'content-type': 'application/json',
          ...(channel.secret && { authorization: `Bearer ${channel.secret}` }),
        },
        body,
      };
    }
    case 'gotify': {
      const body = JSON.stringify({
        title,
        message: t.message,
        priority: t.state === 'firing' && t.severity === 'critical' ? 8 : 5,
        extras: { 'infrastructor::alert': t },
      });
      return {
        url: `${channel.url.replace(/\/+$/, '')}/message`,
        headers: { 'content-type': 'application/json', ...(channel.secret && { 'x-gotify-key': channel.secret }) },
        body,
      };
    }
  }
}

/** The request for a held operation: the person reads what is held, the phrase, and where to type it. */
export function heldNoticeRequest(
  channel: Pick<Channel, 'kind' | 'url' | 'secret'>,
  n: HeldOperationNotice,
): { url: string; headers: Record<string, string>; body: string } {
  const title = `⏸ ${n.device}: destructive operation held (risk ${n.risk_level})`;
  const where = n.confirm.web ?? n.confirm.cli;
  const message = `${n.command.slice(0, 300)}\n${n.reasons.slice(0, 3).join('; ')}\nRequested by ${n.requested_by.name}. To run it, type: ${n.phrase}\nConfirm at ${where} before ${n.expires_at}.`;
  const payload = { event: 'operation.held', id: `${n.operation_id}:held`, ...n };
  switch (channel.kind) {
    case 'webhook': {
      const body = JSON.stringify(payload);
      return {
        url: channel.url,
        headers: { 'content-type': 'application/json', ...signatureOf(channel.secret, body) },
        body,
      };
    }
    case 'ntfy': {
      const { url, topic } = ntfyTarget(channel.url);
      const body = JSON.stringify({
        topic,
        title,
        message,
        priority: 4,
        tags: ['operation_held', n.device],
        ...(n.confirm.web && { click: n.confirm.web }),
      });
      return {
        url,
        headers: {
          'content-type': 'application/json',
          ...(channel.secret && { authorization: `Bearer ${channel.secret}` }),
        },
        body,
      };
    }
    case 'gotify': {
      const body = JSON.stringify({
        title,
        message,
        priority: 7,
        extras: { 'infrastructor::operation_held': payload },
      });
      return {
        url: `${channel.url.replace(/\/+$/, '')}/message`,
        headers: { 'content-type': 'application/json', ...(channel.secret && { 'x-gotify-key': channel.secret }) },
        body,
      };
    }
  }
}

/** Receivers verify the sender with the shared secret, like GitHub's X-Hub-Signature-256. */
function signatureOf(secret: string | null, body: string): Record<string, string> {
  return secret ? { 'x-infra-signature-256': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}` } : {};
}

/** ntfy's JSON publishing posts to the server root with the topic in the body. */
function ntfyTarget(channelUrl: string): { url: string; topic: string } {
  const u = new URL(channelUrl);
  const segments = u.pathname.split('/').filter(Boolean);
  const topic = segments.pop() ?? '';
  u.pathname = `/${segments.join('/')}`;
  return { url: u.toString(), topic };
}

/**
 * Sends each transition to every enabled channel. A channel that is down or answers 5xx makes the
 * activity retry (receivers dedupe by `id`: delivery is at least once); one that refuses (4xx) is
 * logged and skipped, since sending the same request again cannot help.
 */
export function deliverAlerts(
  deps: DeliveryDeps,
  transitions: AlertTransition[],
): Promise<{ delivered: number; refused: number }> {
  return postToChannels(deps, (channel) => transitions.map((t) => deliveryRequest(channel, t)));
}

/** The enabled channels, so a held notice is retried per channel and never sent twice to one that took it. */
export async function enabledChannelIds(deps: DeliveryDeps): Promise<string[]> {
  return deps.store.alertRules.enabledChannelIds();
}

/** Sends a held operation's notice to one channel (gone since: nothing to do). */
export async function deliverHeldNotice(
  deps: DeliveryDeps,
  input: { notice: HeldOperationNotice; channelId: string },
): Promise<{ delivered: number; refused: number }> {
  return postToChannels(deps, (channel) => [heldNoticeRequest(channel, input.notice)], input.channelId);
}

/** One POST to a channel, bounded: a receiver that hangs must not hold the sender. */
export function sendToChannel(req: ReturnType<typeof deliveryRequest>): Promise<Response> {
  return fetch(req.url, {
    method: 'POST',
    headers: req.headers,
    body: req.body,
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
}

async function postToChannels(
  deps: DeliveryDeps,
  requestsFor: (channel: Channel) => Array<ReturnType<typeof deliveryRequest>>,
  onlyChannelId?: string,
): Promise<{ delivered: number; refused: number }> {
  const channels = await deps.store.alertRules.enabledChannels(onlyChannelId);
  let delivered = 0;
  let refused = 0;
  const failures: string[] = [];
  for (const channel of channels) {
    for (const req of requestsFor(channel)) {
      try {
        const res = await sendToChannel(req);
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
  if (failures.length > 0)
    throw ApplicationFailure.create({
      type: 'alert_delivery_failed',
      message: failures.join('; '),
      nonRetryable: false,
    });
  return { delivered, refused };
}
