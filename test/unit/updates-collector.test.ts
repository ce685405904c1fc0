import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
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
import {
  PACKAGE_LIST_LIMIT,
  type PendingUpdate,
  type UpdatesData,
  updatesCollector,
} from '../../domain/collectors/updates.ts';
import { tempDirs } from '../support/temp-dirs.ts';

const fixture = fixtureReader('updates');
const assertParseError = parseErrorAsserter('updates');

function parse(stdout: string): UpdatesData {
  return schemaCheckedParse(updatesCollector, stdout);
}

function pkg(data: UpdatesData, name: string, arch?: string): PendingUpdate {
  const found = data.packages.find((p) => p.name === name && (arch === undefined || p.arch === arch));
  assert.ok(found, `no package ${name}`);
  return found;
}

function names(data: UpdatesData): string[] {
  return data.packages.map((p) => p.name);
}

function section(name: string, stdout: string, status = 0, stderr = ''): string {
  return `@@${name}\n${stdout}\n@@${name}-status\n${status}\n@@${name}-stderr\n${stderr}\n`;
}

const OS_RELEASE = '@@os-release\nID=debian\nVERSION_ID="12"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n\n';

/** Whole script output of an apt device around the given `apt list --upgradable` answer. */
function aptOutput(listing: string, status = 0, stderr = ''): string {
  return (
    `${OS_RELEASE}@@manager\napt\n` +
    section('apt', listing, status, stderr) +
    '@@now\n1731916800\n@@metadata-mtime\n1731913200\n@@reboot-required\nno\n@@reboot-required-pkgs\n\n@@end\n'
  );
}

/** Whole script output of a dnf (or yum) device; the security section only when given, as the script does. */
function rpmOutput(manager: 'dnf' | 'yum', checkUpdate: string, security?: string, checkStatus = 100): string {
  return (
    `${OS_RELEASE}@@manager\n${manager}\n` +
    section('check-update', checkUpdate, checkStatus) +
    (security === undefined ? '' : section('security', security)) +
    '@@now\n1731931200\n@@metadata-mtime\n1731925800\n@@end\n'
  );
}

function pacmanOutput(sectionText: string): string {
  return `${OS_RELEASE}@@manager\npacman\n${sectionText}@@now\n1731931200\n@@metadata-mtime\n1731757020\n@@end\n`;
}

function apkOutput(listing: string, status = 0, stderr = ''): string {
  return `${OS_RELEASE}@@manager\napk\n${section('apk', listing, status, stderr)}@@now\n1731931200\n@@metadata-mtime\n1731844800\n@@end\n`;
}

/** Arguments that would make a package manager refresh its metadata or change the system. */
const REFRESHING_ARGUMENTS = new Set(['update', 'upgrade', 'makecache', 'sync', '--refresh', '-U', '--update-cache']);

describe('updatesCollector settings', () => {
  it('polls every 6 hours into updates_snapshots, with a 2 minute command budget', () => {
    assert.equal(updatesCollector.dataType, 'updates');
    assert.equal(updatesCollector.freshnessSeconds, 21_600);
    assert.equal(updatesCollector.pollIntervalSeconds, 21_600);
    assert.equal(updatesCollector.commandTimeoutMs, 120_000);
    assert.equal(updatesCollector.table, 'updates_snapshots');
    assert.equal(updatesCollector.capabilities, undefined);
  });

  it('reads what the package managers know and never refreshes their metadata', () => {
    const script = updatesCollector.command({});
    for (const readOnly of [
      'apt list --upgradable',
      'dnf -q --cacheonly check-update',
      'dnf -q --cacheonly updateinfo list --security',
      'yum -q -C check-update',
      'yum -q -C updateinfo list security',
      'run checkupdates checkupdates',
      'pacman -Qu',
      'apk list --upgradable',
    ]) {
      assert.ok(script.includes(readOnly), readOnly);
    }
    assert.doesNotMatch(script, /apt(-get)? update|makecache|pacman -S|apk update|--refresh|apk -U|\bupgrade\b/);
    assert.ok(script.trimEnd().endsWith('echo @@end'));
  });
});

describe('updatesCollector.parse: Debian 12 with security updates and a pending reboot', () => {
  const data = parse(fixture('debian12-security-reboot.txt'));

  it('counts updates and security updates', () => {
    assert.equal(data.package_manager, 'apt');
    assert.equal(data.reason, undefined);
    assert.deepEqual(data.os, { id: 'debian', version_id: '12', pretty_name: 'Debian GNU/Linux 12 (bookworm)' });
    assert.equal(data.upgradable, 11);
    assert.equal(data.security, 6);
    assert.equal(data.packages_truncated, false);
    assert.deepEqual(updatesCollector.columns(data), {
      package_manager: 'apt',
      upgradable: 11,
      security: 6,
      reboot_required: true,
    });
  });

  it('lists security updates first, then by name', () => {
    assert.deepEqual(names(data), [
      'bind9-dnsutils',
      'bind9-host',
      'bind9-libs',
      'libssl3',
      'linux-image-amd64',
      'openssl',
      'base-files',
      'libc-bin',
      'libc6',
      'postfix',
      'tzdata',
    ]);
  });

  it('reads versions, architecture and origin of each package', () => {
    assert.deepEqual(pkg(data, 'openssl'), {
      name: 'openssl',
      arch: 'amd64',
      current_version: '3.0.14-1~deb12u2',
      new_version: '3.0.15-1~deb12u1',
      repository: 'stable-security',
      security: true,
    });
    assert.deepEqual(pkg(data, 'bind9-host'), {
      name: 'bind9-host',
      arch: 'amd64',
      current_version: '1:9.18.24-1',
      new_version: '1:9.18.28-1~deb12u2',
      repository: 'stable-security',
      security: true,
    });
    assert.deepEqual(
      [pkg(data, 'tzdata').arch, pkg(data, 'tzdata').repository, pkg(data, 'tzdata').security],
      ['all', 'stable-updates', false],
    );
  });

  it('reports the metadata age and the reboot the kernel update asked for', () => {
    assert.equal(data.metadata_age_seconds, 18_720);
    assert.equal(data.reboot_required, true);
    assert.deepEqual(data.reboot_required_packages, ['linux-image-6.1.0-26-amd64']);
  });
});

describe('updatesCollector.parse: Ubuntu 24.04', () => {
  const data = parse(fixture('ubuntu2404-noble.txt'));

  it('flags packages available from -updates and -security as security updates', () => {
    assert.equal(data.upgradable, 9);
    assert.equal(data.security, 5);
    assert.deepEqual(names(data).slice(0, 5), [
      'libssl3t64',
      'linux-generic',
      'linux-headers-generic',
      'linux-image-generic',
      'openssl',
    ]);
    assert.deepEqual(pkg(data, 'libssl3t64'), {
      name: 'libssl3t64',
      arch: 'amd64',
      current_version: '3.0.13-0ubuntu3.1',
      new_version: '3.0.13-0ubuntu3.4',
      repository: 'noble-updates,noble-security',
      security: true,
    });
    // phased updates are listed like any other
    assert.deepEqual([pkg(data, 'systemd').new_version, pkg(data, 'systemd').security], ['255.4-1ubuntu8.4', false]);
    assert.equal(pkg(data, 'python3-distupgrade').current_version, '1:24.04.21');
  });

  it('reports no reboot when update-notifier is there to ask for one', () => {
    assert.equal(data.reboot_required, false);
    assert.equal(data.reboot_required_packages, undefined);
    assert.equal(data.metadata_age_seconds, 7_500);
    assert.deepEqual(data.os, { id: 'ubuntu', version_id: '24.04', pretty_name: 'Ubuntu 24.04.1 LTS' });
  });

  it('reads codename origins and skips the Listing line with or without Done', () => {
    const listing = [
      'Listing... Done',
      'openssl/bookworm-security 3.0.15-1~deb12u1 amd64 [upgradable from: 3.0.14-1~deb12u2]',
      'libssl3/jammy-updates,jammy-security 3.0.2-0ubuntu1.18 amd64 [upgradable from: 3.0.2-0ubuntu1.15]',
      'vim-common/noble-updates 2:9.1.0016-1ubuntu7.4 all [upgradable from: 2:9.1.0016-1ubuntu7.3]',
      'libc6/noble-infra-security 2.39-0ubuntu8.3+esm1 amd64 [upgradable from: 2.39-0ubuntu8.3]',
    ].join('\n');
    const parsed = parse(aptOutput(listing));
    assert.deepEqual(
      parsed.packages.map((p) => [p.name, p.security]),
      [
        ['libc6', true],
        ['libssl3', true],
        ['openssl', true],
        ['vim-common', false],
      ],
    );
    assert.equal(parsed.security, 3);
  });
});

describe('updatesCollector.parse: Proxmox VE 8', () => {
  const data = parse(fixture('proxmox-ve8.txt'));

  it('reads pve-no-subscription updates as normal updates', () => {
    assert.equal(data.upgradable, 8);
    assert.equal(data.security, 1);
    assert.deepEqual(names(data), [
      'libexpat1',
      'libpve-common-perl',
      'libpve-storage-perl',
      'proxmox-backup-client',
      'proxmox-kernel-6.8',
      'pve-manager',
      'pve-qemu-kvm',
      'qemu-server',
    ]);
    assert.deepEqual(pkg(data, 'pve-manager'), {
      name: 'pve-manager',
      arch: 'amd64',
      current_version: '8.2.4',
      new_version: '8.2.8',
      repository: 'stable',
      security: false,
    });
  });

  it('shows three days old metadata, and no reboot signal without update-notifier or unattended-upgrades', () => {
    assert.equal(data.metadata_age_seconds, 273_600);
    assert.equal(data.reboot_required, null);
    assert.deepEqual(updatesCollector.columns(data), {
      package_manager: 'apt',
      upgradable: 8,
      security: 1,
      reboot_required: null,
    });
  });
});

describe('updatesCollector.parse: an up-to-date Debian and a very long list', () => {
  it('reports zero updates, zero of them security', () => {
    const data = parse(fixture('debian12-up-to-date.txt'));
    assert.deepEqual(data, {
      package_manager: 'apt',
      os: { id: 'debian', version_id: '12', pretty_name: 'Debian GNU/Linux 12 (bookworm)' },
      upgradable: 0,
      security: 0,
      packages: [],
      packages_truncated: false,
      metadata_age_seconds: 3_600,
      reboot_required: false,
    });
  });

  it(`keeps ${PACKAGE_LIST_LIMIT} packages, security ones first, and counts all`, () => {
    const lines = ['Listing...'];
    for (let i = 0; i < 620; i++) {
      const suite = i % 20 === 7 ? 'stable-security' : 'stable';
      lines.push(`pkg${String(i).padStart(3, '0')}/${suite} 1.0-2 amd64 [upgradable from: 1.0-1]`);
    }
    const data = parse(aptOutput(lines.join('\n')));
    assert.equal(PACKAGE_LIST_LIMIT, 500);
    assert.equal(data.upgradable, 620);
    assert.equal(data.security, 31);
    assert.equal(data.packages.length, 500);
    assert.equal(data.packages_truncated, true);
    assert.ok(data.packages.slice(0, 31).every((p) => p.security === true));
    assert.deepEqual(names(data).slice(0, 2), ['pkg007', 'pkg027']);
    assert.equal(data.packages[31]?.name, 'pkg000');
    assert.equal(data.packages.at(-1)?.name, 'pkg493'); // the 469th of the 589 other packages
  });
});

describe('updatesCollector.parse: Fedora 40 (dnf)', () => {
  const data = parse(fixture('fedora40-dnf.txt'));

  it('marks the packages named in security advisories', () => {
    assert.equal(data.package_manager, 'dnf');
    assert.equal(data.upgradable, 13);
    assert.equal(data.security, 8);
    assert.deepEqual(names(data), [
      'curl',
      'kernel',
      'kernel-core',
      'kernel-modules',
      'kernel-modules-core',
      'libcurl',
      'openssl',
      'openssl-libs',
      'golang-github-prometheus-node-exporter',
      'NetworkManager',
      'NetworkManager-libnm',
      'selinux-policy',
      'selinux-policy-targeted',
    ]);
    assert.deepEqual(pkg(data, 'openssl-libs'), {
      name: 'openssl-libs',
      arch: 'x86_64',
      current_version: null,
      new_version: '1:3.2.2-3.fc40',
      repository: 'updates',
      security: true,
    });
    assert.equal(pkg(data, 'selinux-policy').security, false);
  });

  it('joins a row wrapped after a long name and leaves obsoleting packages out', () => {
    assert.deepEqual(pkg(data, 'golang-github-prometheus-node-exporter'), {
      name: 'golang-github-prometheus-node-exporter',
      arch: 'x86_64',
      current_version: null,
      new_version: '1.8.2-1.fc40',
      repository: 'updates',
      security: false,
    });
    assert.ok(!names(data).includes('grub2-tools-efi'));
  });

  it('reports metadata age and no reboot signal', () => {
    assert.equal(data.metadata_age_seconds, 5_400);
    assert.equal(data.reboot_required, null);
    assert.deepEqual(data.os, { id: 'fedora', version_id: '40', pretty_name: 'Fedora Linux 40 (Server Edition)' });
  });

  it('matches advisories by architecture, and reads dnf 5 advisory tables', () => {
    const checkUpdate = 'glibc.i686      2.39-22.fc40   updates\nglibc.x86_64    2.39-22.fc40   updates';
    const dnf4 = parse(
      rpmOutput('dnf', checkUpdate, 'FEDORA-2024-0f1e2d3c4b Important/Sec. glibc-2.39-22.fc40.x86_64'),
    );
    assert.deepEqual(
      dnf4.packages.map((p) => [p.arch, p.security]),
      [
        ['x86_64', true],
        ['i686', false],
      ],
    );

    const dnf5 = parse(
      rpmOutput(
        'dnf',
        checkUpdate,
        [
          'Name                   Type     Severity  Package                         Issued',
          'FEDORA-2024-0f1e2d3c4b security Important glibc-2.39-22.fc40.i686          2024-11-12 01:23:45',
          'FEDORA-2024-9a8b7c6d5e security           glibc-2.39-22.fc40.x86_64        2024-11-13 02:34:56',
        ].join('\n'),
      ),
    );
    assert.equal(dnf5.security, 2);
  });

  it('treats exit status 0 as no updates', () => {
    const data0 = parse(rpmOutput('dnf', '', '', 0));
    assert.deepEqual([data0.upgradable, data0.security, data0.packages], [0, 0, []]);
  });
});

describe('updatesCollector.parse: Rocky Linux 8 (dnf) and CentOS 7 (yum)', () => {
  it('Rocky 8: reads epochs and noarch packages from RLSA advisories', () => {
    const data = parse(fixture('rocky8-dnf.txt'));
    assert.equal(data.upgradable, 12);
    assert.equal(data.security, 10);
    assert.deepEqual(names(data).slice(-2), ['rocky-release', 'tzdata']);
    assert.deepEqual(pkg(data, 'bind-license'), {
      name: 'bind-license',
      arch: 'noarch',
      current_version: null,
      new_version: '32:9.11.36-16.el8_10.2',
      repository: 'appstream',
      security: true,
    });
    assert.equal(pkg(data, 'kernel-tools-libs').repository, 'baseos');
    assert.equal(data.metadata_age_seconds, 21_600);
    assert.equal(data.os?.version_id, '8.10');
  });

  it('CentOS 7: security unknown (null) when the repositories publish no advisories', () => {
    const data = parse(fixture('centos7-yum.txt'));
    assert.equal(data.package_manager, 'yum');
    assert.equal(data.upgradable, 12);
    assert.equal(data.security, null);
    assert.ok(data.packages.every((p) => p.security === null));
    // sorted case-insensitively, unlike yum's own listing
    assert.deepEqual(names(data).slice(0, 7), [
      'bash',
      'kernel',
      'kernel-tools',
      'kernel-tools-libs',
      'NetworkManager',
      'NetworkManager-dispatcher-routing-rules',
      'NetworkManager-libnm',
    ]);
    assert.deepEqual(pkg(data, 'NetworkManager-dispatcher-routing-rules'), {
      name: 'NetworkManager-dispatcher-routing-rules',
      arch: 'noarch',
      current_version: null,
      new_version: '1:1.18.8-2.el7_9',
      repository: 'updates',
      security: null,
    });
    assert.equal(data.metadata_age_seconds, 4_190_400);
    assert.deepEqual(updatesCollector.columns(data), {
      package_manager: 'yum',
      upgradable: 12,
      security: null,
      reboot_required: null,
    });
  });

  it('yum with advisories (EPEL, RHEL): skips its footer and the Security: notes', () => {
    const data = parse(
      rpmOutput(
        'yum',
        'nagios-common.x86_64    4.4.3-1.el7     epel\nSecurity: kernel-3.10.0-1160.119.1.el7.x86_64 is an installed security update\nbash.x86_64 4.2.46-35.el7_9 updates',
        'FEDORA-EPEL-2019-d661b588d2 Low/Sec. nagios-common-4.4.3-1.el7.x86_64\nupdateinfo list done',
      ),
    );
    assert.deepEqual(
      data.packages.map((p) => [p.name, p.security]),
      [
        ['nagios-common', true],
        ['bash', false],
      ],
    );
    assert.equal(data.security, 1);
  });
});

describe('updatesCollector.parse: Arch (pacman)', () => {
  it('checkupdates: fresh answer, no security classification', () => {
    const data = parse(fixture('arch-checkupdates.txt'));
    assert.equal(data.package_manager, 'pacman');
    assert.equal(data.upgradable, 6);
    assert.equal(data.security, null);
    assert.equal(data.metadata_age_seconds, 0, 'checkupdates synced its own database copy just now');
    assert.deepEqual(pkg(data, 'linux'), {
      name: 'linux',
      current_version: '6.11.6.arch1-1',
      new_version: '6.11.7.arch1-1',
      security: null,
    });
    assert.equal(pkg(data, 'linux-firmware').new_version, '20241111.b5885ec5-1');
    assert.deepEqual(data.os, { id: 'arch', version_id: null, pretty_name: 'Arch Linux' });
    assert.deepEqual(updatesCollector.columns(data), {
      package_manager: 'pacman',
      upgradable: 6,
      security: null,
      reboot_required: null,
    });
  });

  it('checkupdates: exit status 2 means nothing to update, 1 is a failure', () => {
    const none = parse(pacmanOutput(section('checkupdates', '', 2)));
    assert.deepEqual([none.upgradable, none.security, none.metadata_age_seconds], [0, null, 0]);
    assertParseError(
      () => parse(pacmanOutput(section('checkupdates', '', 1, '==> ERROR: Cannot fetch updates'))),
      /checkupdates failed with exit status 1: ==> ERROR: Cannot fetch updates/,
    );
  });

  it('pacman -Qu: reads ignored packages and the local database age', () => {
    const data = parse(fixture('arch-pacman-qu.txt'));
    assert.deepEqual(
      data.packages.map((p) => [p.name, p.current_version, p.new_version]),
      [
        ['docker', '1:27.3.1-1', '1:27.3.1-2'],
        ['linux', '6.11.6.arch1-1', '6.11.7.arch1-1'],
        ['linux-headers', '6.11.6.arch1-1', '6.11.7.arch1-1'],
        ['tailscale', '1.76.3-1', '1.76.6-1'],
      ],
    );
    assert.equal(data.metadata_age_seconds, 174_180);
  });

  it('pacman -Qu: exit 1 without output means nothing to update; with errors or missing databases it fails', () => {
    assert.equal(parse(pacmanOutput(section('pacman-qu', '', 1))).upgradable, 0);
    assertParseError(
      () =>
        parse(
          pacmanOutput(
            section(
              'pacman-qu',
              '',
              1,
              'error: failed to initialize alpm library:\n(root: /, dbpath: /var/lib/pacman/)',
            ),
          ),
        ),
      /pacman -Qu failed with exit status 1: error: failed to initialize alpm library/,
    );
    assertParseError(
      () =>
        parse(
          pacmanOutput(
            section(
              'pacman-qu',
              'tailscale 1.76.3-1 -> 1.76.6-1',
              0,
              "warning: database file for 'extra' does not exist (use '-Sy' to download)",
            ),
          ),
        ),
      /pacman -Qu cannot see every repository: warning: database file for 'extra' does not exist/,
    );
  });
});

describe('updatesCollector.parse: Alpine 3.19 (apk)', () => {
  const data = parse(fixture('alpine319-apk.txt'));

  it('splits apk package ids into name and versions', () => {
    assert.equal(data.package_manager, 'apk');
    assert.equal(data.upgradable, 7);
    assert.equal(data.security, null);
    assert.deepEqual(pkg(data, 'musl'), {
      name: 'musl',
      arch: 'x86_64',
      current_version: '1.2.4_git20230717-r4',
      new_version: '1.2.4_git20230717-r5',
      security: null,
    });
    assert.deepEqual(pkg(data, 'musl-utils').current_version, '1.2.4_git20230717-r4');
    assert.deepEqual(pkg(data, 'busybox-binsh').new_version, '1.36.1-r20');
    assert.equal(data.metadata_age_seconds, 86_400);
    assert.deepEqual(data.os, { id: 'alpine', version_id: '3.19.4', pretty_name: 'Alpine Linux v3.19' });
  });

  it('fails when apk could not read a repository index instead of listing fewer updates', () => {
    assertParseError(
      () =>
        parse(
          apkOutput(
            '',
            0,
            'WARNING: opening from cache https://dl-cdn.alpinelinux.org/alpine/v3.19/main: No such file or directory',
          ),
        ),
      /apk list --upgradable could not read a repository index: WARNING: opening from cache/,
    );
    assertParseError(
      () => parse(apkOutput('', 99, 'ERROR: Unable to lock database: Permission denied')),
      /apk list --upgradable failed with exit status 99: ERROR: Unable to lock database/,
    );
  });

  it('rejects lines it cannot split', () => {
    assertParseError(
      () => parse(apkOutput('musl x86_64 {musl} (MIT) [upgradable from: musl-1.2.4-r1]')),
      /unreadable package in apk list/,
    );
    assertParseError(
      () => parse(apkOutput('musl-1.2.4-r2 x86_64 {musl} (MIT) [upgradable from: libc-1.2.4-r1]')),
      /names a different installed package/,
    );
    assertParseError(
      () => parse(apkOutput('musl-1.2.4-r2 x86_64 {musl} (MIT) [installed]')),
      /unreadable line in apk list/,
    );
  });
});

describe('updatesCollector.parse: devices without a package manager', () => {
  it('reports Unraid explicitly, with its OS, instead of zero updates', () => {
    const data = parse(fixture('unraid612-no-manager.txt'));
    assert.deepEqual(data, {
      package_manager: null,
      reason: 'no supported package manager found (looked for apt, dnf, yum, pacman, apk)',
      os: { id: 'slackware', version_id: '15.0+', pretty_name: 'Slackware 15.0 x86_64 (post 15.0 -current)' },
      upgradable: 0,
      security: null,
      packages: [],
      packages_truncated: false,
      metadata_age_seconds: null,
      reboot_required: null,
    });
    assert.deepEqual(updatesCollector.columns(data), {
      package_manager: null,
      upgradable: 0,
      security: null,
      reboot_required: null,
    });
  });

  it('leaves os null when the device has no os-release', () => {
    assert.equal(parse('@@os-release\n\n@@manager\nnone\n@@end\n').os, null);
  });
});

describe('updatesCollector.parse: failures and malformed output', () => {
  it('reports dnf without a cache as an error naming the command, not as zero updates', () => {
    assertParseError(
      () => parse(fixture('fedora40-dnf-no-cache.txt')),
      /dnf --cacheonly check-update failed with exit status 1: Error: Cache-only enabled but no cache for 'fedora'/,
    );
    assertParseError(
      () =>
        parse(
          rpmOutput('yum', '', undefined, 1).replace(
            '@@check-update-stderr\n',
            '@@check-update-stderr\nOne of the configured repositories failed (Unknown)\n',
          ),
        ),
      /yum -C check-update failed with exit status 1: One of the configured repositories failed/,
    );
  });

  it('reports a failing advisory listing and a failing apt', () => {
    const text = fixture('fedora40-dnf.txt').replace(
      '@@security-status\n0\n@@security-stderr\n',
      '@@security-status\n1\n@@security-stderr\nError: Unknown argument "--security"\n',
    );
    assertParseError(
      () => parse(text),
      /dnf --cacheonly updateinfo list --security failed with exit status 1: Error: Unknown argument/,
    );
    assertParseError(
      () => parse(aptOutput('', 100, 'E: The package lists or status file could not be parsed or opened.')),
      /apt list --upgradable failed with exit status 100: E: The package lists or status file could not be parsed or opened\./,
    );
  });

  it('rejects truncated output', () => {
    assertParseError(() => parse(fixture('truncated.txt')), /output truncated: no @@end line/);
  });

  it('rejects rows it cannot read', () => {
    assertParseError(
      () => parse(aptOutput('Listing...\nopenssl 3.0.15-1~deb12u1 amd64')),
      /unreadable line in apt list --upgradable/,
    );
    assertParseError(
      () => parse(rpmOutput('dnf', 'kernel.x86_64 6.11.6-200.fc40')),
      /unreadable package row in dnf --cacheonly check-update/,
    );
    assertParseError(() => parse(rpmOutput('dnf', 'kernel 6.11.6-200.fc40 updates')), /unreadable package row/);
    assertParseError(() => parse(rpmOutput('dnf', 'kernel.x86_64 6.11.6 updates')), /unreadable package row/);
    assertParseError(
      () => parse(rpmOutput('dnf', 'kernel.x86_64 6.11.6-200.fc40 updates', 'FEDORA-2024-1d5a7b0e8f Important/Sec.')),
      /unreadable line in dnf --cacheonly updateinfo list --security/,
    );
    assertParseError(
      () => parse(pacmanOutput(section('checkupdates', 'linux 6.11.6.arch1-1 6.11.7.arch1-1'))),
      /unreadable line in checkupdates/,
    );
  });

  it('rejects an unknown manager, an unreadable reboot state and a broken clock', () => {
    assertParseError(() => parse('@@os-release\n\n@@manager\nzypper\n@@end\n'), /unknown package manager "zypper"/);
    assertParseError(
      () => parse(aptOutput('Listing...').replace('@@reboot-required\nno\n', '@@reboot-required\nmaybe\n')),
      /unreadable reboot-required state/,
    );
    assertParseError(
      () => parse(aptOutput('Listing...').replace('@@now\n1731916800\n', '@@now\n\n')),
      /section @@now is empty/,
    );
    assertParseError(
      () => parse(aptOutput('Listing...').replace('@@now\n1731916800\n', '@@now\nThu Nov 26\n')),
      /device time: expected a number/,
    );
  });

  it('reads metadata refreshed after the device clock as fresh, and no marker file as unknown age', () => {
    assert.equal(
      parse(aptOutput('Listing...').replace('@@metadata-mtime\n1731913200\n', '@@metadata-mtime\n1731917000\n'))
        .metadata_age_seconds,
      0,
    );
    assert.equal(
      parse(aptOutput('Listing...').replace('@@metadata-mtime\n1731913200\n', '@@metadata-mtime\n\n'))
        .metadata_age_seconds,
      null,
    );
  });
});

describe('updatesCollector.command on this machine', () => {
  const tempDir = tempDirs();

  /** The utilities the script and the fakes use, and no package manager (this machine has a real apt). */
  function toolbox(): string {
    const dir = tempDir('updates-tools-');
    for (const tool of ['awk', 'cat', 'date', 'mktemp', 'rm', 'sort', 'stat', 'tail']) {
      const target = ['/usr/bin', '/bin'].map((bin) => join(bin, tool)).find((path) => existsSync(path));
      assert.ok(target, `${tool} not found`);
      symlinkSync(target, join(dir, tool));
    }
    return dir;
  }

  const toolboxDir = toolbox();
  const noDnfCache = !existsSync('/var/cache/dnf') && !existsSync('/var/cache/libdnf5');
  const noYumCache = !existsSync('/var/cache/yum');

  function runScript(env?: NodeJS.ProcessEnv): string {
    return execFileSync('/bin/sh', ['-c', updatesCollector.command({})], { encoding: 'utf8', ...(env && { env }) });
  }

  interface Fake {
    name: string;
    fixture: string;
    /** Exact argument strings the fake answers, and the fixture section it answers with. */
    routes: Record<string, string>;
  }

  /** Package-manager stand-ins answering from fixtures (stdout, stderr and exit status per section) and logging their calls. */
  function fakes(...tools: Fake[]): { env: NodeJS.ProcessEnv; calls: () => string[] } {
    const dir = tempDir('updates-fakes-');
    const log = join(dir, 'calls.log');
    writeFileSync(log, '');
    for (const tool of tools) {
      writeFileSync(
        join(dir, tool.name),
        fixtureToolScript({
          name: tool.name,
          fixturePath: fileURLToPath(fixtureUrl('updates', tool.fixture)),
          logTo: shellQuote(log),
          cases: Object.entries(tool.routes).map(
            ([args, sectionName]) => `${shellQuote(args)}) section=${sectionName} ;;`,
          ),
        }),
      );
      chmodSync(join(dir, tool.name), 0o755);
    }
    return {
      env: { PATH: `${dir}:${toolboxDir}` },
      calls: () =>
        readFileSync(log, 'utf8')
          .split('\n')
          .filter((line) => line !== '')
          .map((line) => line.trimEnd()),
    };
  }

  function assertReadOnly(calls: readonly string[]): void {
    for (const call of calls) {
      const args = call.split(' ').slice(1);
      assert.ok(!args.some((arg) => REFRESHING_ARGUMENTS.has(arg) || arg.startsWith('-S')), `refreshing call: ${call}`);
    }
  }

  /** What the script reads from this machine's own files. */
  function thisMachinesOsId(): string | null {
    const path = ['/etc/os-release', '/usr/lib/os-release'].find((candidate) => existsSync(candidate));
    return path === undefined ? null : (/^ID=["']?([^"'\n]*)/m.exec(readFileSync(path, 'utf8'))?.[1] ?? null);
  }

  function ageOnThisMachine(markerDirectory: string): 'number' | 'object' {
    return existsSync(markerDirectory) ? 'number' : 'object';
  }

  it('parses the real answer of this machine', () => {
    const data = parse(runScript());
    assert.equal(data.os?.id ?? null, thisMachinesOsId());
    if (data.package_manager === null) {
      assert.match(data.reason ?? '', /no supported package manager found/);
    } else {
      assert.equal(data.upgradable >= data.packages.length, true);
      assert.deepEqual(Object.keys(updatesCollector.columns(data)), [
        'package_manager',
        'upgradable',
        'security',
        'reboot_required',
      ]);
    }
  });

  it('reports no package manager when none is on PATH', () => {
    const data = parse(runScript({ PATH: toolboxDir }));
    assert.equal(data.package_manager, null);
    assert.equal(data.reason, 'no supported package manager found (looked for apt, dnf, yum, pacman, apk)');
    assert.equal(data.os?.id ?? null, thisMachinesOsId());
    assert.equal(data.metadata_age_seconds, null);
  });

  it("apt: lists upgradable packages once, with this machine's metadata age and reboot signal", () => {
    const tools = fakes({
      name: 'apt',
      fixture: 'debian12-security-reboot.txt',
      routes: { 'list --upgradable': 'apt' },
    });
    const data = parse(runScript(tools.env));
    const expected = parse(fixture('debian12-security-reboot.txt'));
    assert.deepEqual(tools.calls(), ['apt list --upgradable']);
    assertReadOnly(tools.calls());
    assert.equal(data.package_manager, 'apt');
    assert.deepEqual(data.packages, expected.packages);
    assert.deepEqual([data.upgradable, data.security], [11, 6]);
    assert.equal(typeof data.metadata_age_seconds, ageOnThisMachine('/var/lib/apt/lists'));
    const rebootSignal =
      existsSync('/usr/share/update-notifier/notify-reboot-required') ||
      existsSync('/etc/kernel/postinst.d/unattended-upgrades');
    assert.equal(data.reboot_required, existsSync('/var/run/reboot-required') ? true : rebootSignal ? false : null);
  });

  it('apt wins over other managers on the same machine', () => {
    const tools = fakes(
      { name: 'apt', fixture: 'debian12-up-to-date.txt', routes: { 'list --upgradable': 'apt' } },
      { name: 'dnf', fixture: 'fedora40-dnf.txt', routes: {} },
    );
    assert.equal(parse(runScript(tools.env)).package_manager, 'apt');
    assert.deepEqual(tools.calls(), ['apt list --upgradable']);
  });

  it(
    'dnf: check-update from the cache only, no advisories asked for without advisory metadata',
    { skip: !noDnfCache && 'this machine has a dnf cache' },
    () => {
      const tools = fakes({
        name: 'dnf',
        fixture: 'fedora40-dnf.txt',
        routes: {
          '-q --cacheonly check-update': 'check-update',
          '-q --cacheonly updateinfo list --security': 'security',
        },
      });
      const data = parse(runScript(tools.env));
      assert.deepEqual(tools.calls(), ['dnf -q --cacheonly check-update']);
      assertReadOnly(tools.calls());
      assert.equal(data.package_manager, 'dnf');
      assert.equal(data.upgradable, 13);
      assert.equal(data.security, null);
      assert.equal(pkg(data, 'golang-github-prometheus-node-exporter').new_version, '1.8.2-1.fc40');
      assert.equal(data.metadata_age_seconds, null);
    },
  );

  it('dnf: a failing check-update is an error and nothing more is asked', () => {
    const tools = fakes({
      name: 'dnf',
      fixture: 'fedora40-dnf-no-cache.txt',
      routes: { '-q --cacheonly check-update': 'check-update' },
    });
    const stdout = runScript(tools.env);
    assertParseError(
      () => parse(stdout),
      /dnf --cacheonly check-update failed with exit status 1: Error: Cache-only enabled but no cache for 'fedora'/,
    );
    assert.deepEqual(tools.calls(), ['dnf -q --cacheonly check-update']);
  });

  it('yum: check-update from the cache only', { skip: !noYumCache && 'this machine has a yum cache' }, () => {
    const tools = fakes({ name: 'yum', fixture: 'centos7-yum.txt', routes: { '-q -C check-update': 'check-update' } });
    const data = parse(runScript(tools.env));
    assert.deepEqual(tools.calls(), ['yum -q -C check-update']);
    assert.deepEqual([data.package_manager, data.upgradable, data.security], ['yum', 12, null]);
  });

  it('pacman: prefers checkupdates, which leaves the system database alone', () => {
    const tools = fakes(
      { name: 'pacman', fixture: 'arch-checkupdates.txt', routes: {} },
      { name: 'checkupdates', fixture: 'arch-checkupdates.txt', routes: { '': 'checkupdates' } },
    );
    const data = parse(runScript(tools.env));
    assert.deepEqual(tools.calls(), ['checkupdates']);
    assert.deepEqual([data.package_manager, data.upgradable, data.metadata_age_seconds], ['pacman', 6, 0]);
  });

  it('pacman: falls back to pacman -Qu on the local database', () => {
    const tools = fakes({ name: 'pacman', fixture: 'arch-pacman-qu.txt', routes: { '-Qu': 'pacman-qu' } });
    const data = parse(runScript(tools.env));
    assert.deepEqual(tools.calls(), ['pacman -Qu']);
    assertReadOnly(tools.calls());
    assert.deepEqual(names(data), ['docker', 'linux', 'linux-headers', 'tailscale']);
    assert.equal(typeof data.metadata_age_seconds, ageOnThisMachine('/var/lib/pacman/sync'));
  });

  it('apk: lists upgradable packages from the cached indexes', () => {
    const tools = fakes({ name: 'apk', fixture: 'alpine319-apk.txt', routes: { 'list --upgradable': 'apk' } });
    const data = parse(runScript(tools.env));
    assert.deepEqual(tools.calls(), ['apk list --upgradable']);
    assert.deepEqual(data.packages, parse(fixture('alpine319-apk.txt')).packages);
    assert.equal(typeof data.metadata_age_seconds, ageOnThisMachine('/var/cache/apk'));
  });
});

describe('updatesCollector.schema', () => {
  it('describes every parsed answer (each parse above is checked against it) and rejects a missing or mistyped field', () => {
    const data = parse(fixture('debian12-security-reboot.txt'));
    assert.throws(
      () => updatesCollector.schema.parse({ ...data, packages: data.packages.map((p) => ({ ...p, security: 'yes' })) }),
      /security/,
    );
    assert.throws(() => updatesCollector.schema.parse({ ...data, package_manager: 'snap' }), /package_manager/);
  });
});
