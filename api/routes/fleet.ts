import { Router } from 'express';
import type { FleetService } from '../../services/fleet-service.ts';

/** `GET /api/fleet`: every device with its newest stored figures, in one answer (the console's fleet page). */
export function fleetRoutes(fleet: FleetService): Router {
  const r = Router();
  r.get('/fleet', async (_req, res) => {
    res.json(await fleet.summary());
  });
  return r;
}
