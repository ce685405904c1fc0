import { capabilitiesCollector } from './capabilities.ts';
import type { Collector } from './collector.ts';
import { dockerNetworksCollector } from './docker-networks.ts';
import { drivesCollector } from './drives/index.ts';
import { guestsCollector } from './guests.ts';
import { containersCollector } from './containers.ts';
import { diskIoCollector } from './disk-io.ts';
import { gpuCollector } from './gpu.ts';
import { metricsCollector } from './metrics.ts';
import { networkCollector } from './network.ts';
import { portsCollector } from './ports.ts';
import { processesCollector } from './processes.ts';
import { sensorsCollector } from './sensors.ts';
import { servicesCollector } from './services.ts';
import { updatesCollector } from './updates.ts';
import { zfsCollector } from './zfs/index.ts';

/**
 * Every data type the system collects. Schedules, API routes and OpenAPI answers, MCP tools, audit,
 * hypertables, the README's Data table and the simulator's default follow from this list: adding a type
 * is one collector file (with its fixtures and tests), one migration, and one line here
 * (docs/ARCHITECTURE.md, "Adding a data type").
 */
export const collectors = {
  metrics: metricsCollector,
  containers: containersCollector,
  network: networkCollector,
  services: servicesCollector,
  drives: drivesCollector,
  zfs: zfsCollector,
  updates: updatesCollector,
  guests: guestsCollector,
  processes: processesCollector,
  disk_io: diskIoCollector,
  sensors: sensorsCollector,
  gpu: gpuCollector,
  capabilities: capabilitiesCollector,
  ports: portsCollector,
  docker_networks: dockerNetworksCollector,
};

export type DataType = keyof typeof collectors;

export const DATA_TYPES = Object.keys(collectors) as DataType[];

export function isDataType(value: string): value is DataType {
  return Object.hasOwn(collectors, value);
}

export function collectorFor(dataType: DataType): Collector<unknown> {
  return collectors[dataType] as unknown as Collector<unknown>;
}
