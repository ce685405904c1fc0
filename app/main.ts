import { mkdir } from 'node:fs/promises';
import { constants } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadConfig, ConfigError, type InfraRole } from '../platform/config.ts';
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from '../platform/embedded-postgres.ts';
import { createLogger, type Logger } from '../platform/logger.ts';
import { ensurePortFree, startFailureLine } from '../platform/start-failure.ts';
import { startSystem, type RunningSystem } from './system.ts';
import { findTemporalCli } from '../platform/temporal-cli.ts';
import { startTemporalDevServer, type TemporalDevServerHandle } from '../platform/temporal-dev-server.ts';

/**
 * A terminal's Ctrl-C signals its whole foreground process group, and `npm start` (our parent, in that
 * group) forwards the same SIGINT to us: a signal this soon after the first is that one again, not the
 * second Ctrl-C that forces an exit.
 */
const SAME_CTRL_C_MS = 1000;

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
  let systemStarting: Promise<RunningSystem> | null = null;
  let stopCompanion: (() => Promise<void>) | null = null;
  /** In order: what uses the servers first, then the servers (they run in sessions of their own, so only we stop them). */
  const stopAll = async () => {
    await stopCompanion?.().catch((err: unknown) => logger.error('stop failed', { error: String(err) }));
    // A system still starting (the API answers before the schedules are reconciled) is let finish first:
    // until it stops, it uses the servers.
    const system = await systemStarting?.catch(() => null);
    await system?.stop().catch((err: unknown) => logger.error('stop failed', { error: String(err) }));
    await temporalServer?.stop();
    await postgres?.stop();
  };
  let stoppingSince: number | null = null;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stoppingSince === null) {
      stoppingSince = Date.now();
      logger.info('stopping', { signal });
      void stopAll().then(() => {
        logger.info('stopped');
        process.exit(0);
      });
    } else if (Date.now() - stoppingSince >= SAME_CTRL_C_MS) {
      logger.warn('stopping at once: a second signal', { signal });
      temporalServer?.kill();
      postgres?.kill();
      process.exit(128 + constants.signals[signal]);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    // Before the embedded servers start, not seconds later when the API or MCP would fail to listen.
    if (role.api) await ensurePortFree(config.API_PORT, config.BIND_ADDRESS, "the API's", 'API_PORT');
    if (role.mcp) await ensurePortFree(config.MCP_PORT, config.BIND_ADDRESS, "the MCP server's", 'MCP_PORT');
    let temporalAddress = config.TEMPORAL_ADDRESS;
    let temporalUi: string | null = null;
    // Only the embedded servers keep data here (the config refuses them for a single role).
    if (!temporalAddress || !config.DATABASE_URL) await mkdir(config.dataDir, { recursive: true });
    if (!temporalAddress) {
      temporalServer = await startTemporalDevServer({
        cli: findTemporalCli(config.TEMPORAL_CLI),
        dataDir: config.dataDir,
        port: config.EMBEDDED_TEMPORAL_PORT,
        uiPort: config.TEMPORAL_UI_PORT,
        namespace: config.TEMPORAL_NAMESPACE,
        logger,
      });
      temporalAddress = temporalServer.address;
      temporalUi = temporalServer.uiUrl;
    }
    let databaseUrl = config.DATABASE_URL;
    if (!databaseUrl) {
      postgres = await startEmbeddedPostgres(config.dataDir, config.EMBEDDED_POSTGRES_PORT, logger);
      databaseUrl = postgres.url;
    }
    systemStarting = startSystem({
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
      workflowBundle:
        config.INFRA_WORKFLOW_BUNDLE === undefined
          ? undefined
          : { codePath: path.resolve(config.INFRA_WORKFLOW_BUNDLE) },
      pollingEnabled: config.POLLING_ENABLED,
      retentionDays: config.RETENTION_DAYS,
      auditRetentionDays: config.AUDIT_RETENTION_DAYS,
      security: {
        rateLimitPerMinute: config.RATE_LIMIT_PER_MINUTE,
        allowedHosts: config.ALLOWED_HOSTS,
        adminToken: config.INFRA_ADMIN_TOKEN ?? null,
      },
      operationSettings: {
        confirmationTimeoutSeconds: config.CONFIRMATION_TIMEOUT_SECONDS,
        maxAttempts: 3,
        requireDistinctConfirmer: config.REQUIRE_DISTINCT_CONFIRMER,
        publicUrl: config.PUBLIC_URL ?? null,
      },
      logger,
    });
    const system = await systemStarting;
    if (stoppingSince !== null) return; // a signal came while it started: it is being stopped
    logger.info('infrastructor is running', {
      role: config.INFRA_ROLE,
      worker: system.worker !== null,
      api: system.apiUrl,
      mcp: system.mcpUrl,
      temporal: temporalAddress,
      temporal_ui: temporalUi,
      data_dir: config.dataDir,
    });
    if (companion) stopCompanion = await companion(system, logger);
  } catch (err) {
    // A signal while starting is stopping everything already.
    if (stoppingSince !== null) return;
    stoppingSince = Date.now();
    logger.debug('start-up failed', { error: err instanceof Error ? err.stack : String(err) });
    await stopAll();
    process.stderr.write(`infrastructor could not start: ${startFailureLine(err)}\n`);
    process.exit(1);
  }
}

// Run when started as a script (the image's entry point); imported (by npm start and the demo) it only provides runEmbedded.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await runEmbedded();
