import { z } from 'zod';
import { AlertChannelCreate, AlertChannelView, AlertRuleCreate, AlertRuleView, AlertView } from '../../schema/alert.ts';
import { Hostname } from '../../schema/device.ts';
import { answers, arrayOf, component, ErrorComponent, json, named, noContent, wrapped } from '../answers.ts';
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

const AlertRule = component('AlertRule', AlertRuleView);
const AlertChannel = component('AlertChannel', AlertChannelView);

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
    answers: { '200': wrapped('the alerts', 'alerts', answers(z.array(AlertView))) },
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
