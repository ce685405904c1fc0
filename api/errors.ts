import type { ErrorRequestHandler, RequestHandler } from 'express';
import { z } from 'zod';
import type { Logger } from '../platform/logger.ts';
import { errorBodyOf, ServiceError } from '../services/service-error.ts';

export const errorBody = errorBodyOf;

export function validationDetails(err: z.ZodError) {
  return err.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
}

export const notFoundHandler: RequestHandler = (req, res) => {
  res.status(404).json(errorBody('not_found', `no route for ${req.method} ${req.path}`));
};

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, _req, res, _next) => {
    if (err instanceof z.ZodError) {
      res.status(400).json(errorBody('validation_error', 'request is invalid', validationDetails(err)));
      return;
    }
    if (err instanceof ServiceError) {
      res.status(err.httpStatus).json(errorBody(err.code, err.message, err.details));
      return;
    }
    // body-parser errors carry a status and a type (malformed JSON, too large, wrong charset).
    const e = err as { status?: number; type?: string; message?: string };
    if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) {
      res.status(e.status).json(errorBody(e.type ? e.type.replace(/\./g, '_') : 'bad_request', e.message ?? 'bad request'));
      return;
    }
    if (isDatabaseUnavailable(err)) {
      logger.warn('database unavailable', { error: err instanceof Error ? err.message : String(err) });
      res.status(503).setHeader('Retry-After', '5').json(errorBody('database_unavailable', 'the database is not reachable right now; try again shortly'));
      return;
    }
    logger.error('unhandled error', { error: err instanceof Error ? err.stack : String(err) });
    res.status(500).json(errorBody('internal_error', 'internal error'));
  };
}

/** PostgreSQL down or restarting: a refused or reset connection, or its "starting up / shutting down / recovering" codes. */
function isDatabaseUnavailable(err: unknown): boolean {
  const e = err as { code?: string; errors?: unknown[] } | null;
  if (!e) return false;
  if (['ECONNREFUSED', 'ECONNRESET', '57P01', '57P02', '57P03'].includes(e.code ?? '')) return true;
  // pg reports a refused connection to several addresses as an AggregateError of ECONNREFUSED errors.
  return Array.isArray(e.errors) && e.errors.length > 0 && e.errors.every(isDatabaseUnavailable);
}
