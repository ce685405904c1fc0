import type { Request, RequestHandler } from 'express';
import { LOCAL_OWNER, scopesAllow, type Principal, type TokenScope } from '../schema/api-token.ts';
import { errorBodyOf } from '../services/service-error.ts';
import type { TokenService } from '../services/token-service.ts';

/**
 * The guards in front of both HTTP fronts, the API and MCP's Streamable HTTP transport: Host header
 * checks against DNS rebinding, bearer tokens with scopes, and a per-client rate limit. Refusals are
 * answered in the API's error shape. CORS is never enabled: no Access-Control-* header is sent, so a
 * browser page on another origin cannot read any answer. What each request needs is the front's to say
 * (`apiScope` in api/security.ts, `mcpRequestScope` in mcp/tool-scopes.ts).
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
  const allowed = hostAllowed(bindAddress, allowedHosts);
  return (req, res, next) => {
    const host = req.get('host');
    if (allowed(host)) return next();
    res
      .status(403)
      .json(
        errorBodyOf(
          'host_not_allowed',
          `Host ${JSON.stringify(hostName(host))} is not served here; add it to ALLOWED_HOSTS if it is yours`,
        ),
      );
  };
}

/** The Host header check of `hostCheck`, as a predicate on the header's value. */
export function hostAllowed(
  bindAddress: string,
  allowedHosts: readonly string[],
): (host: string | undefined) => boolean {
  const allowed = new Set([...LOOPBACK_HOSTS, bindAddress, ...allowedHosts].map((h) => h.toLowerCase()));
  const enforce = isLoopback(bindAddress) || allowedHosts.length > 0;
  return (host) => !enforce || allowed.has(hostName(host));
}

function hostName(host: string | undefined): string {
  return (host ?? '').toLowerCase().replace(/:\d+$/, '');
}

/**
 * Checks the bearer token when tokens are required, and that its scope covers what `scopeOf` says the
 * request needs (null: open, e.g. /health for container health checks).
 */
export function requireToken(
  tokens: TokenService,
  scopeOf: (req: Request) => NeededScopes | Promise<NeededScopes>,
): RequestHandler {
  return async (req, res, next) => {
    try {
      const scoped = await scopeOf(req);
      if (scoped === null) return next();
      if (!(await tokens.required())) {
        principals.set(req, LOCAL_OWNER);
        return next();
      }
      const token = bearerToken(req.get('authorization'));
      const principal = token ? await tokens.authenticate(token) : 'unknown';
      if (typeof principal === 'string') {
        const [code, message] = REFUSALS[principal];
        res.status(401).setHeader('WWW-Authenticate', 'Bearer realm="infrastructor"').json(errorBodyOf(code, message));
        return;
      }
      if (!scopesSatisfied(principal, scoped)) {
        res
          .status(403)
          .json(
            errorBodyOf(
              'insufficient_scope',
              `this needs a token with scope ${[scoped].flat().join(' and ')}; ${principal.name} has ${principal.scopes.join(', ')}`,
            ),
          );
        return;
      }
      principals.set(req, principal);
      next();
    } catch (err) {
      next(err);
    }
  };
}

/**
 * The principal `requireToken` would find, when it can tell without the database (its answers about
 * tokens are cached), else undefined.
 */
export function knownPrincipal(tokens: TokenService, authorization: string | undefined): Principal | undefined {
  const required = tokens.knownRequired();
  if (required === undefined) return undefined;
  if (!required) return LOCAL_OWNER;
  const token = bearerToken(authorization);
  return token ? tokens.knownPrincipal(token) : undefined;
}

function bearerToken(authorization: string | undefined): string | undefined {
  return /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
}

const REFUSALS = {
  unknown: ['unauthorized', 'a valid API token is required: Authorization: Bearer <token>'],
  revoked: ['token_revoked', 'this API token was revoked; ask an admin for a new one'],
  expired: ['token_expired', 'this API token has expired; ask an admin for a new one'],
} as const;

/** Fixed one-minute windows per client: simple, and enough to stop a runaway script or a guessing loop. */
export class RateLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();

  /** perMinute 0 turns the limit off. */
  constructor(readonly perMinute: number) {}

  /** Counts a request of `client`: null when it may go on, else the seconds until it may. */
  take(client: string): number | null {
    if (this.perMinute <= 0) return null;
    const now = Date.now();
    const w = this.window(client, now);
    w.count++;
    return w.count <= this.perMinute ? null : Math.ceil((w.start + 60_000 - now) / 1000);
  }

  /** Whether `take` would let a request of `client` go on, without counting it. */
  allows(client: string): boolean {
    return this.perMinute <= 0 || this.window(client, Date.now()).count < this.perMinute;
  }

  private window(client: string, now: number): { start: number; count: number } {
    let w = this.windows.get(client);
    if (!w || now - w.start >= 60_000) {
      if (this.windows.size > 10_000) this.windows.clear();
      w = { start: now, count: 0 };
      this.windows.set(client, w);
    }
    return w;
  }
}

/** Who a rate limit counts: the token, else the address. */
export function rateLimitClient(principal: Principal | undefined, address: string | undefined): string {
  return principal?.kind === 'token' ? principal.id : (address ?? 'unknown');
}

export function rateLimit(limiter: RateLimiter): RequestHandler {
  return (req, res, next) => {
    const retryAfter = limiter.take(rateLimitClient(principalOf(req), req.ip));
    if (retryAfter === null) return next();
    res
      .status(429)
      .setHeader('Retry-After', String(retryAfter))
      .json(
        errorBodyOf('rate_limited', `more than ${limiter.perMinute} requests in a minute; retry in ${retryAfter} s`),
      );
  };
}

/** The scopes a request needs, all of them; null: open. */
export type NeededScopes = TokenScope | TokenScope[] | null;

/** Whether the principal holds every scope the request needs. */
export function scopesSatisfied(principal: Principal, needed: Exclude<NeededScopes, null>): boolean {
  return (Array.isArray(needed) ? needed : [needed]).every((scope) => scopesAllow(principal.scopes, scope));
}
