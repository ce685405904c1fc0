import { Router } from 'express';
import { z } from 'zod';
import { Hostname } from '../../schema/device.ts';
import type { CollectionService } from '../../services/collection-service.ts';
import { requestContext } from '../request-context.ts';

const Flag = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
export const DataQuery = z
  .object({
    force_refresh: Flag.default(false),
    since: z.iso.datetime({ offset: true }).optional(),
    until: z.iso.datetime({ offset: true }).optional(),
    limit: z.coerce.number().int().min(1).max(10_000).default(1000),
    include_data: Flag.default(false),
  })
  .strict()
  .refine((q) => !(q.force_refresh && (q.since || q.until)), 'force_refresh cannot be combined with since/until');
const DataType = z.string().regex(/^[a-z_]{1,40}$/, 'data type: lowercase letters and underscores');

/** `GET /api/devices/{hostname}/{data_type}`: read-through cache, the same path MCP and the CLI use. */
export function dataRoutes(collection: CollectionService): Router {
  const r = Router();
  r.get('/:hostname/:dataType', async (req, res) => {
    const hostname = Hostname.parse(req.params.hostname);
    const dataType = DataType.parse(req.params.dataType);
    const query = DataQuery.parse(req.query);
    if (query.since || query.until) {
      // History: ?since= alone means "until now"; ?until= alone means "the day before it".
      const until = query.until ? new Date(query.until) : new Date();
      const since = query.since ? new Date(query.since) : new Date(until.getTime() - 86_400_000);
      res.json(await collection.history(hostname, dataType, { since, until, limit: query.limit, includeData: query.include_data }));
      return;
    }
    res.json(await collection.read(hostname, dataType, { forceRefresh: query.force_refresh }, requestContext(req)));
  });
  return r;
}
