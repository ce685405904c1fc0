import { createServer, type RequestListener, type Server } from 'node:http';
import type { Client } from '@temporalio/client';
import type { WorkflowBundleOption } from '@temporalio/worker';
import type { Kysely } from 'kysely';
import { createApiListener } from '../api/app.ts';
import { CONSOLE_DIR } from '../api/console.ts';
import { createMcpHttpApp } from '../mcp/http.ts';
import { isLoopback, type SecuritySettings } from '../http/guards.ts';
import { TokenService } from '../services/token-service.ts';
import { createRepositories, type Repositories } from '../store/index.ts';
import { EventFeed } from '../store/events.ts';
import { AlertService } from '../services/alert-service.ts';
import { AuditService } from '../services/audit-service.ts';
import { PerformanceService } from '../services/performance-service.ts';
import type { WatchSettings } from '../activities/config/watch.ts';
import type { Database } from '../schema/database.ts';
import { CollectionService } from '../services/collection-service.ts';
import { ConfigHistoryService } from '../services/config-history-service.ts';
import { ConfigWatchService } from '../services/config-watch-service.ts';
import { DeviceActionService } from '../services/device-action-service.ts';
import { DeviceService } from '../services/device-service.ts';
import { DiagnosisService } from '../services/diagnosis-service.ts';
import { FleetService } from '../services/fleet-service.ts';
import { HealthService } from '../services/health-service.ts';
import { IncidentService } from '../services/incident-service.ts';
import { MaintenanceService } from '../services/maintenance-service.ts';
import { DEFAULT_OPERATION_SETTINGS, OperationService } from '../services/operation-service.ts';
import type { OperationSettings } from '../schema/operation.ts';
import { ScheduleService } from '../services/schedule-service.ts';
import { StackService } from '../services/stack-service.ts';
import { ServiceRestartService } from '../services/service-restart-service.ts';
import { ProxyConfService } from '../services/proxy-conf-service.ts';
import { ZfsService } from '../services/zfs-service.ts';
import { startWorker, type WorkerHandle } from '../workers/worker.ts';
import { DEFAULT_AUDIT_RETENTION_DAYS } from '../platform/config.ts';
import { awaitMigrations, createDb, migrateToLatest } from '../platform/db.ts';
import type { Logger } from '../platform/logger.ts';
import { connectTemporal, connectTemporalShared, ensureSearchAttributes } from '../platform/temporal.ts';

export interface SystemOptions {
  temporalAddress: string;
  temporalUi: string | null;
  namespace: string;
  databaseUrl: string;
  instance: string;
  bindAddress: string;
  /** null: that part does not run in this process. 0: any free port. */
  apiPort: number | null;
  mcpPort: number | null;
  runWorker: boolean;
  pollingEnabled: boolean;
  /**
   * `apply` (the default): bring the schema up to date; Kysely's advisory lock serialises concurrent
   * runs. `await`: leave that to the process that owns the schema and wait for it (worker and MCP
   * roles of a deployment: see awaitMigrations).
   */
  migrations?: 'apply' | 'await';
  /**
   * Whether start-up brings the polling schedules, config watchers and the retention schedule in line
   * with the device list (the default). A deployment has only its API do it: worker and MCP replicas
   * starting together would otherwise all list, delete and recreate the same schedules. Changes made
   * while running (a device added, capabilities found) are synced by the workflows that make them.
   */
  reconcileAtStart?: boolean;
  /** Config file watchers; by default on when polling is. */
  configWatchEnabled?: boolean;
  maxHeartbeatThrottleMs?: number;
  watchSettings?: Partial<WatchSettings>;
  /**
   * Rate limit and extra Host names of the fronts, and the bootstrap admin token (INFRA_ADMIN_TOKEN).
   * Without it: no rate limit, loopback names only, no bootstrap token.
   */
  security?: SecuritySettings & { adminToken: string | null };
  /** How often the disk-replacement runbook checks a rebuild (600 s unless set; tests shorten it). */
  incidentCheckIntervalSeconds?: number;
  /** Per-type overrides of snapshot retention in days. */
  retentionDays?: Record<string, number>;
  /** Days of audit rows kept (AUDIT_RETENTION_DAYS); 90 unless set. */
  auditRetentionDays?: number;
  operationSettings?: OperationSettings;
  workflowBundle?: WorkflowBundleOption;
  logger: Logger;
}

export interface RunningSystem {
  /** For tests that look at rows directly; the parts below hold repositories, never the handle. */
  db: Kysely<Database>;
  store: Repositories;
  client: Client;
  devices: DeviceService;
  collection: CollectionService;
  schedules: ScheduleService;
  watchers: ConfigWatchService;
  configHistory: ConfigHistoryService;
  health: HealthService;
  operations: OperationService;
  actions: DeviceActionService;
  maintenance: MaintenanceService;
  restarts: ServiceRestartService;
  proxyConfs: ProxyConfService;
  stacks: StackService;
  zfs: ZfsService;
  incidents: IncidentService;
  diagnosis: DiagnosisService;
  fleet: FleetService;
  tokens: TokenService;
  events: EventFeed;
  alerts: AlertService;
  audit: AuditService;
  performance: PerformanceService;
  worker: WorkerHandle | null;
  apiUrl: string | null;
  mcpUrl: string | null;
  stop(): Promise<void>;
}

/** Wires services to real Temporal and PostgreSQL and starts the parts asked for. */
export async function startSystem(o: SystemOptions): Promise<RunningSystem> {
  const db = createDb(o.databaseUrl);
  if (o.migrations === 'await') {
    await awaitMigrations(db, o.logger);
  } else {
    const applied = await migrateToLatest(db);
    if (applied.length) o.logger.info('migrations applied', { migrations: applied });
  }
  // A process that runs the worker gives its client the worker's connection, so collections can start eagerly.
  const shared = o.runWorker ? await connectTemporalShared(o.temporalAddress, o.namespace, o.logger) : null;
  const client = shared?.client ?? (await connectTemporal(o.temporalAddress, o.namespace));
  await ensureSearchAttributes(client, o.namespace);

  const store = createRepositories(db);
  const schedules = new ScheduleService(client, o.instance, o.logger, o.pollingEnabled);
  const watchers = new ConfigWatchService(client, o.instance, o.logger, o.configWatchEnabled ?? o.pollingEnabled);
  const devices = new DeviceService(store, client, o.instance);
  const collection = new CollectionService(store, client, devices, o.instance, o.logger, shared !== null);
  const operations = new OperationService(
    store,
    client,
    devices,
    o.instance,
    o.operationSettings ?? DEFAULT_OPERATION_SETTINGS,
  );
  const actions = new DeviceActionService(collection, operations);
  const configHistory = new ConfigHistoryService(store, devices, watchers, operations);
  const maintenance = new MaintenanceService(client, devices, operations, o.instance);
  const restarts = new ServiceRestartService(client, devices, operations, o.instance);
  const proxyConfs = new ProxyConfService(client, devices, collection, operations, o.instance);
  const stacks = new StackService(client, devices, collection, configHistory, operations, o.instance);
  const zfs = new ZfsService(client, devices, operations, o.instance);
  const incidents = new IncidentService(store, client);
  const diagnosis = new DiagnosisService(client, devices, o.instance);
  const fleet = new FleetService(store);
  const security = o.security ?? { rateLimitPerMinute: 0, allowedHosts: [], adminToken: null };
  const exposed = !isLoopback(o.bindAddress);
  const tokens = new TokenService(store, { exposed, bootstrapToken: security.adminToken });
  if (exposed && !security.adminToken && (o.apiPort !== null || o.mcpPort !== null)) {
    if (!(await store.tokens.anyActive())) {
      await db.destroy();
      await client.connection.close();
      throw new Error(
        `BIND_ADDRESS ${o.bindAddress} is not loopback and no API token exists: set INFRA_ADMIN_TOKEN (then create scoped tokens with it), or bind to 127.0.0.1`,
      );
    }
  }
  const health = new HealthService(store, client, {
    temporalAddress: o.temporalAddress,
    namespace: o.namespace,
    taskQueue: o.instance,
    temporalUi: o.temporalUi,
  });

  const worker = o.runWorker
    ? await startWorker({
        temporalAddress: o.temporalAddress,
        namespace: o.namespace,
        taskQueue: o.instance,
        store,
        logger: o.logger,
        schedules,
        watchers,
        temporal: client,
        maxHeartbeatThrottleMs: o.maxHeartbeatThrottleMs,
        watchSettings: o.watchSettings,
        incidentCheckIntervalSeconds: o.incidentCheckIntervalSeconds,
        workflowBundle: o.workflowBundle,
        connection: shared?.connection,
      })
    : null;
  worker?.done.catch((err: unknown) => o.logger.error('worker stopped with an error', { error: String(err) }));

  const servers: Server[] = [];
  const listen = async (app: RequestListener, port: number) => {
    // Node's default 16 KiB of headers is too little for a URL the API accepts: a 4096-character device
    // path in a query string takes up to 48 KiB once percent-encoded, and Node would refuse it with a bare 431.
    const server = createServer({ maxHeaderSize: 64 * 1024 }, app).listen(port, o.bindAddress);
    await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
    servers.push(server);
    const addr = server.address();
    return `http://${o.bindAddress}:${typeof addr === 'object' && addr ? addr.port : port}`;
  };
  const events = new EventFeed(o.databaseUrl, o.logger);
  // Both fronts send live events: the API's stream, MCP's resource notifications.
  if (o.apiPort !== null || o.mcpPort !== null) await events.start();
  const alerts = new AlertService(store);
  const audit = new AuditService(store);
  const performance = new PerformanceService(store);
  const fronts = {
    audit,
    performance,
    devices,
    collection,
    health,
    operations,
    actions,
    configHistory,
    maintenance,
    restarts,
    proxyConfs,
    stacks,
    zfs,
    incidents,
    diagnosis,
    fleet,
    events,
    alerts,
  };
  const apiUrl =
    o.apiPort === null
      ? null
      : await listen(
          createApiListener({
            ...fronts,
            publicUrl: operations.settings.publicUrl,
            consoleDir: CONSOLE_DIR,
            tokens,
            security,
            bindAddress: o.bindAddress,
            logger: o.logger,
          }),
          o.apiPort,
        );
  const mcpFront = o.mcpPort === null ? null : createMcpHttpApp(fronts, o.bindAddress, o.logger, { tokens, security });
  const mcpUrl = mcpFront === null || o.mcpPort === null ? null : `${await listen(mcpFront.app, o.mcpPort)}/mcp`;

  if (o.reconcileAtStart ?? true) {
    const followed = await store.devices.listFollowed();
    await schedules.reconcile(followed);
    await watchers.reconcile(followed);
    await schedules.ensureRetention(o.retentionDays ?? {}, o.auditRetentionDays ?? DEFAULT_AUDIT_RETENTION_DAYS);
  }

  return {
    db,
    store,
    client,
    devices,
    collection,
    schedules,
    watchers,
    configHistory,
    health,
    operations,
    actions,
    maintenance,
    restarts,
    proxyConfs,
    stacks,
    zfs,
    incidents,
    diagnosis,
    fleet,
    tokens,
    events,
    alerts,
    audit,
    performance,
    worker,
    apiUrl,
    mcpUrl,
    async stop() {
      await mcpFront?.close();
      await Promise.all(
        servers.map(
          (s) =>
            new Promise<void>((resolve) => {
              s.close(() => resolve());
              s.closeAllConnections();
            }),
        ),
      );
      await worker?.stop();
      await collection.stop();
      await events.stop();
      await client.connection.close();
      await db.destroy();
    },
  };
}
