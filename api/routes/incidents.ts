import { z } from 'zod';
import { Hostname } from '../../schema/device.ts';
import { IncidentView } from '../../schema/incident.ts';
import { arrayOf, component, named, wrapped } from '../answers.ts';
import { requestContext } from '../request-context.ts';
import { defineRoute } from '../route.ts';

const IncidentQuery = z
  .object({
    device: Hostname.optional(),
    state: z.enum(['awaiting_replacement', 'rebuilding', 'closed']).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
  })
  .strict();
const IncidentId = z.string().uuid();
const ReplacedRequest = z.object({ note: z.string().trim().min(1).max(1000).optional() }).strict();

const IncidentViewComponent = component('IncidentView', IncidentView.loose());

const pathId = { id: IncidentId };

/** Failed-drive and degraded-pool incidents and their disk-replacement runbooks. */
export const incidentRoutes = [
  defineRoute({
    method: 'get',
    path: '/api/incidents',
    operationId: 'listIncidents',
    summary: 'Failed-drive and degraded-pool incidents, newest first',
    tag: 'incidents',
    query: IncidentQuery,
    answers: { '200': wrapped('the incidents', 'incidents', arrayOf(IncidentViewComponent)) },
    handler: async ({ query: q, res, deps }) => {
      res.json({ incidents: await deps.incidents.list({ hostname: q.device, state: q.state, limit: q.limit }) });
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/incidents/{id}',
    operationId: 'getIncident',
    summary: 'One incident with its runbook timeline',
    tag: 'incidents',
    params: pathId,
    answers: { '200': named('the incident', IncidentViewComponent) },
    handler: async ({ params, res, deps }) => {
      res.json(await deps.incidents.get(params.id));
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/incidents/{id}/replaced',
    operationId: 'diskReplaced',
    summary: 'The disk was replaced: the runbook follows the rebuild',
    tag: 'incidents',
    params: pathId,
    body: ReplacedRequest,
    bodyRequired: false,
    answers: { '200': named('rebuilding', IncidentViewComponent) },
    handler: async ({ params, body, req, res, deps }) => {
      res.json(await deps.incidents.replaced(params.id, requestContext(req), body.note ?? null));
    },
  }),
];
