import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { shellQuote } from '../../domain/ssh/quote.ts';
import {
  fixtureReader,
  fixtureToolScript,
  fixtureUrl,
  parseErrorAsserter,
  schemaCheckedParse,
} from '../support/collector-fixtures.ts';
import { type ServicesData, type ServiceUnit, servicesCollector } from '../../domain/collectors/services.ts';
import { tempDirs } from '../support/temp-dirs.ts';

const fixture = fixtureReader('services');

function parse(stdout: string): ServicesData {
  return schemaCheckedParse(servicesCollector, stdout);
}

function unit(data: ServicesData, name: string): ServiceUnit {
  const found = data.units.find((u) => u.name === name);
  assert.ok(found, `no unit ${name}`);
  return found;
}

const assertParseError = parseErrorAsserter('services');

function command(name: string, stdout: string, status = 0, stderr = ''): string {
  return `@@${name}\n${stdout}\n@@${name}-status\n${status}\n@@${name}-stderr\n${stderr}\n`;
}

/** Script output around the given unit and unit-file listings. */
function output(
  units: string,
  unitFiles = 'ssh.service enabled enabled',
  unitsStatus = 0,
  unitsStderr = '',
  unitFilesStatus = 0,
): string {
  return (
    command('version', 'systemd 252 (252.30-1~deb12u2)') +
    command('units', units, unitsStatus, unitsStderr) +
    (unitsStatus === 0
      ? command(
          'unit-files',
          unitFiles,
          unitFilesStatus,
          unitFilesStatus === 0 ? '' : 'Failed to list unit files: Access denied',
        )
      : '') +
    '@@end\n'
  );
}

describe('servicesCollector settings', () => {
  it('polls every 10 minutes into services_snapshots', () => {
    assert.equal(servicesCollector.dataType, 'services');
    assert.equal(servicesCollector.freshnessSeconds, 600);
    assert.equal(servicesCollector.pollIntervalSeconds, 600);
    assert.equal(servicesCollector.commandTimeoutMs, 20_000);
    assert.equal(servicesCollector.table, 'services_snapshots');
  });

  it('lists all service units in plain text, then their unit files', () => {
    const script = servicesCollector.command({});
    assert.match(script, /systemctl list-units --type=service --all --full --no-legend --no-pager --plain/);
    assert.match(script, /systemctl list-unit-files --type=service --full --no-legend --no-pager/);
    assert.ok(script.trimEnd().endsWith('echo @@end'));
  });
});

describe('servicesCollector.parse: Debian 12 (systemd 252)', () => {
  const data = parse(fixture('debian12-systemd252.txt'));

  it('summarizes units and names the failed ones', () => {
    assert.equal(data.systemd_available, true);
    assert.equal(data.reason, undefined);
    assert.equal(data.systemd_version, 252);
    assert.deepEqual(data.summary, { total: 41, active: 25, failed: 2, inactive: 14 });
    assert.deepEqual(data.failed_units, ['nginx.service', 'restic-backup.service']);
    assert.deepEqual(servicesCollector.columns(data), { total: 41, active: 25, failed: 2, systemd_available: true });
    assert.deepEqual(servicesCollector.capabilities?.(data), { systemd: true });
  });

  it('sorts failed units first, then by name', () => {
    assert.deepEqual(
      data.units.slice(0, 4).map((u) => u.name),
      ['nginx.service', 'restic-backup.service', 'apparmor.service', 'apt-daily-upgrade.service'],
    );
    assert.equal(data.units.at(-1)?.name, 'user@1000.service');
  });

  it('reads a failed unit with its multi-word description and enablement', () => {
    assert.deepEqual(unit(data, 'nginx.service'), {
      name: 'nginx.service',
      load: 'loaded',
      active: 'failed',
      sub: 'failed',
      description: 'A high performance web server and a reverse proxy server',
      enabled: 'enabled',
    });
    assert.equal(
      unit(data, 'smartmontools.service').description,
      'Self Monitoring and Reporting Technology (SMART) Daemon',
    );
    assert.equal(unit(data, 'restic-backup.service').enabled, 'static');
    assert.equal(unit(data, 'ssh.service').sub, 'running');
  });

  it("takes a template instance's enablement from its template", () => {
    assert.equal(unit(data, 'getty@tty1.service').enabled, 'enabled');
    assert.equal(unit(data, 'modprobe@drm.service').enabled, 'static');
    const fsck = unit(data, 'systemd-fsck@dev-disk-by\\x2duuid-5C1A\\x2d3F2B.service');
    assert.equal(fsck.enabled, 'static');
    assert.equal(fsck.description, 'File System Check on /dev/disk/by-uuid/5C1A-3F2B');
  });

  it('keeps a referenced but missing unit, without unit file', () => {
    assert.deepEqual(unit(data, 'auditd.service'), {
      name: 'auditd.service',
      load: 'not-found',
      active: 'inactive',
      sub: 'dead',
      description: 'auditd.service',
      enabled: null,
    });
  });
});

describe('servicesCollector.parse: Ubuntu 24.04 (systemd 255)', () => {
  const data = parse(fixture('ubuntu2404-systemd255.txt'));

  it('counts activating and deactivating units only in the total', () => {
    assert.equal(data.systemd_version, 255);
    assert.deepEqual(data.summary, { total: 30, active: 26, failed: 0, inactive: 2 });
    assert.deepEqual(data.failed_units, []);
    assert.equal(data.units[0]?.name, 'apparmor.service');
    assert.deepEqual(
      [unit(data, 'grafana-server.service'), unit(data, 'fail2ban.service')].map((u) => [u.active, u.sub]),
      [
        ['activating', 'auto-restart'],
        ['deactivating', 'stop-sigterm'],
      ],
    );
  });

  it('reads masked, generated and disabled-but-running units', () => {
    const masked = unit(data, 'systemd-networkd-wait-online.service');
    assert.deepEqual([masked.load, masked.active, masked.enabled], ['masked', 'inactive', 'masked']);
    assert.equal(unit(data, 'apport.service').enabled, 'generated');
    const ssh = unit(data, 'ssh.service'); // socket-activated on 24.04
    assert.deepEqual([ssh.active, ssh.enabled], ['active', 'disabled']);
    assert.equal(unit(data, 'cloud-init-local.service').description, 'Cloud-init: Local Stage (pre-network)');
  });
});

describe('servicesCollector.parse: CentOS 7 (systemd 219)', () => {
  const data = parse(fixture('centos7-systemd219.txt'));

  it('strips the ● marker and reads two-column unit files', () => {
    assert.equal(data.systemd_version, 219);
    assert.deepEqual(data.failed_units, ['kdump.service']);
    assert.deepEqual(unit(data, 'kdump.service'), {
      name: 'kdump.service',
      load: 'loaded',
      active: 'failed',
      sub: 'failed',
      description: 'Crash recovery kernel arming',
      enabled: 'enabled',
    });
    assert.equal(unit(data, 'ntpd.service').load, 'not-found');
    assert.equal(unit(data, 'firewalld.service').description, 'firewalld - dynamic firewall daemon');
    assert.deepEqual(data.summary, { total: 16, active: 14, failed: 1, inactive: 1 });
  });

  it('leaves SysV services without a unit file at null and sorts case-insensitively', () => {
    assert.equal(unit(data, 'network.service').enabled, null);
    assert.equal(unit(data, 'network.service').description, 'LSB: Bring up/down networking');
    const names = data.units.map((u) => u.name);
    assert.deepEqual(names.slice(names.indexOf('network.service'), names.indexOf('network.service') + 4), [
      'network.service',
      'NetworkManager-wait-online.service',
      'NetworkManager.service',
      'ntpd.service',
    ]);
  });

  it('reads the ASCII marker outside UTF-8 locales and lines without description', () => {
    const data2 = parse(
      output(
        '* cups.service loaded failed failed CUPS Scheduler\n  empty.service loaded active exited',
        'cups.service enabled',
      ),
    );
    assert.deepEqual(
      data2.units.map((u) => [u.name, u.active, u.description, u.enabled]),
      [
        ['cups.service', 'failed', 'CUPS Scheduler', 'enabled'],
        ['empty.service', 'active', '', null],
      ],
    );
  });
});

describe('servicesCollector.parse: devices without a usable systemd', () => {
  it('reports a device without systemctl explicitly', () => {
    const data = parse(fixture('no-systemd.txt'));
    assert.deepEqual(data, {
      systemd_available: false,
      reason: 'systemctl not found',
      units: [],
      summary: { total: 0, active: 0, failed: 0, inactive: 0 },
      failed_units: [],
    });
    assert.deepEqual(servicesCollector.columns(data), { total: 0, active: 0, failed: 0, systemd_available: false });
    assert.deepEqual(servicesCollector.capabilities?.(data), { systemd: false });
  });

  it('reports systemctl on a system not booted with systemd with the reason', () => {
    const data = parse(fixture('not-booted.txt'));
    assert.equal(data.systemd_available, false);
    assert.equal(data.reason, "System has not been booted with systemd as init system (PID 1). Can't operate.");
    assert.equal(data.systemd_version, 252);
    assert.deepEqual(data.units, []);
  });

  it("treats systemd 219's D-Bus failure inside a container the same way", () => {
    const data = parse(output('', '', 1, 'Failed to get D-Bus connection: Operation not permitted'));
    assert.equal(data.systemd_available, false);
    assert.equal(data.reason, 'Failed to get D-Bus connection: Operation not permitted');
  });
});

describe('servicesCollector.parse: malformed output and other failures', () => {
  it('rejects truncated output', () => {
    assertParseError(() => parse(fixture('truncated.txt')), /output truncated: no @@end line/);
  });

  it('rejects other systemctl failures instead of reporting no services', () => {
    assertParseError(
      () => parse(output('', '', 1, 'Failed to list units: Access denied')),
      /systemctl list-units failed with exit status 1: Failed to list units: Access denied/,
    );
    assertParseError(
      () => parse(output('ssh.service loaded active running OpenBSD Secure Shell server', '', 0, '', 1)),
      /systemctl list-unit-files failed with exit status 1: Failed to list unit files: Access denied/,
    );
  });

  it('rejects an empty unit list, garbage lines and duplicates', () => {
    assertParseError(() => parse(output('')), /listed no service units/);
    assertParseError(() => parse(output('ssh.service loaded')), /unreadable line in systemctl list-units/);
    assertParseError(
      () => parse(output('sshd.socket loaded active listening OpenBSD Secure Shell socket')),
      /unreadable line/,
    );
    assertParseError(() => parse(output('ssh.service loaded Active running OpenBSD')), /unreadable line/);
    assertParseError(
      () => parse(output('ssh.service loaded active running A\nssh.service loaded active running A')),
      /listed ssh.service twice/,
    );
    assertParseError(
      () => parse(output('ssh.service loaded active running A', 'ssh.service')),
      /unreadable line in systemctl list-unit-files/,
    );
  });
});

describe('servicesCollector.command on this machine', () => {
  const tempDir = tempDirs();

  function runScript(env?: NodeJS.ProcessEnv): string {
    return execFileSync('/bin/sh', ['-c', servicesCollector.command({})], { encoding: 'utf8', ...(env && { env }) });
  }

  /** A `systemctl` that answers from a recorded fixture (stdout, stderr and exit status per section) and logs its arguments. */
  function fakeSystemctl(fixtureName: string): { env: NodeJS.ProcessEnv; calls: () => string[] } {
    const dir = tempDir('services-systemctl-');
    const log = join(dir, 'calls.log');
    writeFileSync(log, '');
    writeFileSync(
      join(dir, 'systemctl'),
      fixtureToolScript({
        name: 'systemctl',
        fixturePath: fileURLToPath(fixtureUrl('services', fixtureName)),
        logTo: shellQuote(log),
        cases: [
          '--version) section=version ;;',
          "'list-units '*) section=units ;;",
          "'list-unit-files '*) section=unit-files ;;",
        ],
      }),
    );
    chmodSync(join(dir, 'systemctl'), 0o755);
    return {
      env: { PATH: `${dir}:/usr/bin:/bin` },
      calls: () =>
        readFileSync(log, 'utf8')
          .split('\n')
          .filter((line) => line !== ''),
    };
  }

  it('parses the real answer of this machine: units, or systemd explicitly unavailable', () => {
    const data = parse(runScript());
    if (data.systemd_available) {
      assert.ok(data.units.length > 0);
      assert.ok(data.units.every((u) => u.name.endsWith('.service')));
      assert.equal(data.summary.total, data.units.length);
    } else {
      // No systemctl, or systemctl without systemd as PID 1 (a container): explicit, with the reason.
      assert.match(
        data.reason ?? '',
        /systemctl not found|not been booted with systemd|connect to bus|D-Bus connection/,
      );
      assert.deepEqual(data.units, []);
      assert.deepEqual(servicesCollector.columns(data), { total: 0, active: 0, failed: 0, systemd_available: false });
    }
  });

  it('reports no systemd when systemctl is not on PATH', () => {
    assert.equal(runScript({ PATH: tempDir('services-empty-') }), fixture('no-systemd.txt'));
  });

  it('prints exactly what the fixtures record, asking for units and unit files once each', () => {
    for (const name of ['debian12-systemd252.txt', 'ubuntu2404-systemd255.txt', 'centos7-systemd219.txt']) {
      const systemctl = fakeSystemctl(name);
      assert.equal(runScript(systemctl.env), fixture(name), name);
      assert.deepEqual(systemctl.calls(), [
        'systemctl --version',
        'systemctl list-units --type=service --all --full --no-legend --no-pager --plain',
        'systemctl list-unit-files --type=service --full --no-legend --no-pager',
      ]);
    }
  });

  it('skips the unit files when systemd cannot be reached', () => {
    const systemctl = fakeSystemctl('not-booted.txt');
    assert.equal(runScript(systemctl.env), fixture('not-booted.txt'));
    assert.deepEqual(
      systemctl.calls().map((call) => call.split(' ').slice(0, 2).join(' ')),
      ['systemctl --version', 'systemctl list-units'],
    );
  });
});

describe('servicesCollector.schema', () => {
  it('describes every parsed answer (each parse above is checked against it) and rejects a missing or mistyped field', () => {
    const data = parse(fixture('debian12-systemd252.txt'));
    assert.throws(
      () => servicesCollector.schema.parse({ ...data, units: data.units.map((u) => ({ ...u, enabled: false })) }),
      /enabled/,
    );
    assert.throws(() => servicesCollector.schema.parse({ ...data, failed_units: 'none' }), /failed_units/);
  });
});
