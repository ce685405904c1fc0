import { z } from 'zod';
import { registry as metricsRegistry } from '../../platform/metrics.ts';
import type { HealthReport } from '../../services/health-service.ts';
import { component, ErrorComponent, json, named, Time } from '../answers.ts';
import { defineRoute } from '../route.ts';

const partHealth = z.looseObject({
  status: z.enum(['ok', 'down']),
  latency_ms: z.number().optional(),
  error: z.string().optional(),
});
const healthShape = {
  status: z.enum(['ok', 'degraded']),
  temporal: partHealth,
  database: partHealth,
  worker: partHealth,
  devices: z.object({ total: z.int(), by_status: z.record(z.string(), z.int()) }).nullable(),
  checked_at: Time,
} satisfies Record<keyof HealthReport, z.ZodType>;
const HealthReportComponent = component('HealthReport', z.looseObject(healthShape));

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
