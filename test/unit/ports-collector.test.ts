import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSsLine, portsCollector, type PortsData } from '../../domain/collectors/ports.ts';
import { fixtureReader, parseErrorAsserter, schemaCheckedParse } from '../support/collector-fixtures.ts';

const fixture = fixtureReader('ports');
const assertParseError = parseErrorAsserter('ports');
const parse = (stdout: string): PortsData => schemaCheckedParse(portsCollector, stdout);

describe('portsCollector.parse: ss -tulpnH as root', () => {
  const data = parse(fixture('root-debian.txt'));

  it('lists every socket sorted by port, with its owning process', () => {
    assert.equal(data.available, true);
    assert.equal(data.process_names_complete, true);
    assert.deepEqual(data.summary, { total: 5, tcp: 3, udp: 2, published_by_containers: 0, without_process: 1 });
    const http = data.ports.find((p) => p.port === 18081);
    assert.deepEqual(http, {
      protocol: 'tcp',
      address: '127.0.0.1',
      port: 18081,
      process: 'python3',
      pid: 13154,
      container: null,
    });
    assert.deepEqual(data.ports.map((p) => p.port).slice(0, 3), [2024, 10053, 15353]);
  });

  it('reads IPv6 brackets, the any-family star and an interface scope', () => {
    assert.equal(data.ports.find((p) => p.port === 18082)?.address, '::1');
    assert.deepEqual(
      data.ports.find((p) => p.port === 15353),
      { protocol: 'udp', address: '*', port: 15353, process: 'python3', pid: 13155, container: null },
    );
    assert.equal(data.ports.find((p) => p.port === 10053)?.address, '127.0.0.53%lo');
  });

  it('leaves a socket of another namespace without process', () => {
    assert.deepEqual(
      data.ports.find((p) => p.port === 2024),
      { protocol: 'tcp', address: '0.0.0.0', port: 2024, process: null, pid: null, container: null },
    );
  });

  it('keeps the ports when the docker daemon is down, unattributed', () => {
    assert.equal(data.docker_available, false);
  });
});

describe('portsCollector.parse: as an unprivileged user', () => {
  it('says process names are incomplete and names none', () => {
    const data = parse(fixture('unprivileged-debian.txt'));
    assert.equal(data.process_names_complete, false);
    assert.equal(data.summary.total, 5);
    assert.equal(data.summary.without_process, 5);
  });
});

describe('portsCollector.parse: failures', () => {
  it('answers not available without ss', () => {
    assert.equal(parse('@@no-ss\n@@end\n').available, false);
  });

  it('refuses truncated output and unreadable lines', () => {
    const full = fixture('root-debian.txt');
    assertParseError(() => parse(full.slice(0, full.indexOf('@@ss-status'))), /truncated/);
    assertParseError(() => parseSsLine('tcp LISTEN 0 128 nonsense 0.0.0.0:*'), /unreadable local address/);
    assertParseError(() => parseSsLine('raw UNCONN 0 0 0.0.0.0:1 0.0.0.0:*'), /unreadable ss line/);
  });

  it('reports a failing ss with its stderr', () => {
    const failed = fixture('root-debian.txt').replace(
      /@@ss-status\n0\n@@ss-stderr\n/,
      '@@ss-status\n1\n@@ss-stderr\nss: netlink refused\n',
    );
    assertParseError(() => parse(failed), /ss -tulpnH failed with exit status 1: ss: netlink refused/);
  });
});
