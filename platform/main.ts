import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadConfig, ConfigError, type InfraRole } from './config.ts';
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from './embedded-postgres.ts';
import { createLogger, type Logger } from './logger.ts';
import { startSystem, type RunningSystem } from './system.ts';
import { findTemporalCli } from './temporal-cli.ts';
import { startTemporalDevServer, type TemporalDevServerHandle } from './temporal-dev-server.ts';

/** Ports of the embedded servers (only used when TEMPORAL_ADDRESS / DATABASE_URL are not set). */
const EMBEDDED_TEMPORAL_PORT = 7233;
const EMBEDDED_POSTGRES_PORT = 5433;

/**
 * What each INFRA_ROLE runs. The API owns the schema and the start-up reconciliation of schedules and
 * watchers (the process a deployment has one of); worker and MCP replicas wait for the schema and leave
 * schedules alone, so several of them can start at once.
 */
const ROLE_PARTS: Record<InfraRole, { worker: boolean; api: boolean; mcp: boolean; ownsSchema: boolean }> = {
  all: { worker: true, api: true, mcp: true, ownsSchema: true },
  worker: { worker: true, api: false, mcp: false, ownsSchema: false },
  api: { worker: false, api: true, mcp: false, ownsSchema: true },
  mcp: { worker: false, api: false, mcp: true, ownsSchema: false },
};

/** Something started beside the system (the demo's simulated fleet): stopped first. */
export type Companion = (system: RunningSystem, logger: Logger) => Promise<() => Promise<void>>;

/**
 * `npm start`: the whole system in one process. Without TEMPORAL_ADDRESS it runs a Temporal dev server,
 * without DATABASE_URL an embedded PostgreSQL, both keeping their data in INFRA_DATA_DIR.
 * With INFRA_ROLE=worker|api|mcp (the image's entry point) only that part, against configured servers.
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
  const role = ROLE_PARTS[config.INFRA_ROLE];

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
    // Only the embedded servers keep data here (the config refuses them for a single role).
    if (!temporalAddress || !config.DATABASE_URL) await mkdir(config.dataDir, { recursive: true });
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
      apiPort: role.api ? config.API_PORT : null,
      mcpPort: role.mcp ? config.MCP_PORT : null,
      runWorker: role.worker,
      migrations: role.ownsSchema ? 'apply' : 'await',
      reconcileAtStart: role.ownsSchema,
      workflowBundle: config.INFRA_WORKFLOW_BUNDLE === undefined ? undefined : { codePath: path.resolve(config.INFRA_WORKFLOW_BUNDLE) },
      pollingEnabled: config.POLLING_ENABLED,
      retentionDays: config.RETENTION_DAYS,
      auditRetentionDays: config.AUDIT_RETENTION_DAYS,
      security: { rateLimitPerMinute: config.RATE_LIMIT_PER_MINUTE, allowedHosts: config.ALLOWED_HOSTS, adminToken: config.INFRA_ADMIN_TOKEN ?? null },
      operationSettings: {
        confirmationTimeoutSeconds: config.CONFIRMATION_TIMEOUT_SECONDS,
        maxAttempts: 3,
        requireDistinctConfirmer: config.REQUIRE_DISTINCT_CONFIRMER,
        publicUrl: config.PUBLIC_URL ?? null,
      },
      logger,
    });
    logger.info('infrastructor is running', { role: config.INFRA_ROLE, worker: system.worker !== null, api: system.apiUrl, mcp: system.mcpUrl, temporal: temporalAddress, temporal_ui: temporalUi, data_dir: config.dataDir });
    if (companion) stopCompanion = await companion(system, logger);
  } catch (err) {
    logger.error('start-up failed', { error: err instanceof Error ? err.message : String(err) });
    await stop('startup-failure');
    process.exit(1);
  }
}

// Run when started as `npm start`; imported (by the demo) it only provides runEmbedded.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await runEmbedded();
