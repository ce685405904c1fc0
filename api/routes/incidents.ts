import { Router } from 'express';
import { z } from 'zod';
import { Hostname } from '../../schema/device.ts';
import type { IncidentService } from '../../services/incident-service.ts';
import { requestContext } from '../request-context.ts';

export const IncidentQuery = z
  .object({
    device: Hostname.optional(),
    state: z.enum(['awaiting_replacement', 'rebuilding', 'closed']).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
  })
  .strict();
export const IncidentId = z.string().uuid();
export const ReplacedRequest = z.object({ note: z.string().trim().min(1).max(1000).optional() }).strict();

/** Failed-drive and degraded-pool incidents and their disk-replacement runbooks. */
export function incidentRoutes(incidents: IncidentService): Router {
  const r = Router();
  r.get('/incidents', async (req, res) => {
    const q = IncidentQuery.parse(req.query);
    res.json({ incidents: await incidents.list({ hostname: q.device, state: q.state, limit: q.limit }) });
  });
  r.get('/incidents/:id', async (req, res) => {
    res.json(await incidents.get(IncidentId.parse(req.params.id)));
  });
  r.post('/incidents/:id/replaced', async (req, res) => {
    const id = IncidentId.parse(req.params.id);
    const { note } = ReplacedRequest.parse(req.body ?? {});
    const ctx = requestContext(req);
    res.json(await incidents.replaced(id, ctx, note ?? null));
  });
  return r;
}
