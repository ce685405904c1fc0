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

/**
 * `GET /api/whoami`: the caller's principal and scopes, for any valid token, so a client (the web console)
 * shows only what it may do. `tokens_required` is false for the local owner on an open loopback setup.
 */
export function whoamiRoutes(): Router {
  const r = Router();
  r.get('/whoami', (req, res) => {
    const { principal } = requestContext(req);
    res.json({ id: principal.id, name: principal.name, kind: principal.kind, scopes: principal.scopes, tokens_required: principal.kind !== 'local_owner' });
  });
  return r;
}
