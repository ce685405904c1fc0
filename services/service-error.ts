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

/** One error shape everywhere: `{error: {code, message, details?, correlation_id}}`. */
export function errorBodyOf(code: string, message: string, details?: unknown) {
  return { error: { code, message, ...(details === undefined ? {} : { details }), correlation_id: currentCorrelationId() ?? null } };
}
