import { z } from 'zod';
import { MaintenanceRequest } from '../../schema/maintenance-request.ts';
import { MaintenanceView } from '../../schema/maintenance-view.ts';
import { ServiceRestartRequest, ServiceRestartView } from '../../schema/service-restart.ts';
import { maintenanceAnswer, serviceRestartAnswer } from '../../services/workflow-answers.ts';
import { accepts, answers, component, heldOrConflict, json, withoutProperties, wrapped } from '../answers.ts';
import { requestContext } from '../request-context.ts';
import { defineRoute, pathHostname } from '../route.ts';

const DiagnoseQuery = z
  .object({ focus: z.enum(['performance', 'storage', 'containers', 'all']).default('all') })
  .strict();
/** The restart's options; the service comes from the path. */
const RestartOptions = z.record(z.string(), z.unknown());

const MaintenanceViewComponent = component('MaintenanceView', MaintenanceView);

const ServiceRestartViewComponent = component('ServiceRestartView', ServiceRestartView.loose());

const DiagnosisReport = z.looseObject({
  device: z.string(),
  focus: z.string(),
  findings: z.array(z.looseObject({ severity: z.string(), code: z.string(), message: z.string() })),
  summary: z.string(),
});

/** Diagnosis (`/api/diagnosis` for the fleet), maintenance mode and dependency-ordered restarts under `/api/devices/{hostname}/...`. */
export const operationalWorkflowRoutes = [
  defineRoute({
    method: 'get',
    path: '/api/diagnosis',
    operationId: 'diagnoseFleet',
    summary: 'Collect fresh data on every monitored device and rank what is wrong',
    tag: 'diagnosis',
    query: DiagnoseQuery,
    answers: {
      '200': json(
        'one report per device and the fleet ranking',
        answers(
          z.looseObject({
            focus: z.string(),
            reports: z.array(DiagnosisReport),
            fleet: z.looseObject({ summary: z.string() }).nullable(),
            workflow_id: z.string(),
          }),
        ),
      ),
    },
    handler: async ({ query, req, res, deps }) => {
      res.json(await deps.diagnosis.diagnose(null, query.focus, requestContext(req)));
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/devices/{hostname}/diagnosis',
    operationId: 'diagnoseDevice',
    summary: 'Collect fresh data on one device and rank what is wrong',
    tag: 'diagnosis',
    params: pathHostname,
    query: DiagnoseQuery,
    answers: {
      '200': json(
        'the report',
        answers(
          z.looseObject({
            focus: z.string(),
            reports: z.array(DiagnosisReport),
            fleet: z.null(),
            workflow_id: z.string(),
          }),
        ),
      ),
    },
    handler: async ({ params, query, req, res, deps }) => {
      res.json(await deps.diagnosis.diagnose(params.hostname, query.focus, requestContext(req)));
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/devices/{hostname}/maintenance',
    operationId: 'maintenanceStatus',
    summary: 'Whether the device is in maintenance mode, and its newest stay',
    tag: 'maintenance',
    params: pathHostname,
    answers: {
      '200': json('the status', {
        type: 'object',
        properties: {
          device: { type: 'string' },
          in_maintenance: { type: 'boolean' },
          maintenance: { anyOf: [MaintenanceViewComponent.ref(), { type: 'null' }] },
        },
        required: ['device', 'in_maintenance', 'maintenance'],
      }),
    },
    handler: async ({ params: { hostname }, res, deps }) => {
      const view = await deps.maintenance.status(hostname);
      res.json({ device: hostname, in_maintenance: view?.phase === 'active', maintenance: view });
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/devices/{hostname}/maintenance',
    operationId: 'maintenance',
    summary: 'Enter maintenance (stopping non-critical containers is held for its phrase) or leave it',
    tag: 'maintenance',
    params: pathHostname,
    body: MaintenanceRequest,
    answers: {
      '200': wrapped('in maintenance, or left', 'maintenance', MaintenanceViewComponent),
      '409': heldOrConflict({ key: 'maintenance', view: MaintenanceViewComponent }),
    },
    handler: async ({ params: { hostname }, body: request, req, res, deps }) => {
      const ctx = requestContext(req);
      if (!request.enable) {
        res.json({ maintenance: await deps.maintenance.leave(hostname, ctx) });
        return;
      }
      const outcome = await deps.maintenance.enter(hostname, request, ctx);
      const answer = maintenanceAnswer(outcome, deps.publicUrl);
      res.status(answer.httpStatus).json(answer.body);
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/devices/{hostname}/compose/services/{service}/restart',
    operationId: 'restartComposeService',
    summary: 'Restart a compose service and everything that depends on it, in depends_on order',
    tag: 'maintenance',
    params: { ...pathHostname, service: ServiceRestartRequest.shape.service },
    body: RestartOptions,
    documentedBody: withoutProperties(accepts(ServiceRestartRequest), ['service']),
    bodyRequired: false,
    answers: {
      '200': wrapped('restarted (or the failed step, in `restart.error`)', 'restart', ServiceRestartViewComponent),
      '409': heldOrConflict({ key: 'restart', view: ServiceRestartViewComponent }),
    },
    handler: async ({ params, body, req, res, deps }) => {
      const request = ServiceRestartRequest.parse({ ...body, service: params.service });
      const outcome = await deps.restarts.restart(params.hostname, request, requestContext(req));
      const answer = serviceRestartAnswer(outcome, deps.publicUrl);
      res.status(answer.httpStatus).json(answer.body);
    },
  }),
];
