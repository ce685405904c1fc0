import type { Migration, MigrationProvider } from 'kysely';
import * as initial from './0001_initial.ts';
import * as operations from './0002_operations.ts';
import * as networkServices from './0003_network_services.ts';
import * as coverage from './0004_coverage.ts';
import * as configHistory from './0005_config_history.ts';
import * as guests from './0006_guests.ts';
import * as maintenanceIncidents from './0007_maintenance_incidents.ts';
import * as apiTokens from './0009_api_tokens.ts';
import * as events from './0010_events.ts';
import * as alerts from './0011_alerts.ts';
import * as timescale from './0012_timescale.ts';
import * as principals from './0013_principals.ts';
import * as configFirstCapture from './0014_config_first_capture.ts';
import * as readCounts from './0015_read_counts.ts';
import * as hostDetailTypes from './0016_host_detail_types.ts';
import * as portsNetworksStacks from './0017_ports_networks_stacks.ts';

/** Listed statically so bundles and tests need no directory scanning; names sort in apply order. */
export const migrationProvider: MigrationProvider = {
  getMigrations: async (): Promise<Record<string, Migration>> => ({
    '0001_initial': initial,
    '0002_operations': operations,
    '0003_network_services': networkServices,
    '0004_coverage': coverage,
    '0005_config_history': configHistory,
    '0006_guests': guests,
    '0007_maintenance_incidents': maintenanceIncidents,
    '0009_api_tokens': apiTokens,
    '0010_events': events,
    '0011_alerts': alerts,
    '0012_timescale': timescale,
    '0013_principals': principals,
    '0014_config_first_capture': configFirstCapture,
    '0015_read_counts': readCounts,
    '0016_host_detail_types': hostDetailTypes,
    '0017_ports_networks_stacks': portsNetworksStacks,
  }),
};
