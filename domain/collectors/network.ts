import { z } from 'zod';
import type { Collector } from './collector.ts';
import { CollectorParseError } from './parse-error.ts';
import {
  END_MARKER,
  excerptOf,
  parseNumber,
  RUN_SECTION_PRELUDE,
  sectionCommandError,
  sectionCommandResult,
  type Sections,
  splitSections,
} from './sections.ts';

/**
 * Network interfaces, their addresses and traffic counters, and the default route. iproute2 ≥ 4.13
 * answers in JSON (`ip -j -s -d addr`: links, addresses, counters and link kinds in one consistent read).
 * Older iproute2 (e.g. CentOS 7) and busybox `ip` reject `-j`; then the classic `ip addr` text format
 * plus /proc/net/dev serve, with the link-layer type as the only hint at an interface's kind.
 */

const DATA_TYPE = 'network';

/** Kernel operational states (RFC 2863), as `ip` prints them. */
export const OperState = z.enum(['UP', 'DOWN', 'UNKNOWN', 'LOWERLAYERDOWN', 'DORMANT', 'NOTPRESENT', 'TESTING']);
export type OperState = z.infer<typeof OperState>;
const OPER_STATES: ReadonlySet<string> = new Set<OperState>(OperState.options);

export const InterfaceAddress = z.object({
  family: z.enum(['inet', 'inet6']),
  /** The local address; for a point-to-point address (`inet A peer B/32`) this is A. */
  address: z.string(),
  prefix_len: z.number(),
  /** `host`, `link`, `global`, `site` or a number. */
  scope: z.string(),
});
export type InterfaceAddress = z.infer<typeof InterfaceAddress>;

const bytes = z.number().describe('bytes since the interface came up');
const packets = z.number().describe('packets since the interface came up');

export const InterfaceCounters = z.object({
  rx_bytes: bytes,
  tx_bytes: bytes,
  rx_packets: packets,
  tx_packets: packets,
  rx_errors: packets,
  tx_errors: packets,
  rx_dropped: packets,
  tx_dropped: packets,
});
export type InterfaceCounters = z.infer<typeof InterfaceCounters>;

export const NetworkInterface = InterfaceCounters.extend({
  /** Without the `@peer` suffix that `ip` prints for veth and VLAN interfaces. */
  name: z.string(),
  /** Derived from the flags when `ip` does not print it (some busybox builds). */
  state: OperState,
  /** Interface flags as `ip` prints them, e.g. `BROADCAST`, `UP`, `LOWER_UP`, `NO-CARRIER`, `POINTOPOINT`. */
  flags: z.array(z.string()),
  mtu: z.number().describe('bytes'),
  /** Null for interfaces without a hardware address (loopback, WireGuard, tun, IP tunnels). */
  mac: z.string().nullable(),
  /**
   * `bridge`, `veth`, `wireguard`, `tun`, `tap`, `vlan`, `bond`... from iproute2's link details; without
   * those (text fallback) or for plain NICs, the link-layer type (`ether`, `loopback`, `ppp`...).
   */
  kind: z.string().optional(),
  /** The bridge or bond this interface is a port of. */
  master: z.string().nullable(),
  addresses: z.array(InterfaceAddress),
});
export type NetworkInterface = z.infer<typeof NetworkInterface>;

export const DefaultRoute = z.object({
  /** Null for a device route such as `default dev wg0` (full-tunnel VPN, PPP). */
  gateway: z.string().nullable(),
  interface: z.string(),
  /** IPv4 is preferred; the IPv6 default route is reported only when there is no IPv4 one. */
  family: z.enum(['inet', 'inet6']),
});
export type DefaultRoute = z.infer<typeof DefaultRoute>;

export const NetworkData = z.object({
  /** In the order `ip` lists them (by interface index). */
  interfaces: z.array(NetworkInterface),
  default_route: DefaultRoute.nullable(),
  /**
   * Over the non-loopback interfaces. `up` counts interfaces that are operationally up: state UP, or
   * state UNKNOWN with the UP and LOWER_UP flags (how WireGuard and tun devices report a working link);
   * `down` counts all others.
   */
  summary: z.object({ total: z.number(), up: z.number(), down: z.number() }),
  /** Which `ip` output the data was read from. */
  source: z.enum(['ip-json', 'ip-text']),
});
export type NetworkData = z.infer<typeof NetworkData>;

/**
 * `run SECTION COMMAND...` prints the command's stdout as @@SECTION, then @@SECTION-status and
 * @@SECTION-stderr. The JSON probe doubles as the data: `ip` that understands `-j` prints a JSON array.
 * Route listings go through `$j`, so a JSON-capable `ip` answers in JSON and others in text; iproute2
 * 4.13–4.16 ignore `-j` for routes and print text, which the parser accepts too.
 */
const COMMAND = [
  `if ! command -v ip >/dev/null 2>&1; then echo @@no-ip; echo ${END_MARKER}; exit 0; fi`,
  ...RUN_SECTION_PRELUDE,
  'addr=$(ip -j -s -d addr show 2>/dev/null)',
  'case $addr in',
  `  '['*) j=-j; printf '@@addr-json\\n%s\\n' "$addr" ;;`,
  '  *) j=; run addr-text ip addr show; echo @@netdev; cat /proc/net/dev ;;',
  'esac',
  'run route4 ip $j -4 route show default',
  'run route6 ip $j -6 route show default',
  `echo ${END_MARKER}`,
].join('\n');

function parseError(message: string, excerpt?: string): CollectorParseError {
  return new CollectorParseError(DATA_TYPE, message, excerpt === undefined ? undefined : excerptOf(excerpt));
}

function num(text: string | undefined, what: string): number {
  return parseNumber(DATA_TYPE, text, what);
}

const MAC_ADDRESS = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i;

/** Only real hardware addresses: loopback's all-zero one and the IPs that tunnels print as "address" are not. */
function macAddress(linkType: string, address: string | undefined): string | null {
  if (linkType === 'loopback' || address === undefined || !MAC_ADDRESS.test(address)) return null;
  return address.toLowerCase();
}

/** For `ip` builds that print no `state`: what the kernel would report, judged from the flags. */
function stateFromFlags(flags: readonly string[]): OperState {
  if (!flags.includes('UP')) return 'DOWN';
  if (flags.includes('DORMANT')) return 'DORMANT';
  if (!flags.includes('LOWER_UP')) return 'DOWN';
  // The kernel never tracks an operational state for loopback.
  return flags.includes('LOOPBACK') ? 'UNKNOWN' : 'UP';
}

function operState(text: string | undefined, flags: readonly string[], what: string): OperState {
  if (text === undefined) return stateFromFlags(flags);
  if (!OPER_STATES.has(text)) throw parseError(`${what}: unknown operational state ${text}`);
  return text as OperState;
}

function isLoopback(iface: NetworkInterface): boolean {
  return iface.kind === 'loopback' || iface.flags.includes('LOOPBACK');
}

function isUp(iface: NetworkInterface): boolean {
  if (iface.state === 'UP') return true;
  return iface.state === 'UNKNOWN' && iface.flags.includes('UP') && iface.flags.includes('LOWER_UP');
}

// ---------------------------------------------------------------------------------------------
// JSON (iproute2 ≥ 4.13)

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function parseJsonArray(lines: readonly string[], what: string): unknown[] {
  const text = lines.join('\n');
  try {
    const value: unknown = JSON.parse(text);
    if (Array.isArray(value)) return value;
  } catch {
    // reported below with the offending text
  }
  throw parseError(`${what}: not a JSON array`, text);
}

function stringField(row: JsonObject, key: string, what: string): string {
  const value = row[key];
  if (typeof value !== 'string') throw parseError(`${what}: field ${key} missing or not a string`, JSON.stringify(row));
  return value;
}

function optionalString(row: JsonObject, key: string, what: string): string | undefined {
  const value = row[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw parseError(`${what}: field ${key} is not a string`, JSON.stringify(row));
  return value;
}

function counterField(row: JsonObject, key: string, what: string): number {
  const value = row[key];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw parseError(`${what}: field ${key} missing or not a counter`, JSON.stringify(row));
  }
  return value;
}

/** `stats64` on every kernel since 2.6.35; `stats` when only the 32-bit counters exist. */
function jsonCounters(link: JsonObject, what: string): InterfaceCounters {
  const stats = link.stats64 ?? link.stats;
  if (!isObject(stats) || !isObject(stats.rx) || !isObject(stats.tx)) {
    throw parseError(`${what}: no traffic counters (stats64)`, JSON.stringify(link));
  }
  const { rx, tx } = stats;
  return {
    rx_bytes: counterField(rx, 'bytes', `${what} rx`),
    tx_bytes: counterField(tx, 'bytes', `${what} tx`),
    rx_packets: counterField(rx, 'packets', `${what} rx`),
    tx_packets: counterField(tx, 'packets', `${what} tx`),
    rx_errors: counterField(rx, 'errors', `${what} rx`),
    tx_errors: counterField(tx, 'errors', `${what} tx`),
    rx_dropped: counterField(rx, 'dropped', `${what} rx`),
    tx_dropped: counterField(tx, 'dropped', `${what} tx`),
  };
}

/** `linkinfo.info_kind` (with tun devices split into tun and tap); otherwise the link-layer type. */
function jsonKind(link: JsonObject, linkType: string): string | undefined {
  const info = link.linkinfo;
  if (isObject(info) && typeof info.info_kind === 'string' && info.info_kind !== '') {
    if (info.info_kind === 'tun' && isObject(info.info_data) && info.info_data.type === 'tap') return 'tap';
    return info.info_kind;
  }
  return linkType === 'none' ? undefined : linkType;
}

function jsonAddresses(link: JsonObject, what: string): InterfaceAddress[] {
  const addrInfo = link.addr_info ?? [];
  if (!Array.isArray(addrInfo)) throw parseError(`${what}: addr_info is not an array`, JSON.stringify(link));
  const addresses: InterfaceAddress[] = [];
  for (const entry of addrInfo) {
    // Some iproute2 versions print `{}` for addresses a filter left out; other families (mpls...) are not ours.
    if (!isObject(entry) || (entry.family !== 'inet' && entry.family !== 'inet6')) continue;
    const prefixLen = entry.prefixlen;
    if (typeof prefixLen !== 'number' || !Number.isInteger(prefixLen)) {
      throw parseError(`${what}: address without prefixlen`, JSON.stringify(entry));
    }
    const scope = entry.scope;
    addresses.push({
      family: entry.family,
      address: stringField(entry, 'local', `${what} address`),
      prefix_len: prefixLen,
      scope: typeof scope === 'number' ? String(scope) : stringField(entry, 'scope', `${what} address`),
    });
  }
  return addresses;
}

function parseJsonInterfaces(lines: readonly string[]): NetworkInterface[] {
  return parseJsonArray(lines, 'ip -j addr').map((link) => {
    if (!isObject(link)) throw parseError('ip -j addr: entry is not an object', JSON.stringify(link));
    const name = stringField(link, 'ifname', 'ip -j addr');
    const what = `ip -j addr ${name}`;
    const flags = link.flags;
    if (!Array.isArray(flags) || flags.some((flag) => typeof flag !== 'string')) {
      throw parseError(`${what}: flags are not a list of strings`, JSON.stringify(link));
    }
    const mtu = link.mtu;
    if (typeof mtu !== 'number' || !Number.isInteger(mtu)) throw parseError(`${what}: no mtu`, JSON.stringify(link));
    const linkType = stringField(link, 'link_type', what);
    const kind = jsonKind(link, linkType);
    return {
      name,
      state: operState(optionalString(link, 'operstate', what), flags as string[], what),
      flags: flags as string[],
      mtu,
      mac: macAddress(linkType, optionalString(link, 'address', what)),
      ...(kind !== undefined && { kind }),
      master: optionalString(link, 'master', what) ?? null,
      addresses: jsonAddresses(link, what),
      ...jsonCounters(link, what),
    };
  });
}

// ---------------------------------------------------------------------------------------------
// Text (iproute2 < 4.13, busybox)

// e.g. "5: veth8c2e41d@if4: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue master docker0 state UP group default"
const TEXT_LINK_HEADER = /^\d+:\s+([^:\s]+):\s+<([^>]*)>(.*)$/;

/** The interface name without the `@peer` (`veth1@if4`, `eth0.10@eth0`, `sit0@NONE`) that `ip` appends. */
function baseName(name: string): string {
  const at = name.indexOf('@');
  return at > 0 ? name.slice(0, at) : name;
}

function keywordValue(tokens: readonly string[], keyword: string): string | undefined {
  const index = tokens.indexOf(keyword);
  return index >= 0 ? tokens[index + 1] : undefined;
}

/** e.g. "inet 192.168.1.30/24 brd 192.168.1.255 scope global eth0", "inet 10.9.0.1 peer 10.9.0.2/32 scope global tun0" */
function parseTextAddress(line: string): InterfaceAddress {
  const tokens = line.trim().split(/\s+/);
  const family = tokens[0] === 'inet6' ? 'inet6' : 'inet';
  const [address = '', ownPrefix] = (tokens[1] ?? '').split('/');
  const peerPrefix = keywordValue(tokens, 'peer')?.split('/')[1];
  const prefix = ownPrefix ?? peerPrefix;
  const scope = keywordValue(tokens, 'scope');
  if (address === '' || scope === undefined) throw parseError('unreadable address line in ip addr', line);
  return {
    family,
    address,
    prefix_len: prefix === undefined ? (family === 'inet' ? 32 : 128) : num(prefix, `prefix length of ${address}`),
    scope,
  };
}

interface TextLink {
  name: string;
  state: OperState;
  flags: string[];
  mtu: number;
  mac: string | null;
  kind?: string;
  master: string | null;
  addresses: InterfaceAddress[];
}

function parseTextLinks(lines: readonly string[]): TextLink[] {
  const links: TextLink[] = [];
  let current: TextLink | undefined;
  for (const line of lines) {
    const header = TEXT_LINK_HEADER.exec(line);
    if (header) {
      const [, rawName = '', flagText = '', rest = ''] = header;
      const name = baseName(rawName);
      const tokens = rest.trim().split(/\s+/);
      const flags = flagText === '' ? [] : flagText.split(',');
      current = {
        name,
        state: operState(keywordValue(tokens, 'state'), flags, `ip addr ${name}`),
        flags,
        mtu: num(keywordValue(tokens, 'mtu'), `mtu of ${name}`),
        mac: null,
        master: keywordValue(tokens, 'master') ?? null,
        addresses: [],
      };
      links.push(current);
      continue;
    }
    if (!current || !/^\s/.test(line)) throw parseError('unreadable line in ip addr', line);
    const tokens = line.trim().split(/\s+/);
    const first = tokens[0] ?? '';
    if (first.startsWith('link/')) {
      const linkType = first.slice('link/'.length);
      current.mac = macAddress(linkType, tokens[1]);
      // `none` (WireGuard, tun) and unnamed types printed as `[65534]` tell nothing about the kind.
      if (linkType !== 'none' && !linkType.startsWith('[')) current.kind = linkType;
    } else if (first === 'inet' || first === 'inet6') {
      current.addresses.push(parseTextAddress(line));
    }
    // lifetimes, altnames and statistics lines carry nothing we keep
  }
  return links;
}

function parseProcNetDev(lines: readonly string[]): Map<string, InterfaceCounters> {
  const byName = new Map<string, InterfaceCounters>();
  for (const line of lines) {
    if (line.includes('|')) continue; // the two header lines
    const colon = line.indexOf(':');
    if (colon < 0) throw parseError('unreadable /proc/net/dev line', line);
    const name = line.slice(0, colon).trim();
    const fields = line
      .slice(colon + 1)
      .trim()
      .split(/\s+/);
    if (fields.length < 16) throw parseError(`/proc/net/dev line for ${name} has too few fields`, line);
    const field = (index: number, what: string) => num(fields[index], `${name} ${what}`);
    byName.set(name, {
      rx_bytes: field(0, 'rx bytes'),
      tx_bytes: field(8, 'tx bytes'),
      rx_packets: field(1, 'rx packets'),
      tx_packets: field(9, 'tx packets'),
      rx_errors: field(2, 'rx errors'),
      tx_errors: field(10, 'tx errors'),
      rx_dropped: field(3, 'rx dropped'),
      tx_dropped: field(11, 'tx dropped'),
    });
  }
  return byName;
}

function parseTextInterfaces(sections: Sections): NetworkInterface[] {
  const addr = sectionCommandResult(DATA_TYPE, sections, 'addr-text');
  if (addr.status !== 0) throw sectionCommandError(DATA_TYPE, 'ip addr', addr);
  const links = parseTextLinks(addr.stdoutLines);
  const counters = parseProcNetDev(sections.nonEmptyLines('netdev'));
  const interfaces: NetworkInterface[] = [];
  for (const link of links) {
    const linkCounters = counters.get(link.name);
    // Removed between `ip addr` and reading /proc/net/dev (a container stopping takes its veth along).
    if (!linkCounters) continue;
    interfaces.push({ ...link, ...linkCounters });
  }
  return interfaces;
}

// ---------------------------------------------------------------------------------------------
// Default route

interface RouteCandidate {
  gateway: string | null;
  interface: string | undefined;
  metric: number;
}

const DEFAULT_DESTINATIONS = new Set(['default', '0.0.0.0/0', '::/0']);

function jsonGateway(entry: JsonObject): string | null {
  if (typeof entry.gateway === 'string') return entry.gateway;
  // RFC 5549: an IPv4 route via an IPv6 next hop
  if (isObject(entry.via) && typeof entry.via.host === 'string') return entry.via.host;
  return null;
}

function parseJsonRoutes(lines: readonly string[], what: string): RouteCandidate[] {
  const routes: RouteCandidate[] = [];
  for (const entry of parseJsonArray(lines, what)) {
    if (!isObject(entry)) throw parseError(`${what}: entry is not an object`, JSON.stringify(entry));
    if (typeof entry.dst !== 'string' || !DEFAULT_DESTINATIONS.has(entry.dst)) continue;
    if (entry.type !== undefined && entry.type !== 'unicast') continue; // unreachable/blackhole defaults
    const metric = typeof entry.metric === 'number' ? entry.metric : 0;
    // Multipath routes carry their gateways and devices in nexthops.
    const firstHop = Array.isArray(entry.nexthops) && isObject(entry.nexthops[0]) ? entry.nexthops[0] : undefined;
    const hop = typeof entry.dev === 'string' || !firstHop ? entry : firstHop;
    routes.push({ gateway: jsonGateway(hop), interface: typeof hop.dev === 'string' ? hop.dev : undefined, metric });
  }
  return routes;
}

/** e.g. "default via 192.168.1.1 dev eth0 proto dhcp src 192.168.1.30 metric 100", "default dev wg0 scope link" */
function parseTextRoutes(lines: readonly string[]): RouteCandidate[] {
  const routes: RouteCandidate[] = [];
  let current: RouteCandidate | undefined;
  for (const line of lines) {
    const tokens = line.trim().split(/\s+/);
    if (/^\s/.test(line) && tokens[0] === 'nexthop' && current && current.interface === undefined) {
      current.gateway = viaGateway(tokens);
      current.interface = keywordValue(tokens, 'dev');
      continue;
    }
    if (tokens[0] !== 'default') {
      current = undefined;
      continue;
    }
    const metric = keywordValue(tokens, 'metric');
    current = {
      gateway: viaGateway(tokens),
      interface: keywordValue(tokens, 'dev'),
      metric: metric ? num(metric, 'route metric') : 0,
    };
    routes.push(current);
  }
  return routes;
}

/** `via ADDR`, or `via inet6 ADDR` for an IPv4 route with an IPv6 next hop. */
function viaGateway(tokens: readonly string[]): string | null {
  const index = tokens.indexOf('via');
  if (index < 0) return null;
  const next = tokens[index + 1];
  return (next === 'inet' || next === 'inet6' ? tokens[index + 2] : next) ?? null;
}

function parseRoutes(lines: readonly string[], what: string): RouteCandidate[] {
  const first = lines.find((line) => line.trim() !== '')?.trim();
  return first?.startsWith('[') ? parseJsonRoutes(lines, what) : parseTextRoutes(lines);
}

function bestRoute(routes: readonly RouteCandidate[], family: DefaultRoute['family']): DefaultRoute | null {
  let best: RouteCandidate | undefined;
  for (const route of routes) {
    if (route.interface !== undefined && (!best || route.metric < best.metric)) best = route;
  }
  return best?.interface === undefined ? null : { gateway: best.gateway, interface: best.interface, family };
}

function parseDefaultRoute(sections: Sections): DefaultRoute | null {
  const route4 = sectionCommandResult(DATA_TYPE, sections, 'route4');
  if (route4.status !== 0) throw sectionCommandError(DATA_TYPE, 'ip -4 route show default', route4);
  const ipv4 = bestRoute(parseRoutes(route4.stdoutLines, 'ip -4 route'), 'inet');
  if (ipv4) return ipv4;
  // A kernel without IPv6 makes `ip -6 route` fail: that only means there is no IPv6 default route.
  const route6 = sectionCommandResult(DATA_TYPE, sections, 'route6');
  return route6.status === 0 ? bestRoute(parseRoutes(route6.stdoutLines, 'ip -6 route'), 'inet6') : null;
}

// ---------------------------------------------------------------------------------------------

function summarize(interfaces: readonly NetworkInterface[]): NetworkData['summary'] {
  const counted = interfaces.filter((iface) => !isLoopback(iface));
  const up = counted.filter(isUp).length;
  return { total: counted.length, up, down: counted.length - up };
}

export const networkCollector: Collector<NetworkData> = {
  dataType: DATA_TYPE,
  tool: {
    name: 'get_network',
    title: 'Network interfaces',
    description:
      'Interfaces with state, MTU, MAC, addresses and rx/tx counters, and the default route. Cached for up to 120 s.',
  },
  description:
    'interfaces (`ip -j -s -d addr`, text fallback for busybox/old iproute2) with state, MTU, MAC, kind, addresses, counters; default route',
  schema: NetworkData,
  freshnessSeconds: 120,
  pollIntervalSeconds: 120,
  commandTimeoutMs: 15_000,
  retentionDays: 30,
  table: 'network_snapshots',

  command: () => COMMAND,

  parse(output) {
    const sections = splitSections(DATA_TYPE, output);
    if (sections.has('no-ip')) throw parseError('the ip command is not installed (iproute2 or busybox ip is needed)');
    const json = sections.has('addr-json');
    const interfaces = json ? parseJsonInterfaces(sections.nonEmptyLines('addr-json')) : parseTextInterfaces(sections);
    // Every Linux host has at least a loopback interface.
    if (interfaces.length === 0) throw parseError('ip listed no network interfaces');
    return {
      interfaces,
      default_route: parseDefaultRoute(sections),
      summary: summarize(interfaces),
      source: json ? 'ip-json' : 'ip-text',
    };
  },

  columns(data) {
    const counted = data.interfaces.filter((iface) => !isLoopback(iface));
    return {
      interfaces_total: data.summary.total,
      interfaces_up: data.summary.up,
      interfaces_down: data.summary.down,
      rx_bytes_total: counted.reduce((sum, iface) => sum + iface.rx_bytes, 0),
      tx_bytes_total: counted.reduce((sum, iface) => sum + iface.tx_bytes, 0),
    };
  },
};
