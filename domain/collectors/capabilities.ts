import { z } from 'zod';
import { CAPABILITIES, type Capability, type Collector } from './collector.ts';
import { CollectorParseError } from './parse-error.ts';
import { END_MARKER, type Sections, splitSections } from './sections.ts';

/**
 * What a device has: the tools other collectors and the config watcher depend on, and what kind of
 * system it is. Stored on the device and refreshed daily; a type whose capability is absent is not
 * polled. Each probe is a cheap existence check, so the detection costs one round-trip and no daemon
 * calls except one bounded `docker ps` to find a SWAG container.
 */

const DATA_TYPE = 'capabilities';

export const OsRelease = z.object({
  id: z.string().nullable(),
  version_id: z.string().nullable(),
  pretty_name: z.string().nullable(),
});
export type OsRelease = z.infer<typeof OsRelease>;

export const CapabilitiesData = z.object({
  capabilities: z.record(z.enum(CAPABILITIES), z.boolean()),
  os: OsRelease.nullable(),
  kernel: z.string(),
  arch: z.string(),
  /** e.g. `pve-manager/8.2.4/faa83925c9641325`, when the device is a Proxmox VE host. */
  proxmox_version: z.string().optional(),
  /** e.g. `6.12.10`, when the device runs Unraid. */
  unraid_version: z.string().optional(),
});
export type CapabilitiesData = z.infer<typeof CapabilitiesData>;

/**
 * systemd counts only when it is PID 1 (`/run/systemd/system` exists, the check sd_booted() makes):
 * systemctl is often installed in containers and WSL 1, where it cannot answer. ZFS counts when the
 * kernel module is loaded (`/dev/zfs`), not just when the tools are installed. SWAG is linuxserver's
 * nginx container, found by its image in the running containers (bounded by `timeout`, since a hung
 * daemon must not hold the detection) or by its config directory in the usual appdata roots.
 */
const COMMAND = [
  'has() { command -v "$1" >/dev/null 2>&1; }',
  'flag() { name=$1; shift; if "$@"; then echo "$name=1"; else echo "$name=0"; fi; }',
  'swag_present() {',
  '  if has docker && timeout 10 docker ps --format "{{.Image}}" 2>/dev/null | grep -q "linuxserver/swag"; then return 0; fi',
  '  for dir in /config/nginx/proxy-confs /opt/swag /srv/swag /docker/swag /mnt/user/appdata/swag /opt/appdata/swag; do [ -d "$dir" ] && return 0; done',
  '  return 1',
  '}',
  'echo @@capabilities',
  'flag docker has docker',
  "flag zfs eval 'has zpool && [ -e /dev/zfs ]'",
  'flag smartctl has smartctl',
  "flag systemd eval 'has systemctl && [ -d /run/systemd/system ]'",
  'flag inotifywait has inotifywait',
  "flag proxmox eval '[ -d /etc/pve ] || has pveversion'",
  'flag unraid test -f /etc/unraid-version',
  "flag wsl eval 'grep -qi microsoft /proc/sys/kernel/osrelease 2>/dev/null'",
  'flag swag swag_present',
  // What the gpu collector reads: nvidia-smi, or the load attribute of an amdgpu card.
  "flag gpu eval 'has nvidia-smi || ls /sys/class/drm/card*/device/gpu_busy_percent >/dev/null 2>&1'",
  'echo @@uname',
  'uname -r',
  'uname -m',
  'echo @@os-release',
  'cat /etc/os-release 2>/dev/null',
  'echo @@proxmox-version',
  'if has pveversion; then pveversion 2>/dev/null; fi',
  'echo @@unraid-version',
  'cat /etc/unraid-version 2>/dev/null',
  `echo ${END_MARKER}`,
].join('\n');

function parseError(message: string, excerpt?: string): CollectorParseError {
  return new CollectorParseError(DATA_TYPE, message, excerpt);
}

function parseFlags(lines: readonly string[]): Record<Capability, boolean> {
  const found = new Map<string, boolean>();
  for (const line of lines) {
    const match = /^([a-z]+)=([01])$/.exec(line.trim());
    if (!match?.[1] || !match[2]) throw parseError('unreadable capability line', line);
    found.set(match[1], match[2] === '1');
  }
  const flags = {} as Record<Capability, boolean>;
  for (const capability of CAPABILITIES) {
    const value = found.get(capability);
    if (value === undefined) throw parseError(`capability ${capability} was not reported`);
    flags[capability] = value;
  }
  return flags;
}

/** `KEY=value` or `KEY="value"` lines (os-release(5)); only the keys we show. */
function parseOsRelease(lines: readonly string[]): OsRelease | null {
  if (lines.length === 0) return null;
  const values = new Map<string, string>();
  for (const line of lines) {
    const match = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (!match?.[1]) continue;
    values.set(match[1], (match[2] ?? '').replace(/^(["'])(.*)\1$/, '$2'));
  }
  return {
    id: values.get('ID') ?? null,
    version_id: values.get('VERSION_ID') ?? null,
    pretty_name: values.get('PRETTY_NAME') ?? null,
  };
}

/** `pve-manager/8.2.4/faa83925c9641325 (running kernel: 6.8.8-2-pve)` → `pve-manager/8.2.4/faa83925c9641325`. */
function parseProxmoxVersion(sections: Sections): string | undefined {
  const line = sections.lines('proxmox-version')[0]?.trim();
  return line ? line.replace(/\s*\(.*$/, '') : undefined;
}

/** `/etc/unraid-version` holds `version="6.12.10"`. */
function parseUnraidVersion(sections: Sections): string | undefined {
  const line = sections.lines('unraid-version')[0]?.trim();
  return line ? /^version="?([^"]+)"?$/.exec(line)?.[1] : undefined;
}

export const capabilitiesCollector: Collector<CapabilitiesData> = {
  dataType: DATA_TYPE,
  tool: {
    name: 'get_capabilities',
    title: 'Device capabilities',
    description:
      'What the device has (docker, zfs, smartctl, systemd, inotifywait, proxmox, unraid, wsl, swag, gpu), its OS, kernel and architecture. Detected daily.',
  },
  description: `${CAPABILITIES.join(', ')}; OS, kernel, arch — stored on the device`,
  schema: CapabilitiesData,
  freshnessSeconds: 86_400,
  pollIntervalSeconds: 86_400,
  commandTimeoutMs: 30_000,
  retentionDays: 365,
  table: 'capabilities_snapshots',

  command: () => COMMAND,

  parse(output) {
    const sections = splitSections(DATA_TYPE, output);
    const [kernel, arch] = sections.nonEmptyLines('uname');
    if (!kernel || !arch)
      throw parseError('uname printed less than kernel release and machine', sections.lines('uname').join('\n'));
    const proxmoxVersion = parseProxmoxVersion(sections);
    const unraidVersion = parseUnraidVersion(sections);
    return {
      capabilities: parseFlags(sections.nonEmptyLines('capabilities')),
      os: parseOsRelease(sections.lines('os-release')),
      kernel: kernel.trim(),
      arch: arch.trim(),
      ...(proxmoxVersion && { proxmox_version: proxmoxVersion }),
      ...(unraidVersion && { unraid_version: unraidVersion }),
    };
  },

  columns(data) {
    return { os_id: data.os?.id ?? null, kernel: data.kernel, arch: data.arch };
  },

  capabilities(data) {
    return data.capabilities;
  },
};
