import { END_MARKER } from '../../domain/collectors/sections.ts';
import { runSection, section } from '../format.ts';
import type { DeviceModel } from '../model.ts';
import { DRIVE_DEGRADES_AFTER_SECONDS, type DriveSpec } from '../profile.ts';

/**
 * smartctl for the drives collector: `--scan-open`, then `smartctl -a -j` per drive (pretty-printed
 * JSON, as smartctl prints it). Devices without drives of their own (VMs) either lack smartctl or scan
 * nothing. The fleet's degrading drive reallocates sectors from DRIVE_DEGRADES_AFTER_SECONDS on: one at
 * first (a warning), a hundred a day later (failed by sector count), its attribute threshold after that.
 */

/** Reallocated sectors of `drive` at `t`: 0, then growing with the square of the time since degrading began. */
export function reallocatedSectors(model: DeviceModel, drive: DriveSpec, t: number): number {
  if (!drive.degrading) return 0;
  const hours = (t - model.startTime - DRIVE_DEGRADES_AFTER_SECONDS) / 3600;
  if (hours < 0) return 0;
  return Math.min(4000, 1 + Math.floor(99 * (hours / 22) ** 2));
}

function temperature(model: DeviceModel, drive: DriveSpec, t: number): number {
  const daily = Math.sin(((t % 86_400) / 86_400) * 2 * Math.PI);
  return Math.round(drive.temperatureC + 4 * model.busy(t) + (drive.model.kind === 'hdd' ? 2 * daily : daily));
}

interface Attribute {
  id: number;
  name: string;
  value: number;
  worst?: number;
  thresh: number;
  prefailure: boolean;
  raw: number;
  rawString?: string;
}

function attributeJson(a: Attribute): Record<string, unknown> {
  return {
    id: a.id,
    name: a.name,
    value: a.value,
    worst: a.worst ?? a.value,
    thresh: a.thresh,
    when_failed: a.thresh > 0 && a.value <= a.thresh ? 'now' : '',
    flags: {
      value: a.prefailure ? 51 : 50,
      string: a.prefailure ? 'PO--CK ' : '-O--CK ',
      prefailure: a.prefailure,
      updated_online: true,
      performance: false,
      error_rate: false,
      event_count: true,
      auto_keep: true,
    },
    raw: { value: a.raw, string: a.rawString ?? String(a.raw) },
  };
}

function ataAttributes(drive: DriveSpec, hours: number, temp: number, realloc: number): Attribute[] {
  const seagate = drive.model.model.startsWith('ST');
  if (drive.model.kind === 'ssd') {
    return [
      { id: 5, name: 'Reallocated_Sector_Ct', value: 100, thresh: 10, prefailure: true, raw: 0 },
      { id: 9, name: 'Power_On_Hours', value: 99, thresh: 0, prefailure: false, raw: hours },
      { id: 12, name: 'Power_Cycle_Count', value: 99, thresh: 0, prefailure: false, raw: drive.powerCycles },
      {
        id: 177,
        name: 'Wear_Leveling_Count',
        value: Math.max(1, 99 - Math.floor(hours / 4000)),
        thresh: 0,
        prefailure: true,
        raw: Math.floor(hours / 500),
      },
      { id: 179, name: 'Used_Rsvd_Blk_Cnt_Tot', value: 100, thresh: 10, prefailure: true, raw: 0 },
      { id: 181, name: 'Program_Fail_Cnt_Total', value: 100, thresh: 10, prefailure: false, raw: 0 },
      { id: 182, name: 'Erase_Fail_Count_Total', value: 100, thresh: 10, prefailure: false, raw: 0 },
      { id: 183, name: 'Runtime_Bad_Block', value: 100, thresh: 10, prefailure: true, raw: 0 },
      { id: 187, name: 'Uncorrectable_Error_Cnt', value: 100, thresh: 0, prefailure: false, raw: 0 },
      { id: 190, name: 'Airflow_Temperature_Cel', value: 100 - temp, thresh: 0, prefailure: false, raw: temp },
      { id: 195, name: 'ECC_Error_Rate', value: 200, thresh: 0, prefailure: false, raw: 0 },
      { id: 199, name: 'CRC_Error_Count', value: 100, thresh: 0, prefailure: false, raw: 0 },
      {
        id: 235,
        name: 'POR_Recovery_Count',
        value: 99,
        thresh: 0,
        prefailure: false,
        raw: Math.floor(drive.powerCycles / 3),
      },
      { id: 241, name: 'Total_LBAs_Written', value: 99, thresh: 0, prefailure: false, raw: hours * 9_000_000 },
    ];
  }
  const reallocValue = realloc > 0 ? Math.max(1, 100 - Math.floor(realloc / 25)) : 100;
  return [
    {
      id: 1,
      name: 'Raw_Read_Error_Rate',
      value: seagate ? 78 : 100,
      worst: seagate ? 64 : 100,
      thresh: seagate ? 44 : 16,
      prefailure: true,
      raw: seagate ? 60_000_000 + hours * 1731 : 0,
    },
    { id: 3, name: 'Spin_Up_Time', value: 93, thresh: seagate ? 0 : 24, prefailure: true, raw: seagate ? 0 : 392 },
    { id: 4, name: 'Start_Stop_Count', value: 100, thresh: 20, prefailure: false, raw: drive.powerCycles + 3 },
    { id: 5, name: 'Reallocated_Sector_Ct', value: reallocValue, thresh: 10, prefailure: true, raw: realloc },
    {
      id: 7,
      name: 'Seek_Error_Rate',
      value: seagate ? 87 : 100,
      worst: seagate ? 60 : 100,
      thresh: seagate ? 45 : 67,
      prefailure: true,
      raw: seagate ? 400_000_000 + hours * 9_000 : 0,
    },
    {
      id: 9,
      name: 'Power_On_Hours',
      value: Math.max(1, 100 - Math.floor(hours / 1000)),
      thresh: 0,
      prefailure: false,
      raw: hours,
    },
    { id: 10, name: 'Spin_Retry_Count', value: 100, thresh: 97, prefailure: true, raw: 0 },
    { id: 12, name: 'Power_Cycle_Count', value: 100, thresh: 20, prefailure: false, raw: drive.powerCycles },
    ...(seagate
      ? [
          {
            id: 187,
            name: 'Reported_Uncorrect',
            value: Math.max(1, 100 - Math.floor(realloc / 5)),
            thresh: 0,
            prefailure: false,
            raw: Math.floor(realloc / 5),
          },
          { id: 188, name: 'Command_Timeout', value: 100, thresh: 0, prefailure: false, raw: 0 },
          {
            id: 190,
            name: 'Airflow_Temperature_Cel',
            value: 100 - temp,
            thresh: 40,
            prefailure: false,
            raw: temp,
            rawString: `${temp} (Min/Max 22/${temp + 6})`,
          },
        ]
      : []),
    {
      id: 192,
      name: 'Power-Off_Retract_Count',
      value: 100,
      thresh: 0,
      prefailure: false,
      raw: Math.floor(drive.powerCycles / 2),
    },
    { id: 193, name: 'Load_Cycle_Count', value: 99, thresh: 0, prefailure: false, raw: hours * 2 },
    {
      id: 194,
      name: 'Temperature_Celsius',
      value: seagate ? temp : 100 + (40 - temp),
      thresh: 0,
      prefailure: false,
      raw: temp,
      rawString: seagate ? `${temp} (0 20 0 0 0)` : String(temp),
    },
    ...(seagate
      ? []
      : [{ id: 196, name: 'Reallocated_Event_Count', value: 100, thresh: 0, prefailure: false, raw: 0 }]),
    { id: 197, name: 'Current_Pending_Sector', value: 100, thresh: 0, prefailure: false, raw: Math.floor(realloc / 3) },
    { id: 198, name: 'Offline_Uncorrectable', value: 100, thresh: 0, prefailure: false, raw: Math.floor(realloc / 8) },
    { id: 199, name: 'UDMA_CRC_Error_Count', value: 200, thresh: 0, prefailure: false, raw: 0 },
    ...(seagate
      ? [{ id: 240, name: 'Head_Flying_Hours', value: 100, thresh: 0, prefailure: false, raw: hours - 120 }]
      : []),
  ];
}

function smartctlHeader(model: DeviceModel, drive: DriveSpec, exitStatus: number): Record<string, unknown> {
  const version = model.profile.smartctlVersion ?? '7.3';
  const [major = '7', minor = '3'] = (version.split(' ')[0] ?? '').split('.');
  return {
    json_format_version: [1, 0],
    smartctl: {
      version: [Number(major), Number(minor)],
      svn_revision: version.split(' r')[1] ?? '5338',
      platform_info: `${model.profile.arch}-linux-${model.profile.kernel}`,
      build_info: '(local build)',
      argv: ['smartctl', '-a', '-j', '-d', drive.type, drive.name],
      exit_status: exitStatus,
    },
  };
}

/** `smartctl -a -j` of one drive and its exit status. */
function driveJson(model: DeviceModel, drive: DriveSpec, t: number): { json: string; status: number } {
  const hours = drive.powerOnHours + Math.floor((t - model.startTime) / 3600);
  const temp = temperature(model, drive, t);
  const localTime = { time_t: Math.floor(t), asctime: new Date(t * 1000).toUTCString() };
  const identity = {
    model_name: drive.model.model,
    serial_number: drive.serial,
    firmware_version: drive.model.firmware,
  };
  const capacity = { blocks: Math.floor(drive.model.capacityBytes / 512), bytes: drive.model.capacityBytes };
  // smartctl prints smart_support from 7.3 on.
  const support = model.profile.smartctlVersion?.startsWith('7.2')
    ? {}
    : { smart_support: { available: true, enabled: true } };

  if (drive.type === 'nvme') {
    const written = Math.floor(hours * 1300 + (t - model.startTime) / 2);
    const log = {
      critical_warning: 0,
      temperature: temp,
      available_spare: 100,
      available_spare_threshold: 10,
      percentage_used: Math.min(100, Math.floor(hours / 900)),
      data_units_read: written * 2,
      data_units_written: written,
      host_reads: written * 40,
      host_writes: written * 25,
      controller_busy_time: Math.floor(hours / 3),
      power_cycles: drive.powerCycles,
      power_on_hours: hours,
      unsafe_shutdowns: Math.floor(drive.powerCycles / 10),
      media_errors: 0,
      num_err_log_entries: 0,
      warning_temp_time: 0,
      critical_comp_time: 0,
      temperature_sensors: [temp, temp + 6],
    };
    const json = {
      ...smartctlHeader(model, drive, 0),
      device: { name: drive.name, info_name: drive.name, type: 'nvme', protocol: 'NVMe' },
      ...identity,
      nvme_total_capacity: drive.model.capacityBytes,
      nvme_unallocated_capacity: 0,
      nvme_controller_id: 6,
      nvme_version: { string: '1.3', value: 66304 },
      nvme_number_of_namespaces: 1,
      user_capacity: capacity,
      logical_block_size: 512,
      local_time: localTime,
      ...support,
      smart_status: { passed: true, nvme: { value: 0 } },
      nvme_smart_health_information_log: log,
      temperature: { current: temp },
      power_cycle_count: drive.powerCycles,
      power_on_time: { hours },
    };
    return { json: JSON.stringify(json, null, 2), status: 0 };
  }

  const realloc = reallocatedSectors(model, drive, t);
  const attributes = ataAttributes(drive, hours, temp, realloc);
  const failingNow = attributes.some((a) => a.thresh > 0 && a.value <= a.thresh);
  const errorCount = Math.floor(realloc / 4);
  // smartctl's exit bits: 3 disk failing, 4 prefail attribute at or below threshold, 6 errors in the error log.
  const status = (failingNow ? 8 | 16 : 0) | (errorCount > 0 ? 64 : 0);
  const json = {
    ...smartctlHeader(model, drive, status),
    device: { name: drive.name, info_name: `${drive.name} [SAT]`, type: 'sat', protocol: 'ATA' },
    ...(drive.model.family !== null && { model_family: drive.model.family }),
    ...identity,
    user_capacity: capacity,
    logical_block_size: 512,
    physical_block_size: drive.model.kind === 'hdd' ? 4096 : 512,
    rotation_rate: drive.model.rpm,
    form_factor: {
      ata_value: drive.model.kind === 'hdd' ? 2 : 3,
      name: drive.model.kind === 'hdd' ? '3.5 inches' : '2.5 inches',
    },
    in_smartctl_database: true,
    local_time: localTime,
    ...support,
    smart_status: { passed: !failingNow },
    ata_smart_attributes: { revision: 16, table: attributes.map(attributeJson) },
    power_on_time: { hours },
    power_cycle_count: drive.powerCycles,
    temperature: { current: temp },
    ata_smart_error_log: { summary: { revision: 1, count: errorCount } },
    ata_smart_self_test_log: { standard: { revision: 1, count: 1, error_count_total: 0, error_count_outdated: 0 } },
  };
  return { json: JSON.stringify(json, null, 2), status };
}

export function drivesOutput(model: DeviceModel, t: number): string {
  const { profile } = model;
  if (profile.smartctlVersion === null) return `@@no-smartctl\n${END_MARKER}\n`;
  const scan = profile.drives.map((d) =>
    d.type === 'nvme' ? `${d.name} -d nvme # ${d.name}, NVMe device` : `${d.name} -d sat # ${d.name} [SAT], ATA device`,
  );
  // The SSH user runs smartctl through passwordless sudo, the setup the collector recommends.
  const parts = [
    section('privilege', 'sudo'),
    section('version', `smartctl ${profile.smartctlVersion} [${profile.arch}-linux-${profile.kernel}] (local build)`),
    runSection('scan', scan.join('\n')),
  ];
  profile.drives.forEach((drive, i) => {
    const { json, status } = driveJson(model, drive, t);
    parts.push(runSection(`drive-${i}`, json, status));
  });
  parts.push(`${END_MARKER}\n`);
  return parts.join('');
}
