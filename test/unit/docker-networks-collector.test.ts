import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dockerNetworksCollector, type DockerNetworksData } from '../../domain/collectors/docker-networks.ts';
import { fixtureReader, parseErrorAsserter, schemaCheckedParse } from '../support/collector-fixtures.ts';

const fixture = fixtureReader('docker_networks');
const assertParseError = parseErrorAsserter('docker_networks');
const parse = (stdout: string): DockerNetworksData => schemaCheckedParse(dockerNetworksCollector, stdout);

describe('dockerNetworksCollector', () => {
  it('depends on docker and stores into its own table', () => {
    assert.equal(dockerNetworksCollector.requiredCapability, 'docker');
    assert.equal(dockerNetworksCollector.table, 'docker_networks_snapshots');
  });

  it('reads the default bridge with its subnet and containers', () => {
    const data = parse(fixture('moby-bridge.txt'));
    assert.deepEqual(data.summary, { total: 1, with_containers: 1 });
    const [bridge] = data.networks;
    assert.equal(bridge?.name, 'bridge');
    assert.equal(bridge?.driver, 'bridge');
    assert.deepEqual(bridge?.subnets, [{ subnet: '172.17.42.1/16', gateway: '172.17.42.1' }]);
    assert.deepEqual(
      bridge?.containers.map((c) => [c.name, c.ipv4_address, c.ipv6_address]),
      [
        ['container1', '172.17.0.1/16', null],
        ['container2', '172.17.0.2/16', null],
      ],
    );
    assert.equal(bridge?.compose_project, null);
  });

  it('reads a user-defined network without containers', () => {
    const data = parse(fixture('moby-simple-network.txt'));
    assert.deepEqual(data.networks[0]?.containers, []);
    assert.equal(data.networks[0]?.internal, false);
    assert.deepEqual(dockerNetworksCollector.columns(data), { total: 1, with_containers: 0, docker_available: true });
  });

  it('reads an Engine API answer with labels and IPAM options', () => {
    const net = parse(fixture('api-1.37-net01.txt')).networks[0];
    assert.equal(net?.id, '7d86d31b1478e7cca9ebed7e73aa0fdeec46c5ca29497431d3007d2d9e15ed99');
    assert.deepEqual(
      net?.containers.map((c) => c.name),
      ['test'],
    );
  });

  it('answers not available without docker, and fails when the daemon is down', () => {
    assert.equal(parse('@@no-docker\n@@end\n').docker_available, false);
    assertParseError(
      () => parse(fixture('daemon-down.txt')),
      /docker network ls failed with exit status 1: Cannot connect to the Docker daemon/,
    );
  });

  it('refuses an inspect answer that is not JSON', () => {
    assertParseError(
      () => parse(fixture('moby-bridge.txt').replace('"Name": "bridge",', '"Name": "bridge"')),
      /not JSON/,
    );
  });
});
