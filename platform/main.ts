import { mkdir } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { loadConfig, ConfigError } from './config.ts';
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from './embedded-postgres.ts';
import { createLogger, type Logger } from './logger.ts';
import { startSystem, type RunningSystem } from './system.ts';
import { findTemporalCli } from './temporal-cli.ts';
import { startTemporalDevServer, type TemporalDevServerHandle } from './temporal-dev-server.ts';

/** Ports of the embedded servers (only used when TEMPORAL_ADDRESS / DATABASE_URL are not set). */
const EMBEDDED_TEMPORAL_PORT = 7233;
const EMBEDDED_POSTGRES_PORT = 5433;

/** Something started beside the system (the demo's simulated fleet): stopped first. */
export type Companion = (system: RunningSystem, logger: Logger) => Promise<() => Promise<void>>;

/**
 * `npm start`: the whole system in one process. Without TEMPORAL_ADDRESS it runs a Temporal dev server,
 * without DATABASE_URL an embedded PostgreSQL, both keeping their data in INFRA_DATA_DIR.
 */
export async function runEmbedded(env: NodeJS.ProcessEnv = process.env, companion?: Companion): Promise<void> {
  let config;
  try {
    config = loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger(config.LOG_LEVEL, 'infrastructor');
  await mkdir(config.dataDir, { recursive: true });

  let temporalServer: TemporalDevServerHandle | null = null;
  let postgres: EmbeddedPostgresHandle | null = null;
  let system: RunningSystem | null = null;
  let stopCompanion: (() => Promise<void>) | null = null;
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('stopping', { signal });
    await stopCompanion?.().catch((err: unknown) => logger.error('stop failed', { error: String(err) }));
    await system?.stop().catch((err: unknown) => logger.error('stop failed', { error: String(err) }));
    await temporalServer?.stop();
    await postgres?.stop();
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));

  try {
    let temporalAddress = config.TEMPORAL_ADDRESS;
    let temporalUi: string | null = null;
    if (!temporalAddress) {
      temporalServer = await startTemporalDevServer({
        cli: findTemporalCli(config.TEMPORAL_CLI),
        dataDir: config.dataDir,
        port: EMBEDDED_TEMPORAL_PORT,
        uiPort: config.TEMPORAL_UI_PORT,
        namespace: config.TEMPORAL_NAMESPACE,
        logger,
      });
      temporalAddress = temporalServer.address;
      temporalUi = temporalServer.uiUrl;
    }
    let databaseUrl = config.DATABASE_URL;
    if (!databaseUrl) {
      postgres = await startEmbeddedPostgres(config.dataDir, EMBEDDED_POSTGRES_PORT, logger);
      databaseUrl = postgres.url;
    }
    system = await startSystem({
      temporalAddress,
      temporalUi,
      namespace: config.TEMPORAL_NAMESPACE,
      databaseUrl,
      instance: config.INFRA_INSTANCE,
      bindAddress: config.BIND_ADDRESS,
      apiPort: config.API_PORT,
      mcpPort: config.MCP_PORT,
      runWorker: true,
      pollingEnabled: config.POLLING_ENABLED,
      retentionDays: config.RETENTION_DAYS,
      security: { rateLimitPerMinute: config.RATE_LIMIT_PER_MINUTE, allowedHosts: config.ALLOWED_HOSTS, adminToken: config.INFRA_ADMIN_TOKEN ?? null },
      operationSettings: { confirmationTimeoutSeconds: config.CONFIRMATION_TIMEOUT_SECONDS, maxAttempts: 3, requireDistinctConfirmer: config.REQUIRE_DISTINCT_CONFIRMER },
      logger,
    });
    logger.info('infrastructor is running', { api: system.apiUrl, mcp: system.mcpUrl, temporal: temporalAddress, temporal_ui: temporalUi, data_dir: config.dataDir });
    if (companion) stopCompanion = await companion(system, logger);
  } catch (err) {
    logger.error('start-up failed', { error: err instanceof Error ? err.message : String(err) });
    await stop('startup-failure');
    process.exit(1);
  }
}

// Run when started as `npm start`; imported (by the demo) it only provides runEmbedded.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await runEmbedded();
