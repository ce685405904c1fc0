import { registry as metricsRegistry } from '../../platform/metrics.ts';
import { HealthReport } from '../../services/health-service.ts';
import { component, ErrorComponent, json, named } from '../answers.ts';
import { defineRoute } from '../route.ts';

const HealthReportComponent = component('HealthReport', HealthReport);

/** `/health` (open, for container health checks) and `/metrics`; `/openapi.json` is declared beside the document. */
export const systemRoutes = [
  defineRoute({
    method: 'get',
    path: '/metrics',
    operationId: 'metrics',
    summary:
      'Prometheus metrics: collections, durations, cache hits, workflow latencies, operations, alerts, SSH, database pool',
    tag: 'system',
    answers: {
      '200': {
        description: 'the Prometheus text exposition format',
        content: { 'text/plain': { schema: { type: 'string' } } },
      },
    },
    handler: async ({ res }) => {
      res.type(metricsRegistry.contentType).send(await metricsRegistry.metrics());
    },
  }),
  defineRoute({
    method: 'get',
    path: '/health',
    operationId: 'health',
    summary: 'Health of Temporal, the database and the worker (open, for container health checks)',
    tag: 'system',
    answers: {
      '200': named('every part is up', HealthReportComponent),
      '503': json('a part is down', { anyOf: [HealthReportComponent.ref(), ErrorComponent.ref()] }),
    },
    handler: async ({ res, deps }) => {
      const report = await deps.health.report();
      res.status(report.status === 'ok' ? 200 : 503).json(report);
    },
  }),
];
