import { createMcpExpressApp } from '@modelcontextprotocol/sdk/server/express.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { Express } from 'express';
import { rateLimit, requireToken, type SecuritySettings } from '../api/security.ts';
import type { Logger } from '../platform/logger.ts';
import type { TokenService } from '../services/token-service.ts';
import { buildServer, type McpDeps } from './server.ts';
import { mcpRequestScope, toolScopes } from './tool-scopes.ts';

/**
 * Streamable HTTP at `/mcp`, stateless: each request gets its own server and transport, so any
 * replica can answer any request. Loopback binds get the SDK's DNS-rebinding protection; the same
 * tokens as the HTTP API guard it, each tool call needing the scope its annotations imply.
 */
export function createMcpHttpApp(deps: McpDeps, host: string, logger: Logger, guard: { tokens: TokenService; security: SecuritySettings }): Express {
  const app = createMcpExpressApp({ host, ...(guard.security.allowedHosts.length > 0 && { allowedHosts: ['localhost', '127.0.0.1', '[::1]', host, ...guard.security.allowedHosts] }) });
  let scopes: ReturnType<typeof toolScopes> | null = null;
  app.use(requireToken(guard.tokens, async (req) => mcpRequestScope(req.body, await (scopes ??= toolScopes(deps)))));
  app.use(rateLimit(guard.security.rateLimitPerMinute));
  app.post('/mcp', async (req, res) => {
    const server = buildServer(deps);
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    res.on('close', () => {
      void transport.close();
      void server.close();
    });
    try {
      await server.connect(transport);
      await transport.handleRequest(req, res, req.body);
    } catch (err) {
      logger.error('mcp request failed', { error: String(err) });
      if (!res.headersSent) res.status(500).json({ jsonrpc: '2.0', error: { code: -32603, message: 'internal error' }, id: null });
    }
  });
  const methodNotAllowed = (_req: unknown, res: { status(n: number): { json(b: unknown): void } }) =>
    res.status(405).json({ jsonrpc: '2.0', error: { code: -32000, message: 'Method not allowed: this server is stateless' }, id: null });
  app.get('/mcp', methodNotAllowed);
  app.delete('/mcp', methodNotAllowed);
  return app;
}
