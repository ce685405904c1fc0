import { END_MARKER } from '../../domain/collectors/sections.ts';
import { runSection } from '../format.ts';
import type { DeviceModel } from '../model.ts';
import { hashText } from '../random.ts';

const networkId = (model: DeviceModel, name: string) =>
  hashText(`${model.seed}/${name}`).toString(16).padStart(8, '0').repeat(8).slice(0, 64);

/**
 * `docker network ls -q` and `docker network inspect` for the docker_networks collector: the default
 * bridge, host and none networks, and every network the device's containers name, each on its own /16.
 */
export function dockerNetworksOutput(model: DeviceModel): string {
  if (!model.profile.capabilities.docker) return `@@no-docker\n${END_MARKER}\n`;
  const names = new Set(['bridge', 'host', 'none']);
  for (const c of model.containers) if (!c.removed) for (const n of c.spec.networks.split(',')) if (n) names.add(n);
  const networks = [...names].sort().map((name, index) => {
    const driver = name === 'host' || name === 'none' ? name : 'bridge';
    const members = model.containers.filter((c) => !c.removed && c.spec.networks.split(',').includes(name));
    const subnet =
      driver === 'bridge' ? [{ Subnet: `172.${17 + index}.0.0/16`, Gateway: `172.${17 + index}.0.1` }] : [];
    return {
      Name: name,
      Id: networkId(model, name),
      Scope: 'local',
      Driver: driver,
      IPAM: { Driver: 'default', Options: null, Config: subnet },
      Internal: false,
      Containers: Object.fromEntries(
        members.map((c, i) => [
          c.spec.id,
          {
            Name: c.spec.name,
            EndpointID: networkId(model, `${name}/${c.spec.id}`),
            MacAddress: '',
            IPv4Address: driver === 'bridge' ? `172.${17 + index}.0.${i + 2}/16` : '',
            IPv6Address: '',
          },
        ]),
      ),
      Options: {},
      Labels: {},
    };
  });
  return [
    runSection('ls', networks.map((n) => n.Id).join('\n')),
    runSection('inspect', JSON.stringify(networks, null, 4)),
    `${END_MARKER}\n`,
  ].join('');
}
