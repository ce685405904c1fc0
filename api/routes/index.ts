import type { Route } from '../route.ts';
import { alertRoutes } from './alerts.ts';
import { auditRoutes } from './audit.ts';
import { configRoutes } from './config.ts';
import { dataRoutes } from './data.ts';
import { deviceActionRoutes } from './device-actions.ts';
import { deviceRoutes } from './devices.ts';
import { eventRoutes } from './events.ts';
import { fleetRoutes } from './fleet.ts';
import { incidentRoutes } from './incidents.ts';
import { operationalWorkflowRoutes } from './operational-workflows.ts';
import { operationRoutes } from './operations.ts';
import { proxyConfRoutes } from './proxy-confs.ts';
import { stackRoutes } from './stacks.ts';
import { systemRoutes } from './system.ts';
import { tokenRoutes } from './tokens.ts';
import { zfsRoutes } from './zfs.ts';

/** The API's routes in the order Express tries them (`/openapi.json` is declared beside the document). */
export const API_ROUTES: readonly Route[] = [
  ...systemRoutes,
  ...fleetRoutes,
  ...deviceRoutes,
  ...deviceActionRoutes,
  // Before the data route, whose `/{hostname}/{data_type}` would otherwise take `/{hostname}/maintenance`,
  // `/{hostname}/diagnosis`, `/{hostname}/proxy-confs` and `/{hostname}/stacks`.
  ...operationalWorkflowRoutes,
  ...proxyConfRoutes,
  ...stackRoutes,
  ...zfsRoutes,
  ...dataRoutes,
  ...auditRoutes,
  ...operationRoutes,
  ...configRoutes,
  ...incidentRoutes,
  ...tokenRoutes,
  ...eventRoutes,
  ...alertRoutes,
];
