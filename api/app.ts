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
import type { TokenService } from '../services/token-service.ts';
import type { EventService } from '../services/event-service.ts';
import type { AlertService } from '../services/alert-service.ts';
import { errorHandler, notFoundHandler } from './errors.ts';
import { correlationMiddleware } from './request-context.ts';
import { hostCheck, rateLimit, RateLimiter, requireToken, type SecuritySettings } from '../http/guards.ts';
import { apiScope, rejectNul } from './security.ts';
import { withCachedReads } from './cached-reads.ts';
import { ROUTES } from './openapi.ts';
import { registerRoutes } from './route.ts';
import { consoleHandler } from './console.ts';
import type { PerformanceService } from '../services/performance-service.ts';
import type { AuditService } from '../services/audit-service.ts';
import type { FleetService } from '../services/fleet-service.ts';

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

  registerRoutes(app, ROUTES, deps);

  app.use(consoleHandler(deps.consoleDir));

  app.use(notFoundHandler);
  app.use(errorHandler(deps.logger));
  return app;
}
