import { z } from 'zod';
import { REQUIRED_CAPABILITIES, type Collector } from './collector.ts';
import { CollectorParseError } from './parse-error.ts';
import {
  END_MARKER,
  excerptOf,
  round2,
  RUN_SECTION_PRELUDE,
  sectionCommandError,
  sectionCommandResult,
  type Sections,
  splitSections,
  sysfsAttributes,
} from './sections.ts';

/**
 * GPU load, memory, temperature and power. NVIDIA through `nvidia-smi --query-gpu ... --format=csv`: the
 * header names every column (with its unit), so columns are found by name, not position, and a driver
 * that renamed one fails clearly instead of shifting every value. AMD through the amdgpu driver's sysfs
 * attributes (gpu_busy_percent, mem_info_vram_*, hwmon temperature and power), which every amdgpu card
 * since Linux 4.19 has. Intel GPUs expose no load figure without root and perf, so they are not read.
 *
 * Polled only where the capability detection found a GPU; asked directly, a device without one answers
 * `available: false`, which also clears the capability.
 */

const DATA_TYPE = 'gpu';

/** The nvidia-smi fields read, in the order asked. */
const NVIDIA_FIELDS = [
  'index',
  'name',
  'uuid',
  'driver_version',
  'pstate',
  'temperature.gpu',
  'utilization.gpu',
  'utilization.memory',
  'memory.total',
  'memory.used',
  'power.draw',
  'power.limit',
  'fan.speed',
] as const;
type NvidiaField = (typeof NVIDIA_FIELDS)[number];

export const Gpu = z.object({
  vendor: z.enum(['nvidia', 'amd']),
  /** nvidia-smi's index, or the DRM card name (`card0`). */
  id: z.string(),
  name: z.string().nullable(),
  uuid: z.string().nullable(),
  driver_version: z.string().nullable(),
  /** NVIDIA performance state, P0 (maximum) to P12 (idle). */
  pstate: z.string().nullable(),
  temperature_celsius: z.number().nullable().describe('°C'),
  utilization_percent: z.number().nullable().describe('percent'),
  /** Share of time the memory controller was busy (NVIDIA only). */
  memory_utilization_percent: z
    .number()
    .nullable()
    .describe('percent of time the memory controller was busy (NVIDIA only)'),
  memory_total_bytes: z.number().nullable().describe('bytes'),
  memory_used_bytes: z.number().nullable().describe('bytes'),
  power_draw_watts: z.number().nullable().describe('watts'),
  power_limit_watts: z.number().nullable().describe('watts'),
  fan_percent: z.number().nullable().describe('percent'),
});
export type Gpu = z.infer<typeof Gpu>;

export const GpuData = z.object({
  available: z.boolean(),
  reason: z.string().optional(),
  gpus: z.array(Gpu),
});
export type GpuData = z.infer<typeof GpuData>;

const COMMAND = [
  'export LC_ALL=C',
  ...RUN_SECTION_PRELUDE,
  `if command -v nvidia-smi >/dev/null 2>&1; then run nvidia nvidia-smi --query-gpu=${NVIDIA_FIELDS.join(',')} --format=csv; fi`,
  'echo @@amdgpu',
  'for dev in /sys/class/drm/card[0-9]*/device; do',
  '  [ -r "$dev/gpu_busy_percent" ] || continue',
  '  grep -H . "$dev"/gpu_busy_percent "$dev"/mem_info_vram_used "$dev"/mem_info_vram_total "$dev"/product_name "$dev"/hwmon/hwmon*/temp1_input "$dev"/hwmon/hwmon*/power1_average "$dev"/hwmon/hwmon*/power1_cap 2>/dev/null',
  'done',
  `echo ${END_MARKER}`,
].join('\n');

const MIB = 1024 ** 2;
/** What nvidia-smi prints for a value the GPU or driver does not report. */
const NOT_REPORTED =
  /^\[?(N\/A|Not Supported|Unknown Error|Insufficient Permissions|Requested functionality has been deprecated)\]?$/i;

function parseError(message: string, excerpt?: string): CollectorParseError {
  return new CollectorParseError(DATA_TYPE, message, excerpt === undefined ? undefined : excerptOf(excerpt));
}

// --- nvidia-smi --------------------------------------------------------------------------------------------

/** `45`, `12 %`, `16376 MiB`, `85.20 W` → the number; `[N/A]` and friends → null. */
function nvidiaNumber(text: string, field: string): number | null {
  if (NOT_REPORTED.test(text)) return null;
  const match = /^(-?\d+(?:\.\d+)?)(?: (%|MiB|W|C))?$/.exec(text);
  if (!match?.[1]) throw parseError(`nvidia-smi ${field}: expected a number, got ${JSON.stringify(text)}`, text);
  return Number(match[1]);
}

function nvidiaText(text: string): string | null {
  return NOT_REPORTED.test(text) || text === '' ? null : text;
}

/** nvidia-smi's CSV joins cells with `, ` and never quotes; the header gives each field its column. */
function parseNvidia(lines: readonly string[]): Gpu[] {
  const [header, ...rows] = lines;
  if (header === undefined) throw parseError('nvidia-smi printed nothing (not even its header)');
  // `utilization.gpu [%]` → `utilization.gpu`.
  const columns = header.split(', ').map((name) => name.replace(/ \[[^\]]*\]$/, '').trim());
  const indexOf = new Map<NvidiaField, number>();
  for (const field of NVIDIA_FIELDS) {
    const index = columns.indexOf(field);
    if (index < 0) throw parseError(`nvidia-smi: no ${field} column in its header`, header);
    indexOf.set(field, index);
  }
  return rows.map((row) => {
    const cells = row.split(', ').map((cell) => cell.trim());
    if (cells.length !== columns.length)
      throw parseError(`nvidia-smi: a row has ${cells.length} cells for ${columns.length} columns`, row);
    const cell = (field: NvidiaField) => cells[indexOf.get(field) ?? -1] ?? '';
    const number = (field: NvidiaField) => nvidiaNumber(cell(field), field);
    const mib = (field: NvidiaField) => {
      const value = number(field);
      return value === null ? null : value * MIB;
    };
    return {
      vendor: 'nvidia' as const,
      id: cell('index'),
      name: nvidiaText(cell('name')),
      uuid: nvidiaText(cell('uuid')),
      driver_version: nvidiaText(cell('driver_version')),
      pstate: nvidiaText(cell('pstate')),
      temperature_celsius: number('temperature.gpu'),
      utilization_percent: number('utilization.gpu'),
      memory_utilization_percent: number('utilization.memory'),
      memory_total_bytes: mib('memory.total'),
      memory_used_bytes: mib('memory.used'),
      power_draw_watts: number('power.draw'),
      power_limit_watts: number('power.limit'),
      fan_percent: number('fan.speed'),
    };
  });
}

// --- amdgpu sysfs --------------------------------------------------------------------------------------------

function amdNumber(attributes: ReadonlyMap<string, string> | undefined, file: string, where: string): number | null {
  const text = attributes?.get(file);
  if (text === undefined) return null;
  if (!/^\d+$/.test(text)) throw parseError(`${where}/${file}: expected an integer, got ${JSON.stringify(text)}`);
  return Number(text);
}

function parseAmdgpu(lines: readonly string[]): Gpu[] {
  const byDirectory = sysfsAttributes(DATA_TYPE, lines);
  const gpus: Gpu[] = [];
  for (const [directory, attributes] of byDirectory) {
    const card = /^\/sys\/class\/drm\/(card\d+)\/device$/.exec(directory)?.[1];
    if (card === undefined) continue;
    // The card's hwmon directory sits below its device directory.
    const hwmonDirectory = [...byDirectory.keys()].find((d) => d.startsWith(`${directory}/hwmon/`));
    const hwmon = hwmonDirectory === undefined ? undefined : byDirectory.get(hwmonDirectory);
    const temperature = amdNumber(hwmon, 'temp1_input', hwmonDirectory ?? directory);
    const microwatts = (file: string) => {
      const value = amdNumber(hwmon, file, hwmonDirectory ?? directory);
      return value === null ? null : round2(value / 1e6);
    };
    gpus.push({
      vendor: 'amd',
      id: card,
      name: attributes.get('product_name') || null,
      uuid: null,
      driver_version: null,
      pstate: null,
      temperature_celsius: temperature === null ? null : round2(temperature / 1000),
      utilization_percent: amdNumber(attributes, 'gpu_busy_percent', directory),
      memory_utilization_percent: null,
      memory_total_bytes: amdNumber(attributes, 'mem_info_vram_total', directory),
      memory_used_bytes: amdNumber(attributes, 'mem_info_vram_used', directory),
      power_draw_watts: microwatts('power1_average'),
      power_limit_watts: microwatts('power1_cap'),
      fan_percent: null,
    });
  }
  return gpus;
}

function parseGpus(sections: Sections): Gpu[] {
  const gpus: Gpu[] = [];
  if (sections.has('nvidia')) {
    const result = sectionCommandResult(DATA_TYPE, sections, 'nvidia');
    // nvidia-smi installed but failing (driver not loaded, version mismatch after an update) is worth telling.
    if (result.status !== 0) throw sectionCommandError(DATA_TYPE, 'nvidia-smi', result);
    gpus.push(...parseNvidia(result.stdoutLines));
  }
  gpus.push(...parseAmdgpu(sections.lines('amdgpu')));
  return gpus;
}

export const gpuCollector: Collector<GpuData> = {
  dataType: DATA_TYPE,
  tool: {
    name: 'get_gpu',
    title: 'GPUs',
    description:
      'Per GPU: load %, memory used/total, temperature, power draw and limit, fan, performance state; NVIDIA through nvidia-smi, AMD through the amdgpu driver. Polled only on devices where a GPU was detected; elsewhere available false. Cached for up to 60 s.',
  },
  description:
    "per GPU: load, memory used/total, temperature, power draw/limit, fan, P-state — NVIDIA from `nvidia-smi --query-gpu --format=csv` (columns by header name), AMD from amdgpu's sysfs attributes; polled only where a GPU was detected",
  schema: GpuData,
  freshnessSeconds: 60,
  pollIntervalSeconds: 300,
  commandTimeoutMs: 20_000,
  retentionDays: 30,
  requiredCapability: REQUIRED_CAPABILITIES.gpu,
  // Neither nvidia-smi nor an amdgpu card: the amdgpu section is printed, empty.
  unavailableOutput: `@@amdgpu\n${END_MARKER}\n`,
  table: 'gpu_snapshots',

  command: () => COMMAND,

  parse(output) {
    const gpus = parseGpus(splitSections(DATA_TYPE, output));
    if (gpus.length === 0)
      return { available: false, reason: 'no NVIDIA GPU (nvidia-smi) and no amdgpu card found', gpus };
    return { available: true, gpus };
  },

  columns(data) {
    const values = (pick: (gpu: Gpu) => number | null) => data.gpus.map(pick).filter((v): v is number => v !== null);
    const max = (pick: (gpu: Gpu) => number | null) => {
      const known = values(pick);
      return known.length > 0 ? Math.max(...known) : null;
    };
    const sum = (pick: (gpu: Gpu) => number | null) => {
      const known = values(pick);
      return known.length > 0 ? round2(known.reduce((a, b) => a + b, 0)) : null;
    };
    return {
      gpu_count: data.gpus.length,
      max_utilization_percent: max((g) => g.utilization_percent),
      max_temperature_celsius: max((g) => g.temperature_celsius),
      memory_used_bytes: sum((g) => g.memory_used_bytes),
      power_draw_watts: sum((g) => g.power_draw_watts),
    };
  },

  capabilities(data) {
    return { gpu: data.available };
  },
};
