import type { Kysely } from 'kysely';
import type { Database } from '../schema/database.ts';
import { AlertRuleRepository } from './alert-rules.ts';
import { AlertRepository } from './alerts.ts';
import { AuditRepository } from './audit.ts';
import { ConfigHistoryRepository } from './config-history.ts';
import { DeviceRepository } from './devices.ts';
import { FleetRepository } from './fleet.ts';
import { HealthRepository } from './health.ts';
import { IncidentRepository } from './incidents.ts';
import { OperationRepository } from './operations.ts';
import { SnapshotRepository } from './snapshots.ts';
import { TokenRepository } from './tokens.ts';

/**
 * Every repository over one database, built once by the composition root and handed to services and
 * activities, which never hold the database handle themselves. A repository method that needs a
 * transaction opens it and binds the repositories it uses to it. Each keeps the handle in a `#` field:
 * TypeScript's `private` would still let `repository['db']` reach it.
 */
export function createRepositories(db: Kysely<Database>) {
  return {
    devices: new DeviceRepository(db),
    snapshots: new SnapshotRepository(db),
    audit: new AuditRepository(db),
    configHistory: new ConfigHistoryRepository(db),
    alerts: new AlertRepository(db),
    alertRules: new AlertRuleRepository(db),
    operations: new OperationRepository(db),
    incidents: new IncidentRepository(db),
    tokens: new TokenRepository(db),
    fleet: new FleetRepository(db),
    health: new HealthRepository(db),
  };
}

export type Repositories = ReturnType<typeof createRepositories>;
