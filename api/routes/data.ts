import { Router } from 'express';
import { z } from 'zod';
import { Hostname } from '../../schema/device.ts';
import type { CollectionService } from '../../services/collection-service.ts';
import { requestContext } from '../request-context.ts';

const Flag = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
const DataQuery = z.object({ force_refresh: Flag.default(false) }).strict();
const DataType = z.string().regex(/^[a-z_]{1,40}$/, 'data type: lowercase letters and underscores');

/** `GET /api/devices/{hostname}/{data_type}`: read-through cache, the same path MCP and the CLI use. */
export function dataRoutes(collection: CollectionService): Router {
  const r = Router();
  r.get('/:hostname/:dataType', async (req, res) => {
    const hostname = Hostname.parse(req.params.hostname);
    const dataType = DataType.parse(req.params.dataType);
    const query = DataQuery.parse(req.query);
    res.json(await collection.read(hostname, dataType, { forceRefresh: query.force_refresh }, requestContext(req)));
  });
  return r;
}
