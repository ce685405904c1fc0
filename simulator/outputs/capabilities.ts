import { CAPABILITIES } from '../../domain/collectors/collector.ts';
import { END_MARKER } from '../../domain/collectors/sections.ts';
import { section } from '../format.ts';
import type { DeviceModel } from '../model.ts';

/**
 * The capabilities probe: one `name=0|1` line per capability, uname, os-release and pveversion. The
 * flags are the profile's, so every other answer of the device agrees with them (no docker means
 * `@@no-docker`, no zpool means `@@no-zpool`, and so on).
 */
export function capabilitiesOutput(model: DeviceModel): string {
  const { capabilities, kernel, arch, os, pveVersion } = model.profile;
  return [
    section('capabilities', CAPABILITIES.map((name) => `${name}=${capabilities[name] ? 1 : 0}`).join('\n')),
    section('uname', `${kernel}\n${arch}`),
    section('os-release', os.osRelease.join('\n')),
    section('proxmox-version', pveVersion ?? ''),
    section('unraid-version', ''),
    `${END_MARKER}\n`,
  ].join('');
}
