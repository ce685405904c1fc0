import { z } from 'zod';
import { collectorFor, DATA_TYPES } from '../../domain/collectors/registry.ts';
import { dataAnswerShapeOf } from '../../schema/data-answer.ts';
import { Hostname } from '../../schema/device.ts';
import { HistoryAnswer } from '../../services/collection-service.ts';
import { component, json, QueryFlag, ref } from '../answers.ts';
import { requestContext } from '../request-context.ts';
import { defineRoute } from '../route.ts';

const DataQuery = z
  .object({
    force_refresh: QueryFlag.default(false),
    since: z.iso.datetime({ offset: true }).optional(),
    until: z.iso.datetime({ offset: true }).optional(),
    limit: z.coerce.number().int().min(1).max(10_000).default(1000),
    include_data: QueryFlag.default(false),
  })
  .strict()
  .refine((q) => !(q.force_refresh && (q.since || q.until)), 'force_refresh cannot be combined with since/until');
const DataType = z.string().regex(/^[a-z_]{1,40}$/, 'data type: lowercase letters and underscores');

const HistoryAnswerComponent = component('HistoryAnswer', HistoryAnswer);

/** Each data type's answer under its own name (`MetricsAnswer`, `DiskIoAnswer`...), its `data` described by its collector's schema. */
const dataAnswerName = (dataType: string) =>
  `${dataType.replace(/(?:^|_)([a-z])/g, (_, letter: string) => letter.toUpperCase())}Answer`;
for (const dataType of DATA_TYPES)
  component(dataAnswerName(dataType), z.looseObject(dataAnswerShapeOf(collectorFor(dataType))));
/** The data route answers one of them, told apart by `data_type`. */
const DataAnswerComponent = component('DataAnswer', {
  oneOf: DATA_TYPES.map((dataType) => ref(dataAnswerName(dataType))),
  discriminator: {
    propertyName: 'data_type',
    mapping: Object.fromEntries(DATA_TYPES.map((dataType) => [dataType, ref(dataAnswerName(dataType)).$ref])),
  },
});

/** `GET /api/devices/{hostname}/{data_type}`: read-through cache, the same path MCP and the CLI use. */
export const dataRoutes = [
  defineRoute({
    method: 'get',
    path: '/api/devices/{hostname}/{data_type}',
    operationId: 'readData',
    summary: 'Newest data of a type (collected when stale or `force_refresh`), or its history with `since`/`until`',
    tag: 'data',
    params: { hostname: Hostname, data_type: DataType },
    // The route accepts any lowercase name and answers 404 for unknown ones; these are the known types.
    documentedParams: { data_type: z.enum(DATA_TYPES) },
    query: DataQuery,
    answers: {
      '200': json('the data answer, or the history series', {
        anyOf: [DataAnswerComponent.ref(), HistoryAnswerComponent.ref()],
      }),
    },
    handler: async ({ params: { hostname, data_type: dataType }, query, req, res, deps }) => {
      if (query.since || query.until) {
        // History: ?since= alone means "until now"; ?until= alone means "the day before it".
        const until = query.until ? new Date(query.until) : new Date();
        const since = query.since ? new Date(query.since) : new Date(until.getTime() - 86_400_000);
        res.json(
          await deps.collection.history(hostname, dataType, {
            since,
            until,
            limit: query.limit,
            includeData: query.include_data,
          }),
        );
        return;
      }
      res.json(
        await deps.collection.read(hostname, dataType, { forceRefresh: query.force_refresh }, requestContext(req)),
      );
    },
  }),
];
