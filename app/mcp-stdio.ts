import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { loadConfig } from '../platform/config.ts';
import { createLogger } from '../platform/logger.ts';
import { startSystem } from './system.ts';
import { buildServer, openAgentSession } from '../mcp/server.ts';

/**
 * MCP over stdio for local agents. It needs a running system to talk to: TEMPORAL_ADDRESS and
 * DATABASE_URL (stdout is the protocol channel, so logs go to stderr).
 */
const config = loadConfig();
const logger = createLogger(config.LOG_LEVEL, 'mcp-stdio');
if (!config.TEMPORAL_ADDRESS || !config.DATABASE_URL) {
  process.stderr.write('mcp stdio: set TEMPORAL_ADDRESS and DATABASE_URL of a running infrastructor (see README)\n');
  process.exit(2);
}
const system = await startSystem({
  temporalAddress: config.TEMPORAL_ADDRESS,
  temporalUi: null,
  namespace: config.TEMPORAL_NAMESPACE,
  databaseUrl: config.DATABASE_URL,
  instance: config.INFRA_INSTANCE,
  bindAddress: config.BIND_ADDRESS,
  apiPort: null,
  mcpPort: null,
  runWorker: false,
  pollingEnabled: false,
  logger,
});
// Live events drive the session's resource notifications (list changed, subscribed URIs updated).
await system.events.start();
// A local agent's session: it may ask for anything but never release what it asked for.
const server = buildServer(system, openAgentSession());
await server.connect(new StdioServerTransport());
const shutdown = async () => {
  await server.close();
  await system.stop();
  process.exit(0);
};
process.stdin.on('close', () => void shutdown());
process.on('SIGINT', () => void shutdown());
process.on('SIGTERM', () => void shutdown());
