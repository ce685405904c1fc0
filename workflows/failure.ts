import { ActivityFailure, ApplicationFailure } from '@temporalio/workflow';

/** The classified code and message behind an activity's failure (its ApplicationFailure type). */
export function describeFailure(err: unknown): { code: string; message: string } {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  return {
    code: cause instanceof ApplicationFailure && cause.type ? cause.type : 'unknown',
    message: cause instanceof Error ? cause.message : String(cause),
  };
}
