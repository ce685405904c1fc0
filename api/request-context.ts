import type { Request, RequestHandler } from 'express';
import { randomUUID } from 'node:crypto';
import { withCorrelationId, currentCorrelationId } from '../platform/logger.ts';
import { OnBehalfOf, type Principal } from '../schema/api-token.ts';
import type { Trigger } from '../schema/database.ts';
import type { RequestContext } from '../services/device-service.ts';
import { principalOf } from '../http/guards.ts';

const CORRELATION_ID = /^[A-Za-z0-9._:-]{1,100}$/;

/** Carries the caller's X-Correlation-Id (or a new one) through every log line of the request. */
export const correlationMiddleware: RequestHandler = (req, res, next) => {
  const id = correlationIdOf(req.get('x-correlation-id'));
  res.setHeader('X-Correlation-Id', id);
  withCorrelationId(id, next);
};

/** The caller's correlation id when it is a sensible one, else a new one. */
export function correlationIdOf(given: string | undefined): string {
  return given && CORRELATION_ID.test(given) ? given : randomUUID();
}

/** The CLI says it is the CLI (X-Infra-Client), so audit rows tell its requests from plain API calls. */
export function triggerOf(client: string | undefined): Trigger {
  return client === 'cli' ? 'cli' : 'api';
}

/**
 * Who asks and through what: the authenticated principal (the guard ran before every route that acts),
 * and what X-Infra-User says about whom it acts for.
 */
export function requestContext(req: Request): RequestContext {
  const given = req.get('x-infra-user');
  return {
    trigger: triggerOf(req.get('x-infra-client')),
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
