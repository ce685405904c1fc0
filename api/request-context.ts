import type { Request, RequestHandler } from 'express';
import { randomUUID } from 'node:crypto';
import { withCorrelationId, currentCorrelationId } from '../platform/logger.ts';
import { OnBehalfOf, type Principal } from '../schema/api-token.ts';
import type { Trigger } from '../schema/database.ts';
import type { RequestContext } from '../services/device-service.ts';
import { principalOf } from './security.ts';

const CORRELATION_ID = /^[A-Za-z0-9._:-]{1,100}$/;

/** Carries the caller's X-Correlation-Id (or a new one) through every log line of the request. */
export const correlationMiddleware: RequestHandler = (req, res, next) => {
  const given = req.get('x-correlation-id');
  const id = given && CORRELATION_ID.test(given) ? given : randomUUID();
  res.setHeader('X-Correlation-Id', id);
  withCorrelationId(id, next);
};

/**
 * Who asks and through what: the authenticated principal (the guard ran before every route that acts),
 * and what X-Infra-User says about whom it acts for. The CLI says it is the CLI, so audit rows tell its
 * reads from plain API calls.
 */
export function requestContext(req: Request): RequestContext {
  const client = req.get('x-infra-client');
  const trigger: Trigger = client === 'cli' ? 'cli' : 'api';
  const given = req.get('x-infra-user');
  return {
    trigger,
    correlationId: currentCorrelationId() ?? null,
    principal: requirePrincipal(req),
    onBehalfOf: given === undefined ? null : OnBehalfOf.parse(given),
  };
}

/** Fails closed: a route that acts without the token guard in front of it is a bug, not the local owner. */
function requirePrincipal(req: Request): Principal {
  const principal = principalOf(req);
  if (!principal) throw new Error(`no principal for ${req.method} ${req.path}: the token guard did not run`);
  return principal;
}
