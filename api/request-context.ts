import type { Request, RequestHandler } from 'express';
import { randomUUID } from 'node:crypto';
import { withCorrelationId, currentCorrelationId } from '../platform/logger.ts';
import { Actor } from '../schema/command-request.ts';
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

/** The CLI says it is the CLI, so audit rows tell its reads from plain API calls. */
export function requestContext(req: Request): RequestContext {
  const client = req.get('x-infra-client');
  const trigger: Trigger = client === 'cli' ? 'cli' : 'api';
  return { trigger, correlationId: currentCorrelationId() ?? null };
}

/**
 * The caller's name from X-Infra-User; plain API callers are "api", the CLI sends the local user. With
 * tokens in use the token's name leads (`ops-laptop:alice`): the header alone proves nothing.
 */
export function actor(req: Request, fallback: string): string {
  const given = req.get('x-infra-user');
  const who = given === undefined ? fallback : Actor.parse(given);
  const principal = principalOf(req);
  return principal && principal.name !== 'local' ? `${principal.name}:${who}` : who;
}
