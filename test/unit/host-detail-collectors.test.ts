import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { type DiskIoData, diskIoCollector } from '../../domain/collectors/disk-io.ts';
import { type GpuData, gpuCollector } from '../../domain/collectors/gpu.ts';
import { type ProcessesData, processesCollector, TOP_PROCESSES } from '../../domain/collectors/processes.ts';
import { type SensorsData, sensorsCollector } from '../../domain/collectors/sensors.ts';
import { insightsFor, unavailableReason } from '../../domain/insights/data-insights.ts';
import {
  fixtureNames,
  fixtureReader,
  parsedFixture,
  parseErrorAsserter,
  schemaCheckedParse,
} from '../support/collector-fixtures.ts';

const runHere = (script: string) =>
  execFileSync('/bin/sh', ['-c', script], { encoding: 'utf8', env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' } });
/** Replaces `search` in a fixture, failing when it is not there (an edit that applies to nothing tests nothing). */
function edited(text: string, search: string | RegExp, replacement: string): string {
  const result = text.replace(search, replacement);
  assert.notEqual(result, text, `${String(search)} not found`);
  return result;
}

describe('processesCollector', () => {
  const fixture = fixtureReader('processes');
  const parse = (stdout: string): ProcessesData => schemaCheckedParse(processesCollector, stdout);
  const assertParseError = parseErrorAsserter('processes');

  it('polls every 5 minutes into processes_snapshots, on every device', () => {
    assert.deepEqual(
      [
        processesCollector.pollIntervalSeconds,
        processesCollector.freshnessSeconds,
        processesCollector.table,
        processesCollector.requiredCapability,
      ],
      [300, 60, 'processes_snapshots', undefined],
    );
  });

  it('its schema describes every parsed answer (each parse here is checked against it) and rejects a mistyped field', () => {
    const data = parse(fixture('centos77-ps-axu.txt'));
    assert.throws(
      () =>
        processesCollector.schema.parse({ ...data, top_cpu: data.top_cpu.map((p) => ({ ...p, pid: String(p.pid) })) }),
      /pid/,
    );
  });

  it('CentOS 7.7: the top lists sorted by CPU and resident memory, kernel threads named without brackets', () => {
    const data = parse(fixture('centos77-ps-axu.txt'));
    assert.equal(data.available, true);
    assert.equal(data.top_cpu.length, TOP_PROCESSES);
    assert.deepEqual(
      data.top_cpu.slice(0, 2).map((p) => [p.pid, p.name, p.cpu_percent]),
      [
        [1205, 'dockerd-current', 0.1],
        [4587, 'kworker/0:2', 0.1],
      ],
    );
    const firewalld = data.top_memory[0];
    assert.deepEqual(
      [
        firewalld?.pid,
        firewalld?.name,
        firewalld?.rss_bytes,
        firewalld?.memory_percent,
        firewalld?.user,
        firewalld?.tty,
        firewalld?.state,
      ],
      [823, 'python2', 29_528 * 1024, 0.7, 'root', null, 'Ssl'],
    );
    assert.equal(firewalld?.command, '/usr/bin/python2 -Es /usr/sbin/firewalld --nofork --nopid');
    const dockerd = data.top_cpu[0];
    assert.deepEqual([dockerd?.cpu_time_seconds, dockerd?.started], [86, 'Oct25']);
    assert.deepEqual(processesCollector.columns(data), {
      top_cpu_percent: 0.1,
      top_cpu_name: 'dockerd-current',
      top_rss_bytes: 29_528 * 1024,
      top_rss_name: 'python2',
    });
  });

  it('Ubuntu 18.04: a process with a space-separated name (sshd: user@pts/0) and a terminal', () => {
    const data = parse(fixture('ubuntu1804-ps-axu.txt'));
    assert.equal(data.top_cpu[0]?.name, 'kworker/0:2');
    const all = [...data.top_cpu, ...data.top_memory];
    assert.ok(all.every((p) => p.command !== '' && p.name !== ''));
    assert.ok(
      data.top_memory.every((p, i, list) => i === 0 || (list[i - 1]?.rss_bytes ?? 0) >= p.rss_bytes),
      'ordered by rss',
    );
  });

  it('Debian 12 (procps 4): over 100 % on a multi-threaded process, a long command cut to 500 characters', () => {
    const data = parse(fixture('debian12-procps4.txt'));
    assert.ok((data.top_cpu[0]?.cpu_percent ?? 0) > 100);
    assert.equal(data.top_cpu[0]?.name, 'node');
    const long = edited(fixture('debian12-procps4.txt'), /--noEmit -p \.\n/g, `--noEmit -p . ${'x'.repeat(800)}\n`);
    assert.equal(parse(long).top_cpu[0]?.command.length, 501);
  });

  it('busybox ps is "not available", not an error', () => {
    assert.deepEqual(parse('@@no-procps\n@@end\n'), {
      available: false,
      reason: 'ps is not procps (busybox ps cannot sort or print these columns)',
      top_cpu: [],
      top_memory: [],
    });
  });

  it('fails clearly on garbage, truncation, a foreign header and a listing without processes', () => {
    const text = fixture('centos77-ps-axu.txt');
    assertParseError(() => parse('garbage\n'), /output truncated/);
    assertParseError(() => parse(text.replace('@@end\n', '')), /output truncated/);
    assertParseError(
      () => parse(edited(text, /^USER .*$/m, '  PID TTY          TIME CMD')),
      /not the header of ps aux/,
    );
    assertParseError(() => parse(edited(text, /^root +1 +0\.0 .*$/m, 'root 1 lots')), /unreadable ps line/);
    assertParseError(
      () => parse('@@by-cpu\nUSER PID %CPU %MEM VSZ RSS TTY STAT START TIME COMMAND\n@@by-memory\n@@end\n'),
      /ps listed no processes|@@by-memory is empty/,
    );
  });

  it('the script answers on this machine, with itself among the processes', () => {
    const data = parse(runHere(processesCollector.command({})));
    assert.equal(data.available, true);
    assert.ok(data.top_memory.length > 0 && data.top_cpu.length > 0);
  });
});

describe('diskIoCollector', () => {
  const fixture = fixtureReader('disk_io');
  // Every answer parsed here is also held to the collector's schema.
  const parse = (stdout: string): DiskIoData => schemaCheckedParse(diskIoCollector, stdout);
  const assertParseError = parseErrorAsserter('disk_io');

  it('its schema accepts the answer of every fixture and rejects a mistyped field', () => {
    for (const name of fixtureNames('disk_io')) parse(fixture(name));
    const data = parse(fixture('debian12-virtio.txt'));
    assert.throws(
      () =>
        diskIoCollector.schema.parse({ ...data, devices: data.devices.map((d) => ({ ...d, await_ms: undefined })) }),
      /await_ms/,
    );
  });

  it('Debian 12 VM: the virtio disk with rates from the two samples; loop and zram left out', () => {
    const data = parse(fixture('debian12-virtio.txt'));
    assert.equal(data.sample_window_seconds, 1);
    assert.deepEqual(
      data.devices.map((d) => d.device),
      ['vda'],
    );
    const vda = data.devices[0];
    // vda: 21 reads / 248 sectors, 1036 writes / 96024 sectors, io_ticks 461352 → 461412 in one second.
    assert.deepEqual(vda, {
      device: 'vda',
      read_bytes_per_second: 248 * 512,
      write_bytes_per_second: 96_024 * 512,
      reads_per_second: 21,
      writes_per_second: 1036,
      iops: 1057,
      utilization_percent: 6,
      await_ms: round((3 + 1079) / 1057),
      in_flight: 0,
    });
    assert.deepEqual(diskIoCollector.columns(data), {
      max_utilization_percent: 6,
      read_bytes_per_second: 248 * 512,
      write_bytes_per_second: 96_024 * 512,
      iops: 1057,
    });
  });

  it('jc (Ubuntu, no /sys/block): partitions told by name, sr0 and loop left out, dm-0 kept but not totalled', () => {
    const data = parse(fixture('jc-linux-proc.txt'));
    assert.deepEqual(data.devices.map((d) => d.device).sort(), ['dm-0', 'sda']);
    assert.ok(data.devices.every((d) => d.iops === 0 && d.await_ms === null));
  });

  it('node_exporter: 11, 15 and 17 counters per line; nvme, mmcblk, vd, sd kept, their partitions dropped', () => {
    const data = parse(fixture('node-exporter-mixed.txt'));
    assert.deepEqual(data.devices.map((d) => d.device).sort(), [
      'dm-0',
      'dm-1',
      'dm-2',
      'dm-3',
      'dm-4',
      'dm-5',
      'mmcblk0',
      'nvme0n1',
      'sda',
      'sdb',
      'sdc',
      'vda',
    ]);
  });

  it('fails clearly on garbage, a short line, a missing sample and a clock that did not move', () => {
    const text = fixture('debian12-virtio.txt');
    assertParseError(() => parse('nonsense\n@@end\n'), /section @@block is missing/);
    assertParseError(
      () => parse(edited(text, /^ 254 +0 vda .*$/m, ' 254 0 vda 1 2 3')),
      /unreadable \/proc\/diskstats line/,
    );
    assertParseError(() => parse(edited(text, /@@sample2[\s\S]*@@end/, '@@end')), /section @@sample2 is missing/);
    assertParseError(() => parse(edited(text, '12668.37', '12667.37')), /uptime did not advance/);
    assertParseError(
      () => parse(edited(text, /^ 254 +0 vda 378793/m, ' 254 0 vda x378793')),
      /vda reads: expected a number/,
    );
  });

  it('the script answers on this machine with its real disks', () => {
    const data = parse(runHere(diskIoCollector.command({})));
    assert.ok(data.sample_window_seconds > 0);
    const whole = readFileSync('/proc/diskstats', 'utf8')
      .split('\n')
      .map((l) => l.trim().split(/\s+/)[2])
      .filter(
        (n): n is string => n !== undefined && existsSync(`/sys/block/${n}`) && !/^(loop|ram|zram|fd|sr)\d+$/.test(n),
      );
    assert.deepEqual(data.devices.map((d) => d.device).sort(), whole.sort());
  });
});

describe('sensorsCollector', () => {
  const fixture = fixtureReader('sensors');
  // Every answer parsed here is also held to the collector's schema.
  const parse = (stdout: string): SensorsData => schemaCheckedParse(sensorsCollector, stdout);
  const assertParseError = parseErrorAsserter('sensors');

  it('its schema accepts the answer of every fixture and rejects a mistyped field', () => {
    for (const name of fixtureNames('sensors')) parse(fixture(name));
    const data = parse(fixture('intel-laptop-sensors-j.txt'));
    assert.throws(
      () =>
        sensorsCollector.schema.parse({
          ...data,
          temperatures: data.temperatures.map((t) => ({ ...t, celsius: String(t.celsius) })),
        }),
      /celsius/,
    );
  });

  it("Intel laptop (sensors -j): hottest first, the chips' limits, an unreadable Wi-Fi sensor and placeholder limits skipped", () => {
    const data = parse(fixture('intel-laptop-sensors-j.txt'));
    assert.equal(data.source, 'lm-sensors');
    assert.deepEqual(data.temperatures[0], {
      chip: 'coretemp-isa-0000',
      label: 'Package id 0',
      celsius: 51,
      max_celsius: 105,
      critical_celsius: 105,
      alarm: false,
    });
    const nvme = data.temperatures.find((t) => t.label === 'Sensor 1');
    // temp2_max 65261.85 is the NVMe "no threshold" placeholder.
    assert.deepEqual([nvme?.celsius, nvme?.max_celsius], [35.85, null]);
    assert.ok(!data.temperatures.some((t) => t.chip.startsWith('iwlwifi')));
    assert.equal(data.temperatures.length, 9);
    assert.deepEqual(sensorsCollector.columns(data), {
      max_temperature_celsius: 51,
      temperature_count: 9,
      fan_count: 0,
      min_fan_rpm: null,
    });
  });

  it('ASRock desktop (sensors -j): Super I/O fans with their minimums and alarms', () => {
    const data = parse(fixture('hjs-asrock-sensors-j.txt'));
    assert.ok(data.fans.length > 0);
    assert.ok(data.fans.every((f) => f.chip === 'nct6798-isa-02a0' && Number.isInteger(f.rpm)));
    assert.ok(data.temperatures.some((t) => t.chip === 'coretemp-isa-0000'));
    assert.ok(data.temperatures.every((t, i, all) => i === 0 || (all[i - 1]?.celsius ?? 0) >= t.celsius));
  });

  it('fanless mini PC (sensors -j): two NVMe drives, no fans', () => {
    const data = parse(fixture('hjs-kfanless-sensors-j.txt'));
    assert.deepEqual(data.fans, []);
    assert.deepEqual([...new Set(data.temperatures.map((t) => t.chip))].sort(), [
      'acpitz-acpi-0',
      'coretemp-isa-0000',
      'nvme-pci-0200',
      'nvme-pci-0500',
    ]);
  });

  it('hwmon fallback (node_exporter sysfs): driver names and labels, millidegrees, fans', () => {
    const data = parse(fixture('node-exporter-hwmon.txt'));
    assert.equal(data.source, 'hwmon');
    assert.ok(
      data.temperatures.some(
        (t) =>
          t.chip === 'coretemp' &&
          t.label === 'Core 0' &&
          t.celsius === 54 &&
          t.max_celsius === 84 &&
          t.critical_celsius === 100,
      ),
    );
    assert.deepEqual(data.fans, [{ chip: 'nct6779', label: 'fan2', rpm: 1098, min_rpm: 0, alarm: false }]);
    // hwmon has temperatures, so the thermal zone (cpu-thermal, 12.4 °C) is not added on top.
    assert.ok(!data.temperatures.some((t) => t.chip === 'thermal'));
  });

  it('thermal zones only (procfs): the Raspberry Pi zone, an impossible -44 °C reading dropped', () => {
    const data = parse(fixture('procfs-thermal-zones.txt'));
    assert.deepEqual(
      [data.source, data.temperatures],
      [
        'thermal_zone',
        [
          {
            chip: 'thermal',
            label: 'bcm2835_thermal',
            celsius: 49.93,
            max_celsius: null,
            critical_celsius: null,
            alarm: false,
          },
        ],
      ],
    );
  });

  it('a VM without sensors: an empty answer that says why', () => {
    const data = parse(fixture('debian12-vm-none.txt'));
    assert.deepEqual(data, {
      source: null,
      temperatures: [],
      fans: [],
      reason: 'no temperature or fan sensors exposed (typical of a VM or container)',
    });
  });

  it('fails clearly on invalid JSON, a non-numeric reading and a sysfs line without a path', () => {
    const json = fixture('intel-laptop-sensors-j.txt');
    assertParseError(
      () => parse(edited(json, '"temp1_input": 51.000,', '"temp1_input": 51.000,,')),
      /sensors -j printed no valid JSON/,
    );
    assertParseError(
      () => parse(edited(json, '"temp1_input": 51.000', '"temp1_input": "hot"')),
      /Package id 0 temp1_input is not a number/,
    );
    assertParseError(() => parse('@@sensors-json\n[]\n@@end\n'), /did not print a JSON object/);
    assertParseError(
      () =>
        parse(edited(fixture('node-exporter-hwmon.txt'), '/sys/class/hwmon/hwmon0/temp2_input:54000', 'temp2:54000')),
      /unreadable sysfs line/,
    );
    assertParseError(
      () => parse(edited(fixture('node-exporter-hwmon.txt'), 'temp2_input:54000', 'temp2_input:warm')),
      /expected an integer/,
    );
    assertParseError(() => parse(fixture('node-exporter-hwmon.txt').replace('@@end\n', '')), /output truncated/);
  });

  it('the script answers on this machine (lm-sensors, hwmon, or explicitly nothing)', () => {
    const data = parse(runHere(sensorsCollector.command({})));
    if (!existsSync('/sys/class/hwmon') && !existsSync('/usr/bin/sensors')) assert.equal(data.source, null);
    else assert.ok(data.source !== null || data.reason !== undefined);
  });
});

describe('gpuCollector', () => {
  const fixture = fixtureReader('gpu');
  // Every answer parsed here is also held to the collector's schema.
  const parse = (stdout: string): GpuData => schemaCheckedParse(gpuCollector, stdout);
  const assertParseError = parseErrorAsserter('gpu');

  it('its schema accepts the answer of every fixture and rejects a mistyped field', () => {
    for (const name of fixtureNames('gpu')) parse(fixture(name));
    const data = parse(fixture('nvidia-rtx4080super-fedora44.txt'));
    assert.throws(
      () => gpuCollector.schema.parse({ ...data, gpus: data.gpus.map((g) => ({ ...g, vendor: 'intel' })) }),
      /vendor/,
    );
  });

  it('is polled only where a GPU was detected', () => {
    assert.equal(gpuCollector.requiredCapability, 'gpu');
    assert.equal(gpuCollector.table, 'gpu_snapshots');
  });

  it('RTX 4080 SUPER (Fedora 44): columns found by header name among 202, units stripped', () => {
    const data = parse(fixture('nvidia-rtx4080super-fedora44.txt'));
    assert.deepEqual(data.gpus, [
      {
        vendor: 'nvidia',
        id: '0',
        name: 'NVIDIA GeForce RTX 4080 SUPER',
        uuid: 'GPU-00000000-0000-0000-0000-000000000000',
        driver_version: '595.71.05',
        pstate: 'P2',
        temperature_celsius: 46,
        utilization_percent: 7,
        memory_utilization_percent: 2,
        memory_total_bytes: 16_376 * 1024 ** 2,
        memory_used_bytes: 1474 * 1024 ** 2,
        power_draw_watts: 84.24,
        power_limit_watts: 320,
        fan_percent: 0,
      },
    ]);
    assert.deepEqual(gpuCollector.capabilities?.(data), { gpu: true });
    assert.deepEqual(gpuCollector.columns(data), {
      gpu_count: 1,
      max_utilization_percent: 7,
      max_temperature_celsius: 46,
      memory_used_bytes: 1474 * 1024 ** 2,
      power_draw_watts: 84.24,
    });
  });

  it('H100 under gpu-burn (Ubuntu 22.04) and L40S (Fedora Cloud): no fan reported is null, not 0', () => {
    const h100 = parse(fixture('nvidia-h100-ubuntu2204.txt')).gpus[0];
    assert.deepEqual(
      [h100?.name, h100?.utilization_percent, h100?.power_draw_watts, h100?.fan_percent],
      ['NVIDIA H100 80GB HBM3', 100, 631.95, null],
    );
    const l40s = parse(fixture('nvidia-l40s-fedora44-cloud.txt')).gpus[0];
    assert.deepEqual(
      [l40s?.name, l40s?.temperature_celsius, l40s?.fan_percent, l40s?.memory_total_bytes],
      ['NVIDIA L40S', 54, null, 46_068 * 1024 ** 2],
    );
  });

  it("amdgpu (procfs sysfs fixture): load and VRAM from the driver's attributes", () => {
    const data = parse(fixture('amdgpu-procfs-vega.txt'));
    assert.deepEqual(
      data.gpus.map((g) => [
        g.vendor,
        g.id,
        g.utilization_percent,
        g.memory_used_bytes,
        g.memory_total_bytes,
        g.temperature_celsius,
      ]),
      [['amd', 'card0', 4, 1_490_378_752, 8_573_157_376, null]],
    );
  });

  it('no GPU: available false, which clears the capability', () => {
    const data = parse(fixture('debian12-vm-none.txt'));
    assert.deepEqual(data, {
      available: false,
      reason: 'no NVIDIA GPU (nvidia-smi) and no amdgpu card found',
      gpus: [],
    });
    assert.deepEqual(gpuCollector.capabilities?.(data), { gpu: false });
  });

  it('fails clearly when nvidia-smi fails, a column is missing, a row is short or a value is garbage', () => {
    const text = fixture('nvidia-l40s-fedora44-cloud.txt');
    const failed = edited(
      text,
      /@@nvidia\n[\s\S]*?@@nvidia-status\n0\n@@nvidia-stderr\n/,
      "@@nvidia\n\n@@nvidia-status\n9\n@@nvidia-stderr\nNVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.\n",
    );
    assertParseError(() => parse(failed), /nvidia-smi failed with exit status 9: NVIDIA-SMI has failed/);
    assertParseError(() => parse(edited(text, ', power.draw [W],', ', power.drawn [W],')), /no power.draw column/);
    assertParseError(
      () => parse(edited(text, ', NVIDIA L40S, ', ', NVIDIA, L40S, ')),
      /a row has 203 cells for 202 columns/,
    );
    assertParseError(() => parse(edited(text, ', 54, ', ', hot, ')), /expected a number, got "hot"/);
    assertParseError(
      () => parse(edited(fixture('amdgpu-procfs-vega.txt'), 'gpu_busy_percent:4', 'gpu_busy_percent:four')),
      /expected an integer/,
    );
    assertParseError(() => parse('@@amdgpu\n'), /output truncated/);
  });

  it('the script answers on this machine, and agrees with the capability probe', () => {
    const data = parse(runHere(gpuCollector.command({})));
    const nvidia = ['/usr/sbin', '/usr/bin', '/sbin', '/bin'].some((dir) => existsSync(`${dir}/nvidia-smi`));
    if (!nvidia && !existsSync('/sys/class/drm')) assert.equal(data.available, false);
  });
});

describe('insights of processes, disk_io and sensors', () => {
  const brief = (type: string, data: unknown) =>
    insightsFor(type, data).map((i) => `${i.severity} ${i.code} ${i.subject}: ${i.message}`);

  it('a process is hot only after keeping a core busy for ten minutes of CPU time', () => {
    // node at 112 % for 13 s of CPU time: a build starting, not a runaway.
    assert.deepEqual(brief('processes', parsedFixture('processes', 'debian12-procps4.txt')), []);
    const runaway = parsedFixture<ProcessesData>('processes', 'debian12-procps4.txt', [
      /(21754 +112 +3\.3 +\d+ +\d+ \? +Rl +04:42) +0:13/g,
      '$1  25:13',
    ]);
    assert.deepEqual(brief('processes', runaway), [
      'warning process_cpu_hot node (21754): node (PID 21754, root) has kept 112 % CPU busy since it started (25 min of CPU time)',
    ]);
    assert.deepEqual(
      insightsFor('processes', { available: false, reason: 'busybox', top_cpu: [], top_memory: [] }),
      [],
    );
  });

  it('a disk busy 90 % of the second is saturated', () => {
    assert.deepEqual(brief('disk_io', parsedFixture('disk_io', 'debian12-virtio.txt')), []);
    const busy = parsedFixture<DiskIoData>('disk_io', 'debian12-virtio.txt', [' 0 461412 ', ' 0 462352 ']);
    assert.deepEqual(brief('disk_io', busy), [
      'warning disk_saturated vda: vda busy 100 % of the time: 1057 IOPS, 124 KiB/s read, 47 MiB/s written, 1.02 ms per request',
    ]);
  });

  it("a temperature at the chip's critical limit is critical, above its max a warning", () => {
    assert.deepEqual(brief('sensors', parsedFixture('sensors', 'intel-laptop-sensors-j.txt')), []);
    assert.equal(
      unavailableReason('sensors', parsedFixture('sensors', 'debian12-vm-none.txt')),
      'no temperature or fan sensors exposed (typical of a VM or container)',
    );
    const hot = parsedFixture<SensorsData>(
      'sensors',
      'intel-laptop-sensors-j.txt',
      ['"temp1_input": 51.000', '"temp1_input": 105.000'],
      ['"temp2_input": 40.000', '"temp2_input": 104.000'],
      ['"temp2_max": 105.000', '"temp2_max": 95.000'],
    );
    assert.deepEqual(brief('sensors', hot), [
      'critical temperature_high coretemp-isa-0000 Package id 0: Package id 0 (coretemp-isa-0000) at 105 °C (critical 105 °C)',
      'warning temperature_high coretemp-isa-0000 Core 0: Core 0 (coretemp-isa-0000) at 104 °C (max 95 °C)',
    ]);
  });
});

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
