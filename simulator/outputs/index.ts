import type { DataType } from '../../domain/collectors/registry.ts';
import type { DeviceModel } from '../model.ts';
import { capabilitiesOutput } from './capabilities.ts';
import { containersOutput } from './containers.ts';
import { dockerNetworksOutput } from './docker-networks.ts';
import { drivesOutput } from './drives.ts';
import { guestsOutput } from './guests.ts';
import { diskIoOutput, gpuOutput, processesOutput, sensorsOutput } from './host-detail.ts';
import { metricsOutput } from './metrics.ts';
import { networkOutput } from './network.ts';
import { portsOutput } from './ports.ts';
import { servicesOutput } from './services.ts';
import { updatesOutput } from './updates.ts';
import { zfsOutput } from './zfs.ts';

/** What a device prints for a collection script: its stdout at device time `t` (Unix seconds). */
export type OutputGenerator = (model: DeviceModel, t: number, script: string) => string;

/** One generator per data type: typed by the registry, so a new collector does not compile without one. */
export const OUTPUTS: Record<DataType, OutputGenerator> = {
  metrics: metricsOutput,
  containers: containersOutput,
  network: networkOutput,
  services: servicesOutput,
  drives: drivesOutput,
  zfs: zfsOutput,
  updates: updatesOutput,
  guests: guestsOutput,
  processes: processesOutput,
  disk_io: diskIoOutput,
  sensors: sensorsOutput,
  gpu: gpuOutput,
  capabilities: capabilitiesOutput,
  ports: portsOutput,
  docker_networks: dockerNetworksOutput,
};
