import { z } from 'zod';
import { AlertChannelCreate, AlertRuleCreate } from '../../schema/alert.ts';
import { Hostname } from '../../schema/device.ts';
import type { AlertService } from '../../services/alert-service.ts';
import { answers, arrayOf, component, ErrorComponent, json, named, noContent, Time, wrapped } from '../answers.ts';
import { defineRoute } from '../route.ts';

const AlertsQuery = z
  .object({
    device: Hostname.optional(),
    state: z.enum(['pending', 'firing', 'resolved']).optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
  })
  .strict();
const Id = z.string().uuid();
const RulePatch = z.object({ enabled: z.boolean() }).strict();

type ItemOf<T extends (...args: never[]) => Promise<unknown[]>> = Awaited<ReturnType<T>>[number];
const alertShape = {
  id: z.string(),
  device: z.string(),
  subject: z.string(),
  state: z.enum(['pending', 'firing', 'resolved']),
  severity: z.string(),
  message: z.string(),
  evidence: z.record(z.string(), z.unknown()),
  muted: z.boolean(),
  first_seen: Time,
  fired_at: Time.nullable(),
  resolved_at: Time.nullable(),
  rule: z.string(),
} satisfies Record<keyof ItemOf<AlertService['alerts']>, z.ZodType>;
const alertRuleShape = {
  id: z.string(),
  name: z.string(),
  source: z.string(),
  match: z.record(z.string(), z.unknown()),
  for_seconds: z.int(),
  enabled: z.boolean(),
  created_at: Time,
} satisfies Record<keyof ItemOf<AlertService['rules']>, z.ZodType>;
const alertChannelShape = {
  id: z.string(),
  name: z.string(),
  kind: z.string(),
  url: z.string(),
  has_secret: z.boolean(),
  enabled: z.boolean(),
  created_at: Time,
} satisfies Record<keyof ItemOf<AlertService['channels']>, z.ZodType>;
const AlertRule = component('AlertRule', z.looseObject(alertRuleShape));
const AlertChannel = component('AlertChannel', z.looseObject(alertChannelShape));

const pathId = { id: Id };

/** Alert history (`GET /api/alerts`), rules and delivery channels. */
export const alertRoutes = [
  defineRoute({
    method: 'get',
    path: '/api/alerts',
    operationId: 'listAlerts',
    summary: 'Alerts, newest first',
    tag: 'alerts',
    query: AlertsQuery,
    answers: { '200': wrapped('the alerts', 'alerts', answers(z.array(z.looseObject(alertShape)))) },
    handler: async ({ query, res, deps }) => {
      res.json({
        alerts: await deps.alerts.alerts({ hostname: query.device, state: query.state, limit: query.limit }),
      });
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/alerts/rules',
    operationId: 'listAlertRules',
    summary: 'Alert rules',
    tag: 'alerts',
    answers: { '200': wrapped('the rules', 'rules', arrayOf(AlertRule)) },
    handler: async ({ res, deps }) => res.json({ rules: await deps.alerts.rules() }),
  }),
  defineRoute({
    method: 'post',
    path: '/api/alerts/rules',
    operationId: 'createAlertRule',
    summary: 'Add an alert rule (admin)',
    tag: 'alerts',
    body: AlertRuleCreate,
    answers: { '201': named('added', AlertRule) },
    handler: async ({ body, res, deps }) => res.status(201).json(await deps.alerts.createRule(body)),
  }),
  defineRoute({
    method: 'patch',
    path: '/api/alerts/rules/{id}',
    operationId: 'updateAlertRule',
    summary: 'Turn an alert rule on or off (admin)',
    tag: 'alerts',
    params: pathId,
    body: RulePatch,
    answers: { '200': named('changed', AlertRule) },
    handler: async ({ params, body, res, deps }) => res.json(await deps.alerts.setRuleEnabled(params.id, body.enabled)),
  }),
  defineRoute({
    method: 'delete',
    path: '/api/alerts/rules/{id}',
    operationId: 'removeAlertRule',
    summary: 'Remove an alert rule (admin)',
    tag: 'alerts',
    params: pathId,
    answers: { '204': noContent('removed') },
    handler: async ({ params, res, deps }) => {
      await deps.alerts.deleteRule(params.id);
      res.status(204).end();
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/alerts/channels',
    operationId: 'listAlertChannels',
    summary: 'Delivery channels, without their secrets',
    tag: 'alerts',
    answers: { '200': wrapped('the channels', 'channels', arrayOf(AlertChannel)) },
    handler: async ({ res, deps }) => res.json({ channels: await deps.alerts.channels() }),
  }),
  defineRoute({
    method: 'post',
    path: '/api/alerts/channels',
    operationId: 'createAlertChannel',
    summary: 'Add a webhook, ntfy or Gotify channel (admin)',
    tag: 'alerts',
    body: AlertChannelCreate,
    answers: { '201': named('added', AlertChannel) },
    handler: async ({ body, res, deps }) => res.status(201).json(await deps.alerts.createChannel(body)),
  }),
  defineRoute({
    method: 'post',
    path: '/api/alerts/channels/{id}/test',
    operationId: 'testAlertChannel',
    summary: 'Send a test notification to one channel (admin and confirm); answers whether the receiver took it',
    tag: 'alerts',
    params: pathId,
    answers: {
      '200': json(
        'sent, or why not (`delivered` false with the HTTP status or the network error)',
        answers(
          z.object({ channel: z.string(), delivered: z.boolean(), status: z.int().nullable(), detail: z.string() }),
        ),
      ),
      '404': json('no such channel', ErrorComponent),
    },
    handler: async ({ params, res, deps }) => res.json(await deps.alerts.testChannel(params.id)),
  }),
  defineRoute({
    method: 'delete',
    path: '/api/alerts/channels/{id}',
    operationId: 'removeAlertChannel',
    summary: 'Remove a channel (admin)',
    tag: 'alerts',
    params: pathId,
    answers: { '204': noContent('removed') },
    handler: async ({ params, res, deps }) => {
      await deps.alerts.deleteChannel(params.id);
      res.status(204).end();
    },
  }),
];
