import { END_MARKER } from '../../domain/collectors/sections.ts';
import { runSection, section } from '../format.ts';
import type { DeviceModel } from '../model.ts';
import type { InterfaceAddress, InterfaceSpec } from '../profile.ts';

/**
 * `ip` output for the network collector: iproute2's JSON (`ip -j -s -d addr`) on most devices, and the
 * busybox text format plus /proc/net/dev on the Alpine router, whose `ip` has no `-j`. The rows are the
 * same ones metrics reads from /proc/net/dev, so both collectors see the same counters.
 */

export interface LinkRow {
  spec: InterfaceSpec;
  rxBytes: number;
  txBytes: number;
  rxPackets: number;
  txPackets: number;
  rxDropped: number;
}

/** The device's interfaces at `t`, with a veth for every running container on a docker bridge network. */
export function linkRows(model: DeviceModel, t: number): LinkRow[] {
  const rows: LinkRow[] = model.profile.interfaces.map((spec) => {
    const c = model.net.get(spec.name);
    return {
      spec,
      rxBytes: c?.rxBytes ?? 0,
      txBytes: c?.txBytes ?? 0,
      rxPackets: c?.rxPackets ?? 0,
      txPackets: c?.txPackets ?? 0,
      rxDropped: c?.rxDropped ?? 0,
    };
  });
  for (const c of model.containers) {
    if (c.removed || model.containerView(c, t).status !== 'running') continue;
    const network = c.spec.networks.split(',')[0] ?? 'host';
    const bridge = model.profile.interfaces.find((i) => i.dockerNetwork === network);
    if (!bridge) continue;
    // A veth is created when the container starts: its counters count from then.
    const seconds = Math.max(0, t - c.startedAt);
    const id = c.spec.id;
    // Host-side veth MACs are random and locally administered.
    const mac = `ae:${id.slice(0, 2)}:${id.slice(2, 4)}:${id.slice(4, 6)}:${id.slice(6, 8)}:${id.slice(8, 10)}`;
    rows.push({
      spec: {
        name: `veth${id.slice(20, 27)}`,
        linkType: 'ether',
        kind: 'veth',
        mac,
        mtu: 1500,
        master: bridge.name,
        up: true,
        carrier: true,
        addresses: [],
        rxBytesPerSecond: 0,
        txBytesPerSecond: 0,
      },
      // The host side receives what the container sends.
      rxBytes: Math.round(c.spec.netBytesPerSecond * 0.3 * seconds),
      txBytes: Math.round(c.spec.netBytesPerSecond * 0.7 * seconds),
      rxPackets: Math.round((c.spec.netBytesPerSecond * 0.3 * seconds) / 600),
      txPackets: Math.round((c.spec.netBytesPerSecond * 0.7 * seconds) / 1200),
      rxDropped: 0,
    });
  }
  return rows;
}

function flags(spec: InterfaceSpec): string[] {
  if (spec.linkType === 'loopback') return ['LOOPBACK', 'UP', 'LOWER_UP'];
  if (spec.pointToPoint) return ['POINTOPOINT', 'NOARP', 'UP', 'LOWER_UP'];
  const base = ['BROADCAST', 'MULTICAST', 'UP'];
  return spec.carrier ? [...base, 'LOWER_UP'] : ['NO-CARRIER', ...base];
}

function operState(spec: InterfaceSpec): string {
  if (spec.linkType === 'loopback' || spec.pointToPoint) return 'UNKNOWN';
  return spec.up && spec.carrier ? 'UP' : 'DOWN';
}

function jsonAddress(a: InterfaceAddress, label: string): Record<string, unknown> {
  return {
    family: a.family,
    local: a.local,
    prefixlen: a.prefixlen,
    ...(a.broadcast && { broadcast: a.broadcast }),
    scope: a.scope,
    ...(a.family === 'inet' && { label }),
    valid_life_time: 4294967295,
    preferred_life_time: 4294967295,
  };
}

function linkInfo(spec: InterfaceSpec): Record<string, unknown> {
  if (spec.kind === undefined) return {};
  const slave =
    spec.master === undefined
      ? {}
      : { info_slave_kind: 'bridge', info_slave_data: { state: 'forwarding', priority: 32, cost: 2 } };
  if (spec.kind === 'tun')
    return {
      linkinfo: {
        info_kind: 'tun',
        info_data: { type: 'tap', pi: false, vnet_hdr: true, multi_queue: false, persist: false },
        ...slave,
      },
    };
  return { linkinfo: { info_kind: spec.kind, ...slave } };
}

function jsonLink(row: LinkRow, index: number): Record<string, unknown> {
  const { spec } = row;
  return {
    ifindex: index + 1,
    ifname: spec.name,
    flags: flags(spec),
    mtu: spec.mtu,
    qdisc: spec.linkType === 'ether' && spec.kind === undefined ? 'mq' : 'noqueue',
    ...(spec.master !== undefined && { master: spec.master }),
    operstate: operState(spec),
    group: 'default',
    txqlen: 1000,
    link_type: spec.linkType,
    ...(spec.mac !== null && {
      address: spec.mac,
      broadcast: spec.linkType === 'loopback' ? '00:00:00:00:00:00' : 'ff:ff:ff:ff:ff:ff',
    }),
    promiscuity: spec.master === undefined ? 0 : 1,
    min_mtu: spec.linkType === 'loopback' ? 0 : 68,
    max_mtu: spec.kind === undefined && spec.linkType === 'ether' ? 9216 : 65535,
    ...linkInfo(spec),
    addr_info: spec.addresses.map((a) => jsonAddress(a, spec.name)),
    stats64: {
      rx: {
        bytes: Math.round(row.rxBytes),
        packets: Math.round(row.rxPackets),
        errors: 0,
        dropped: Math.round(row.rxDropped),
        over_errors: 0,
        multicast: Math.round(row.rxPackets / 400),
      },
      tx: {
        bytes: Math.round(row.txBytes),
        packets: Math.round(row.txPackets),
        errors: 0,
        dropped: 0,
        carrier_errors: 0,
        collisions: 0,
      },
    },
  };
}

/** busybox `ip addr show`. */
function textLinks(rows: readonly LinkRow[]): string {
  return rows
    .flatMap(({ spec }, index) => {
      const head = `${index + 1}: ${spec.name}: <${flags(spec).join(',')}> mtu ${spec.mtu} qdisc ${spec.linkType === 'ether' ? 'pfifo_fast' : 'noqueue'} state ${operState(spec)} qlen 1000`;
      const link =
        spec.mac === null
          ? '    link/[65534] '
          : `    link/${spec.linkType} ${spec.mac} brd ${spec.linkType === 'loopback' ? '00:00:00:00:00:00' : 'ff:ff:ff:ff:ff:ff'}`;
      const addresses = spec.addresses.flatMap((a) => [
        `    ${a.family} ${a.local}/${a.prefixlen}${a.broadcast ? ` brd ${a.broadcast}` : ''} scope ${a.scope}${a.family === 'inet' ? ` ${spec.name}` : ' '}`,
        '       valid_lft forever preferred_lft forever',
      ]);
      return [head, link, ...addresses];
    })
    .join('\n');
}

/** /proc/net/dev, as both metrics and the text fallback of network read it. */
export function procNetDev(rows: readonly LinkRow[]): string {
  const lines = rows.map((r) => {
    const rx = [r.rxBytes, r.rxPackets, 0, r.rxDropped, 0, 0, 0, r.rxPackets / 400].map((n) => Math.round(n));
    const tx = [r.txBytes, r.txPackets, 0, 0, 0, 0, 0, 0].map((n) => Math.round(n));
    return `${r.spec.name.padStart(6)}: ${[...rx, ...tx].join(' ')}`;
  });
  return [
    'Inter-|   Receive                                                |  Transmit',
    ' face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed',
    ...lines,
  ].join('\n');
}

export function networkOutput(model: DeviceModel, t: number): string {
  const rows = linkRows(model, t);
  const { gateway, dev } = model.profile.defaultRoute;
  const primary = model.profile.interfaces
    .find((i) => i.name === dev)
    ?.addresses.find((a) => a.family === 'inet')?.local;
  // busybox ip on the Alpine router; iproute2 with JSON everywhere else.
  if (model.profile.role === 'router') {
    return [
      runSection('addr-text', textLinks(rows)),
      section('netdev', procNetDev(rows)),
      runSection('route4', `default via ${gateway} dev ${dev}  metric 202`),
      runSection('route6', ''),
      `${END_MARKER}\n`,
    ].join('');
  }
  const route4 = [
    { dst: 'default', gateway, dev, protocol: 'dhcp', ...(primary && { prefsrc: primary }), metric: 100, flags: [] },
  ];
  return [
    section('addr-json', JSON.stringify(rows.map(jsonLink))),
    runSection('route4', JSON.stringify(route4)),
    runSection('route6', '[]'),
    `${END_MARKER}\n`,
  ].join('');
}
