import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { drivesCollector } from '../../domain/collectors/drives/index.ts';
import { decodeExitStatus, type Drive, type DrivesData } from '../../domain/collectors/drives/schema.ts';
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

const fixture = fixtureReader('drives');
const assertParseError = parseErrorAsserter('drives');

/** Every answer parsed here is also held to the collector's schema. */
function parse(stdout: string): DrivesData {
  return schemaCheckedParse(drivesCollector, stdout);
}

/** Parses with the previous snapshot the collector is given, as it is on every poll but the first. */
function parseWith(stdout: string, previous: { data: DrivesData; collectedAt: Date }): DrivesData {
  return schemaCheckedParse(drivesCollector, stdout, { previous });
}

function drive(data: DrivesData, name: string): Drive {
  const found = data.drives.find((d) => d.name === name);
  assert.ok(found, `no drive ${name}`);
  return found;
}

type Json = Record<string, unknown>;

/** The JSON of `smartctl -a` for one drive of a fixture, to build variations from. */
function driveJson(fixtureName: string, index: number): Json {
  const match = new RegExp(`\\n@@drive-${index}\\n([\\s\\S]*?)\\n@@drive-${index}-status\\n`).exec(
    fixture(fixtureName),
  );
  assert.ok(match?.[1], `no drive-${index} in ${fixtureName}`);
  return JSON.parse(match[1]) as Json;
}

function runSection(name: string, stdout: string, status: number, stderr = ''): string {
  return `@@${name}\n${stdout}\n@@${name}-status\n${status}\n@@${name}-stderr\n${stderr}\n`;
}

interface ScannedJson {
  scan: string;
  json?: Json;
  status?: number;
}

/** A script output as the collector's script prints it, around the given scan lines and drive JSONs. */
function output(
  drives: ScannedJson[],
  privilege = 'root',
  version = 'smartctl 7.3 2022-02-28 r5338 [x86_64-linux-6.1.0-18-amd64] (local build)',
): string {
  let text = `@@privilege\n${privilege}\n@@version\n${version}\n`;
  text += runSection('scan', drives.map((d) => d.scan).join('\n'), 0);
  drives
    .filter((d) => d.json)
    .forEach((d, i) => {
      const json = d.json as Json & { smartctl: { exit_status: number } };
      text += runSection(`drive-${i}`, JSON.stringify(json, null, 2), d.status ?? json.smartctl.exit_status);
    });
  return `${text}@@end\n`;
}

const SDA = '/dev/sda -d sat # /dev/sda [SAT], ATA device';

/** One healthy WD Red from the Debian fixture, changed by `edit`, judged alone. */
function judgeWdRed(edit: (json: Json & { ata_smart_attributes: { table: Json[] }; smartctl: Json }) => void): Drive {
  const json = driveJson('debian12-root.txt', 0) as Json & { ata_smart_attributes: { table: Json[] }; smartctl: Json };
  edit(json);
  return drive(parse(output([{ scan: SDA, json }])), '/dev/sda');
}

function attribute(json: { ata_smart_attributes: { table: Json[] } }, id: number): Json & { raw: Json } {
  const found = json.ata_smart_attributes.table.find((a) => a.id === id);
  assert.ok(found, `no attribute ${id}`);
  return found as Json & { raw: Json };
}

function judgeNvme(index: number, edit: (log: Json, json: Json) => void): Drive {
  const json = driveJson('ubuntu2404-nvme-sudo.txt', index);
  edit(json.nvme_smart_health_information_log as Json, json);
  return drive(
    parse(output([{ scan: `/dev/nvme${index} -d nvme # /dev/nvme${index}, NVMe device`, json }])),
    `/dev/nvme${index}`,
  );
}

describe('drivesCollector settings', () => {
  it('polls hourly into drives_snapshots and needs smartctl', () => {
    assert.equal(drivesCollector.dataType, 'drives');
    assert.equal(drivesCollector.freshnessSeconds, 3600);
    assert.equal(drivesCollector.pollIntervalSeconds, 3600);
    assert.equal(drivesCollector.commandTimeoutMs, 90_000);
    assert.equal(drivesCollector.table, 'drives_snapshots');
    assert.equal(drivesCollector.retentionDays, 365);
    assert.equal(drivesCollector.requiredCapability, 'smartctl');
  });

  it('scans with --scan-open, reads every drive as JSON without waking it, and ends with @@end', () => {
    const script = drivesCollector.command({});
    assert.match(script, /run scan smart --scan-open\n/);
    assert.match(script, /run "drive-\$i" smart -a -j -n standby -d "\$\{type%% \*\}" "\$name" <\/dev\/null/);
    assert.match(
      script,
      /\*'"Device is in '\*\) run "drive-\$i-udev" udevadm info --query=property --name="\$name" <\/dev\/null ;;/,
    );
    assert.match(script, /sudo -n smartctl/);
    assert.ok(script.trimEnd().endsWith('echo @@end'));
  });
});

describe('drivesCollector.schema', () => {
  it('accepts the answer of every fixture that is not malformed on purpose, and rejects a mistyped field', () => {
    const malformed = ['drive-json-cut.txt', 'truncated.txt'];
    for (const name of fixtureNames('drives').filter((n) => !malformed.includes(n))) parse(fixture(name));
    const data = parse(fixture('debian12-root.txt'));
    assert.throws(
      () =>
        drivesCollector.schema.parse({ ...data, drives: data.drives.map((d) => ({ ...d, power_state: 'asleep' })) }),
      /power_state/,
    );
    assert.throws(
      () => drivesCollector.schema.parse({ ...data, drives: data.drives.map((d) => ({ ...d, temperature_c: '34' })) }),
      /temperature_c/,
    );
  });
});

describe('decodeExitStatus', () => {
  it("names each bit of smartctl's exit status", () => {
    assert.deepEqual(decodeExitStatus(0), { raw: 0, flags: [] });
    assert.deepEqual(decodeExitStatus(2).flags, ['device_open_failed']);
    assert.deepEqual(decodeExitStatus(4).flags, ['smart_command_failed']);
    assert.deepEqual(decodeExitStatus(216).flags, [
      'disk_failing',
      'prefail_at_or_below_threshold',
      'error_log_has_errors',
      'self_test_log_has_errors',
    ]);
    assert.deepEqual(decodeExitStatus(255).flags, [
      'command_line_error',
      'device_open_failed',
      'smart_command_failed',
      'disk_failing',
      'prefail_at_or_below_threshold',
      'at_or_below_threshold_in_past',
      'error_log_has_errors',
      'self_test_log_has_errors',
    ]);
  });
});

describe('drivesCollector.parse: Debian 12 server, root, smartctl 7.3', () => {
  const data = parse(fixture('debian12-root.txt'));

  it('passes two WD Reds and a Samsung SSD', () => {
    assert.equal(data.status, 'ok');
    assert.equal(data.privilege, 'root');
    assert.equal(data.smartctl_version, '7.3');
    assert.equal(data.note, undefined);
    assert.deepEqual(
      data.drives.map((d) => [d.name, d.verdict]),
      [
        ['/dev/sda', 'passed'],
        ['/dev/sdb', 'passed'],
        ['/dev/sdc', 'passed'],
      ],
    );
    assert.deepEqual(data.summary, { total: 3, passed: 3, warning: 0, failed: 0, unknown: 0 });
    assert.deepEqual(data.problems, []);
    assert.deepEqual(drivesCollector.columns(data), {
      drives_total: 3,
      drives_passed: 3,
      drives_warning: 0,
      drives_failed: 0,
      max_temperature_c: 36,
      smartctl_available: true,
    });
    assert.deepEqual(drivesCollector.capabilities?.(data), { smartctl: true });
  });

  it('reads identity, temperature, hours and attributes of a hard disk', () => {
    const { attributes, ...sda } = drive(data, '/dev/sda');
    assert.deepEqual(sda, {
      name: '/dev/sda',
      type: 'sat',
      protocol: 'ATA',
      model_family: 'Western Digital Red',
      model: 'WDC WD40EFRX-68N32N0',
      serial: 'WD-WCC7K1234567',
      firmware: '82.00A82',
      capacity_bytes: 4_000_787_030_016,
      rotation_rpm: 5400,
      temperature_c: 35,
      power_on_hours: 33127,
      smart_passed: true,
      exit_status: { raw: 0, flags: [] },
      nvme: null,
      scsi_grown_defect_list: null,
      verdict: 'passed',
      reasons: [],
      power_state: 'active',
      health_from: null,
    });
    assert.equal(attributes.length, 17);
    assert.deepEqual(
      attributes.find((a) => a.id === 5),
      {
        id: 5,
        name: 'Reallocated_Sector_Ct',
        value: 200,
        worst: 200,
        threshold: 140,
        raw: 0,
        raw_string: '0',
        when_failed: null,
        prefailure: true,
      },
    );
    assert.equal(attributes.find((a) => a.id === 194)?.prefailure, false);
  });

  it('reports no rotation for the SSD', () => {
    const sdc = drive(data, '/dev/sdc');
    assert.deepEqual(
      [sdc.model, sdc.model_family, sdc.rotation_rpm, sdc.capacity_bytes, sdc.temperature_c],
      ['Samsung SSD 870 EVO 1TB', 'Samsung based SSDs', null, 1_000_204_886_016, 31],
    );
  });
});

describe('drivesCollector.parse: failing drives, Debian 11, smartctl 7.2', () => {
  const data = parse(fixture('debian11-failing.txt'));

  it('sorts the failed drive first and counts verdicts', () => {
    assert.equal(data.smartctl_version, '7.2');
    assert.deepEqual(
      data.drives.map((d) => [d.name, d.verdict]),
      [
        ['/dev/sdb', 'failed'],
        ['/dev/sda', 'warning'],
        ['/dev/sdc', 'warning'],
      ],
    );
    assert.deepEqual(data.summary, { total: 3, passed: 0, warning: 2, failed: 1, unknown: 0 });
    assert.deepEqual(drivesCollector.columns(data), {
      drives_total: 3,
      drives_passed: 0,
      drives_warning: 2,
      drives_failed: 1,
      max_temperature_c: 39,
      smartctl_available: true,
    });
  });

  it('fails a Seagate that smartctl reports FAILING, with every piece of evidence', () => {
    const sdb = drive(data, '/dev/sdb');
    assert.equal(sdb.smart_passed, false);
    assert.deepEqual(sdb.exit_status, {
      raw: 216,
      flags: ['disk_failing', 'prefail_at_or_below_threshold', 'error_log_has_errors', 'self_test_log_has_errors'],
    });
    assert.equal(sdb.attributes.find((a) => a.id === 5)?.when_failed, 'now');
    assert.deepEqual(sdb.reasons, [
      'smartctl reports FAILING',
      'attribute 5 Reallocated_Sector_Ct value 5 at or below threshold 10',
      'attribute 5 Reallocated_Sector_Ct raw 3912',
      'attribute 197 Current_Pending_Sector raw 1224',
      'attribute 198 Offline_Uncorrectable raw 1224',
      'attribute 187 Reported_Uncorrect raw 2193',
      'attribute 188 Command_Timeout raw 2 (low 16 bits of 8590065666)',
      'device error log has 2193 errors',
      'self-test log has 1 failed self-test',
    ]);
  });

  it('warns about a Seagate whose smartctl verdict is PASSED but whose sectors are going bad', () => {
    const sda = drive(data, '/dev/sda');
    assert.equal(sda.smart_passed, true);
    assert.deepEqual(sda.exit_status?.flags, ['error_log_has_errors']);
    assert.deepEqual(sda.reasons, [
      'attribute 5 Reallocated_Sector_Ct raw 24',
      'attribute 187 Reported_Uncorrect raw 3',
      'attribute 188 Command_Timeout raw 1 (low 16 bits of 4295032833)',
      'attribute 197 Current_Pending_Sector raw 8',
      'attribute 198 Offline_Uncorrectable raw 8',
      'device error log has 3 errors',
    ]);
  });

  it('warns about a SAS drive with grown defects', () => {
    const sdc = drive(data, '/dev/sdc');
    assert.deepEqual(
      [
        sdc.protocol,
        sdc.type,
        sdc.model,
        sdc.firmware,
        sdc.serial,
        sdc.scsi_grown_defect_list,
        sdc.power_on_hours,
        sdc.temperature_c,
      ],
      ['SCSI', 'scsi', 'HGST HUS726040AL5210', 'A7J0', 'K4K1ABCD', 14, 41823, 38],
    );
    assert.deepEqual(sdc.attributes, []);
    assert.deepEqual(sdc.reasons, ['grown defect list 14']);
  });

  it('lists one problem line per failed or warning drive', () => {
    assert.equal(data.problems.length, 3);
    assert.ok(
      data.problems[0]?.startsWith(
        '/dev/sdb ST3000DM001-1CH166 (Z1F2K3L4): FAILED — smartctl reports FAILING; attribute 5 Reallocated_Sector_Ct value 5',
      ),
    );
    assert.equal(data.problems[2], '/dev/sdc HGST HUS726040AL5210 (K4K1ABCD): WARNING — grown defect list 14');
  });
});

describe('drivesCollector.parse: NVMe drives through sudo, Ubuntu 24.04, smartctl 7.4', () => {
  const data = parse(fixture('ubuntu2404-nvme-sudo.txt'));

  it('reads the NVMe health log', () => {
    assert.equal(data.privilege, 'sudo');
    assert.equal(data.smartctl_version, '7.4');
    const nvme0 = drive(data, '/dev/nvme0');
    assert.deepEqual(nvme0.nvme, {
      critical_warning: 0,
      temperature: 41,
      available_spare: 100,
      available_spare_threshold: 10,
      percentage_used: 2,
      media_errors: 0,
      num_err_log_entries: 0,
      power_on_hours: 8766,
      unsafe_shutdowns: 27,
      data_units_read: 29374611,
      data_units_written: 41230568,
    });
    assert.deepEqual(
      [nvme0.verdict, nvme0.model, nvme0.protocol, nvme0.rotation_rpm, nvme0.capacity_bytes, nvme0.power_on_hours],
      ['passed', 'Samsung SSD 980 PRO 1TB', 'NVMe', null, 1_000_204_886_016, 8766],
    );
  });

  it('fails an NVMe drive with a critical warning, no spare left and its endurance used up', () => {
    const nvme2 = drive(data, '/dev/nvme2');
    assert.equal(nvme2.verdict, 'failed');
    assert.equal(nvme2.smart_passed, false);
    assert.equal(nvme2.capacity_bytes, 1_024_209_543_168);
    assert.deepEqual(nvme2.reasons, [
      'smartctl reports FAILING',
      'NVMe critical_warning 0x05: available spare below threshold, reliability degraded',
      'available spare 8% below threshold 10%',
      'percentage used 103%',
    ]);
  });

  it('warns about media errors and a hot NVMe drive', () => {
    assert.deepEqual(drive(data, '/dev/nvme1').reasons, [
      'media errors 12',
      'temperature 72 °C (limit 70 °C for solid-state drives)',
    ]);
    assert.deepEqual(
      data.drives.map((d) => d.verdict),
      ['failed', 'warning', 'passed'],
    );
    assert.deepEqual(drivesCollector.columns(data), {
      drives_total: 3,
      drives_passed: 1,
      drives_warning: 1,
      drives_failed: 1,
      max_temperature_c: 72,
      smartctl_available: true,
    });
  });
});

describe('drivesCollector.parse: Unraid 6.12, smartctl 7.3', () => {
  const data = parse(fixture('unraid612.txt'));

  it('reports the USB boot flash without SMART as unknown, not passed', () => {
    const flash = drive(data, '/dev/sda');
    assert.deepEqual(
      [
        flash.verdict,
        flash.reasons,
        flash.protocol,
        flash.model,
        flash.firmware,
        flash.smart_passed,
        flash.exit_status?.flags,
      ],
      [
        'unknown',
        ['SMART unavailable: the device lacks SMART capability'],
        'SCSI',
        'SanDisk Cruzer Fit',
        '1.00',
        null,
        ['smart_command_failed'],
      ],
    );
  });

  it('warns about an attribute that failed in the past and a hot hard disk', () => {
    assert.deepEqual(drive(data, '/dev/sdc').reasons, [
      'attribute 190 Airflow_Temperature_Cel was at or below threshold 40 in the past (worst 38)',
    ]);
    assert.deepEqual(drive(data, '/dev/sdc').exit_status?.flags, ['at_or_below_threshold_in_past']);
    assert.deepEqual(drive(data, '/dev/sdd').reasons, ['temperature 61 °C (limit 60 °C for hard disks)']);
  });

  it("passes a drive missing from smartctl's database and an NVMe cache drive", () => {
    const sdb = drive(data, '/dev/sdb');
    assert.deepEqual(
      [sdb.verdict, sdb.model_family, sdb.model, sdb.temperature_c],
      ['passed', null, 'WDC WD80EFZZ-68BTXN0', 34],
    );
    assert.equal(drive(data, '/dev/nvme0').verdict, 'passed');
    assert.deepEqual(
      data.drives.map((d) => d.name),
      ['/dev/sdc', '/dev/sdd', '/dev/nvme0', '/dev/sda', '/dev/sdb'],
    );
    assert.deepEqual(data.summary, { total: 5, passed: 2, warning: 2, failed: 0, unknown: 1 });
    assert.equal(drivesCollector.columns(data).max_temperature_c, 61);
  });
});

describe('drivesCollector.parse: Unraid 7.0, smartctl 7.4, three of five array disks spun down', () => {
  const spunDown = fixture('unraid7-spun-down.txt');
  // The same box a year earlier, before two disks were added: its /dev/sdc and /dev/sdd are now /dev/sdd and /dev/sdc.
  const earlier = { data: parse(fixture('unraid612.txt')), collectedAt: new Date('2024-04-01T09:00:00Z') };

  it('reports sleeping disks as standby and unknown, never as failed, unopenable or needing sudo', () => {
    const data = parse(spunDown);
    assert.equal(data.status, 'ok');
    assert.equal(data.note, undefined);
    assert.equal(data.smartctl_version, '7.4');
    assert.deepEqual(
      data.drives.map((d) => [d.name, d.power_state, d.verdict, d.health_from]),
      [
        ['/dev/nvme0', 'active', 'passed', null],
        ['/dev/sda', 'active', 'unknown', null],
        ['/dev/sdb', 'active', 'passed', null],
        ['/dev/sdc', 'standby', 'unknown', null],
        ['/dev/sdd', 'standby', 'unknown', null],
        ['/dev/sde', 'active', 'passed', null],
        ['/dev/sdf', 'standby', 'unknown', null],
      ],
    );
    const sdc = drive(data, '/dev/sdc');
    assert.deepEqual(
      [sdc.reasons, sdc.exit_status, sdc.protocol, sdc.model, sdc.serial, sdc.temperature_c, sdc.attributes],
      [
        ['asleep (standby); not woken to read SMART'],
        { raw: 2, flags: ['device_open_failed'] },
        'ATA',
        null,
        null,
        null,
        [],
      ],
    );
    assert.deepEqual(data.summary, { total: 7, passed: 3, warning: 0, failed: 0, unknown: 4 });
    assert.deepEqual(data.problems, []);
  });

  it("carries each sleeping disk's last read over, found by serial although the disks changed names", () => {
    const data = parseWith(spunDown, earlier);
    const asOf = '2024-04-01T09:00:00.000Z';
    assert.deepEqual(drive(data, '/dev/sdc'), {
      ...drive(earlier.data, '/dev/sdd'),
      name: '/dev/sdc',
      temperature_c: null,
      power_state: 'standby',
      health_from: asOf,
    });
    assert.deepEqual(drive(data, '/dev/sdd'), {
      ...drive(earlier.data, '/dev/sdc'),
      name: '/dev/sdd',
      temperature_c: null,
      power_state: 'standby',
      health_from: asOf,
    });
    assert.deepEqual([drive(data, '/dev/sdc').serial, drive(data, '/dev/sdc').power_on_hours], ['X0K0A0B0FBEG', 8434]);
    assert.deepEqual(
      [drive(data, '/dev/sdf').verdict, drive(data, '/dev/sdf').health_from],
      ['unknown', null],
      'a disk never read before stays unknown',
    );
    assert.deepEqual(
      drive(data, '/dev/sde'),
      drive(parse(spunDown), '/dev/sde'),
      'an awake disk is read now, whatever it was before',
    );
    assert.deepEqual(data.summary, { total: 7, passed: 3, warning: 2, failed: 0, unknown: 2 });
    assert.deepEqual(data.problems, [
      `/dev/sdc TOSHIBA HDWG480 (X0K0A0B0FBEG): WARNING as read ${asOf}, asleep now — temperature 61 °C (limit 60 °C for hard disks)`,
      `/dev/sdd ST8000VN004-2M2101 (WSD1A2B3): WARNING as read ${asOf}, asleep now — attribute 190 Airflow_Temperature_Cel was at or below threshold 40 in the past (worst 38)`,
    ]);
    assert.deepEqual(drivesCollector.columns(data), {
      drives_total: 7,
      drives_passed: 3,
      drives_warning: 2,
      drives_failed: 0,
      max_temperature_c: 41,
      smartctl_available: true,
    });
  });

  it('keeps the time of the read through later polls, and takes nothing from a poll that found a disk asleep unread', () => {
    const carried = { data: parseWith(spunDown, earlier), collectedAt: new Date('2025-04-01T10:00:00Z') };
    assert.deepEqual(parseWith(spunDown, carried), carried.data);
    const unread = { data: parse(spunDown), collectedAt: new Date('2025-04-01T10:00:00Z') };
    assert.deepEqual(parseWith(spunDown, unread), parse(spunDown));
  });

  it('takes snapshots stored before power states were recorded as reads at their time', () => {
    const legacy = structuredClone(earlier.data);
    for (const d of legacy.drives) {
      delete (d as Partial<Drive>).power_state;
      delete (d as Partial<Drive>).health_from;
    }
    assert.deepEqual(parseWith(spunDown, { ...earlier, data: legacy }), parseWith(spunDown, earlier));
  });
});

describe('drivesCollector.parse: the failing Seagate of Debian 11 spun down an hour later, smartctl 7.2', () => {
  const asleep = fixture('debian11-failing-asleep.txt');
  const earlier = { data: parse(fixture('debian11-failing.txt')), collectedAt: new Date('2024-03-12T02:00:00Z') };
  const udevSection = /@@drive-1-udev\n[\s\S]*?@@drive-1-udev-stderr\n\n/;

  it('still counts it failed, first, with the evidence of its last read', () => {
    const data = parseWith(asleep, earlier);
    const asOf = '2024-03-12T02:00:00.000Z';
    assert.deepEqual(
      data.drives.map((d) => [d.name, d.verdict, d.power_state, d.health_from]),
      [
        ['/dev/sdb', 'failed', 'standby', asOf],
        ['/dev/sda', 'warning', 'active', null],
        ['/dev/sdc', 'warning', 'active', null],
      ],
    );
    assert.deepEqual(drive(data, '/dev/sdb'), {
      ...drive(earlier.data, '/dev/sdb'),
      temperature_c: null,
      power_state: 'standby',
      health_from: asOf,
    });
    assert.deepEqual(data.summary, { total: 3, passed: 0, warning: 2, failed: 1, unknown: 0 });
    assert.deepEqual(drivesCollector.columns(data), {
      drives_total: 3,
      drives_passed: 0,
      drives_warning: 2,
      drives_failed: 1,
      max_temperature_c: 38,
      smartctl_available: true,
    });
    assert.ok(
      data.problems[0]?.startsWith(
        `/dev/sdb ST3000DM001-1CH166 (Z1F2K3L4): FAILED as read ${asOf}, asleep now — smartctl reports FAILING; attribute 5`,
      ),
      data.problems[0],
    );
  });

  it('is unknown without an earlier read, as root or unprivileged', () => {
    for (const privilege of ['root', 'user']) {
      const data = parse(asleep.replace('@@privilege\nroot\n', `@@privilege\n${privilege}\n`));
      assert.equal(data.status, 'ok', privilege);
      const sdb = drive(data, '/dev/sdb');
      assert.deepEqual(
        [sdb.verdict, sdb.reasons, sdb.power_state, sdb.health_from, sdb.model, sdb.exit_status],
        [
          'unknown',
          ['asleep (standby); not woken to read SMART'],
          'standby',
          null,
          null,
          { raw: 2, flags: ['device_open_failed'] },
        ],
      );
      assert.deepEqual(data.summary, { total: 3, passed: 0, warning: 2, failed: 0, unknown: 1 });
    }
  });

  it('tells sleep from the kinds of standby smartctl names', () => {
    const asleepIn = (mode: string) =>
      drive(
        parse(asleep.replace('Device is in STANDBY mode, exit(2)', `Device is in ${mode} mode, exit(2)`)),
        '/dev/sdb',
      );
    assert.deepEqual(
      ['SLEEP', 'STANDBY_Y', 'STANDBY BY COMMAND', 'STANDBY (OS)'].map((mode) => asleepIn(mode).power_state),
      ['sleep', 'standby', 'standby', 'standby'],
    );
    assert.deepEqual(asleepIn('SLEEP').reasons, ['asleep (sleep); not woken to read SMART']);
  });

  it('finds the last read only by what udev knows of the sleeping drive', () => {
    const withUdev = (stdout: string, status: number, stderr = '') =>
      asleep.replace(udevSection, runSection('drive-1-udev', stdout, status, stderr));
    const verdictWith = (text: string) => drive(parseWith(text, earlier), '/dev/sdb').verdict;
    assert.equal(verdictWith(withUdev('', 127, 'sh: 1: udevadm: not found')), 'unknown', 'no udevadm');
    assert.equal(
      verdictWith(withUdev('ID_BUS=usb\nID_MODEL=ST3000DM001-1CH166\nID_SERIAL_SHORT=000000000024', 0)),
      'unknown',
      'the serial of a USB bridge',
    );
    const noSerial = withUdev('ID_BUS=ata\nID_MODEL=ST3000DM001-1CH166', 0);
    assert.equal(verdictWith(noSerial), 'failed', 'without a serial, by name and model');
    assert.equal(
      drive(parseWith(noSerial.replaceAll('/dev/sdb', '/dev/sdd'), earlier), '/dev/sdd').verdict,
      'unknown',
      'another name',
    );
  });

  it('rejects a sleeping drive without its udev section', () => {
    assertParseError(() => parse(asleep.replace(udevSection, '')), /section @@drive-1-udev is missing/);
  });
});

describe('drivesCollector.parse: virtual machines, missing smartctl, missing privileges', () => {
  it('reports QEMU disks without SMART as unknown', () => {
    const data = parse(fixture('proxmox-vm-qemu.txt'));
    assert.equal(data.status, 'ok');
    assert.deepEqual(
      data.drives.map((d) => [d.name, d.model, d.serial, d.verdict]),
      [
        ['/dev/sda', 'QEMU QEMU HARDDISK', 'drive-scsi0', 'unknown'],
        ['/dev/sdb', 'QEMU QEMU HARDDISK', 'drive-scsi1', 'unknown'],
      ],
    );
    assert.deepEqual(data.summary, { total: 2, passed: 0, warning: 0, failed: 0, unknown: 2 });
    assert.deepEqual(data.problems, []);
    assert.equal(drivesCollector.columns(data).max_temperature_c, null);
  });

  it('reports a scan without devices explicitly', () => {
    const data = parse(fixture('virtio-vm-no-devices.txt'));
    assert.equal(data.status, 'no_devices');
    assert.match(data.note ?? '', /smartctl found no devices/);
    assert.deepEqual(data.drives, []);
    assert.deepEqual(drivesCollector.columns(data), {
      drives_total: 0,
      drives_passed: 0,
      drives_warning: 0,
      drives_failed: 0,
      max_temperature_c: null,
      smartctl_available: true,
    });
  });

  it('reports a device without smartctl explicitly', () => {
    const data = parse(fixture('no-smartctl.txt'));
    assert.deepEqual(data, {
      smartctl_available: false,
      status: 'not_installed',
      note: 'smartctl not installed (package smartmontools)',
      drives: [],
      summary: { total: 0, passed: 0, warning: 0, failed: 0, unknown: 0 },
      problems: [],
    });
    assert.equal(drivesCollector.columns(data).smartctl_available, false);
    assert.deepEqual(drivesCollector.capabilities?.(data), { smartctl: false });
  });

  it('needs sudo when an unprivileged scan cannot open the drives', () => {
    const data = parse(fixture('ubuntu2404-needs-sudo.txt'));
    assert.equal(data.status, 'needs_sudo');
    assert.equal(data.privilege, 'user');
    assert.match(data.note ?? '', /^needs sudo for smartctl: .*sudo -n smartctl.*NOPASSWD: \/usr\/sbin\/smartctl/);
    assert.deepEqual(
      data.drives.map((d) => [d.name, d.protocol, d.verdict, d.exit_status, d.reasons]),
      [
        [
          '/dev/nvme0',
          'NVMe',
          'unknown',
          null,
          ['smartctl could not open the device: Permission denied', 'needs sudo for smartctl'],
        ],
        [
          '/dev/sda',
          'SCSI',
          'unknown',
          null,
          ['smartctl could not open the device: Permission denied', 'needs sudo for smartctl'],
        ],
      ],
    );
    assert.deepEqual(data.problems, []);
  });

  it('needs sudo when an unprivileged user in the disk group can open but not identify a drive', () => {
    const data = parse(fixture('debian12-needs-sudo-disk-group.txt'));
    assert.equal(data.status, 'needs_sudo');
    assert.deepEqual(drive(data, '/dev/sda').reasons, [
      'smartctl could not open or identify the device (exit status 2)',
      'needs sudo for smartctl',
    ]);
    assert.deepEqual(drive(data, '/dev/sda').exit_status?.flags, ['device_open_failed']);
    assert.deepEqual(data.summary, { total: 2, passed: 0, warning: 0, failed: 0, unknown: 2 });
  });

  it('does not ask for sudo when root cannot open a drive', () => {
    const json = driveJson('debian12-needs-sudo-disk-group.txt', 0);
    delete json.device;
    Object.assign(json.smartctl as Json, {
      messages: [{ string: 'Smartctl open device: /dev/sda [SAT] failed: No such device', severity: 'error' }],
    });
    const data = parse(
      output([
        { scan: SDA, json },
        {
          scan: "# /dev/sdb -d scsi # /dev/sdb, SCSI device open failed: DELL or MegaRaid controller, please try adding '-d megaraid,N'",
        },
      ]),
    );
    assert.equal(data.status, 'ok');
    assert.equal(data.note, undefined);
    assert.deepEqual(
      data.drives.map((d) => [d.name, d.verdict, d.reasons]),
      [
        ['/dev/sda', 'unknown', ['Smartctl open device: /dev/sda [SAT] failed: No such device']],
        [
          '/dev/sdb',
          'unknown',
          ["smartctl could not open the device: DELL or MegaRaid controller, please try adding '-d megaraid,N'"],
        ],
      ],
    );
  });
});

describe('drivesCollector verdict rules', () => {
  it('fails from 100 reallocated or pending sectors on, warns below', () => {
    const reallocated = (raw: number) =>
      judgeWdRed((json) => Object.assign(attribute(json, 5).raw, { value: raw, string: String(raw) }));
    assert.deepEqual(
      [reallocated(99).verdict, reallocated(99).reasons],
      ['warning', ['attribute 5 Reallocated_Sector_Ct raw 99']],
    );
    assert.deepEqual(
      [reallocated(100).verdict, reallocated(100).reasons],
      ['failed', ['attribute 5 Reallocated_Sector_Ct raw 100']],
    );
    const pending = judgeWdRed((json) => Object.assign(attribute(json, 197).raw, { value: 150, string: '150' }));
    assert.equal(pending.verdict, 'failed');
  });

  it('warns about every other critical attribute, but reads only the low 16 bits of 188', () => {
    const spinRetry = judgeWdRed((json) => Object.assign(attribute(json, 10).raw, { value: 3, string: '3' }));
    assert.deepEqual([spinRetry.verdict, spinRetry.reasons], ['warning', ['attribute 10 Spin_Retry_Count raw 3']]);
    const timeouts = judgeWdRed((json) =>
      json.ata_smart_attributes.table.push({
        ...attribute(json, 10),
        id: 188,
        name: 'Command_Timeout',
        raw: { value: 3 * 2 ** 32 + 2 ** 16, string: '196608' },
      }),
    );
    assert.deepEqual([timeouts.verdict, timeouts.reasons], ['passed', []]);
  });

  it('fails an attribute at or below its threshold even when smartctl does not flag it', () => {
    const failing = judgeWdRed((json) => Object.assign(attribute(json, 1), { value: 51 }));
    assert.deepEqual(failing.reasons, ['attribute 1 Raw_Read_Error_Rate value 51 at or below threshold 51']);
    const zeroThreshold = judgeWdRed((json) => Object.assign(attribute(json, 194), { value: 0 }));
    assert.equal(zeroThreshold.verdict, 'passed', 'a threshold of 0 never fails');
  });

  it('names exit bits no attribute explains', () => {
    const exit = (status: number) =>
      judgeWdRed((json) => {
        json.smartctl.exit_status = status;
        delete (json.ata_smart_error_log as Json).summary;
      });
    assert.deepEqual(exit(16).reasons, [
      'smartctl exit status bit 4: a prefail attribute is at or below its threshold',
    ]);
    assert.equal(exit(16).verdict, 'failed');
    assert.deepEqual(exit(32).reasons, [
      'smartctl exit status bit 5: an attribute was at or below its threshold in the past',
    ]);
    assert.deepEqual(exit(64).reasons, ['device error log has errors']);
    assert.deepEqual(exit(8).reasons, ['smartctl reports FAILING']);
    assert.deepEqual([exit(4).verdict, exit(4).exit_status?.flags], ['passed', ['smart_command_failed']]);
  });

  it('warns from 60 °C for hard disks and 70 °C for solid-state drives', () => {
    const hdd = (t: number) =>
      judgeWdRed((json) => {
        json.temperature = { current: t };
      }).verdict;
    assert.deepEqual([hdd(59), hdd(60)], ['passed', 'warning']);
    const nvme = (t: number) =>
      judgeNvme(0, (_log, json) => {
        json.temperature = { current: t };
      }).verdict;
    assert.deepEqual([nvme(69), nvme(70)], ['passed', 'warning']);
  });

  it('fails worn-out NVMe drives and names each critical warning bit', () => {
    const worn = judgeNvme(0, (log) => {
      log.percentage_used = 100;
    });
    assert.deepEqual([worn.verdict, worn.reasons], ['failed', ['percentage used 100%']]);
    const hot = judgeNvme(0, (log, json) => {
      log.critical_warning = 0x02;
      json.smart_status = { passed: false, nvme: { value: 2 } };
    });
    assert.deepEqual(hot.reasons, ['smartctl reports FAILING', 'NVMe critical_warning 0x02: temperature out of range']);
  });

  it('reports SMART that is disabled or absent as unknown', () => {
    const disabled = judgeWdRed((json) => {
      json.smart_support = { available: true, enabled: false };
    });
    assert.deepEqual(
      [disabled.verdict, disabled.reasons],
      ['unknown', ['SMART is disabled on the device (smartctl -s on enables it)']],
    );
    // smartctl 7.2 prints no smart_support, and a virtual disk gives no health data at all.
    const json = driveJson('proxmox-vm-qemu.txt', 0);
    delete json.smart_support;
    const bare = drive(parse(output([{ scan: '/dev/sda -d scsi # /dev/sda, SCSI device', json }])), '/dev/sda');
    assert.deepEqual([bare.verdict, bare.reasons], ['unknown', ['smartctl reported no SMART health data']]);
  });
});

describe('drivesCollector.parse: malformed output', () => {
  const debian = fixture('debian12-root.txt');

  it('rejects output without @@end', () => {
    assertParseError(() => parse(fixture('truncated.txt')), /output truncated: no @@end line/);
  });

  it('rejects a drive whose JSON is cut off, naming the device', () => {
    assertParseError(() => parse(fixture('drive-json-cut.txt')), /smartctl -a \/dev\/sdb: output is not complete JSON/);
  });

  it('rejects a drive that printed nothing, with its stderr', () => {
    const json = driveJson('debian12-root.txt', 0);
    const text = output([{ scan: SDA, json }], 'sudo').replace(
      /@@drive-0\n[\s\S]*?@@drive-0-stderr\n\n/,
      runSection('drive-0', '', 1, 'sudo: a password is required'),
    );
    assertParseError(
      () => parse(text),
      /smartctl -a \/dev\/sda printed nothing \(exit status 1\): sudo: a password is required/,
    );
  });

  it('rejects JSON of the wrong shape', () => {
    const shapes: [(json: Json & { ata_smart_attributes: { table: Json[] }; smartctl: Json }) => void, RegExp][] = [
      [
        (json) => {
          json.temperature = { current: '35' };
        },
        /\/dev\/sda: temperature\.current is not a number/,
      ],
      [
        (json) => {
          json.json_format_version = [2, 0];
        },
        /unsupported json_format_version \[2,0\]/,
      ],
      [
        (json) => {
          Object.assign(attribute(json, 5), { when_failed: 'FAILING_NOW' });
        },
        /ata_smart_attributes\.table\[3\]\.when_failed is not one of "", "now", "past"/,
      ],
      [
        (json) => {
          delete attribute(json, 9).raw.value;
        },
        /table\[5\]\.raw\.value is not a number/,
      ],
      [
        (json) => {
          delete json.smartctl.exit_status;
        },
        /smartctl\.exit_status is not a number/,
      ],
      [
        (json) => {
          (json.device as Json).protocol = 'USB';
        },
        /unknown protocol "USB"/,
      ],
      [
        (json) => {
          json.smartctl.exit_status = 1;
          json.smartctl.messages = [{ string: '=======> INVALID ARGUMENT TO -d: foo', severity: 'error' }];
        },
        /rejected its command line: =======> INVALID ARGUMENT TO -d: foo/,
      ],
    ];
    for (const [edit, message] of shapes) {
      const json = driveJson('debian12-root.txt', 0) as Json & {
        ata_smart_attributes: { table: Json[] };
        smartctl: Json;
      };
      edit(json);
      assertParseError(() => parse(output([{ scan: SDA, json, status: 0 }])), message);
    }
  });

  it('rejects drive sections that do not match the scan', () => {
    assertParseError(
      () => parse(debian.replace('/dev/sdc -d sat # /dev/sdc [SAT], ATA device\n', '')),
      /section @@drive-2 has no device in the scan/,
    );
    assertParseError(() => parse(debian.replace(/@@drive-2\n[\s\S]*?(?=@@end\n)/, '')), /section @@drive-2 is missing/);
  });

  it('rejects unreadable scans and failed scans', () => {
    assertParseError(
      () => parse(debian.replace('/dev/sda -d sat # /dev/sda [SAT], ATA device', '/dev/sda')),
      /unreadable line in smartctl --scan-open/,
    );
    assertParseError(
      () =>
        parse(
          debian.replace(
            '/dev/sda -d sat # /dev/sda [SAT], ATA device',
            '# scan_smart_devices: glob(3) aborted matching pattern /dev/discs/disc*',
          ),
        ),
      /smartctl --scan-open failed: scan_smart_devices: glob\(3\) aborted/,
    );
    assertParseError(
      () =>
        parse(
          output([]).replace(
            '@@scan-status\n0\n@@scan-stderr\n',
            '@@scan-status\n1\n@@scan-stderr\nsudo: a password is required',
          ),
        ),
      /smartctl --scan-open failed with exit status 1: sudo: a password is required/,
    );
  });

  it('rejects an unknown privilege mode and smartctl without JSON output', () => {
    assertParseError(
      () => parse(debian.replace('@@privilege\nroot\n', '@@privilege\nadmin\n')),
      /unknown privilege mode "admin"/,
    );
    assertParseError(
      () =>
        parse(
          debian.replace(
            /@@version\n.*\n/,
            '@@version\nsmartctl 6.6 2016-05-31 r4324 [x86_64-linux-4.19.0-6-amd64] (local build)\n',
          ),
        ),
      /smartctl 6\.6 has no JSON output: smartctl -j needs smartmontools 7\.0 or later/,
    );
  });
});

describe('drivesCollector.command under /bin/sh with fake smartctl, id and sudo', () => {
  const tempDir = tempDirs();

  function runScript(env: NodeJS.ProcessEnv): string {
    return execFileSync('/bin/sh', ['-c', drivesCollector.command({})], { encoding: 'utf8', env });
  }

  function executable(path: string, script: string): void {
    writeFileSync(path, script);
    chmodSync(path, 0o755);
  }

  /**
   * `smartctl` answering from a recorded script output (stdout, stderr and exit status per section; a
   * drive's section found by its name and type in the recorded scan, so the drives the fixture records
   * asleep answer standby), `udevadm` answering a drive's @@drive-N-udev section, `id -u` answering
   * `uid`, and `sudo -n` that runs the command only when allowed. All of them log their name and arguments.
   */
  function fakeTools(
    fixturePath: string,
    uid: number,
    sudoAllowed: boolean,
  ): { env: NodeJS.ProcessEnv; calls: () => string[] } {
    const dir = tempDir('drives-tools-');
    const log = join(dir, 'calls.log');
    writeFileSync(log, '');
    const fixture = shellQuote(fixturePath);
    // Sets $index to the position among the read drives of the one whose scan line starts with $want.
    const scanIndex = (want: string) =>
      `  index=$(want=${want} awk '$0 == "@@scan" { on = 1; next } /^@@/ { on = 0 } on && $0 != "" && substr($0, 1, 1) != "#" { if (index($0, ENVIRON["want"]) == 1) { print n + 0; exit } n++ }' ${fixture})`;
    executable(
      join(dir, 'smartctl'),
      fixtureToolScript({
        name: 'smartctl',
        fixturePath,
        logTo: shellQuote(log),
        cases: [
          `--version) awk '$0 == "@@version" { on = 1; next } /^@@/ { on = 0 } on && $0 != ""' ${fixture}; echo 'Copyright (C) 2002-23, Bruce Allen, Christian Franke, www.smartmontools.org'; exit 0 ;;`,
          '--scan-open) section=scan ;;',
          "'-a '*)",
          // Without -n standby a real smartctl would spin up the drives the fixture records asleep.
          '  [ "$#" -eq 7 ] && [ "$2" = -j ] && [ "$3" = -n ] && [ "$4" = standby ] && [ "$5" = -d ] || { echo "fake smartctl: unexpected arguments: $*" >&2; exit 2; }',
          scanIndex('"$7 -d $6 "'),
          '  [ -n "$index" ] || { echo "fake smartctl: $7 -d $6 is not in the scan" >&2; exit 2; }',
          '  section=drive-$index ;;',
        ],
      }),
    );
    executable(
      join(dir, 'udevadm'),
      fixtureToolScript({
        name: 'udevadm',
        fixturePath,
        logTo: shellQuote(log),
        cases: [
          "'info --query=property --name='*)",
          '  name=${3#--name=}',
          scanIndex('"$name -d "'),
          '  section=drive-$index-udev',
          `  grep -qx "@@$section" ${fixture} || { echo "fake udevadm: no $section for $name" >&2; exit 2; }`,
          '  ;;',
        ],
      }),
    );
    const logCall = (tool: string) => `printf '%s %s\\n' ${tool} "$*" >> ${shellQuote(log)}`;
    executable(join(dir, 'id'), ['#!/bin/sh', logCall('id'), `[ "$1" = -u ] && echo ${uid}`, ''].join('\n'));
    executable(
      join(dir, 'sudo'),
      [
        '#!/bin/sh',
        logCall('sudo'),
        sudoAllowed ? '[ "$1" = -n ] && shift && exec "$@"' : `echo 'sudo: a password is required' >&2`,
        'exit 1',
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

  /** Fake tools for a fixture, with the uid and sudo permission its recorded privilege mode implies. */
  function toolsFor(fixtureName: string, fixturePath = fileURLToPath(fixtureUrl('drives', fixtureName))) {
    const privilege = /^@@privilege\n(\w+)\n/.exec(readFileSync(fixturePath, 'utf8'))?.[1];
    return fakeTools(fixturePath, privilege === 'root' ? 0 : 1000, privilege === 'sudo');
  }

  it('reports smartctl not installed when it is not on PATH', () => {
    assert.equal(runScript({ PATH: tempDir('drives-empty-') }), fixture('no-smartctl.txt'));
  });

  it('prints exactly what the fixtures record', () => {
    for (const name of [
      'debian12-root.txt',
      'debian11-failing.txt',
      'ubuntu2404-nvme-sudo.txt',
      'unraid612.txt',
      'unraid7-spun-down.txt',
      'debian11-failing-asleep.txt',
      'proxmox-vm-qemu.txt',
      'virtio-vm-no-devices.txt',
      'ubuntu2404-needs-sudo.txt',
      'debian12-needs-sudo-disk-group.txt',
      'drive-json-cut.txt',
    ]) {
      assert.equal(runScript(toolsFor(name).env), fixture(name), name);
    }
  });

  it('as root runs smartctl directly: version, one scan, one -a -n standby per openable drive', () => {
    const tools = toolsFor('unraid612.txt');
    parse(runScript(tools.env));
    assert.deepEqual(tools.calls(), [
      'id -u',
      'smartctl --version',
      'smartctl --scan-open',
      'smartctl -a -j -n standby -d scsi /dev/sda',
      'smartctl -a -j -n standby -d sat /dev/sdb',
      'smartctl -a -j -n standby -d sat /dev/sdc',
      'smartctl -a -j -n standby -d sat /dev/sdd',
      'smartctl -a -j -n standby -d nvme /dev/nvme0',
    ]);
  });

  it('leaves spun-down drives asleep and asks udev, not the drive, who they are', () => {
    const tools = toolsFor('unraid7-spun-down.txt');
    const data = parse(runScript(tools.env));
    assert.deepEqual(
      data.drives.filter((d) => d.power_state === 'standby').map((d) => d.name),
      ['/dev/sdc', '/dev/sdd', '/dev/sdf'],
    );
    assert.deepEqual(tools.calls(), [
      'id -u',
      'smartctl --version',
      'smartctl --scan-open',
      'smartctl -a -j -n standby -d scsi /dev/sda',
      'smartctl -a -j -n standby -d sat /dev/sdb',
      'smartctl -a -j -n standby -d sat /dev/sdc',
      'udevadm info --query=property --name=/dev/sdc',
      'smartctl -a -j -n standby -d sat /dev/sdd',
      'udevadm info --query=property --name=/dev/sdd',
      'smartctl -a -j -n standby -d sat /dev/sde',
      'smartctl -a -j -n standby -d sat /dev/sdf',
      'udevadm info --query=property --name=/dev/sdf',
      'smartctl -a -j -n standby -d nvme /dev/nvme0',
    ]);
  });

  it('as a user with passwordless sudo runs smartctl through sudo -n', () => {
    const tools = toolsFor('ubuntu2404-nvme-sudo.txt');
    assert.equal(parse(runScript(tools.env)).privilege, 'sudo');
    assert.deepEqual(tools.calls(), [
      'id -u',
      'sudo -n smartctl --version',
      'smartctl --version',
      'smartctl --version',
      'sudo -n smartctl --scan-open',
      'smartctl --scan-open',
      'sudo -n smartctl -a -j -n standby -d nvme /dev/nvme0',
      'smartctl -a -j -n standby -d nvme /dev/nvme0',
      'sudo -n smartctl -a -j -n standby -d nvme /dev/nvme1',
      'smartctl -a -j -n standby -d nvme /dev/nvme1',
      'sudo -n smartctl -a -j -n standby -d nvme /dev/nvme2',
      'smartctl -a -j -n standby -d nvme /dev/nvme2',
    ]);
  });

  it('as a user without sudo runs smartctl unprivileged and reads no drive the scan could not open', () => {
    const tools = toolsFor('ubuntu2404-needs-sudo.txt');
    assert.equal(parse(runScript(tools.env)).status, 'needs_sudo');
    assert.deepEqual(tools.calls(), [
      'id -u',
      'sudo -n smartctl --version',
      'smartctl --version',
      'smartctl --scan-open',
    ]);
  });

  it('passes device names with spaces, quotes and shell syntax as one quoted argument', () => {
    const oddName = `/dev/disk/by-id/ata-WDC WD40EFRX it's "red" $HOME \`id\` ;*`;
    const text = fixture('debian12-root.txt').replace(
      '/dev/sdb -d sat # /dev/sdb [SAT]',
      `${oddName} -d sat # ${oddName} [SAT]`,
    );
    const path = join(tempDir('drives-fixture-'), 'odd-name.txt');
    writeFileSync(path, text);
    const tools = toolsFor('odd-name.txt', path);
    const stdout = runScript(tools.env);
    assert.equal(stdout, text);
    assert.ok(tools.calls().includes(`smartctl -a -j -n standby -d sat ${oddName}`), tools.calls().join('\n'));
    assert.deepEqual(
      parse(stdout).drives.map((d) => d.name),
      [oddName, '/dev/sda', '/dev/sdc'],
    );
  });
});
