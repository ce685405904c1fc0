import { ApplicationFailure } from '@temporalio/activity';
import { CollectorParseError } from '../domain/collectors/parse-error.ts';
import { SshError } from '../domain/ssh/errors.ts';

/**
 * Turns our classified errors into Temporal failures: the type is the error code, non-retryable codes
 * stop Temporal's retries at once, and retryable ones carry their own backoff.
 */
export function toApplicationFailure(err: unknown): ApplicationFailure {
  if (err instanceof ApplicationFailure) return err;
  if (err instanceof SshError) {
    return ApplicationFailure.create({
      type: err.code,
      message: err.message,
      nonRetryable: !err.retryable,
      nextRetryDelay: err.retryable ? err.retryAfterMs : undefined,
    });
  }
  if (err instanceof CollectorParseError) {
    return ApplicationFailure.create({
      type: 'parse_error',
      message: err.message,
      nonRetryable: true,
      details: err.excerpt ? [err.excerpt] : [],
    });
  }
  // Errors of our own side (the database unreachable, a bug) stay retryable under the workflow's policy,
  // and are told apart from device errors so they are never counted against a device.
  return ApplicationFailure.create({
    type: 'internal_error',
    message: err instanceof Error ? err.message : String(err),
    nonRetryable: false,
  });
}
