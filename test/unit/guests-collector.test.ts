import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { type Guest, type GuestsData, guestsCollector } from '../../domain/collectors/guests.ts';
import { shellQuote } from '../../domain/ssh/quote.ts';
import {
  fixtureNames,
  fixtureReader,
  fixtureToolScript,
  fixtureUrl,
  parseErrorAsserter,
  schemaCheckedParse,
} from '../support/collector-fixtures.ts';
import { tempDirs } from '../support/temp-dirs.ts';

const fixture = fixtureReader('guests');
const assertParseError = parseErrorAsserter('guests');
const GIB = 1024 ** 3;

/** Every answer parsed here is also held to the collector's schema. */
function parse(stdout: string): GuestsData {
  return schemaCheckedParse(guestsCollector, stdout);
}

function guest(data: GuestsData, vmid: number): Guest {
  const found = data.guests.find((g) => g.vmid === vmid);
  assert.ok(found, `no guest ${vmid}`);
  return found;
}

/** Replaces text that must occur in the fixture, so a test cannot silently stop exercising anything. */
function edit(name: string, search: string | RegExp, replacement: string): string {
  const text = fixture(name);
  const edited = text.replace(search, replacement);
  assert.notEqual(edited, text, `${String(search)} not found in ${name}`);
  return edited;
}

describe('guestsCollector settings', () => {
  it('polls every 2 minutes into guests_snapshots, on Proxmox hosts only', () => {
    assert.equal(guestsCollector.dataType, 'guests');
    assert.equal(guestsCollector.freshnessSeconds, 60);
    assert.equal(guestsCollector.pollIntervalSeconds, 120);
    assert.equal(guestsCollector.retentionDays, 30);
    assert.equal(guestsCollector.commandTimeoutMs, 30_000);
    assert.equal(guestsCollector.table, 'guests_snapshots');
    assert.equal(guestsCollector.requiredCapability, 'proxmox');
  });

  it('asks pvesh for the cluster resources, falling back to qm and pct, through sudo when not root', () => {
    const script = guestsCollector.command({});
    assert.match(script, /^export LC_ALL=C$/m);
    assert.match(script, /run resources pve pvesh get \/cluster\/resources --type vm --output-format json/);
    assert.match(script, /run qm pve qm list\n/);
    assert.match(script, /run pct pve pct list\n/);
    assert.match(script, /sudo -n -l pvesh/);
    assert.match(script, /sudo -n "\$@"/);
    assert.ok(script.trimEnd().endsWith('echo @@end'));
  });
});

describe('guestsCollector.schema', () => {
  it('accepts the answer of every fixture that is not malformed on purpose, and rejects a mistyped field', () => {
    for (const name of fixtureNames('guests').filter((n) => n !== 'truncated.txt')) parse(fixture(name));
    const data = parse(fixture('pve82-cluster-root.txt'));
    assert.throws(
      () => guestsCollector.schema.parse({ ...data, guests: data.guests.map((g) => ({ ...g, type: 'docker' })) }),
      /type/,
    );
    assert.throws(() => guestsCollector.schema.parse({ ...data, source: undefined }), /source/);
  });
});

describe('guestsCollector.parse: PVE 8.2 cluster node, as root', () => {
  const data = parse(fixture('pve82-cluster-root.txt'));

  it('lists only the guests of this node, ordered by VMID', () => {
    assert.deepEqual(
      [data.available, data.status, data.privilege, data.source, data.pve_version, data.node],
      [true, 'ok', 'root', 'pvesh', '8.2.4', 'pve1'],
    );
    assert.equal(data.note, undefined);
    assert.deepEqual(
      data.guests.map((g) => g.vmid),
      [100, 101, 102, 103, 104, 105, 9000],
    );
    assert.deepEqual(data.summary, { total: 7, running: 5, stopped: 2, templates: 1, qemu: 4, lxc: 3 });
  });

  it('reads every field of a running VM', () => {
    assert.deepEqual(guest(data, 100), {
      vmid: 100,
      name: 'docker-host',
      type: 'qemu',
      status: 'running',
      cpu_percent: 5.23,
      cpus: 4,
      memory_bytes: 6_539_190_272,
      memory_max_bytes: 8 * GIB,
      disk_bytes: 0,
      disk_max_bytes: 64 * GIB,
      disk_read_bytes: 18_235_912_704,
      disk_write_bytes: 90_731_610_112,
      uptime_seconds: 1_209_402,
      netin_bytes: 88_215_340_812,
      netout_bytes: 12_988_337_521,
      template: false,
      tags: ['docker', 'prod'],
      lock: null,
    });
  });

  it('reads containers, stopped guests and templates', () => {
    const pihole = guest(data, 102);
    assert.deepEqual(
      [pihole.type, pihole.disk_bytes, pihole.disk_max_bytes, pihole.tags],
      ['lxc', 1_718_091_776, 8_589_672_448, ['dns', 'infra']],
    );
    assert.deepEqual([guest(data, 103).lock, guest(data, 103).cpu_percent], ['backup', 31.15]);
    const win = guest(data, 104);
    assert.deepEqual(
      [win.status, win.memory_bytes, win.uptime_seconds, win.tags, win.template],
      ['stopped', 0, 0, [], false],
    );
    assert.deepEqual([guest(data, 9000).template, guest(data, 9000).name], [true, 'ubuntu-2404-cloud']);
  });

  it('names locks, memory pressure and full container disks as problems', () => {
    assert.deepEqual(data.problems, [
      'guest 101 (nextcloud, qemu): memory 95% used (7.6 GiB of 8 GiB)',
      'guest 103 (jellyfin, lxc): locked (backup)',
      'guest 105 (unifi, lxc): root disk 96% full (7.7 GiB of 8 GiB)',
    ]);
  });

  it('fills the time-series columns and says this is a Proxmox host', () => {
    const cpu = [5.23, 18.78, 0.81, 31.15, 0, 2.41, 0].reduce((a, b) => a + b, 0);
    assert.deepEqual(guestsCollector.columns(data), {
      guests_total: 7,
      guests_running: 5,
      qemu_total: 4,
      lxc_total: 3,
      cpu_percent_total: Math.round(cpu * 100) / 100,
      memory_used_bytes: 6_539_190_272 + 8_160_437_862 + 102_825_984 + 1_563_521_024 + 0 + 1_288_490_188 + 0,
    });
    assert.deepEqual(guestsCollector.capabilities?.(data), { proxmox: true });
  });

  it('takes the node name without its domain, as PVE does', () => {
    const fqdn = parse(edit('pve82-cluster-root.txt', '@@node\npve1\n', '@@node\npve1.home.arpa\n'));
    assert.equal(fqdn.node, 'pve1');
    assert.equal(fqdn.guests.length, 7);
  });
});

describe('guestsCollector.parse: PVE 7.4 standalone, through sudo', () => {
  const data = parse(fixture('pve74-sudo.txt'));

  it('reads the 7.4 version and guests without tags', () => {
    assert.deepEqual([data.status, data.privilege, data.pve_version, data.node], ['ok', 'sudo', '7.4-17', 'pve']);
    assert.deepEqual(
      data.guests.map((g) => [g.vmid, g.name, g.type, g.status, g.tags]),
      [
        [100, 'opnsense', 'qemu', 'running', []],
        [101, 'homeassistant', 'qemu', 'running', ['iot']],
        [110, 'adguard', 'lxc', 'running', ['dns']],
        [111, 'old-wiki', 'lxc', 'stopped', []],
        [9001, 'debian-12-cloud', 'qemu', 'stopped', []],
      ],
    );
  });

  it('reports the stale migrate lock of a stopped container', () => {
    assert.deepEqual(data.problems, ['guest 111 (old-wiki, lxc): locked (migrate)']);
  });
});

describe('guestsCollector.parse: PVE 5.1, qm list and pct list', () => {
  const data = parse(fixture('pve51-qm-pct.txt'));

  it('says why the listing is incomplete', () => {
    assert.deepEqual([data.status, data.source, data.pve_version], ['ok', 'qm_pct', '5.1-41']);
    assert.equal(
      data.note,
      'pvesh failed with exit status 255: Unknown option: output-format; guests listed by qm list and pct list, without usage figures, tags or templates',
    );
  });

  it('reads names with spaces or overlong, QEMU run states, sizes and container locks', () => {
    assert.deepEqual(
      data.guests.map((g) => [g.vmid, g.name, g.type, g.status, g.memory_max_bytes, g.disk_max_bytes, g.lock]),
      [
        [100, 'pfsense', 'qemu', 'running', 2048 * 1024 ** 2, 32 * GIB, null],
        [101, 'VM 101', 'qemu', 'stopped', 1024 * 1024 ** 2, 8 * GIB, null],
        [102, 'media-server-ubuntu-1604', 'qemu', 'running', 8192 * 1024 ** 2, 500 * GIB, null],
        [103, 'legacy-win2012', 'qemu', 'paused', 4096 * 1024 ** 2, 60 * GIB, null],
        [200, 'nginx-proxy', 'lxc', 'running', null, null, null],
        [201, 'gitea', 'lxc', 'stopped', null, null, 'backup'],
        [202, 'mqtt', 'lxc', 'running', null, null, null],
      ],
    );
    const pfsense = guest(data, 100);
    assert.deepEqual(
      [pfsense.cpu_percent, pfsense.memory_bytes, pfsense.uptime_seconds, pfsense.template],
      [null, null, null, null],
    );
    assert.deepEqual(data.problems, ['guest 201 (gitea, lxc): locked (backup)']);
  });

  it('leaves the usage columns empty rather than zero', () => {
    assert.deepEqual(guestsCollector.columns(data), {
      guests_total: 7,
      guests_running: 4,
      qemu_total: 4,
      lxc_total: 3,
      cpu_percent_total: null,
      memory_used_bytes: null,
    });
  });

  it('reports QEMU run states that mean trouble', () => {
    const stuck = parse(edit('pve51-qm-pct.txt', 'legacy-win2012       paused    ', 'legacy-win2012       io-error  '));
    assert.deepEqual(stuck.problems, [
      'guest 103 (legacy-win2012, qemu): paused on an I/O error (storage full or failing?)',
      'guest 201 (gitea, lxc): locked (backup)',
    ]);
  });

  it('reads empty listings of a node without guests', () => {
    const text = fixture('pve51-qm-pct.txt')
      .replace(/@@qm\n[^@]*/, '@@qm\n\n')
      .replace(/@@pct\n[^@]*/, '@@pct\n\n');
    const data = parse(text);
    assert.deepEqual([data.status, data.guests], ['ok', []]);
  });
});

describe('guestsCollector.parse: no guests, no privilege, no Proxmox', () => {
  it('a node without guests is an empty, valid answer', () => {
    const data = parse(fixture('pve82-no-guests.txt'));
    assert.deepEqual([data.status, data.source, data.guests, data.problems], ['ok', 'pvesh', [], []]);
    assert.deepEqual(guestsCollector.columns(data), {
      guests_total: 0,
      guests_running: 0,
      qemu_total: 0,
      lxc_total: 0,
      cpu_percent_total: 0,
      memory_used_bytes: 0,
    });
  });

  it('an unprivileged user without sudo gets needs_sudo with the sudoers line, not an empty list', () => {
    const data = parse(fixture('needs-sudo.txt'));
    assert.deepEqual(
      [data.available, data.status, data.privilege, data.source, data.pve_version, data.node],
      [true, 'needs_sudo', 'user', null, '8.1.4', 'pve2'],
    );
    assert.match(data.note ?? '', /NOPASSWD: \/usr\/bin\/pvesh, \/usr\/sbin\/qm, \/usr\/sbin\/pct/);
    assert.deepEqual(guestsCollector.columns(data), {
      guests_total: null,
      guests_running: null,
      qemu_total: null,
      lxc_total: null,
      cpu_percent_total: null,
      memory_used_bytes: null,
    });
    assert.deepEqual(guestsCollector.capabilities?.(data), { proxmox: true });
  });

  it('a host that is not Proxmox VE says so explicitly', () => {
    const data = parse(fixture('not-proxmox.txt'));
    assert.deepEqual(data, {
      available: false,
      status: 'not_proxmox',
      note: 'not a Proxmox VE host (neither pvesh nor qm found)',
      source: null,
      pve_version: null,
      node: null,
      guests: [],
      summary: { total: 0, running: 0, stopped: 0, templates: 0, qemu: 0, lxc: 0 },
      problems: [],
    });
    assert.deepEqual(guestsCollector.capabilities?.(data), { proxmox: false });
  });

  it('a version pveversion cannot give is null, not a failure', () => {
    const data = parse(
      edit(
        'pve74-sudo.txt',
        /@@version\n[^@]*@@version-status\n0\n@@version-stderr\n\n/,
        '@@version\n\n@@version-status\n127\n@@version-stderr\nsh: 1: pveversion: not found\n',
      ),
    );
    assert.deepEqual([data.status, data.pve_version, data.guests.length], ['ok', null, 5]);
  });
});

describe('guestsCollector.parse: malformed and failed output', () => {
  it('rejects output cut off in the middle of the JSON', () => {
    assertParseError(() => parse(fixture('truncated.txt')), /output truncated: no @@end line/);
  });

  it('rejects JSON that does not parse, even with the end marker', () => {
    assertParseError(
      () => parse(edit('pve82-cluster-root.txt', /,"name":"pihole".*\n@@resources-status/, '\n@@resources-status')),
      /printed no valid JSON/,
    );
    assertParseError(
      () => parse(edit('pve82-no-guests.txt', '@@resources\n[]\n', '@@resources\n\n')),
      /printed no valid JSON/,
    );
  });

  it('rejects entries of the wrong shape', () => {
    assertParseError(
      () => parse(edit('pve82-no-guests.txt', '@@resources\n[]\n', '@@resources\n{"data":[]}\n')),
      /did not print a JSON array/,
    );
    assertParseError(
      () => parse(edit('pve82-cluster-root.txt', '"type":"qemu","uptime":1209402', '"type":"node","uptime":1209402')),
      /qemu\/100 has type "node"/,
    );
    assertParseError(
      () => parse(edit('pve82-cluster-root.txt', '"mem":6539190272', '"mem":"6539190272"')),
      /mem of qemu\/100 is not a non-negative number/,
    );
    assertParseError(
      () => parse(edit('pve82-cluster-root.txt', '"vmid":100}', '"vmid":"100"}')),
      /vmid of qemu\/100 is not a positive integer/,
    );
    assertParseError(
      () => parse(edit('pve82-cluster-root.txt', '"template":1', '"template":"yes"')),
      /template of qemu\/9000 is not 0 or 1/,
    );
  });

  it('rejects unreadable listing lines and headers', () => {
    assertParseError(
      () => parse(edit('pve51-qm-pct.txt', '2048              32.00', '2G                32.00')),
      /qm list: unreadable line/,
    );
    assertParseError(
      () => parse(edit('pve51-qm-pct.txt', 'VMID       Status', 'ID         Status')),
      /pct list: unexpected header/,
    );
    assertParseError(
      () =>
        parse(
          edit(
            'pve51-qm-pct.txt',
            '201        stopped    backup       gitea',
            '201        stopped    backup       gitea  extra',
          ),
        ),
      /pct list: unreadable line/,
    );
  });

  it('fails with both reasons when pvesh and qm list fail', () => {
    const broken = edit(
      'pve51-qm-pct.txt',
      /@@qm-status\n0\n@@qm-stderr\n\n/,
      '@@qm-status\n2\n@@qm-stderr\nipcc_send_rec[1] failed: Connection refused\n',
    );
    assertParseError(
      () => parse(broken),
      /pvesh failed with exit status 255: Unknown option: output-format; qm list failed too, with exit status 2: ipcc_send_rec\[1\] failed: Connection refused/,
    );
  });

  it('rejects an unknown privilege mode and a missing node section', () => {
    assertParseError(
      () => parse(edit('pve82-no-guests.txt', '@@privilege\nroot\n', '@@privilege\nadmin\n')),
      /unknown privilege mode "admin"/,
    );
    assertParseError(() => parse(edit('pve82-no-guests.txt', '@@node\npve-new\n', '')), /section @@node is missing/);
  });
});

describe('guestsCollector.command on this machine', () => {
  const tempDir = tempDirs();

  function runScript(env: NodeJS.ProcessEnv): string {
    return execFileSync('/bin/sh', ['-c', guestsCollector.command({})], { encoding: 'utf8', env });
  }

  function sectionLine(text: string, name: string): string {
    const match = new RegExp(`^@@${name}\\n(.*)$`, 'm').exec(text);
    assert.ok(match?.[1] !== undefined, `no @@${name} in the fixture`);
    return match[1];
  }

  /**
   * pvesh, qm, pct and pveversion answering from a recorded fixture; `id`, `uname` and `sudo` acting out
   * the fixture's privilege: root, an SSH user sudo lets run pvesh, or one it does not.
   */
  function fakeProxmox(fixtureName: string): { env: NodeJS.ProcessEnv; calls: () => string[] } {
    const dir = tempDir('guests-tools-');
    const log = join(dir, 'calls.log');
    writeFileSync(log, '');
    const fixturePath = fileURLToPath(fixtureUrl('guests', fixtureName));
    const text = fixture(fixtureName);
    const privilege = sectionLine(text, 'privilege');
    const script = (name: string, body: string) => {
      writeFileSync(join(dir, name), body);
      chmodSync(join(dir, name), 0o755);
    };
    const tool = (name: string, cases: string[]) =>
      script(name, fixtureToolScript({ name, fixturePath, cases, logTo: shellQuote(log) }));
    tool('pvesh', ["'get /cluster/resources --type vm --output-format json') section=resources ;;"]);
    tool('qm', ['list) section=qm ;;']);
    tool('pct', ['list) section=pct ;;']);
    tool('pveversion', ["'') section=version ;;"]);
    script('id', `#!/bin/sh\n[ "$*" = -u ] || exit 2\necho ${privilege === 'root' ? 0 : 1000}\n`);
    script('uname', `#!/bin/sh\n[ "$*" = -n ] || exit 2\necho ${shellQuote(sectionLine(text, 'node'))}\n`);
    script(
      'sudo',
      [
        '#!/bin/sh',
        `printf 'sudo %s\\n' "$*" >> ${shellQuote(log)}`,
        '[ "$1" = -n ] || exit 1',
        'shift',
        `if [ "$1" = -l ]; then ${privilege === 'sudo' ? 'echo "/usr/bin/$2"; exit 0' : "echo 'sudo: a password is required' >&2; exit 1"}; fi`,
        'exec "$@"',
        '',
      ].join('\n'),
    );
    return {
      env: { PATH: `${dir}:/usr/bin:/bin` },
      calls: () =>
        readFileSync(log, 'utf8')
          .split('\n')
          .filter((line) => line !== ''),
    };
  }

  const proxmoxInstalled = ['/usr/sbin', '/usr/bin', '/sbin', '/bin'].some(
    (dir) => existsSync(join(dir, 'pvesh')) || existsSync(join(dir, 'qm')),
  );

  it('parses the real answer of this machine: guests, or explicitly not Proxmox', () => {
    const data = parse(runScript(process.env));
    if (data.available) assert.ok(data.status === 'ok' || data.status === 'needs_sudo');
    else assert.deepEqual([data.status, data.guests], ['not_proxmox', []]);
  });

  it(
    'reports no Proxmox when neither pvesh nor qm is on PATH',
    { skip: proxmoxInstalled && 'Proxmox is installed here' },
    () => {
      assert.equal(runScript({ PATH: tempDir('guests-empty-') }), fixture('not-proxmox.txt'));
    },
  );

  it('prints exactly what the fixtures record, asking pvesh once as root', () => {
    for (const name of ['pve82-cluster-root.txt', 'pve82-no-guests.txt']) {
      const tools = fakeProxmox(name);
      assert.equal(runScript(tools.env), fixture(name), name);
      assert.deepEqual(
        tools.calls(),
        ['pveversion ', 'pvesh get /cluster/resources --type vm --output-format json'],
        name,
      );
    }
  });

  it('runs pvesh through sudo -n when the policy allows it', () => {
    const tools = fakeProxmox('pve74-sudo.txt');
    assert.equal(runScript(tools.env), fixture('pve74-sudo.txt'));
    assert.deepEqual(tools.calls(), [
      'sudo -n -l pvesh',
      'pveversion ',
      'sudo -n pvesh get /cluster/resources --type vm --output-format json',
      'pvesh get /cluster/resources --type vm --output-format json',
    ]);
  });

  it('falls back to qm list and pct list when pvesh fails', () => {
    const tools = fakeProxmox('pve51-qm-pct.txt');
    assert.equal(runScript(tools.env), fixture('pve51-qm-pct.txt'));
    assert.deepEqual(tools.calls(), [
      'pveversion ',
      'pvesh get /cluster/resources --type vm --output-format json',
      'qm list',
      'pct list',
    ]);
  });

  it('asks nothing but the version when sudo refuses', () => {
    const tools = fakeProxmox('needs-sudo.txt');
    assert.equal(runScript(tools.env), fixture('needs-sudo.txt'));
    assert.deepEqual(tools.calls(), ['sudo -n -l pvesh', 'sudo -n -l qm', 'pveversion ']);
  });
});
