import { currentCorrelationId } from '../platform/logger.ts';

/** An error the fronts show as-is: a code, an HTTP status, a message fit for the user. */
export class ServiceError extends Error {
  override readonly name = 'ServiceError';
  constructor(
    readonly code: string,
    readonly httpStatus: number,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export const notFound = (what: string) => new ServiceError('not_found', 404, `${what} not found`);

/** PostgreSQL cannot be reached: one answer whether a service or the API's last handler notices. */
export const databaseUnavailable = () =>
  new ServiceError('database_unavailable', 503, 'the database is not reachable right now; try again shortly');

/** One error shape everywhere: `{error: {code, message, details?, correlation_id}}`. */
export function errorBodyOf(code: string, message: string, details?: unknown) {
  return {
    error: {
      code,
      message,
      ...(details === undefined ? {} : { details }),
      correlation_id: currentCorrelationId() ?? null,
    },
  };
}
