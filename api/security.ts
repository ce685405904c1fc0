import type { Request, RequestHandler } from 'express';
import { LOCAL_OWNER, scopesAllow, type Principal, type TokenScope } from '../schema/api-token.ts';
import type { TokenService } from '../services/token-service.ts';
import { nulPath } from '../schema/nul-character.ts';
import { errorBody } from './errors.ts';
import { isConsolePath } from './console.ts';

/**
 * The guards in front of the HTTP API and MCP: Host header checks against DNS rebinding, bearer tokens
 * with scopes, and a per-client rate limit. CORS is never enabled: no Access-Control-* header is sent,
 * so a browser page on another origin cannot read any answer.
 */

export interface SecuritySettings {
  /** Requests per minute per client (token, else address); 0 turns the limit off. */
  rateLimitPerMinute: number;
  /** Host names accepted in the Host header besides loopback names and the bind address. */
  allowedHosts: string[];
}

const principals = new WeakMap<Request, Principal>();

/** Who made the request, once `requireToken` ran. */
export function principalOf(req: Request): Principal | undefined {
  return principals.get(req);
}

const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '::1', '[::1]'];

export function isLoopback(address: string): boolean {
  return address === 'localhost' || address === '::1' || /^127\.\d+\.\d+\.\d+$/.test(address);
}

/**
 * A page the operator's browser loads from an attacker's DNS name that resolves to 127.0.0.1 sends that
 * name as Host: refusing unknown Host values closes that door for loopback binds. Exposed binds rely
 * on tokens, but still refuse names outside the configured ones when some are configured.
 */
export function hostCheck(bindAddress: string, allowedHosts: readonly string[]): RequestHandler {
  const allowed = new Set([...LOOPBACK_HOSTS, bindAddress, ...allowedHosts].map((h) => h.toLowerCase()));
  const enforce = isLoopback(bindAddress) || allowedHosts.length > 0;
  return (req, res, next) => {
    if (!enforce) return next();
    const host = (req.get('host') ?? '').toLowerCase().replace(/:\d+$/, '');
    if (allowed.has(host)) return next();
    res.status(403).json(errorBody('host_not_allowed', `Host ${JSON.stringify(host)} is not served here; add it to ALLOWED_HOSTS if it is yours`));
  };
}

/**
 * Checks the bearer token when tokens are required, and that its scope covers what `scopeOf` says the
 * request needs (null: open, e.g. /health for container health checks).
 */
export function requireToken(tokens: TokenService, scopeOf: (req: Request) => TokenScope | null | Promise<TokenScope | null>): RequestHandler {
  return async (req, res, next) => {
    try {
      const needed = await scopeOf(req);
      if (needed === null) return next();
      if (!(await tokens.required())) {
        principals.set(req, LOCAL_OWNER);
        return next();
      }
      const match = /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '');
      const principal = match?.[1] ? await tokens.authenticate(match[1]) : 'unknown';
      if (typeof principal === 'string') {
        const [code, message] = REFUSALS[principal];
        res.status(401).setHeader('WWW-Authenticate', 'Bearer realm="infrastructor"').json(errorBody(code, message));
        return;
      }
      if (!scopesAllow(principal.scopes, needed)) {
        res.status(403).json(errorBody('insufficient_scope', `this needs a token with scope ${needed}; ${principal.name} has ${principal.scopes.join(', ')}`));
        return;
      }
      principals.set(req, principal);
      next();
    } catch (err) {
      next(err);
    }
  };
}

const REFUSALS = {
  unknown: ['unauthorized', 'a valid API token is required: Authorization: Bearer <token>'],
  revoked: ['token_revoked', 'this API token was revoked; ask an admin for a new one'],
  expired: ['token_expired', 'this API token has expired; ask an admin for a new one'],
} as const;

/** Fixed one-minute windows per client: simple, and enough to stop a runaway script or a guessing loop. */
export function rateLimit(perMinute: number): RequestHandler {
  const windows = new Map<string, { start: number; count: number }>();
  return (req, res, next) => {
    if (perMinute <= 0) return next();
    const now = Date.now();
    const principal = principalOf(req);
    const key = principal?.kind === 'token' ? principal.id : (req.ip ?? 'unknown');
    let w = windows.get(key);
    if (!w || now - w.start >= 60_000) {
      if (windows.size > 10_000) windows.clear();
      w = { start: now, count: 0 };
      windows.set(key, w);
    }
    w.count++;
    if (w.count <= perMinute) return next();
    const retryAfter = Math.ceil((w.start + 60_000 - now) / 1000);
    res.status(429).setHeader('Retry-After', String(retryAfter)).json(errorBody('rate_limited', `more than ${perMinute} requests in a minute; retry in ${retryAfter} s`));
  };
}

/**
 * PostgreSQL's text and jsonb cannot hold a NUL character, and no name, path, note or URL has one: a
 * request carrying one is refused before anything is stored or a workflow started with it.
 */
export const rejectNul: RequestHandler = (req, res, next) => {
  const where = nulPath(req.body, 'body') ?? nulPath(req.query, 'query');
  if (where === null) return next();
  res.status(400).json(errorBody('validation_error', 'request is invalid', [{ path: where, message: 'must not contain a NUL character' }]));
};

/**
 * What an API request needs: reading is `read`; managing devices and tokens is `admin`; releasing a held
 * operation is `confirm`; everything else that changes something (commands, containers, maintenance,
 * rollbacks) `operate`.
 */
export function apiScope(req: Request): TokenScope | null {
  const path = req.path;
  // Health checks and the API description are open: neither tells anything about the devices.
  if (path === '/health' || path === '/openapi.json') return null;
  // The console's files hold no data: its page must load before anyone has pasted a token.
  if (isConsolePath(path) && (req.method === 'GET' || req.method === 'HEAD')) return null;
  if (path.startsWith('/api/tokens')) return 'admin';
  if (/^\/api\/operations\/[^/]+\/confirm$/.test(path)) return 'confirm';
  // Its requester withdraws it, or a person with `confirm` cancels it: the operation service decides which.
  if (/^\/api\/operations\/[^/]+\/cancel$/.test(path)) return 'read';
  if (path.startsWith('/api/alerts/') && req.method !== 'GET' && req.method !== 'HEAD') return 'admin';
  if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS') return 'read';
  if (path === '/api/devices' || path === '/api/devices/import') return 'admin';
  if (/^\/api\/devices\/[^/]+$/.test(path)) return 'admin';
  return 'operate';
}
