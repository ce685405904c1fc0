import { END_MARKER } from '../../domain/collectors/sections.ts';
import { UNIT_FILES_ONLY, type UnitTemplate } from '../catalog.ts';
import { runSection } from '../format.ts';
import type { DeviceModel } from '../model.ts';
import { dice } from '../random.ts';

/**
 * systemctl for the services collector: `--version`, `list-units` and `list-unit-files` in the plain
 * column layout systemd 219 to 255 share. Fragile units (a backup job, an NFS export, kdump) fail now
 * and then: each one in a given hour with a small chance, decided by the hour, not by who asks.
 */

const FAILURE_CHANCE_PER_HOUR = 0.05;
const FEATURES =
  '+PAM +AUDIT +SELINUX +APPARMOR +IMA +SMACK +SECCOMP +GCRYPT -GNUTLS +OPENSSL +ACL +BLKID +CURL +ELFUTILS +FIDO2 +IDN2 -IDN +IPTC +KMOD +LIBCRYPTSETUP +LIBFDISK +PCRE2 -PWQUALITY +P11KIT +QRENCODE +TPM2 +BZIP2 +LZ4 +XZ +ZLIB +ZSTD -BPF_FRAMEWORK -XKBCOMMON +UTMP +SYSVINIT default-hierarchy=unified';

/** LOAD, ACTIVE and SUB of a unit at `t`. */
function unitState(model: DeviceModel, unit: UnitTemplate, index: number, t: number): [string, string, string] {
  if (unit.fragile && dice(model.seed, 40 + index, Math.floor(t / 3600)) < FAILURE_CHANCE_PER_HOUR)
    return ['loaded', 'failed', 'failed'];
  switch (unit.kind) {
    case 'daemon':
      return ['loaded', 'active', 'running'];
    case 'oneshot':
      return ['loaded', 'active', 'exited'];
    case 'triggered':
      return ['loaded', 'inactive', 'dead'];
    case 'missing':
      return ['not-found', 'inactive', 'dead'];
  }
}

const byName = (a: string, b: string) =>
  a.toLowerCase() < b.toLowerCase() ? -1 : a.toLowerCase() > b.toLowerCase() ? 1 : 0;

function listUnits(model: DeviceModel, t: number): string {
  const units = model.profile.units.map((unit, index) => ({ unit, state: unitState(model, unit, index, t) }));
  units.sort((a, b) => byName(a.unit.name, b.unit.name));
  const width = Math.max(...units.map(({ unit }) => unit.name.length)) + 1;
  return units
    .map(
      ({ unit, state: [load, active, sub] }) =>
        `${unit.name.padEnd(width)}${load.padEnd(10)}${active.padEnd(9)}${sub.padEnd(8)}${unit.description}`,
    )
    .join('\n');
}

/** Unit files: a template instance (`getty@tty1.service`) is listed as its template (`getty@.service`). */
function listUnitFiles(model: DeviceModel): string {
  const files = new Map<string, string>(UNIT_FILES_ONLY);
  for (const unit of model.profile.units) {
    if (unit.fileState === undefined) continue;
    const at = unit.name.indexOf('@');
    files.set(at > 0 ? `${unit.name.slice(0, at)}@.service` : unit.name, unit.fileState);
  }
  const names = [...files.keys()].sort(byName);
  const width = Math.max(...names.map((n) => n.length)) + 1;
  // VENDOR PRESET: what the distribution enables by default.
  return names
    .map((name) => {
      const state = files.get(name) ?? 'static';
      const preset = state === 'enabled' || state === 'disabled' ? state : '-';
      return `${name.padEnd(width)}${state.padEnd(16)}${preset}`;
    })
    .join('\n');
}

export function servicesOutput(model: DeviceModel, t: number): string {
  const { systemd } = model.profile;
  if (systemd === null) return `@@no-systemd\n${END_MARKER}\n`;
  return [
    runSection('version', `${systemd.versionLine}\n${FEATURES}`),
    runSection('units', listUnits(model, t)),
    runSection('unit-files', listUnitFiles(model)),
    `${END_MARKER}\n`,
  ].join('');
}
