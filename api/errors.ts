import type { ErrorRequestHandler, RequestHandler } from 'express';
import { z } from 'zod';
import { databaseUnreachable } from '../platform/db.ts';
import type { Logger } from '../platform/logger.ts';
import { databaseUnavailable, errorBodyOf, ServiceError } from '../services/service-error.ts';

export function validationDetails(err: z.ZodError) {
  return err.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
}

export const notFoundHandler: RequestHandler = (req, res) => {
  res.status(404).json(errorBodyOf('not_found', `no route for ${req.method} ${req.path}`));
};

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, _req, res, _next) => {
    if (err instanceof z.ZodError) {
      res.status(400).json(errorBodyOf('validation_error', 'request is invalid', validationDetails(err)));
      return;
    }
    const send = (e: ServiceError) => {
      // A 503 is the database or a dependency away for a moment: clients may come back shortly.
      if (e.httpStatus === 503) res.setHeader('Retry-After', '5');
      res.status(e.httpStatus).json(errorBodyOf(e.code, e.message, e.details));
    };
    if (err instanceof ServiceError) {
      send(err);
      return;
    }
    // body-parser errors carry a status and a type (malformed JSON, too large, wrong charset).
    const e = err as { status?: number; type?: string; message?: string };
    if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) {
      res
        .status(e.status)
        .json(errorBodyOf(e.type ? e.type.replace(/\./g, '_') : 'bad_request', e.message ?? 'bad request'));
      return;
    }
    const unreachable = databaseUnreachable(err);
    if (unreachable !== null) {
      logger.warn('database unavailable', { error: unreachable });
      send(databaseUnavailable());
      return;
    }
    logger.error('unhandled error', { error: err instanceof Error ? err.stack : String(err) });
    res.status(500).json(errorBodyOf('internal_error', 'internal error'));
  };
}
