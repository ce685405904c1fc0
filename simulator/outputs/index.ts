import { collectorFor, type DataType } from '../../domain/collectors/registry.ts';
import type { DeviceModel } from '../model.ts';
import { capabilitiesOutput } from './capabilities.ts';
import { containersOutput } from './containers.ts';
import { dockerNetworksOutput } from './docker-networks.ts';
import { drivesOutput } from './drives.ts';
import { guestsOutput } from './guests.ts';
import { diskIoOutput, processesOutput, sensorsOutput } from './host-detail.ts';
import { metricsOutput } from './metrics.ts';
import { networkOutput } from './network.ts';
import { portsOutput } from './ports.ts';
import { servicesOutput } from './services.ts';
import { updatesOutput } from './updates.ts';
import { zfsOutput } from './zfs.ts';

/** What a device prints for a collection script: its stdout at device time `t` (Unix seconds). */
export type OutputGenerator = (model: DeviceModel, t: number, script: string) => string;

/**
 * The types the simulator generates answers for. Any other registered type answers as a device without
 * it (collectionOutput below): no simulated device has a GPU, so gpu needs no generator.
 */
export const OUTPUTS: Partial<Record<DataType, OutputGenerator>> = {
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
  capabilities: capabilitiesOutput,
  ports: portsOutput,
  docker_networks: dockerNetworksOutput,
};

/**
 * What a device prints for a collection script at device time `t`: its generator's output, else its
 * collector's "not available" output (`unavailableOutput`) where that is the truth, on a device whose
 * profile lacks the type's capability. Null where the simulator has no answer: test/unit/registry.test.ts
 * requires a generator or an `unavailableOutput` for every registered type.
 */
export function collectionOutput(dataType: DataType, model: DeviceModel, t: number, script: string): string | null {
  const generator = OUTPUTS[dataType];
  if (generator) return generator(model, t, script);
  const { unavailableOutput, requiredCapability } = collectorFor(dataType);
  if (
    unavailableOutput === undefined ||
    (requiredCapability !== undefined && model.profile.capabilities[requiredCapability])
  )
    return null;
  return unavailableOutput;
}
