import { END_MARKER } from '../../domain/collectors/sections.ts';
import type { PackageUpdate } from '../catalog.ts';
import { runSection, section } from '../format.ts';
import type { DeviceModel } from '../model.ts';
import { dice } from '../random.ts';

/**
 * The package manager's view for the updates collector: `apt list --upgradable` (Debian, Ubuntu,
 * Proxmox, Raspberry Pi OS), `dnf check-update` with security advisories (Rocky), `apk list
 * --upgradable` (Alpine). Updates pile up over a device's update cycle and are applied at its end, so
 * counts rise and fall; some cycles leave a reboot pending where the distribution says so.
 */

const REBOOT_CHANCE_PER_CYCLE = 0.3;

interface Pending {
  packages: PackageUpdate[];
  cycle: number;
}

/** Updates pending at `t`: a growing prefix of the cycle's own ordering of the device's catalog. */
function pendingUpdates(model: DeviceModel, t: number): Pending {
  const { catalog, cycleSeconds } = model.profile.updates;
  const shifted = t + dice(model.seed, 50) * cycleSeconds;
  const cycle = Math.floor(shifted / cycleSeconds);
  const progress = (shifted - cycle * cycleSeconds) / cycleSeconds;
  const count = Math.min(catalog.length, Math.floor(catalog.length * progress * 1.2));
  const order = catalog.map((pkg, i) => ({ pkg, key: dice(model.seed, 51, cycle, i) })).sort((a, b) => a.key - b.key);
  return { packages: order.slice(0, count).map((o) => o.pkg), cycle };
}

const byName = (a: PackageUpdate, b: PackageUpdate) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** The two lines `metadata_mtime` prints: the device clock and the newest metadata file's mtime. */
function metadataMtime(model: DeviceModel, t: number): string {
  const refresh = model.profile.updates.refreshSecondOfDay;
  const mtime =
    refresh === null
      ? model.startTime - Math.floor(3 * 86_400 + dice(model.seed, 53) * 20 * 86_400)
      : Math.floor((t - refresh) / 86_400) * 86_400 + refresh;
  return section('now', String(Math.floor(t))) + section('metadata-mtime', String(mtime));
}

function aptAnswer(model: DeviceModel, t: number, pending: Pending): string {
  const { rebootPackage } = model.profile.updates;
  const lines = [...pending.packages]
    .sort(byName)
    .map((p) => `${p.name}/${p.origin} ${p.to} ${p.arch} [upgradable from: ${p.from}]`);
  const reboot =
    rebootPackage === null ? 'unknown' : dice(model.seed, 52, pending.cycle) < REBOOT_CHANCE_PER_CYCLE ? 'yes' : 'no';
  return [
    runSection(
      'apt',
      ['Listing...', ...lines].join('\n'),
      0,
      '\nWARNING: apt does not have a stable CLI interface. Use with caution in scripts.\n',
    ),
    metadataMtime(model, t),
    section('reboot-required', reboot),
    // `cat reboot-required.pkgs; echo`
    `@@reboot-required-pkgs\n${reboot === 'yes' ? `${rebootPackage}\n` : ''}\n`,
  ].join('');
}

function dnfAnswer(model: DeviceModel, t: number, pending: Pending): string {
  const rows = [...pending.packages]
    .sort(byName)
    .map((p) => `${`${p.name}.${p.arch}`.padEnd(40)}${p.to.padEnd(32)}${p.origin}`);
  const advisories = pending.packages
    .filter((p) => p.security)
    .map((p, i) => `RLSA-2024:${8100 + i * 7} Important/Sec. ${p.name}-${p.to}.${p.arch}`);
  return [
    // check-update exits 100 when there are updates.
    runSection('check-update', rows.join('\n'), rows.length > 0 ? 100 : 0),
    runSection('security', advisories.join('\n')),
    metadataMtime(model, t),
  ].join('');
}

function apkAnswer(model: DeviceModel, t: number, pending: Pending): string {
  const lines = [...pending.packages]
    .sort(byName)
    .map(
      (p) =>
        `${p.name}-${p.to} ${p.arch} {${p.apk?.origin ?? p.name}} (${p.apk?.license ?? 'unknown'}) [upgradable from: ${p.name}-${p.from}]`,
    );
  return runSection('apk', lines.join('\n')) + metadataMtime(model, t);
}

export function updatesOutput(model: DeviceModel, t: number): string {
  const { packageManager, os } = model.profile;
  const pending = pendingUpdates(model, t);
  const answer =
    packageManager === 'apt'
      ? aptAnswer(model, t, pending)
      : packageManager === 'dnf'
        ? dnfAnswer(model, t, pending)
        : apkAnswer(model, t, pending);
  // `cat /etc/os-release; echo`
  return `@@os-release\n${os.osRelease.join('\n')}\n\n${section('manager', packageManager)}${answer}${END_MARKER}\n`;
}
