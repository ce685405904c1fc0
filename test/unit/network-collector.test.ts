import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { type NetworkData, type NetworkInterface, networkCollector } from '../../domain/collectors/network.ts';
import { fixtureReader, fixtureUrl, parseErrorAsserter, schemaCheckedParse } from '../support/collector-fixtures.ts';
import { tempDirs } from '../support/temp-dirs.ts';

const fixture = fixtureReader('network');

function parse(stdout: string): NetworkData {
  return schemaCheckedParse(networkCollector, stdout);
}

function iface(data: NetworkData, name: string): NetworkInterface {
  const found = data.interfaces.find((i) => i.name === name);
  assert.ok(found, `no interface ${name}`);
  return found;
}

const assertParseError = parseErrorAsserter('network');

/** Script output with the given sections (each a [name, body] pair), terminated like the real script. */
function output(...sections: [string, string][]): string {
  return `${sections.map(([name, body]) => `@@${name}\n${body}\n`).join('')}@@end\n`;
}

function command(name: string, stdout: string, status = 0, stderr = ''): [string, string][] {
  return [
    [name, stdout],
    [`${name}-status`, String(status)],
    [`${name}-stderr`, stderr],
  ];
}

const LO_JSON = {
  ifindex: 1,
  ifname: 'lo',
  flags: ['LOOPBACK', 'UP', 'LOWER_UP'],
  mtu: 65536,
  operstate: 'UNKNOWN',
  link_type: 'loopback',
  address: '00:00:00:00:00:00',
  addr_info: [{ family: 'inet', local: '127.0.0.1', prefixlen: 8, scope: 'host', label: 'lo' }],
  stats64: {
    rx: { bytes: 10, packets: 1, errors: 0, dropped: 0 },
    tx: { bytes: 10, packets: 1, errors: 0, dropped: 0 },
  },
};
const ETH_JSON = {
  ...LO_JSON,
  ifindex: 2,
  ifname: 'eth0',
  flags: ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'],
  mtu: 1500,
  operstate: 'UP',
  link_type: 'ether',
  address: '52:54:00:12:34:56',
  addr_info: [],
};

/** A JSON-mode answer with the given links and route listings. */
function jsonOutput(links: unknown[], route4: string, route6 = '[]', route4Status = 0, route6Status = 0): string {
  return output(
    ['addr-json', JSON.stringify(links)],
    ...command('route4', route4, route4Status, route4Status === 0 ? '' : 'RTNETLINK answers: Operation not permitted'),
    ...command(
      'route6',
      route6,
      route6Status,
      route6Status === 0 ? '' : 'RTNETLINK answers: Address family not supported by protocol',
    ),
  );
}

describe('networkCollector settings', () => {
  it('polls every 2 minutes into network_snapshots', () => {
    assert.equal(networkCollector.dataType, 'network');
    assert.equal(networkCollector.freshnessSeconds, 120);
    assert.equal(networkCollector.pollIntervalSeconds, 120);
    assert.equal(networkCollector.commandTimeoutMs, 15_000);
    assert.equal(networkCollector.table, 'network_snapshots');
  });

  it('asks for JSON with counters and link details, falling back to text and /proc/net/dev', () => {
    const script = networkCollector.command({});
    assert.match(script, /ip -j -s -d addr show/);
    assert.match(script, /ip addr show; echo @@netdev; cat \/proc\/net\/dev/);
    assert.match(script, /ip \$j -4 route show default/);
    assert.ok(script.trimEnd().endsWith('echo @@end'));
  });
});

describe('networkCollector.parse: Debian 12 docker host (iproute2 6.1 JSON)', () => {
  const data = parse(fixture('debian12-docker.txt'));

  it('summarizes the non-loopback interfaces and totals their traffic', () => {
    assert.equal(data.source, 'ip-json');
    assert.deepEqual(
      data.interfaces.map((i) => i.name),
      ['lo', 'eno1', 'eno2', 'docker0', 'br-9f3c2a1b7d44', 'veth5d1e2f8', 'veth91a0c4e'],
    );
    assert.deepEqual(data.summary, { total: 6, up: 4, down: 2 });
    assert.deepEqual(networkCollector.columns(data), {
      interfaces_total: 6,
      interfaces_up: 4,
      interfaces_down: 2,
      // eno1 + docker0 + the two veths (eno2 and the idle docker network have no traffic); lo's 48211873 left out
      rx_bytes_total: 918273645123 + 5123987345 + 2931847 + 1283746502,
      tx_bytes_total: 204857361922 + 31234987123 + 118734521 + 30127384112,
    });
  });

  it('reads the physical NIC with its addresses and counters', () => {
    assert.deepEqual(iface(data, 'eno1'), {
      name: 'eno1',
      state: 'UP',
      flags: ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'],
      mtu: 1500,
      mac: '3c:ec:ef:41:7a:20',
      kind: 'ether',
      master: null,
      addresses: [
        { family: 'inet', address: '192.168.1.20', prefix_len: 24, scope: 'global' },
        { family: 'inet6', address: 'fd12:3456:789a:1::20', prefix_len: 64, scope: 'global' },
        { family: 'inet6', address: 'fe80::3eec:efff:fe41:7a20', prefix_len: 64, scope: 'link' },
      ],
      rx_bytes: 918273645123,
      tx_bytes: 204857361922,
      rx_packets: 712345678,
      tx_packets: 301234567,
      rx_errors: 0,
      tx_errors: 0,
      rx_dropped: 1832,
      tx_dropped: 0,
    });
  });

  it('tells bridges, their veth ports and a NIC without carrier apart', () => {
    const docker0 = iface(data, 'docker0');
    assert.equal(docker0.kind, 'bridge');
    assert.equal(docker0.state, 'UP');
    assert.deepEqual(docker0.addresses[0], { family: 'inet', address: '172.17.0.1', prefix_len: 16, scope: 'global' });
    const veth = iface(data, 'veth91a0c4e');
    assert.equal(veth.kind, 'veth');
    assert.equal(veth.master, 'docker0');
    assert.equal(veth.mac, '5e:0b:91:d2:44:1a');
    assert.equal(veth.rx_bytes, 1283746502);
    const idleBridge = iface(data, 'br-9f3c2a1b7d44');
    assert.equal(idleBridge.kind, 'bridge');
    assert.equal(idleBridge.state, 'DOWN');
    const eno2 = iface(data, 'eno2');
    assert.equal(eno2.state, 'DOWN');
    assert.ok(eno2.flags.includes('NO-CARRIER'));
    assert.deepEqual(eno2.addresses, []);
  });

  it('gives loopback no MAC address and the IPv4 default route', () => {
    const lo = iface(data, 'lo');
    assert.equal(lo.kind, 'loopback');
    assert.equal(lo.mac, null);
    assert.equal(lo.state, 'UNKNOWN');
    assert.deepEqual(
      lo.addresses.map((a) => `${a.address}/${a.prefix_len}`),
      ['127.0.0.1/8', '::1/128'],
    );
    assert.deepEqual(data.default_route, { gateway: '192.168.1.1', interface: 'eno1', family: 'inet' });
  });
});

describe('networkCollector.parse: Proxmox VE 8 bridges, taps and firewall bridges', () => {
  const data = parse(fixture('proxmox-ve8.txt'));

  it('reads vmbr0 with the host address and the NIC as its port', () => {
    const vmbr0 = iface(data, 'vmbr0');
    assert.equal(vmbr0.kind, 'bridge');
    assert.equal(vmbr0.master, null);
    assert.deepEqual(vmbr0.addresses[0], { family: 'inet', address: '192.168.10.5', prefix_len: 24, scope: 'global' });
    const nic = iface(data, 'enp5s0');
    assert.equal(nic.kind, 'ether'); // a bridge port without linkinfo kind: the link type
    assert.equal(nic.master, 'vmbr0');
    assert.deepEqual(nic.addresses, []);
    assert.equal(nic.rx_bytes, 2387412398123);
    assert.equal(nic.rx_dropped, 12834);
  });

  it('reports VM taps as tap and the firewall plumbing as bridge and veth', () => {
    const kinds = Object.fromEntries(data.interfaces.map((i) => [i.name, [i.kind, i.master]]));
    assert.deepEqual(kinds, {
      lo: ['loopback', null],
      enp5s0: ['ether', 'vmbr0'],
      vmbr0: ['bridge', null],
      tap100i0: ['tap', 'vmbr0'],
      tap101i0: ['tap', 'fwbr101i0'],
      fwbr101i0: ['bridge', null],
      fwpr101p0: ['veth', 'vmbr0'],
      fwln101i0: ['veth', 'fwbr101i0'],
      tap102i0: ['tap', 'vmbr0'],
    });
  });

  it('counts a running VM tap (state UNKNOWN, carrier up) as up and a stopped one as down', () => {
    assert.equal(iface(data, 'tap100i0').state, 'UNKNOWN');
    assert.equal(iface(data, 'tap102i0').state, 'DOWN');
    assert.deepEqual(data.summary, { total: 8, up: 7, down: 1 });
    assert.deepEqual(data.default_route, { gateway: '192.168.10.1', interface: 'vmbr0', family: 'inet' });
  });
});

describe('networkCollector.parse: Ubuntu 24.04 VPS with WireGuard and OpenVPN', () => {
  const data = parse(fixture('ubuntu2404-wireguard.txt'));

  it('reads wg0: no MAC, point-to-point, kind wireguard, counted as up', () => {
    const wg0 = iface(data, 'wg0');
    assert.equal(wg0.mac, null);
    assert.equal(wg0.kind, 'wireguard');
    assert.equal(wg0.state, 'UNKNOWN');
    assert.equal(wg0.mtu, 1420);
    assert.ok(wg0.flags.includes('POINTOPOINT'));
    assert.deepEqual(wg0.addresses, [{ family: 'inet', address: '10.8.0.1', prefix_len: 24, scope: 'global' }]);
    assert.equal(wg0.tx_errors, 17);
    assert.equal(wg0.tx_dropped, 17);
    assert.deepEqual(data.summary, { total: 3, up: 3, down: 0 });
  });

  it('takes the local side of a peer address and splits tun from tap', () => {
    const tun0 = iface(data, 'tun0');
    assert.equal(tun0.kind, 'tun');
    assert.equal(tun0.mac, null);
    assert.deepEqual(tun0.addresses[0], { family: 'inet', address: '10.9.0.1', prefix_len: 32, scope: 'global' });
  });

  it('prefers the IPv4 default route over the IPv6 one', () => {
    assert.deepEqual(data.default_route, { gateway: '203.0.113.1', interface: 'eth0', family: 'inet' });
  });
});

describe('networkCollector.parse: text fallback', () => {
  it('Alpine 3.19 busybox ip: names without @peer, counters from /proc/net/dev', () => {
    const data = parse(fixture('alpine319-busybox.txt'));
    assert.equal(data.source, 'ip-text');
    assert.deepEqual(
      data.interfaces.map((i) => i.name),
      ['lo', 'eth0', 'docker0', 'veth3c9a0b1', 'wlan0', 'wg0'],
    );
    const veth = iface(data, 'veth3c9a0b1');
    assert.equal(veth.master, 'docker0');
    assert.equal(veth.state, 'UP');
    assert.equal(veth.kind, 'ether'); // the text format only knows the link type
    assert.equal(veth.rx_bytes, 1459213);
    assert.equal(veth.tx_packets, 41512);
    const eth0 = iface(data, 'eth0');
    assert.equal(eth0.mac, '52:54:00:3a:7c:01');
    assert.deepEqual(eth0.addresses, [
      { family: 'inet', address: '192.168.1.30', prefix_len: 24, scope: 'global' },
      { family: 'inet6', address: 'fd12:3456:789a:1:5054:ff:fe3a:7c01', prefix_len: 64, scope: 'global' },
      { family: 'inet6', address: 'fe80::5054:ff:fe3a:7c01', prefix_len: 64, scope: 'link' },
    ]);
    assert.deepEqual(
      { rx: eth0.rx_bytes, rxPackets: eth0.rx_packets, rxDropped: eth0.rx_dropped, tx: eth0.tx_bytes },
      { rx: 8123741239, rxPackets: 6123874, rxDropped: 41, tx: 912387412 },
    );
    const wg0 = iface(data, 'wg0');
    assert.equal(wg0.kind, undefined);
    assert.equal(wg0.mac, null);
    assert.equal(wg0.tx_errors, 0);
    assert.equal(wg0.tx_dropped, 3);
    assert.equal(iface(data, 'wlan0').state, 'DOWN');
    assert.deepEqual(data.summary, { total: 5, up: 4, down: 1 });
    assert.deepEqual(data.default_route, { gateway: '192.168.1.1', interface: 'eth0', family: 'inet' });
    assert.deepEqual(networkCollector.columns(data), {
      interfaces_total: 5,
      interfaces_up: 4,
      interfaces_down: 1,
      rx_bytes_total: 8123741239 + 1287341 + 1459213 + 41239874,
      tx_bytes_total: 912387412 + 98123741 + 98241234 + 12398741,
    });
  });

  it('CentOS 7 iproute2 3.10 (no -j): states, peer addresses, bridge ports', () => {
    const data = parse(fixture('centos7-iproute-text.txt'));
    assert.equal(data.source, 'ip-text');
    assert.equal(iface(data, 'virbr0').state, 'DOWN');
    assert.equal(iface(data, 'virbr0-nic').master, 'virbr0');
    const tun0 = iface(data, 'tun0');
    assert.equal(tun0.state, 'UNKNOWN');
    assert.deepEqual(tun0.addresses, [{ family: 'inet', address: '10.9.0.6', prefix_len: 32, scope: 'global' }]);
    assert.equal(tun0.rx_bytes, 812374);
    assert.equal(iface(data, 'eth0').rx_dropped, 1203);
    assert.deepEqual(data.summary, { total: 4, up: 2, down: 2 });
    assert.deepEqual(data.default_route, { gateway: '192.168.1.1', interface: 'eth0', family: 'inet' });
  });

  it('derives the state from the flags when ip prints none (some busybox builds)', () => {
    const data = parse(
      output(
        ...command(
          'addr-text',
          [
            '1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue qlen 1000',
            '    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00',
            '2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1400 qdisc pfifo_fast qlen 1000',
            '    link/ether 02:fc:00:00:00:01 brd ff:ff:ff:ff:ff:ff',
            '3: eth1: <NO-CARRIER,BROADCAST,MULTICAST,UP> mtu 1500 qdisc pfifo_fast qlen 1000',
            '    link/ether 02:fc:00:00:00:02 brd ff:ff:ff:ff:ff:ff',
            '4: ifb0: <BROADCAST,NOARP> mtu 1500 qdisc noop qlen 32',
            '    link/ether 06:31:f7:02:e1:e5 brd ff:ff:ff:ff:ff:ff',
          ].join('\n'),
        ),
        [
          'netdev',
          [
            'Inter-|   Receive                                                |  Transmit',
            ' face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed',
            ...['lo', 'eth0', 'eth1', 'ifb0'].map((name) => `${name}: 1 2 0 0 0 0 0 0 3 4 0 0 0 0 0 0`),
          ].join('\n'),
        ],
        ...command('route4', 'default via 192.0.2.1 dev eth0 '),
        ...command('route6', ''),
      ),
    );
    assert.deepEqual(
      data.interfaces.map((i) => [i.name, i.state]),
      [
        ['lo', 'UNKNOWN'],
        ['eth0', 'UP'],
        ['eth1', 'DOWN'],
        ['ifb0', 'DOWN'],
      ],
    );
    assert.deepEqual(data.summary, { total: 3, up: 1, down: 2 });
  });

  it('drops an interface that vanished before /proc/net/dev was read', () => {
    const text = fixture('alpine319-busybox.txt').replace(/^veth3c9a0b1:.*\n/m, '');
    assert.deepEqual(
      parse(text).interfaces.map((i) => i.name),
      ['lo', 'eth0', 'docker0', 'wlan0', 'wg0'],
    );
  });
});

describe('networkCollector.parse: default route', () => {
  it('falls back to the IPv6 default route when there is no IPv4 one', () => {
    const data = parse(
      jsonOutput(
        [LO_JSON, ETH_JSON],
        '[]',
        '[{"dst":"default","gateway":"fe80::1","dev":"eth0","protocol":"ra","metric":1024,"flags":[],"pref":"medium"}]',
      ),
    );
    assert.deepEqual(data.default_route, { gateway: 'fe80::1', interface: 'eth0', family: 'inet6' });
  });

  it('reports no default route as null, also when the kernel has no IPv6', () => {
    assert.equal(parse(jsonOutput([LO_JSON, ETH_JSON], '[]', '[]')).default_route, null);
    assert.equal(parse(jsonOutput([LO_JSON, ETH_JSON], '', '', 0, 2)).default_route, null);
  });

  it('reads a device route without gateway, in JSON and text', () => {
    const expected = { gateway: null, interface: 'wg0', family: 'inet' };
    assert.deepEqual(
      parse(jsonOutput([LO_JSON, ETH_JSON], '[{"dst":"default","dev":"wg0","scope":"link","flags":[]}]')).default_route,
      expected,
    );
    assert.deepEqual(parse(jsonOutput([LO_JSON, ETH_JSON], 'default dev wg0 scope link ')).default_route, expected);
  });

  it('picks the lowest metric and skips unreachable defaults', () => {
    const routes = JSON.stringify([
      { type: 'unreachable', dst: 'default', dev: 'lo', metric: 1, flags: [] },
      { dst: 'default', gateway: '192.168.1.1', dev: 'wlan0', protocol: 'dhcp', metric: 600, flags: [] },
      { dst: 'default', gateway: '192.168.1.1', dev: 'eth0', protocol: 'dhcp', metric: 100, flags: [] },
    ]);
    assert.deepEqual(parse(jsonOutput([LO_JSON, ETH_JSON], routes)).default_route, {
      gateway: '192.168.1.1',
      interface: 'eth0',
      family: 'inet',
    });
    const text =
      'default via 10.0.0.1 dev wlan0 proto dhcp metric 600 \ndefault via 192.168.1.1 dev eth0 proto dhcp metric 100 ';
    assert.deepEqual(parse(jsonOutput([LO_JSON, ETH_JSON], text)).default_route, {
      gateway: '192.168.1.1',
      interface: 'eth0',
      family: 'inet',
    });
  });

  it('takes the first next hop of a multipath default route', () => {
    const json =
      '[{"dst":"default","protocol":"static","metric":100,"flags":[],"nexthops":[{"gateway":"10.0.0.1","dev":"eth0","weight":1,"flags":[]},{"gateway":"10.0.1.1","dev":"eth1","weight":1,"flags":[]}]}]';
    assert.deepEqual(parse(jsonOutput([LO_JSON, ETH_JSON], json)).default_route, {
      gateway: '10.0.0.1',
      interface: 'eth0',
      family: 'inet',
    });
    const text =
      'default proto static metric 100 \n\tnexthop via 10.0.0.1 dev eth0 weight 1 \n\tnexthop via 10.0.1.1 dev eth1 weight 1 ';
    assert.deepEqual(parse(jsonOutput([LO_JSON, ETH_JSON], text)).default_route, {
      gateway: '10.0.0.1',
      interface: 'eth0',
      family: 'inet',
    });
  });

  it('reads an IPv4 default via an IPv6 next hop (RFC 5549)', () => {
    const json =
      '[{"dst":"default","via":{"family":"inet6","host":"fe80::1"},"dev":"eth0","protocol":"bgp","metric":20,"flags":[]}]';
    assert.deepEqual(parse(jsonOutput([LO_JSON, ETH_JSON], json)).default_route, {
      gateway: 'fe80::1',
      interface: 'eth0',
      family: 'inet',
    });
    assert.deepEqual(
      parse(jsonOutput([LO_JSON, ETH_JSON], 'default via inet6 fe80::1 dev eth0 proto bgp metric 20 ')).default_route,
      { gateway: 'fe80::1', interface: 'eth0', family: 'inet' },
    );
  });
});

describe('networkCollector.parse: malformed output', () => {
  it('rejects truncated output', () => {
    assertParseError(() => parse(fixture('truncated.txt')), /output truncated: no @@end line/);
  });

  it('reports a device without ip as an error, not as no interfaces', () => {
    assertParseError(() => parse(output(['no-ip', ''])), /ip command is not installed/);
  });

  it('rejects a failed ip addr, a failed IPv4 route listing and an empty interface list', () => {
    assertParseError(
      () =>
        parse(
          output(
            ...command('addr-text', '', 1, "ip: can't find device"),
            ['netdev', 'x'],
            ...command('route4', ''),
            ...command('route6', ''),
          ),
        ),
      /ip addr failed with exit status 1: ip: can't find device/,
    );
    assertParseError(
      () => parse(jsonOutput([LO_JSON], '', '[]', 2)),
      /ip -4 route show default failed with exit status 2: RTNETLINK answers/,
    );
    assertParseError(() => parse(jsonOutput([], '[]')), /ip listed no network interfaces/);
  });

  it('rejects broken JSON, missing counters and unknown states', () => {
    assertParseError(
      () => parse(output(['addr-json', '[{"ifindex":1,'], ...command('route4', '[]'), ...command('route6', '[]'))),
      /ip -j addr: not a JSON array/,
    );
    const withoutStats: Record<string, unknown> = { ...ETH_JSON };
    delete withoutStats.stats64;
    assertParseError(() => parse(jsonOutput([LO_JSON, withoutStats], '[]')), /ip -j addr eth0: no traffic counters/);
    assertParseError(
      () => parse(jsonOutput([LO_JSON, { ...ETH_JSON, operstate: 'SLEEPY' }], '[]')),
      /unknown operational state SLEEPY/,
    );
    assertParseError(() => parse(jsonOutput([LO_JSON, { ...ETH_JSON, mtu: '1500' }], '[]')), /ip -j addr eth0: no mtu/);
  });

  it('accepts the 32-bit stats object of kernels without stats64', () => {
    const { stats64, ...rest } = ETH_JSON;
    const data = parse(jsonOutput([LO_JSON, { ...rest, stats: stats64 }], '[]'));
    assert.equal(iface(data, 'eth0').rx_bytes, 10);
  });

  it('rejects unreadable text lines', () => {
    const broken = fixture('alpine319-busybox.txt').replace('2: eth0:', 'garbage eth0:');
    assertParseError(() => parse(broken), /unreadable line in ip addr/);
    const badCounters = fixture('alpine319-busybox.txt').replace(/^ {2}eth0: 8123741239/m, '  eth0: lots');
    assertParseError(() => parse(badCounters), /eth0 rx bytes: expected a number/);
  });
});

describe('networkCollector.command on this machine', () => {
  const tempDir = tempDirs();

  function runScript(env?: NodeJS.ProcessEnv): string {
    return execFileSync('/bin/sh', ['-c', networkCollector.command({})], { encoding: 'utf8', ...(env && { env }) });
  }

  function assertLoopbackAndCounters(data: NetworkData): void {
    const lo = iface(data, 'lo');
    assert.ok(
      lo.addresses.some((a) => a.family === 'inet' && a.address === '127.0.0.1' && a.prefix_len === 8),
      '127.0.0.1/8 on lo',
    );
    assert.equal(lo.mac, null);
    for (const i of data.interfaces) {
      for (const counter of [
        'rx_bytes',
        'tx_bytes',
        'rx_packets',
        'tx_packets',
        'rx_errors',
        'tx_errors',
        'rx_dropped',
        'tx_dropped',
      ] as const) {
        assert.ok(Number.isInteger(i[counter]) && i[counter] >= 0, `${i.name} ${counter} is a counter`);
      }
    }
    assert.ok(lo.rx_packets > 0, 'loopback has seen traffic');
    assert.equal(data.summary.total, data.interfaces.length - 1);
    assert.equal(data.summary.up + data.summary.down, data.summary.total);
  }

  it("parses the real output of this machine's iproute2", () => {
    const data = parse(runScript());
    assertLoopbackAndCounters(data);
    const ipJson = execFileSync('/bin/sh', ['-c', 'ip -j addr show lo 2>/dev/null || true'], { encoding: 'utf8' });
    assert.equal(data.source, ipJson.startsWith('[') ? 'ip-json' : 'ip-text');
    const columns = networkCollector.columns(data);
    assert.equal(typeof columns.rx_bytes_total, 'number');
    assert.equal(typeof columns.tx_bytes_total, 'number');
  });

  it(
    'parses the real output of busybox ip through the text fallback',
    { skip: !existsSync('/usr/bin/busybox') && 'no busybox here' },
    () => {
      const applets = execFileSync('/usr/bin/busybox', ['--list'], { encoding: 'utf8' }).split('\n');
      if (!applets.includes('ip')) return;
      const dir = tempDir('network-busybox-');
      symlinkSync('/usr/bin/busybox', join(dir, 'ip'));
      const data = parse(runScript({ PATH: `${dir}:/usr/bin:/bin` }));
      assert.equal(data.source, 'ip-text');
      assertLoopbackAndCounters(data);
    },
  );

  it('replays an iproute2 JSON answer exactly as the fixture records it', () => {
    const dir = tempDir('network-ip-');
    const log = join(dir, 'calls.log');
    writeFileSync(log, '');
    writeFileSync(
      join(dir, 'ip'),
      [
        '#!/bin/sh',
        `printf '%s\\n' "$*" >> '${log}'`,
        'case "$*" in',
        '  "-j -s -d addr show") section=addr-json ;;',
        '  "-j -4 route show default") section=route4 ;;',
        '  "-j -6 route show default") section=route6 ;;',
        '  *) echo "fake ip: unexpected arguments: $*" >&2; exit 2 ;;',
        'esac',
        `awk -v want="@@$section" '$0 == want { on = 1; next } /^@@/ { on = 0 } on && $0 != ""' '${fileURLToPath(fixtureUrl('network', 'debian12-docker.txt'))}'`,
      ].join('\n'),
    );
    chmodSync(join(dir, 'ip'), 0o755);
    assert.equal(runScript({ PATH: `${dir}:/usr/bin:/bin` }), fixture('debian12-docker.txt'));
    assert.deepEqual(readFileSync(log, 'utf8').trim().split('\n'), [
      '-j -s -d addr show',
      '-j -4 route show default',
      '-j -6 route show default',
    ]);
  });

  it('reports a missing ip command explicitly', () => {
    assertParseError(() => parse(runScript({ PATH: tempDir('network-empty-') })), /ip command is not installed/);
  });
});

describe('networkCollector.schema', () => {
  it('describes every parsed answer (each parse above is checked against it) and rejects a missing or mistyped field', () => {
    const data = parse(fixture('debian12-docker.txt'));
    assert.throws(
      () =>
        networkCollector.schema.parse({ ...data, interfaces: data.interfaces.map((i) => ({ ...i, mac: undefined })) }),
      /mac/,
    );
    assert.throws(() => networkCollector.schema.parse({ ...data, source: 'ifconfig' }), /source/);
  });
});
