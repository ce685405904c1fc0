import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { validateDatasetName, validatePoolName } from '../../domain/collectors/zfs/names.ts';
import { analyseCommand } from '../../domain/safety/command-analysis.ts';
import { assessRisk } from '../../domain/safety/risk-assessment.ts';
import {
  destroySnapshotsCommand,
  eventsCommand,
  propertySetCommand,
  receiveCommand,
} from '../../domain/zfs/commands.ts';
import { parseZpoolEvents } from '../../domain/zfs/events.ts';
import {
  NATIVE_PROPERTIES,
  parseZfsGet,
  validatePropertyName,
  validatePropertySetting,
} from '../../domain/zfs/properties.ts';
import { planRetention, type PlannedSnapshot, type RetentionPolicy } from '../../domain/zfs/retention.ts';

const NONE: RetentionPolicy = {
  keep_last: 0,
  hourly: 0,
  daily: 0,
  weekly: 0,
  monthly: 0,
  yearly: 0,
  name_pattern: null,
};

/** Snapshots of `dataset` every `everyHours` hours from `start`, `count` of them, named as sanoid names them. */
function series(dataset: string, start: string, everyHours: number, count: number): PlannedSnapshot[] {
  return Array.from({ length: count }, (_, i) => {
    const creation = new Date(Date.parse(start) + i * everyHours * 3_600_000).toISOString();
    return { name: `${dataset}@autosnap_${creation.slice(0, 13).replace('T', '_')}`, dataset, creation };
  });
}

describe('retention planning', () => {
  it('keep_last keeps the newest N and destroys the rest', () => {
    const snaps = series('tank/data', '2026-11-01T00:00:00Z', 24, 10);
    const plan = planRetention(snaps, { ...NONE, keep_last: 3 });
    assert.deepEqual(
      plan.keep.map((s) => s.name),
      snaps
        .slice(-3)
        .reverse()
        .map((s) => s.name),
    );
    assert.deepEqual(
      plan.destroy.map((s) => s.name).sort(),
      snaps
        .slice(0, 7)
        .map((s) => s.name)
        .sort(),
    );
    assert.deepEqual(plan.keep[0]!.reasons, ['last 3']);
  });

  it('daily keeps the newest snapshot of each of the last D days that have one', () => {
    // Hourly snapshots over three days: 72 of them.
    const snaps = series('tank/data', '2026-11-20T00:00:00Z', 1, 72);
    const plan = planRetention(snaps, { ...NONE, daily: 2 });
    assert.deepEqual(
      plan.keep.map((s) => s.creation),
      ['2026-11-22T23:00:00.000Z', '2026-11-21T23:00:00.000Z'],
    );
    assert.deepEqual(
      plan.keep.map((s) => s.reasons),
      [['daily 2026-11-22'], ['daily 2026-11-21']],
    );
    assert.equal(plan.destroy.length, 70);
  });

  it('weekly counts ISO weeks (Monday first), across a year boundary', () => {
    // Daily from Sunday 2026-12-20 to Sunday 2027-01-10: ISO weeks 2026-W51 … 2027-W01.
    const snaps = series('tank/data', '2026-12-20T12:00:00Z', 24, 22);
    const plan = planRetention(snaps, { ...NONE, weekly: 3 });
    assert.deepEqual(
      plan.keep.map((s) => s.reasons[0]),
      ['weekly 2027-W01', 'weekly 2026-W53', 'weekly 2026-W52'],
    );
    assert.deepEqual(
      plan.keep.map((s) => s.creation.slice(0, 10)),
      ['2027-01-10', '2027-01-03', '2026-12-27'],
    );
  });

  it('rules add up: a snapshot kept by several rules says so once per rule', () => {
    const snaps = series('tank/data', '2026-10-01T06:00:00Z', 24, 61);
    const plan = planRetention(snaps, { ...NONE, keep_last: 1, daily: 3, monthly: 2 });
    const newest = plan.keep[0]!;
    assert.deepEqual(newest.reasons, ['last 1', 'daily 2026-11-30', 'monthly 2026-11']);
    assert.deepEqual(
      plan.keep.map((s) => s.creation.slice(0, 10)),
      ['2026-11-30', '2026-11-29', '2026-11-28', '2026-10-31'],
    );
    assert.equal(plan.keep.length + plan.destroy.length, 61);
  });

  it('plans each dataset on its own and leaves snapshots outside the pattern alone', () => {
    const manual = { name: 'tank/data@before-upgrade', dataset: 'tank/data', creation: '2026-01-01T00:00:00.000Z' };
    const snaps = [
      manual,
      ...series('tank/data', '2026-11-01T00:00:00Z', 24, 5),
      ...series('tank/vm', '2026-11-01T00:00:00Z', 24, 4),
    ];
    const plan = planRetention(snaps, { ...NONE, keep_last: 2, name_pattern: 'autosnap_*' });
    assert.deepEqual(plan.ignored, [manual]);
    assert.equal(plan.keep.filter((s) => s.dataset === 'tank/data').length, 2);
    assert.equal(plan.keep.filter((s) => s.dataset === 'tank/vm').length, 2);
    assert.equal(plan.destroy.length, 3 + 2);
    assert.ok(!plan.destroy.some((s) => s.name === manual.name));
  });

  it('refuses a policy that keeps nothing', () => {
    assert.throws(() => planRetention(series('tank', '2026-11-01T00:00:00Z', 1, 3), NONE), /keeps nothing/);
  });
});

describe('ZFS names and properties', () => {
  it('accepts real dataset and pool names and refuses what a shell or zfs would misread', () => {
    assert.equal(validateDatasetName('rpool/data/vm-100-disk-0'), 'rpool/data/vm-100-disk-0');
    assert.equal(validatePoolName('tank'), 'tank');
    for (const bad of [
      '',
      '-o',
      'tank/../etc',
      'tank//a',
      '/tank',
      'tank; rm -rf /',
      'tank/a b',
      '1tank',
      'tank/$(id)',
      `tank/${'a'.repeat(260)}`,
    ]) {
      assert.throws(() => validateDatasetName(bad), /invalid dataset/, bad);
    }
    assert.throws(() => validatePoolName('tank/data'), /a pool name has no "\/"/);
  });

  it('knows the native properties and user properties', () => {
    for (const name of [
      'compression',
      'recordsize',
      'mountpoint',
      'readonly',
      'sharenfs',
      'atime',
      'quota',
      'keylocation',
    ])
      assert.equal(validatePropertyName(name), 'native');
    for (const name of ['used', 'available', 'creation', 'guid', 'receive_resume_token'])
      assert.equal(validatePropertyName(name), 'native_read_only');
    assert.equal(validatePropertyName('com.sun:auto-snapshot'), 'user');
    assert.equal(validatePropertyName('syncoid:sync'), 'user');
    assert.equal(validatePropertyName('userquota@alice'), 'quota');
    assert.throws(() => validatePropertyName('compresion'), /not a ZFS native property/);
    assert.throws(() => validatePropertyName('Com.Example:Prop'), /lowercase/);
    assert.throws(() => validatePropertyName('-o:x'), /not first/);
    assert.ok(NATIVE_PROPERTIES.includes('special_small_blocks'));
  });

  it('checks values against what each property accepts', () => {
    for (const [name, value] of [
      ['compression', 'zstd-3'],
      ['compression', 'lz4'],
      ['recordsize', '1M'],
      ['recordsize', '128K'],
      ['quota', '10G'],
      ['quota', 'none'],
      ['mountpoint', '/mnt/media'],
      ['mountpoint', 'legacy'],
      ['sharenfs', 'rw=@192.168.1.0/24,no_root_squash'],
      ['atime', 'off'],
      ['com.sun:auto-snapshot', 'false'],
      ['keylocation', 'file:///etc/zfs/keys/tank.key'],
      ['userquota@alice', '50G'],
    ] as const) {
      assert.doesNotThrow(() => validatePropertySetting(name, value), `${name}=${value}`);
    }
    assert.throws(() => validatePropertySetting('compression', 'zstd-20'), /expected one of/);
    assert.throws(() => validatePropertySetting('recordsize', '100K'), /power of two/);
    assert.throws(() => validatePropertySetting('recordsize', '32M'), /power of two/);
    assert.throws(() => validatePropertySetting('quota', 'lots'), /expected a size/);
    assert.throws(() => validatePropertySetting('mountpoint', 'mnt/x'), /absolute path/);
    assert.throws(() => validatePropertySetting('mountpoint', '/mnt/../etc'), /\.\./);
    assert.throws(() => validatePropertySetting('atime', 'off\nzfs destroy tank'), /control characters/);
    assert.throws(() => validatePropertySetting('used', '1G'), /read-only/);
    assert.throws(() => validatePropertySetting('sharenfs', 'rw;reboot'), /share options/);
  });

  it('reads zfs get -H -p output', () => {
    // `zfs get -H -p -o name,property,value,source` prints tab-separated fields (zfs(8) -H: "single tab").
    const rows = parseZfsGet('tank/media\tcompression\tlz4\tinherited from tank\ntank/media\tused\t1099511627776\t-\n');
    assert.deepEqual(rows[0], {
      dataset: 'tank/media',
      property: 'compression',
      value: 'lz4',
      source: 'inherited from tank',
    });
    assert.equal(rows[1]!.value, '1099511627776');
    assert.throws(() => parseZfsGet('NAME  PROPERTY  VALUE  SOURCE\n'), /4 tab-separated fields/);
  });
});

describe('the protection and ZFS operations', () => {
  const assess = (command: string) =>
    assessRisk(analyseCommand(command), {
      hostname: 'nas01',
      deviceType: 'generic',
      tags: [],
      containers: null,
      unraidParity: null,
    });

  it('holds a prune, and the hold lists every snapshot it destroys', () => {
    const snaps = ['tank/data@autosnap_2026-11-01_00', 'tank/data@autosnap_2026-11-02_00'];
    const risk = assess(destroySnapshotsCommand(snaps));
    assert.equal(risk.destructive, true);
    assert.deepEqual(
      risk.affected_items.map((i) => i.name),
      snaps,
    );
  });

  it('holds risky property settings and lets the others run', () => {
    for (const [prop, value] of [
      ['readonly', 'on'],
      ['mountpoint', '/srv/x'],
      ['canmount', 'noauto'],
      ['sharenfs', 'on'],
    ]) {
      const risk = assess(propertySetCommand('tank/data', prop!, value!));
      assert.equal(risk.destructive, true, prop);
      assert.deepEqual(
        risk.affected_items.map((i) => i.name),
        ['tank/data'],
      );
      assert.match(risk.reasons.join(' '), new RegExp(prop!));
    }
    for (const [prop, value] of [
      ['compression', 'zstd'],
      ['atime', 'off'],
      ['com.sun:auto-snapshot', 'true'],
    ]) {
      assert.equal(assess(propertySetCommand('tank/data', prop!, value!)).destructive, false, prop);
    }
  });

  it('holds receive -F, not a plain resumable receive', () => {
    assert.equal(assess(receiveCommand('backup/data', true)).destructive, true);
    assert.equal(assess(receiveCommand('backup/data', false)).destructive, false);
  });

  it('reads the events command as safe', () => {
    assert.equal(assess(eventsCommand('tank', 50)).destructive, false);
  });
});

describe('zpool events', () => {
  const fixture = (name: string) => readFileSync(new URL(`../fixtures/zpool-events/${name}`, import.meta.url), 'utf8');

  it('reads verbose events with exact times from their time field', () => {
    const events = parseZpoolEvents(fixture('verbose-history-scrub.txt'));
    assert.equal(events.length, 2);
    assert.deepEqual(
      events.map((e) => [e.class, e.eid, e.pool, e.time]),
      [
        ['sysevent.fs.zfs.history_event', 0x23e, 'rtest', '2019-04-30T19:29:46.151Z'],
        ['sysevent.fs.zfs.history_event', 0x23f, 'rtest', '2019-04-30T19:29:46.335Z'],
      ],
    );
    assert.equal(events[0]!.details.history_internal_name, 'scan setup');
    assert.equal(events[1]!.details.history_internal_str, 'errors=0');
  });

  it('reads embedded nvlists and the device of an I/O error', () => {
    const [event] = parseZpoolEvents(fixture('verbose-io-error.txt'));
    assert.equal(event!.class, 'ereport.fs.zfs.io');
    assert.equal(event!.pool, 'zroot');
    assert.equal(event!.vdev_path, '/dev/disk/by-id/ata-ST10000NM0568-2H5110_ZHZ54DBW-part1');
    assert.deepEqual(event!.details.detector, {
      version: '0x0',
      scheme: 'zfs',
      pool: '0xe244c57cc81be54b',
      vdev: '0x7e580703404ed3ff',
    });
    assert.equal(event!.details.zio_err, '0x5');
    assert.equal(event!.details.vdev_spare_paths, '');
    assert.equal(event!.time, '2021-10-10T10:39:51.709Z');
  });

  it('reads the short form, and the -H form with a tab', () => {
    const events = parseZpoolEvents(fixture('short-scrubs.txt'));
    assert.equal(events.length, 17);
    assert.deepEqual(
      [events[0]!.time_text, events[0]!.class, events[0]!.time],
      ['Mar 25 2015 00:21:12.736548371', 'resource.fs.zfs.statechange', null],
    );
    const scripted = fixture('short-scrubs.txt')
      .split('\n')
      .slice(1)
      .map((line) => line.replace(/^(.{30}) /, '$1\t'))
      .join('\n');
    assert.deepEqual(
      parseZpoolEvents(scripted).map((e) => e.class),
      events.map((e) => e.class),
    );
  });

  it('fails clearly on garbage', () => {
    assert.throws(() => parseZpoolEvents('cannot open tank: no such pool\n'), /expected "TIME CLASS"/);
  });
});
