import { REQUIRED_CAPABILITIES, type Collector } from '../collector.ts';
import { END_MARKER, RUN_SECTION_PRELUDE } from '../sections.ts';
import { parseDrivesOutput } from './parse.ts';
import { DATA_TYPE, DrivesData } from './schema.ts';

/**
 * SMART health of every drive smartctl finds, judged the way Scrutiny does: smartctl's own verdict,
 * the attributes Backblaze found to predict failures, the NVMe health log and the temperature.
 * Drives are listed with `smartctl --scan-open`: plain `--scan` only guesses the type from the device
 * name and reports SATA disks as `-d scsi`, which reads them without any ATA attributes. Each drive is
 * then read with `smartctl -a -j` (smartmontools 7.0 or later). Reading SMART needs root, so smartctl
 * runs as root, through passwordless sudo, or unprivileged; drives an unprivileged user cannot open
 * make the answer `needs_sudo`, never a failed drive or an empty list.
 *
 * An hourly read must not spin up the disks a NAS has spun down (power, wear), so smartctl gets
 * `-n standby`: a drive in STANDBY or SLEEP is left alone and answers only "Device is in STANDBY mode".
 * Such a drive keeps the health of its last read, from the previous snapshot, marked with the time of
 * that read. Its answer does not say which drive it is, so udev's database (which reading does not
 * touch the disk) names its serial number, and the last read is found by that.
 */

/**
 * `run SECTION COMMAND...` prints the command's stdout as @@SECTION, then @@SECTION-status and
 * @@SECTION-stderr. The loop takes name and type from each `NAME -d TYPE # INFO` line of the scan, the
 * same way the parser does; commented-out lines are devices the scan could not open. smartctl gets
 * /dev/null as stdin so nothing it or sudo runs can eat the scan lines the loop reads. A drive left
 * asleep gets a @@drive-N-udev section with its udev properties, which name it (no root needed).
 */
const COMMAND = [
  `if ! command -v smartctl >/dev/null 2>&1; then echo @@no-smartctl; echo ${END_MARKER}; exit 0; fi`,
  ...RUN_SECTION_PRELUDE,
  'if [ "$(id -u)" = 0 ]; then privilege=root',
  'elif sudo -n smartctl --version >/dev/null 2>&1; then privilege=sudo',
  'else privilege=user; fi',
  `printf '@@privilege\\n%s\\n@@version\\n' "$privilege"`,
  'smartctl --version 2>/dev/null | sed -n 1p',
  'smart() { if [ "$privilege" = sudo ]; then sudo -n smartctl "$@"; else smartctl "$@"; fi; }',
  'run scan smart --scan-open',
  'if [ "$status" -eq 0 ]; then',
  `  printf '%s\\n' "$output" | {`,
  '    i=0',
  '    while IFS= read -r line; do',
  `      case $line in ''|'#'*) continue ;; esac`,
  '      name=${line%% -d *}',
  '      type=${line#* -d }',
  '      run "drive-$i" smart -a -j -n standby -d "${type%% *}" "$name" </dev/null',
  `      case $output in *'"Device is in '*) run "drive-$i-udev" udevadm info --query=property --name="$name" </dev/null ;; esac`,
  '      i=$((i + 1))',
  '    done',
  '  }',
  'fi',
  `echo ${END_MARKER}`,
].join('\n');

export const drivesCollector: Collector<DrivesData> = {
  dataType: DATA_TYPE,
  tool: {
    name: 'get_drive_health',
    title: 'Drive health (SMART)',
    description:
      "Every drive smartctl finds: verdict passed/warning/failed/unknown with the evidence (critical ATA attributes 5/10/184/187/188/196/197/198/201, NVMe health log, smartctl's own verdict and exit-status bits), temperature, power-on hours, model, serial, capacity. `problems` lists failing and warning drives first; status needs_sudo says smartctl must be allowed through sudo -n. Cached for up to 1 h.",
  },
  description:
    "`smartctl --scan-open`, then `smartctl -a -j` per drive (root, or `sudo -n`; otherwise status `needs_sudo`): verdict passed/warning/failed/unknown with its evidence — critical ATA attributes 5/10/184/187/188/196/197/198/201, NVMe health log, smartctl's verdict and exit-status bits — temperature, power-on hours, model, serial, capacity",
  schema: DrivesData,
  freshnessSeconds: 3600,
  pollIntervalSeconds: 3600,
  commandTimeoutMs: 90_000,
  usesPrevious: true,
  // Bad-sector counts matter as a trend over months, so drive history is kept longer than other types.
  retentionDays: 365,
  requiredCapability: REQUIRED_CAPABILITIES.drives,
  table: 'drives_snapshots',

  command: () => COMMAND,

  parse: parseDrivesOutput,

  columns(data) {
    const temperatures = data.drives.map((drive) => drive.temperature_c).filter((t): t is number => t !== null);
    return {
      drives_total: data.summary.total,
      drives_passed: data.summary.passed,
      drives_warning: data.summary.warning,
      drives_failed: data.summary.failed,
      max_temperature_c: temperatures.length > 0 ? Math.max(...temperatures) : null,
      smartctl_available: data.smartctl_available,
    };
  },

  capabilities(data) {
    return { smartctl: data.smartctl_available };
  },
};
