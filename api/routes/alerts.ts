import { Router } from 'express';
import { z } from 'zod';
import { AlertChannelCreate, AlertRuleCreate } from '../../schema/alert.ts';
import { Hostname } from '../../schema/device.ts';
import type { AlertService } from '../../services/alert-service.ts';

export const AlertsQuery = z
  .object({ device: Hostname.optional(), state: z.enum(['pending', 'firing', 'resolved']).optional(), limit: z.coerce.number().int().min(1).max(1000).default(100) })
  .strict();
export const Id = z.string().uuid();
export const RulePatch = z.object({ enabled: z.boolean() }).strict();

/** Alert history (`GET /api/alerts`), rules and delivery channels. */
export function alertRoutes(alerts: AlertService): Router {
  const r = Router();
  r.get('/alerts', async (req, res) => {
    const q = AlertsQuery.parse(req.query);
    res.json({ alerts: await alerts.alerts({ hostname: q.device, state: q.state, limit: q.limit }) });
  });
  r.get('/alerts/rules', async (_req, res) => res.json({ rules: await alerts.rules() }));
  r.post('/alerts/rules', async (req, res) => res.status(201).json(await alerts.createRule(AlertRuleCreate.parse(req.body ?? {}))));
  r.patch('/alerts/rules/:id', async (req, res) => res.json(await alerts.setRuleEnabled(Id.parse(req.params.id), RulePatch.parse(req.body ?? {}).enabled)));
  r.delete('/alerts/rules/:id', async (req, res) => {
    await alerts.deleteRule(Id.parse(req.params.id));
    res.status(204).end();
  });
  r.get('/alerts/channels', async (_req, res) => res.json({ channels: await alerts.channels() }));
  r.post('/alerts/channels', async (req, res) => res.status(201).json(await alerts.createChannel(AlertChannelCreate.parse(req.body ?? {}))));
  r.post('/alerts/channels/:id/test', async (req, res) => res.json(await alerts.testChannel(Id.parse(req.params.id))));
  r.delete('/alerts/channels/:id', async (req, res) => {
    await alerts.deleteChannel(Id.parse(req.params.id));
    res.status(204).end();
  });
  return r;
}
