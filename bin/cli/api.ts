import { userInfo } from 'node:os';
import createClient from 'openapi-fetch';
import type { paths } from '../../client/openapi.gen.ts';

export const apiUrl = process.env.INFRA_API_URL ?? `http://127.0.0.1:${process.env.API_PORT ?? '9101'}`;

/** A failure the CLI explains in one line (exit status 1). */
export class CliError extends Error {}
/** The CLI was called wrongly: one line saying what is wrong and where the right form is (exit status 2). */
export class UsageError extends Error {}

export const SEE_HELP = 'see `infra --help`';

/** Whom the CLI acts for, recorded beside the token's identity (`on_behalf_of`): the local login. */
const cliUser = `${userInfo()
  .username.replace(/[^A-Za-z0-9._@-]/g, '_')
  .slice(0, 50)}@cli`;

/** The typed client of the API (the types are generated from its OpenAPI document, as for the web console). */
export const api = createClient<paths>({
  baseUrl: apiUrl,
  headers: {
    'x-infra-client': 'cli',
    'x-infra-user': cliUser,
    ...(process.env.INFRA_API_TOKEN && { authorization: `Bearer ${process.env.INFRA_API_TOKEN}` }),
  },
  async fetch(request) {
    try {
      return await fetch(request);
    } catch (err) {
      throw new CliError(
        `cannot reach the API at ${apiUrl} (${(err as Error).cause ?? (err as Error).message}); is \`npm start\` running?`,
      );
    }
  },
});

/**
 * A word from the command line sent as written where the API takes a number or one of a set of names:
 * the API checks it, and its 400 names the field, as for any other mistake in a value. (Typed `never`
 * so it fits whichever of them the document declares there.)
 */
export const asWritten = (value: string): never => value as never;

type Pending<T> = Promise<{ data?: T; error?: unknown; response: Response }>;

/** Any answer, success or not: its status and body (null when it has none). */
export interface Answer {
  status: number;
  payload: Record<string, unknown> | null;
}

export async function answerOf(pending: Pending<unknown>): Promise<Answer> {
  const { data, error, response } = await pending;
  const body = data ?? error;
  return {
    status: response.status,
    payload: body !== null && typeof body === 'object' ? (body as Record<string, unknown>) : null,
  };
}

export function failure(status: number, payload: Record<string, unknown> | null): CliError {
  const e = payload?.error as { code?: string; message?: string; details?: unknown } | undefined;
  const details = e?.details ? ` ${JSON.stringify(e.details)}` : '';
  return new CliError(`${status} ${e?.code ?? 'error'}: ${e?.message ?? 'request failed'}${details}`);
}

/** The answer of a call that must succeed; a body-less answer (204) is null. */
export async function dataOf<T>(pending: Pending<T>): Promise<T> {
  const { data, error, response } = await pending;
  if (response.status >= 400)
    throw failure(
      response.status,
      error !== null && typeof error === 'object' ? (error as Record<string, unknown>) : null,
    );
  return (data ?? null) as T;
}
