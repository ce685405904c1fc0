import { randomUUID } from 'node:crypto';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import express, { type ErrorRequestHandler, type Express, type Request, type Response } from 'express';
import { hostCheck, principalOf, rateLimit, RateLimiter, requireToken, type SecuritySettings } from '../http/guards.ts';
import type { Logger } from '../platform/logger.ts';
import type { TokenService } from '../services/token-service.ts';
import { buildServer, openAgentSession, type McpDeps, type McpSession } from './server.ts';
import { mcpRequestScope, toolScopes } from './tool-scopes.ts';

/** A session nobody used for this long is closed; its client starts a new one (the spec's 404 answer). */
const SESSION_IDLE_MS = 30 * 60_000;
/** Each session holds a server and a transport in memory: a runaway client cannot open them without end. */
const MAX_SESSIONS = 1_000;
/** …nor can one token take every place. */
const MAX_SESSIONS_PER_PRINCIPAL = 100;

interface LiveSession {
  session: McpSession;
  transport: StreamableHTTPServerTransport;
  close(): Promise<void>;
  lastUsed: number;
}

export interface McpHttpFront {
  app: Express;
  /** Ends every session (their servers, transports and open streams). */
  close(): Promise<void>;
}

/**
 * Streamable HTTP at `/mcp` with real sessions (Mcp-Session-Id): each keeps its server, so what the
 * client declared at initialize — elicitation above all — is known to every later tool call, and each
 * session is a principal of its own. A session belongs to the token that opened it; with no token (the
 * open loopback setup) it is an agent principal of its own, never the local owner. Sessions live in this
 * process: several MCP replicas need a load balancer that keeps a session on one replica.
 */
export function createMcpHttpApp(
  deps: McpDeps,
  host: string,
  logger: Logger,
  guard: { tokens: TokenService; security: SecuritySettings },
): McpHttpFront {
  const app = express();
  app.disable('x-powered-by');
  // The API's guards, in the API's order: the Host header before the body is read, then the token, then the rate limit.
  app.use(hostCheck(host, guard.security.allowedHosts));
  app.use(express.json());
  let scopes: ReturnType<typeof toolScopes> | null = null;
  const sessions = new Map<string, LiveSession>();
  app.use(requireToken(guard.tokens, async (req) => mcpRequestScope(req.body, await (scopes ??= toolScopes(deps)))));
  app.use(rateLimit(new RateLimiter(guard.security.rateLimitPerMinute)));

  /** The session this request names, if it is one and belongs to the caller; otherwise the answer was sent. */
  const sessionOf = (req: Request, res: Response): LiveSession | null => {
    const id = req.get('mcp-session-id');
    const live = id === undefined ? undefined : sessions.get(id);
    const caller = principalOf(req);
    // Another token presenting a session id learns nothing: the same answer as for an unknown session.
    if (!live || !caller || (caller.kind !== 'local_owner' && caller.id !== live.session.principal.id)) {
      rpcError(res, 404, -32001, 'session not found: initialize a new session');
      return null;
    }
    live.lastUsed = Date.now();
    return live;
  };

  app.post('/mcp', async (req, res) => {
    try {
      if (req.get('mcp-session-id') !== undefined) {
        const live = sessionOf(req, res);
        if (live) await live.transport.handleRequest(req, res, req.body);
        return;
      }
      if (!isInitializeRequest(req.body)) {
        rpcError(res, 400, -32000, 'no Mcp-Session-Id: send initialize first');
        return;
      }
      if (sessions.size >= MAX_SESSIONS) {
        rpcError(res, 503, -32000, `too many open MCP sessions (${MAX_SESSIONS}); close unused ones`);
        return;
      }
      const id = randomUUID();
      const caller = principalOf(req);
      const session: McpSession =
        caller && caller.kind !== 'local_owner' ? { id, principal: caller } : openAgentSession(id);
      if (
        [...sessions.values()].filter((s) => s.session.principal.id === session.principal.id).length >=
        MAX_SESSIONS_PER_PRINCIPAL
      ) {
        rpcError(
          res,
          429,
          -32000,
          `${session.principal.name} has ${MAX_SESSIONS_PER_PRINCIPAL} open MCP sessions; close unused ones`,
        );
        return;
      }
      const server = buildServer(deps, session);
      const transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => id,
        onsessioninitialized: () => {
          sessions.set(id, live);
        },
      });
      const live: LiveSession = {
        session,
        transport,
        lastUsed: Date.now(),
        close: async () => {
          sessions.delete(id);
          await transport.close();
          await server.close();
        },
      };
      transport.onclose = () => {
        sessions.delete(id);
      };
      await server.connect(transport);
      await transport.handleRequest(req, res, req.body);
    } catch (err) {
      logger.error('mcp request failed', { error: String(err) });
      if (!res.headersSent) rpcError(res, 500, -32603, 'internal error');
    }
  });
  // The session's stream for requests the server starts on its own, and the client's way to end it.
  app.get('/mcp', async (req, res) => {
    const live = sessionOf(req, res);
    if (live) await live.transport.handleRequest(req, res);
  });
  app.delete('/mcp', async (req, res) => {
    const live = sessionOf(req, res);
    if (live) await live.transport.handleRequest(req, res);
  });
  // A body that is not JSON is a JSON-RPC parse error, not Express's HTML error page.
  const parseError: ErrorRequestHandler = (err: { type?: string; status?: number }, _req, res, next) => {
    if (err.type === 'entity.parse.failed') rpcError(res, 400, -32700, 'parse error: the body is not JSON');
    else if (err.type === 'entity.too.large') rpcError(res, 413, -32600, 'request too large');
    else next(err);
  };
  app.use(parseError);

  const sweep = setInterval(() => {
    const idleSince = Date.now() - SESSION_IDLE_MS;
    for (const live of sessions.values()) if (live.lastUsed < idleSince) void live.close();
  }, 60_000);
  sweep.unref();
  return {
    app,
    close: async () => {
      clearInterval(sweep);
      await Promise.all([...sessions.values()].map((live) => live.close()));
    },
  };
}

function rpcError(res: Response, status: number, code: number, message: string): void {
  res.status(status).json({ jsonrpc: '2.0', error: { code, message }, id: null });
}
