import createClient from 'openapi-fetch';
import type { paths } from '../../../client/openapi.gen.ts';

const TOKEN_KEY = 'infrastructor.token';
const WHOAMI = '/api/whoami';
const unauthorizedListeners = new Set<() => void>();

/** The pasted token lives in this tab's sessionStorage only: closing the tab signs out. */
export const session = {
  token: (): string | null => sessionStorage.getItem(TOKEN_KEY),
  setToken(token: string | null): void {
    if (token) sessionStorage.setItem(TOKEN_KEY, token);
    else sessionStorage.removeItem(TOKEN_KEY);
  },
  /** Called when the API refuses a request for want of a (valid) token: the console asks who it is again. */
  onUnauthorized(listener: () => void): () => void {
    unauthorizedListeners.add(listener);
    return () => unauthorizedListeners.delete(listener);
  },
  unauthorized(): void {
    for (const listener of unauthorizedListeners) listener();
  },
};

export function authorizationHeaders(): Record<string, string> {
  const token = session.token();
  return token ? { authorization: `Bearer ${token}` } : {};
}

/** The typed client of the API this page came from (same origin: the API serves the console). */
export const api = createClient<paths>({ baseUrl: window.location.origin });
api.use({
  onRequest({ request }) {
    for (const [name, value] of Object.entries(authorizationHeaders())) request.headers.set(name, value);
    return request;
  },
  onResponse({ request, response }) {
    // whoami's own 401 is the sign-in page's answer, not news.
    if (response.status === 401 && new URL(request.url).pathname !== WHOAMI) session.unauthorized();
    return response;
  },
});

/** An API answer that was not a success: its status, and the API's error (or held-operation) body. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly body: unknown,
  ) {
    super(message);
  }

  /** A 409 that held the action for a person's phrase: the operation to send the person to. */
  get heldOperationId(): string | null {
    const b = this.body as { status?: string; operation_id?: string } | null;
    return this.status === 409 && b?.status === 'DESTRUCTIVE_ACTION_BLOCKED' && b.operation_id ? b.operation_id : null;
  }

  /** A 400's complaints by field (`upstream_port`, `match.states`...), for a form to show beside each input. */
  get fieldErrors(): Record<string, string> {
    const details = (this.body as { error?: { details?: unknown } } | null)?.error?.details;
    if (this.status !== 400 || !Array.isArray(details)) return {};
    const errors: Record<string, string> = {};
    for (const d of details as Array<{ path?: unknown; message?: unknown }>) {
      if (typeof d.path === 'string' && typeof d.message === 'string')
        errors[d.path] = errors[d.path] ? `${errors[d.path]}; ${d.message}` : d.message;
    }
    return errors;
  }
}

function apiError(status: number, body: unknown): ApiError {
  const e = (body as { error?: { code?: string; message?: string } } | null)?.error;
  const held = body as { status?: string; reason?: string | null } | null;
  if (held?.status === 'DESTRUCTIVE_ACTION_BLOCKED')
    return new ApiError(status, 'held', 'held for a confirmation phrase', body);
  if (held?.status === 'BLOCKED_BY_DEVICE_RULE')
    return new ApiError(status, 'blocked', held.reason ?? 'blocked by a device rule', body);
  return new ApiError(status, e?.code ?? `http_${status}`, e?.message ?? `the API answered ${status}`, body);
}

/** openapi-fetch answers `{data}` or `{error}`; queries and mutations want the data, or a thrown ApiError. */
export async function unwrap<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await call;
  if (!response.ok) throw apiError(response.status, error ?? null);
  return data as T;
}
