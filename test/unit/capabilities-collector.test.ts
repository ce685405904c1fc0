import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { type CapabilitiesData, capabilitiesCollector } from '../../domain/collectors/capabilities.ts';
import { CAPABILITIES } from '../../domain/collectors/collector.ts';
import { fixtureReader, parseErrorAsserter, schemaCheckedParse } from '../support/collector-fixtures.ts';

const fixture = fixtureReader('capabilities');
const assertParseError = parseErrorAsserter('capabilities');

function parse(stdout: string): CapabilitiesData {
  return schemaCheckedParse(capabilitiesCollector, stdout);
}

describe('capabilitiesCollector settings', () => {
  it('is detected daily and kept a year', () => {
    assert.equal(capabilitiesCollector.pollIntervalSeconds, 86_400);
    assert.equal(capabilitiesCollector.freshnessSeconds, 86_400);
    assert.equal(capabilitiesCollector.retentionDays, 365);
    assert.equal(capabilitiesCollector.requiredCapability, undefined);
    assert.equal(capabilitiesCollector.table, 'capabilities_snapshots');
  });
});

describe('capabilitiesCollector.parse', () => {
  it('Proxmox VE 8: zfs, smartctl, systemd, proxmox with its version, no docker', () => {
    const data = parse(fixture('proxmox-ve8.txt'));
    assert.deepEqual(data.capabilities, {
      docker: false,
      zfs: true,
      smartctl: true,
      systemd: true,
      inotifywait: false,
      proxmox: true,
      unraid: false,
      wsl: false,
      swag: false,
      gpu: false,
    });
    assert.equal(data.proxmox_version, 'pve-manager/8.2.7/3e0176e6bb2ade3b');
    assert.equal(data.unraid_version, undefined);
    assert.deepEqual(data.os, { id: 'debian', version_id: '12', pretty_name: 'Debian GNU/Linux 12 (bookworm)' });
    assert.deepEqual(capabilitiesCollector.columns(data), { os_id: 'debian', kernel: '6.8.12-4-pve', arch: 'x86_64' });
    assert.deepEqual(capabilitiesCollector.capabilities?.(data), data.capabilities);
  });

  it('Unraid 6.12: no systemd, docker with SWAG, version from /etc/unraid-version', () => {
    const data = parse(fixture('unraid612.txt'));
    assert.equal(data.capabilities.systemd, false);
    assert.equal(data.capabilities.swag, true);
    assert.equal(data.capabilities.unraid, true);
    assert.equal(data.unraid_version, '6.12.13');
    assert.equal(data.os?.id, 'slackware');
    assert.equal(data.os?.version_id, '15.0+');
  });

  it('Alpine on arm64 and Ubuntu on WSL 2 (behind a login banner)', () => {
    const alpine = parse(fixture('alpine319-busybox.txt'));
    assert.equal(alpine.arch, 'aarch64');
    assert.equal(alpine.capabilities.systemd, false);
    assert.equal(alpine.os?.pretty_name, 'Alpine Linux v3.19');
    const wsl = parse(fixture('ubuntu2204-wsl2.txt'));
    assert.equal(wsl.capabilities.wsl, true);
    assert.equal(wsl.kernel, '5.15.167.4-microsoft-standard-WSL2');
  });

  it('a device without /etc/os-release has os null, not a guess', () => {
    const data = parse(
      fixture('alpine319-busybox.txt').replace(
        /@@os-release\n[\s\S]*?@@proxmox-version/,
        '@@os-release\n@@proxmox-version',
      ),
    );
    assert.equal(data.os, null);
  });

  it('refuses truncated output, a missing or unreadable flag, and a missing uname', () => {
    const text = fixture('proxmox-ve8.txt');
    assertParseError(() => parse(text.replace('@@end\n', '')), /output truncated/);
    assertParseError(() => parse(text.replace('swag=0\n', '')), /capability swag was not reported/);
    assertParseError(() => parse(text.replace('wsl=0', 'wsl=maybe')), /unreadable capability line/);
    assertParseError(() => parse(text.replace('x86_64\n', '')), /uname printed less/);
  });
});

describe('capabilitiesCollector.command on this machine', () => {
  it('reports every capability, and what it finds matches the machine', () => {
    const stdout = execFileSync('/bin/sh', ['-c', capabilitiesCollector.command({})], {
      encoding: 'utf8',
      env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' },
    });
    const data = parse(stdout);
    assert.deepEqual(Object.keys(data.capabilities).sort(), [...CAPABILITIES].sort());
    assert.equal(data.capabilities.systemd, existsSync('/run/systemd/system'));
    assert.equal(data.capabilities.inotifywait, existsSync('/usr/bin/inotifywait'));
    assert.equal(data.capabilities.unraid, false);
    const nvidia = ['/usr/sbin', '/usr/bin', '/sbin', '/bin'].some((dir) => existsSync(`${dir}/nvidia-smi`));
    const amdgpu =
      existsSync('/sys/class/drm') &&
      readdirSync('/sys/class/drm').some((card) => existsSync(`/sys/class/drm/${card}/device/gpu_busy_percent`));
    assert.equal(data.capabilities.gpu, nvidia || amdgpu);
    assert.equal(data.kernel, execFileSync('uname', ['-r'], { encoding: 'utf8' }).trim());
    assert.equal(data.os?.id, /^ID=(.*)$/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1]?.replace(/"/g, ''));
  });
});

describe('capabilitiesCollector.schema', () => {
  it('describes every parsed answer (each parse above is checked against it) and rejects a missing or mistyped field', () => {
    const data = parse(fixture('proxmox-ve8.txt'));
    assert.throws(
      () => capabilitiesCollector.schema.parse({ ...data, capabilities: { ...data.capabilities, docker: 'no' } }),
      /docker/,
    );
    assert.throws(() => capabilitiesCollector.schema.parse({ ...data, kernel: undefined }), /kernel/);
  });
});
