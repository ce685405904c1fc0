import http from 'node:http';

/** What the API answered: the status, the headers, the raw text and the JSON body (null when empty). */
export interface ApiAnswer {
  status: number;
  headers: Headers;
  text: string;
  // The tests assert on the answer's fields one by one, so the body stays as loose as JSON.parse makes it.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

export interface ApiRequestOptions {
  /** Sent as a bearer token; none when null or absent. */
  token?: string | null;
  headers?: Record<string, string>;
  /** A body sent as it is (with the JSON content type), for malformed or oversized ones. */
  rawBody?: string;
  /** Aborts the request after this long, for servers a test takes down. */
  timeoutMs?: number;
}

/** `method route` on the API at `base`, with `body` (when given) as JSON. */
export async function apiRequest(
  base: string,
  method: string,
  route: string,
  body?: unknown,
  opts: ApiRequestOptions = {},
): Promise<ApiAnswer> {
  const payload = opts.rawBody ?? (body === undefined ? undefined : JSON.stringify(body));
  const res = await fetch(`${base}${route}`, {
    method,
    headers: {
      'content-type': 'application/json',
      ...(opts.token && { authorization: `Bearer ${opts.token}` }),
      ...opts.headers,
    },
    body: payload,
    signal: opts.timeoutMs === undefined ? undefined : AbortSignal.timeout(opts.timeoutMs),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, body: text ? JSON.parse(text) : null };
}

/**
 * `apiRequest` bound to one API (`base` read at each call, since a suite learns its URL in `before`) and
 * to options every call shares, such as a token or a user header; a call's own options add to them.
 */
export function apiClient(base: () => string, defaults: ApiRequestOptions = {}) {
  return (method: string, route: string, body?: unknown, opts: ApiRequestOptions = {}) =>
    apiRequest(base(), method, route, body, {
      ...defaults,
      ...opts,
      headers: { ...defaults.headers, ...opts.headers },
    });
}

/**
 * GET `route` with a Host header of the test's choosing, which fetch will not send (a page loaded
 * through a rebinding DNS name would): the status and the raw body.
 */
export function getWithHost(
  base: string,
  route: string,
  host: string,
  token?: string,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(`${base}${route}`, { headers: { host, ...(token && { authorization: `Bearer ${token}` }) } }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      })
      .on('error', reject);
  });
}
