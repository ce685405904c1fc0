import { Router } from 'express';
import { z } from 'zod';
import { TokenCreate } from '../../schema/api-token.ts';
import type { TokenService } from '../../services/token-service.ts';
import { requestContext } from '../request-context.ts';

export const TokenId = z.string().uuid();

/** Token management (admin scope): the token itself is in the creation answer only. */
export function tokenRoutes(tokens: TokenService): Router {
  const r = Router();
  r.post('/tokens', async (req, res) => {
    res.status(201).json(await tokens.create(TokenCreate.parse(req.body ?? {}), requestContext(req).principal));
  });
  r.get('/tokens', async (_req, res) => {
    res.json({ tokens: await tokens.list() });
  });
  r.delete('/tokens/:id', async (req, res) => {
    res.json(await tokens.revoke(TokenId.parse(req.params.id)));
  });
  return r;
}
