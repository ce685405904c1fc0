import type { RequestListener } from 'node:http';
import express, { type Express } from 'express';
import type { Logger } from '../platform/logger.ts';
import type { CollectionService } from '../services/collection-service.ts';
import type { ConfigHistoryService } from '../services/config-history-service.ts';
import type { DeviceActionService } from '../services/device-action-service.ts';
import type { DeviceService } from '../services/device-service.ts';
import type { DiagnosisService } from '../services/diagnosis-service.ts';
import type { HealthService } from '../services/health-service.ts';
import type { IncidentService } from '../services/incident-service.ts';
import type { MaintenanceService } from '../services/maintenance-service.ts';
import type { OperationService } from '../services/operation-service.ts';
import type { StackService } from '../services/stack-service.ts';
import type { ServiceRestartService } from '../services/service-restart-service.ts';
import type { ProxyConfService } from '../services/proxy-conf-service.ts';
import type { ZfsService } from '../services/zfs-service.ts';
import { zfsRoutes } from './routes/zfs.ts';
import type { TokenService } from '../services/token-service.ts';
import type { EventService } from '../services/event-service.ts';
import type { AlertService } from '../services/alert-service.ts';
import { errorHandler, notFoundHandler } from './errors.ts';
import { openApiDocument } from './openapi.ts';
import { correlationMiddleware } from './request-context.ts';
import { registry as metricsRegistry } from '../platform/metrics.ts';
import { apiScope, hostCheck, rateLimit, RateLimiter, rejectNul, requireToken, type SecuritySettings } from './security.ts';
import { withCachedReads } from './cached-reads.ts';
import { tokenRoutes, whoamiRoutes } from './routes/tokens.ts';
import { consoleHandler } from './console.ts';
import { eventRoutes } from './routes/events.ts';
import { alertRoutes } from './routes/alerts.ts';
import { auditRoutes, performanceRoutes } from './routes/audit.ts';
import type { PerformanceService } from '../services/performance-service.ts';
import type { AuditService } from '../services/audit-service.ts';
import type { FleetService } from '../services/fleet-service.ts';
import { fleetRoutes } from './routes/fleet.ts';
import { configRoutes } from './routes/config.ts';
import { deviceActionRoutes } from './routes/device-actions.ts';
import { dataRoutes } from './routes/data.ts';
import { deviceRoutes } from './routes/devices.ts';
import { incidentRoutes } from './routes/incidents.ts';
import { operationalWorkflowRoutes } from './routes/operational-workflows.ts';
import { operationRoutes } from './routes/operations.ts';
import { proxyConfRoutes } from './routes/proxy-confs.ts';
import { stackRoutes } from './routes/stacks.ts';

export interface ApiDeps {
  /** Where people reach the web console (PUBLIC_URL): held answers link to the operation's page there. */
  publicUrl: string | null;
  /** The console's build (web/dist), served at `/`. */
  consoleDir: string;
  audit: AuditService;
  performance: PerformanceService;
  devices: DeviceService;
  collection: CollectionService;
  health: HealthService;
  operations: OperationService;
  actions: DeviceActionService;
  configHistory: ConfigHistoryService;
  maintenance: MaintenanceService;
  restarts: ServiceRestartService;
  proxyConfs: ProxyConfService;
  stacks: StackService;
  zfs: ZfsService;
  incidents: IncidentService;
  diagnosis: DiagnosisService;
  fleet: FleetService;
  tokens: TokenService;
  events: EventService;
  alerts: AlertService;
  security: SecuritySettings;
  bindAddress: string;
  logger: Logger;
}

/** The HTTP API's listener: cached reads held in memory are answered before the app (withCachedReads). */
export function createApiListener(deps: ApiDeps): RequestListener {
  const limiter = new RateLimiter(deps.security.rateLimitPerMinute);
  return withCachedReads(createApiApp(deps, limiter), { ...deps, limiter });
}

/** The HTTP front: validates, calls services, formats. It never opens SSH. */
export function createApiApp(deps: ApiDeps, limiter = new RateLimiter(deps.security.rateLimitPerMinute)): Express {
  const app = express();
  app.disable('x-powered-by');
  // Answers carry their age (age_seconds), so two answers are never byte-equal: an ETag is only a hash per response.
  app.set('etag', false);
  app.set('query parser', 'simple');
  app.use(correlationMiddleware);
  app.use(hostCheck(deps.bindAddress, deps.security.allowedHosts));
  app.use(express.json({ limit: '1mb' }));
  app.use(requireToken(deps.tokens, apiScope));
  app.use(rateLimit(limiter));
  app.use(rejectNul);

  app.get('/metrics', async (_req, res) => {
    res.type(metricsRegistry.contentType).send(await metricsRegistry.metrics());
  });
  app.get('/health', async (_req, res) => {
    const report = await deps.health.report();
    res.status(report.status === 'ok' ? 200 : 503).json(report);
  });
  app.get('/openapi.json', (_req, res) => {
    res.json(openApiDocument());
  });
  app.use('/api', fleetRoutes(deps.fleet));
  app.use('/api/devices', deviceRoutes(deps.devices));
  app.use('/api/devices', deviceActionRoutes(deps.actions, deps.publicUrl));
  // Before the data routes: `/{hostname}/maintenance` is not a data type.
  app.use('/api', operationalWorkflowRoutes(deps.maintenance, deps.restarts, deps.diagnosis, deps.publicUrl));
  // Before the data routes: `/{hostname}/proxy-confs` is not a data type.
  app.use('/api/devices', proxyConfRoutes(deps.proxyConfs, deps.publicUrl));
  // Before the data routes, whose `/{hostname}/{data_type}` would otherwise take `/{hostname}/stacks`.
  app.use('/api', stackRoutes(deps.stacks, deps.publicUrl));
  app.use('/api', zfsRoutes(deps.zfs, deps.publicUrl));
  app.use('/api/devices', dataRoutes(deps.collection));
  app.use('/api', auditRoutes(deps.audit, deps.collection));
  app.use('/api', performanceRoutes(deps.performance));
  app.use('/api', operationRoutes(deps.operations, deps.publicUrl));
  app.use('/api', configRoutes(deps.configHistory, deps.publicUrl));
  app.use('/api', incidentRoutes(deps.incidents));
  app.use('/api', tokenRoutes(deps.tokens));
  app.use('/api', whoamiRoutes());
  app.use('/api', eventRoutes(deps.events));
  app.use('/api', alertRoutes(deps.alerts));

  app.use(consoleHandler(deps.consoleDir));

  app.use(notFoundHandler);
  app.use(errorHandler(deps.logger));
  return app;
}
