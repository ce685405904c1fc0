import { END_MARKER } from '../../domain/collectors/sections.ts';
import { runSection, section } from '../format.ts';
import type { DeviceModel } from '../model.ts';
import type { GuestSpec } from '../profile.ts';
import { dice } from '../random.ts';

/**
 * `pvesh get /cluster/resources --type vm --output-format json` for the guests collector, as a Proxmox VE 8
 * node answers root: one line of JSON with sorted keys, one entry per guest of the (standalone) node.
 * Running guests use CPU along their own noisy curve, their memory swings over the day (a guest that lives
 * near its limit crosses 90 % at times), container root disks fill slowly, and traffic and disk counters
 * grow with uptime. The nightly vzdump job backs the guests up one after another from 01:00 UTC, each
 * locked `backup` during its turn.
 */

const CPU_SLOT_SECONDS = 300;
const BACKUP_HOUR = 1;

/** Seconds into the day's backup job at which each backed-up guest's turn starts and ends. */
function backupTurn(model: DeviceModel, guest: GuestSpec, t: number): { start: number; end: number } | null {
  if (!guest.backedUp || !guest.running) return null;
  const day = Math.floor(t / 86_400);
  let at = day * 86_400 + BACKUP_HOUR * 3600 + Math.floor(dice(model.seed, 80, day) * 900);
  for (const g of model.profile.guests) {
    if (!g.backedUp || !g.running) continue;
    // Bigger disks take longer: 4 to 20 minutes per guest.
    const seconds = 240 + Math.floor(dice(model.seed, 81, day, g.vmid) * Math.min(960, g.diskBytes / 2 ** 27));
    if (g === guest) return { start: at, end: at + seconds };
    at += seconds;
  }
  return null;
}

function resource(model: DeviceModel, guest: GuestSpec, t: number): Record<string, unknown> {
  const up = guest.running ? Math.max(0, Math.floor(t - guest.startedAt)) : 0;
  const turn = backupTurn(model, guest, t);
  const locked = turn !== null && t >= turn.start && t < turn.end;
  let cpu = 0;
  let mem = 0;
  let disk = 0;
  if (guest.running) {
    const slot = Math.floor(t / CPU_SLOT_SECONDS);
    // vzdump reads the whole disk while a guest's turn runs.
    cpu = Math.min(1, guest.cpuBase * (0.5 + dice(model.seed, 82, guest.vmid, slot)) + (locked ? 0.15 : 0));
    const phase = dice(model.seed, 83, guest.vmid);
    const swing = 0.05 * Math.sin(2 * Math.PI * (t / 86_400 + phase));
    mem = Math.round(guest.memoryBytes * Math.min(0.98, guest.memoryUsedFraction + swing));
    if (guest.type === 'lxc')
      disk = Math.round(
        guest.diskBytes * Math.min(0.99, guest.diskUsedFraction + ((t - model.startTime) / (365 * 86_400)) * 0.05),
      );
  }
  // Keys in pvesh's (canonical, sorted) order; lock and tags only when set.
  return {
    cpu,
    disk,
    diskread: Math.round(guest.readBytesPerSecond * up),
    diskwrite: Math.round(guest.writeBytesPerSecond * up),
    id: `${guest.type}/${guest.vmid}`,
    ...(locked && { lock: 'backup' }),
    maxcpu: guest.cores,
    maxdisk: guest.diskBytes,
    maxmem: guest.memoryBytes,
    mem,
    name: guest.name,
    netin: Math.round(guest.rxBytesPerSecond * up),
    netout: Math.round(guest.txBytesPerSecond * up),
    node: model.profile.hostname,
    status: guest.running ? 'running' : 'stopped',
    ...(guest.tags.length > 0 && { tags: guest.tags.join(';') }),
    template: guest.template ? 1 : 0,
    type: guest.type,
    uptime: up,
    vmid: guest.vmid,
  };
}

export function guestsOutput(model: DeviceModel, t: number): string {
  const { capabilities, hostname, pveVersion, guests } = model.profile;
  if (!capabilities.proxmox) return `@@no-proxmox\n${END_MARKER}\n`;
  return [
    section('privilege', 'root'),
    section('node', hostname),
    runSection('version', pveVersion ?? ''),
    runSection('resources', JSON.stringify(guests.map((guest) => resource(model, guest, t)))),
    `${END_MARKER}\n`,
  ].join('');
}
