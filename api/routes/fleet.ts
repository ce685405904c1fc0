import { Router } from 'express';
import { FleetContainersQuery } from '../../schema/fleet-containers.ts';
import type { FleetService } from '../../services/fleet-service.ts';

/**
 * `GET /api/fleet`: every device with its newest stored figures, in one answer (the console's fleet page).
 * `GET /api/containers`: every container of the fleet from the stored answers, filtered and paged.
 */
export function fleetRoutes(fleet: FleetService): Router {
  const r = Router();
  r.get('/fleet', async (_req, res) => {
    res.json(await fleet.summary());
  });
  r.get('/containers', async (req, res) => {
    res.json(await fleet.containers(FleetContainersQuery.parse(req.query)));
  });
  return r;
}
