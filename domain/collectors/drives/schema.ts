/** The drives payload: smartctl's exit bits, each drive's identity, attributes, NVMe health and verdict. */
import { z } from 'zod';

export const DATA_TYPE = 'drives';

/** smartctl's exit status bits, in bit order (smartctl(8), "RETURN VALUES"). */
const EXIT_FLAGS = [
  'command_line_error', // 0: command line did not parse
  'device_open_failed', // 1: device open failed, no IDENTIFY data, or device in a low-power mode
  'smart_command_failed', // 2: some SMART or other ATA command failed, or a SMART data checksum error
  'disk_failing', // 3: SMART status check returned "DISK FAILING"
  'prefail_at_or_below_threshold', // 4: prefail attributes at or below threshold
  'at_or_below_threshold_in_past', // 5: usage or prefail attributes were at or below threshold in the past
  'error_log_has_errors', // 6: the device error log contains records of errors
  'self_test_log_has_errors', // 7: the self-test log contains records of errors
] as const;
export const SmartctlExitFlag = z.enum(EXIT_FLAGS);
export type SmartctlExitFlag = z.infer<typeof SmartctlExitFlag>;

export const SmartctlExitStatus = z.object({
  raw: z.number().int().describe('smartctl exit status (0-255), a bit field'),
  flags: z.array(SmartctlExitFlag),
});
export type SmartctlExitStatus = z.infer<typeof SmartctlExitStatus>;

export function decodeExitStatus(raw: number): SmartctlExitStatus {
  return { raw, flags: EXIT_FLAGS.filter((_, bit) => (raw & (1 << bit)) !== 0) };
}

export const DriveProtocol = z.enum(['ATA', 'SCSI', 'NVMe']);
export type DriveProtocol = z.infer<typeof DriveProtocol>;

export const DriveVerdict = z.enum(['passed', 'warning', 'failed', 'unknown']);
export type DriveVerdict = z.infer<typeof DriveVerdict>;

/**
 * `active`: read now (smartctl found it awake, or cannot check the power mode of its kind, e.g. NVMe).
 * `standby` or `sleep`: spun down; smartctl was told not to wake it and read nothing.
 */
export const PowerState = z.enum(['active', 'standby', 'sleep']);
export type PowerState = z.infer<typeof PowerState>;

export const AtaAttribute = z.object({
  id: z.number().int(),
  name: z.string(),
  /** Normalized value, worst value and threshold (1-253; a threshold of 0 never fails). */
  value: z.number().describe('normalized value (1-253)'),
  worst: z.number().describe('worst normalized value (1-253)'),
  threshold: z.number().describe('normalized threshold (1-253; 0 never fails)'),
  raw: z.number(),
  /** smartctl's rendering of the raw value, e.g. `34 (Min/Max 22/45)`. */
  raw_string: z.string(),
  /** `now` while the value is at or below the threshold, `past` if it ever was. */
  when_failed: z.enum(['now', 'past']).nullable(),
  prefailure: z.boolean(),
});
export type AtaAttribute = z.infer<typeof AtaAttribute>;

/** The NVMe SMART / Health Information log, with smartctl's field names. */
export const NvmeHealth = z.object({
  critical_warning: z.number().int().describe('bit field; 0 when nothing is wrong'),
  temperature: z.number().describe('°C'),
  available_spare: z.number().describe('percent'),
  available_spare_threshold: z.number().describe('percent'),
  percentage_used: z.number().describe('percent of the rated endurance used; may exceed 100'),
  media_errors: z.number(),
  num_err_log_entries: z.number(),
  power_on_hours: z.number(),
  unsafe_shutdowns: z.number(),
  data_units_read: z.number().describe('units of 1000 512-byte blocks'),
  data_units_written: z.number().describe('units of 1000 512-byte blocks'),
});
export type NvmeHealth = z.infer<typeof NvmeHealth>;

export const Drive = z.object({
  /** Device name as scanned, e.g. `/dev/sda`, `/dev/nvme0`, `/dev/bus/0` (several drives behind a RAID controller). */
  name: z.string(),
  /** smartctl device type used to read it, e.g. `sat`, `nvme`, `scsi`, `sat+megaraid,1`. */
  type: z.string(),
  protocol: DriveProtocol,
  model_family: z.string().nullable(),
  model: z.string().nullable(),
  serial: z.string().nullable(),
  firmware: z.string().nullable(),
  capacity_bytes: z.number().nullable().describe('bytes'),
  /** Null for solid-state drives and when the drive does not say. */
  rotation_rpm: z.number().nullable().describe('revolutions per minute; null for solid-state drives'),
  temperature_c: z.number().nullable().describe('°C'),
  power_on_hours: z.number().nullable().describe('hours'),
  /** smartctl's overall health self-assessment; null when the drive gave none. */
  smart_passed: z.boolean().nullable(),
  /** Null when smartctl could not open the drive while scanning, so it was never read. */
  exit_status: SmartctlExitStatus.nullable(),
  /** ATA drives only. */
  attributes: z.array(AtaAttribute),
  nvme: NvmeHealth.nullable(),
  /** SCSI/SAS drives only: sectors remapped since manufacture. */
  scsi_grown_defect_list: z.number().nullable(),
  verdict: DriveVerdict,
  /** The evidence for the verdict; empty for a passed drive. */
  reasons: z.array(z.string()),
  /** Null when smartctl could not open or identify the drive. */
  power_state: PowerState.nullable(),
  /**
   * Null when the health above was read now. For a drive asleep now, the ISO time of the earlier read its
   * verdict, reasons, exit status, attributes, hours and identity come from; its temperature is null then.
   */
  health_from: z.string().nullable().describe('ISO 8601 time of the earlier read, for a drive asleep now'),
});
export type Drive = z.infer<typeof Drive>;

export const DrivesStatus = z.enum(['ok', 'needs_sudo', 'not_installed', 'no_devices']);
export type DrivesStatus = z.infer<typeof DrivesStatus>;
export const SmartctlPrivilege = z.enum(['root', 'sudo', 'user']);
export type SmartctlPrivilege = z.infer<typeof SmartctlPrivilege>;

export const DrivesData = z.object({
  smartctl_available: z.boolean(),
  status: DrivesStatus,
  /** How smartctl was run; absent when it is not installed. */
  privilege: SmartctlPrivilege.optional(),
  /** e.g. `7.3`, from `smartctl --version`. */
  smartctl_version: z.string().optional(),
  /** What to do about a status other than `ok`. */
  note: z.string().optional(),
  /** Failed drives first, then drives with warnings, then by name. */
  drives: z.array(Drive),
  summary: z.object({
    total: z.number(),
    passed: z.number(),
    warning: z.number(),
    failed: z.number(),
    unknown: z.number(),
  }),
  /**
   * One line per failed or warning drive, e.g. `/dev/sdb WDC WD40EFRX-68N32N0 (WD-WCC7K1234567): FAILED — ...`,
   * or for a drive asleep now `...: FAILED as read 2024-04-01T09:00:00.000Z, asleep now — ...`.
   */
  problems: z.array(z.string()),
});
export type DrivesData = z.infer<typeof DrivesData>;
