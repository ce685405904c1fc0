import { z } from 'zod';
import type { Collector } from '../domain/collectors/collector.ts';
import type { DataAnswer } from '../services/collection-service.ts';

const Insight = z.looseObject({
  severity: z.enum(['critical', 'warning', 'info']),
  code: z.string(),
  subject: z.string(),
  message: z.string(),
  evidence: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
});

/** What `GET /api/devices/{hostname}/{data_type}` and the MCP data tools (`get_…`) answer, for any type. */
export const dataAnswerShape = {
  device: z.string(),
  data_type: z.string(),
  data: z.unknown(),
  collected_at: z.iso.datetime(),
  age_seconds: z.number().describe('seconds since the data was collected'),
  from_cache: z.boolean(),
  workflow_id: z.string().optional(),
  insights: z.array(Insight),
  stale: z
    .literal(true)
    .optional()
    .describe(
      'present when the snapshot is older than its freshness threshold and the database could not be asked for a newer one',
    ),
  stale_reason: z
    .string()
    .optional()
    .describe('why no fresher answer was given, e.g. "database unreachable: connect ECONNREFUSED 127.0.0.1:5432"'),
} satisfies Record<keyof DataAnswer, z.ZodType>;

/** The answer of one data type: `data` is what its collector parses, as its schema describes it. */
export function dataAnswerShapeOf<T>(collector: Pick<Collector<T>, 'dataType' | 'schema'>) {
  return { ...dataAnswerShape, data_type: z.literal(collector.dataType), data: collector.schema };
}
