import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { OnBehalfOf } from '../schema/api-token.ts';
import type { CollectionService } from '../services/collection-service.ts';
import { correlationIdOf, triggerOf } from './request-context.ts';
import {
  hostAllowed,
  knownPrincipal,
  rateLimitClient,
  scopesSatisfied,
  type RateLimiter,
  type SecuritySettings,
} from '../http/guards.ts';
import { apiScope } from './security.ts';
import type { TokenService } from '../services/token-service.ts';

/** `GET /api/devices/{hostname}/{data_type}` with nothing else: no query, so no history or force_refresh. */
const CACHED_READ = /^\/api\/devices\/([A-Za-z0-9][A-Za-z0-9._-]{0,62})\/([a-z_]{1,40})$/;

export interface CachedReadDeps {
  collection: CollectionService;
  tokens: TokenService;
  security: SecuritySettings;
  bindAddress: string;
  /** The app's own limiter: a request counts once, whichever path answers it. */
  limiter: RateLimiter;
}

/**
 * The API's request listener: a read this process can answer from memory is answered here, before
 * Express, which costs several times what the answer does (BENCHMARKS.md, 2026-12-07). The app's
 * guards run here too, each only where it decides without waiting: the Host header, the token and its
 * scope (from the token caches), the rate limit. Anything else — a query string or a body, a token
 * not checked lately, a refusal to give, a snapshot not in memory or no longer fresh — goes to the
 * app, which checks and answers as it always does. The answer is the app's to the byte.
 */
export function withCachedReads(app: RequestListener, deps: CachedReadDeps): RequestListener {
  const hostOk = hostAllowed(deps.bindAddress, deps.security.allowedHosts);

  /** Answers the request when it is a cached read this process can give at once; false when the app must. */
  const answeredFromCache = (req: IncomingMessage, res: ServerResponse): boolean => {
    const match = req.method === 'GET' ? CACHED_READ.exec(req.url ?? '') : null;
    if (!match || req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined)
      return false;
    if (!hostOk(req.headers.host)) return false;
    const principal = knownPrincipal(deps.tokens, req.headers.authorization);
    const needed = apiScope({ method: 'GET', path: match[0] });
    if (!principal || needed === null || !scopesSatisfied(principal, needed)) return false;
    const client = rateLimitClient(principal, req.socket.remoteAddress);
    if (!deps.limiter.allows(client)) return false;
    const given = req.headers['x-infra-user'];
    const onBehalfOf = given === undefined ? null : OnBehalfOf.safeParse(given);
    if (onBehalfOf && !onBehalfOf.success) return false;
    const correlationId = correlationIdOf(single(req.headers['x-correlation-id']));
    const ctx = {
      trigger: triggerOf(single(req.headers['x-infra-client'])),
      correlationId,
      principal,
      onBehalfOf: onBehalfOf?.data ?? null,
    };
    const body = deps.collection.cachedAnswerBytes(match[1]!, match[2]!, ctx);
    if (!body) return false;
    deps.limiter.take(client);
    res.writeHead(200, {
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': body.length,
      'X-Correlation-Id': correlationId,
    });
    res.end(body);
    return true;
  };

  return (req, res) => {
    if (!answeredFromCache(req, res)) app(req, res);
  };
}

function single(header: string | string[] | undefined): string | undefined {
  return typeof header === 'string' ? header : undefined;
}
