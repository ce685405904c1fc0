import { Router } from 'express';
import { z } from 'zod';
import { Hostname } from '../../schema/device.ts';
import { MaintenanceRequest } from '../../schema/maintenance-request.ts';
import { ServiceRestartRequest } from '../../schema/service-restart.ts';
import type { DiagnosisService } from '../../services/diagnosis-service.ts';
import type { MaintenanceService } from '../../services/maintenance-service.ts';
import type { ServiceRestartService } from '../../services/service-restart-service.ts';
import { maintenanceAnswer, serviceRestartAnswer } from '../../services/workflow-answers.ts';
import { requestContext } from '../request-context.ts';

export const DiagnoseQuery = z.object({ focus: z.enum(['performance', 'storage', 'containers', 'all']).default('all') }).strict();

/** Diagnosis (`/api/diagnosis` for the fleet), maintenance mode and dependency-ordered restarts under `/api/devices/{hostname}/...`. */
export function operationalWorkflowRoutes(maintenance: MaintenanceService, restarts: ServiceRestartService, diagnosis: DiagnosisService, publicUrl: string | null): Router {
  const r = Router();

  r.get('/diagnosis', async (req, res) => {
    const { focus } = DiagnoseQuery.parse(req.query);
    res.json(await diagnosis.diagnose(null, focus, requestContext(req)));
  });
  r.get('/devices/:hostname/diagnosis', async (req, res) => {
    const hostname = Hostname.parse(req.params.hostname);
    const { focus } = DiagnoseQuery.parse(req.query);
    res.json(await diagnosis.diagnose(hostname, focus, requestContext(req)));
  });

  r.get('/devices/:hostname/maintenance', async (req, res) => {
    const hostname = Hostname.parse(req.params.hostname);
    const view = await maintenance.status(hostname);
    res.json({ device: hostname, in_maintenance: view?.phase === 'active', maintenance: view });
  });

  r.post('/devices/:hostname/maintenance', async (req, res) => {
    const hostname = Hostname.parse(req.params.hostname);
    const request = MaintenanceRequest.parse(req.body ?? {});
    const ctx = requestContext(req);
    if (!request.enable) {
      res.json({ maintenance: await maintenance.leave(hostname, ctx) });
      return;
    }
    const outcome = await maintenance.enter(hostname, request, ctx);
    const answer = maintenanceAnswer(outcome, publicUrl);
    res.status(answer.httpStatus).json(answer.body);
  });

  r.post('/devices/:hostname/compose/services/:service/restart', async (req, res) => {
    const hostname = Hostname.parse(req.params.hostname);
    const request = ServiceRestartRequest.parse({ ...(req.body ?? {}), service: req.params.service });
    const ctx = requestContext(req);
    const outcome = await restarts.restart(hostname, request, ctx);
    const answer = serviceRestartAnswer(outcome, publicUrl);
    res.status(answer.httpStatus).json(answer.body);
  });
  return r;
}
