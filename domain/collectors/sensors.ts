import { z } from 'zod';
import type { Collector } from './collector.ts';
import { CollectorParseError } from './parse-error.ts';
import { END_MARKER, excerptOf, round2, type Sections, splitSections, sysfsAttributes } from './sections.ts';

/**
 * Temperatures and fan speeds. lm-sensors' `sensors -j` names chips and features the way the user knows
 * them (its configuration applies labels and ignores); where it is not installed, or finds nothing, the
 * kernel's hwmon attributes are read directly (the same numbers, with the driver's own labels), and
 * thermal zones only when hwmon has no temperature at all (they mostly repeat hwmon's sensors). A VM or
 * container often has neither: that is an empty, valid answer, not an error.
 */

const DATA_TYPE = 'sensors';

export const SensorsSource = z.enum(['lm-sensors', 'hwmon', 'thermal_zone']);
export type SensorsSource = z.infer<typeof SensorsSource>;

export const Temperature = z.object({
  /** lm-sensors chip (`coretemp-isa-0000`) or hwmon driver name (`coretemp`); `thermal` for thermal zones. */
  chip: z.string(),
  label: z.string(),
  celsius: z.number().describe('°C'),
  /** The chip's own limits, when it reports believable ones (a board that says "max -33 °C" does not). */
  max_celsius: z.number().nullable().describe('°C'),
  critical_celsius: z.number().nullable().describe('°C'),
  /** The chip raised its alarm flag for this sensor. */
  alarm: z.boolean(),
});
export type Temperature = z.infer<typeof Temperature>;

export const Fan = z.object({
  chip: z.string(),
  label: z.string(),
  rpm: z.number().describe('revolutions per minute'),
  min_rpm: z.number().nullable().describe('revolutions per minute'),
  alarm: z.boolean(),
});
export type Fan = z.infer<typeof Fan>;

export const SensorsData = z.object({
  /** Where the figures came from; null when the device exposes no sensors. */
  source: SensorsSource.nullable(),
  /** Why there are no figures, when there are none. */
  reason: z.string().optional(),
  /** Hottest first. */
  temperatures: z.array(Temperature),
  fans: z.array(Fan),
});
export type SensorsData = z.infer<typeof SensorsData>;

/**
 * sensors prints read errors of single features (`ERROR: Can't get value of subfeature ...`) to stderr and
 * exits 0; it exits 1 when it finds no chip at all. The hwmon fallback runs only when sensors is missing
 * or failed, so a healthy sensors answer is not sent twice.
 */
const COMMAND = [
  'export LC_ALL=C',
  'status=127',
  'if command -v sensors >/dev/null 2>&1; then echo @@sensors-json; sensors -j 2>/dev/null; status=$?; fi',
  'if [ "$status" -ne 0 ]; then',
  '  echo @@hwmon',
  '  for d in /sys/class/hwmon/hwmon*; do [ -d "$d" ] && grep -H . "$d"/name "$d"/temp*_input "$d"/temp*_label "$d"/temp*_max "$d"/temp*_crit "$d"/temp*_alarm "$d"/fan*_input "$d"/fan*_label "$d"/fan*_min "$d"/fan*_alarm 2>/dev/null; done',
  '  echo @@thermal',
  '  for z in /sys/class/thermal/thermal_zone*; do [ -d "$z" ] && grep -H . "$z"/type "$z"/temp 2>/dev/null; done',
  'fi',
  `echo ${END_MARKER}`,
].join('\n');

/** Limits outside this range are placeholders or misconfigured chips, never real thresholds. */
const BELIEVABLE_LIMIT = { min: 20, max: 150 };
/** Readings outside it are sensors that are not wired up (−273.15, 65261.85, 127, -128...). */
const BELIEVABLE_READING = { min: -40, max: 150 };

function parseError(message: string, excerpt?: string): CollectorParseError {
  return new CollectorParseError(DATA_TYPE, message, excerpt === undefined ? undefined : excerptOf(excerpt));
}

function limit(value: number | undefined): number | null {
  return value !== undefined && value >= BELIEVABLE_LIMIT.min && value <= BELIEVABLE_LIMIT.max ? round2(value) : null;
}

function believable(celsius: number): boolean {
  return celsius > BELIEVABLE_READING.min && celsius < BELIEVABLE_READING.max;
}

// --- sensors -j ----------------------------------------------------------------------------------------

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The subfeatures of one feature: `temp1_input` → 45, `temp1_crit_alarm` → 0. */
function numbers(feature: JsonObject, where: string): Map<string, number> {
  const found = new Map<string, number>();
  for (const [key, value] of Object.entries(feature)) {
    if (typeof value !== 'number' || !Number.isFinite(value))
      throw parseError(`sensors -j: ${where} ${key} is not a number`, JSON.stringify(feature));
    found.set(key, value);
  }
  return found;
}

function parseSensorsJson(lines: readonly string[]): Pick<SensorsData, 'temperatures' | 'fans'> {
  // Read errors of single features land between the lines when stderr is not kept apart.
  const text = lines.filter((line) => !line.startsWith('ERROR: ')).join('\n');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw parseError(`sensors -j printed no valid JSON: ${(err as Error).message}`, text.slice(0, 500));
  }
  if (!isObject(parsed)) throw parseError('sensors -j did not print a JSON object', text);
  const temperatures: Temperature[] = [];
  const fans: Fan[] = [];
  for (const [chip, features] of Object.entries(parsed)) {
    if (!isObject(features)) throw parseError(`sensors -j: chip ${chip} is not an object`, JSON.stringify(features));
    for (const [label, feature] of Object.entries(features)) {
      if (label === 'Adapter') continue;
      if (!isObject(feature))
        throw parseError(`sensors -j: ${chip} ${label} is not an object`, JSON.stringify(feature));
      const values = numbers(feature, `${chip} ${label}`);
      for (const [key, value] of values) {
        const temp = /^(temp\d+)_input$/.exec(key)?.[1];
        if (temp !== undefined && believable(value)) {
          temperatures.push({
            chip,
            label,
            celsius: round2(value),
            max_celsius: limit(values.get(`${temp}_max`)),
            critical_celsius: limit(values.get(`${temp}_crit`)),
            alarm: values.get(`${temp}_alarm`) === 1 || values.get(`${temp}_crit_alarm`) === 1,
          });
        }
        const fan = /^(fan\d+)_input$/.exec(key)?.[1];
        if (fan !== undefined) {
          const min = values.get(`${fan}_min`);
          fans.push({
            chip,
            label,
            rpm: Math.round(value),
            min_rpm: min === undefined ? null : Math.round(min),
            alarm: values.get(`${fan}_alarm`) === 1,
          });
        }
      }
    }
  }
  return { temperatures, fans };
}

// --- /sys/class/hwmon and /sys/class/thermal -------------------------------------------------------------

/** A millidegree or plain integer attribute; anything else is a parse error naming the file. */
function sysfsNumber(attributes: ReadonlyMap<string, string>, file: string, directory: string): number | undefined {
  const text = attributes.get(file);
  if (text === undefined) return undefined;
  if (!/^-?\d+$/.test(text)) throw parseError(`${directory}/${file}: expected an integer, got ${JSON.stringify(text)}`);
  return Number(text);
}

function parseHwmon(lines: readonly string[]): Pick<SensorsData, 'temperatures' | 'fans'> {
  const temperatures: Temperature[] = [];
  const fans: Fan[] = [];
  for (const [directory, attributes] of sysfsAttributes(DATA_TYPE, lines)) {
    const chip = attributes.get('name') ?? directory.slice(directory.lastIndexOf('/') + 1);
    const milli = (file: string) => {
      const value = sysfsNumber(attributes, file, directory);
      return value === undefined ? undefined : value / 1000;
    };
    for (const file of attributes.keys()) {
      const temp = /^(temp\d+)_input$/.exec(file)?.[1];
      const celsius = temp === undefined ? undefined : milli(file);
      if (temp !== undefined && celsius !== undefined && believable(celsius)) {
        temperatures.push({
          chip,
          label: attributes.get(`${temp}_label`) ?? temp,
          celsius: round2(celsius),
          max_celsius: limit(milli(`${temp}_max`)),
          critical_celsius: limit(milli(`${temp}_crit`)),
          alarm: attributes.get(`${temp}_alarm`) === '1' || attributes.get(`${temp}_crit_alarm`) === '1',
        });
      }
      const fan = /^(fan\d+)_input$/.exec(file)?.[1];
      const rpm = fan === undefined ? undefined : sysfsNumber(attributes, file, directory);
      if (fan !== undefined && rpm !== undefined) {
        fans.push({
          chip,
          label: attributes.get(`${fan}_label`) ?? fan,
          rpm,
          min_rpm: sysfsNumber(attributes, `${fan}_min`, directory) ?? null,
          alarm: attributes.get(`${fan}_alarm`) === '1',
        });
      }
    }
  }
  return { temperatures, fans };
}

function parseThermalZones(lines: readonly string[]): Temperature[] {
  const temperatures: Temperature[] = [];
  for (const [directory, attributes] of sysfsAttributes(DATA_TYPE, lines)) {
    const milli = sysfsNumber(attributes, 'temp', directory);
    if (milli === undefined || !believable(milli / 1000)) continue;
    temperatures.push({
      chip: 'thermal',
      label: attributes.get('type') ?? directory.slice(directory.lastIndexOf('/') + 1),
      celsius: round2(milli / 1000),
      max_celsius: null,
      critical_celsius: null,
      alarm: false,
    });
  }
  return temperatures;
}

// --- assembly ----------------------------------------------------------------------------------------------

function collectFrom(sections: Sections): Omit<SensorsData, 'reason'> {
  if (sections.has('sensors-json') && !sections.has('hwmon')) {
    return { source: 'lm-sensors', ...parseSensorsJson(sections.nonEmptyLines('sensors-json')) };
  }
  const hwmon = parseHwmon(sections.lines('hwmon'));
  if (hwmon.temperatures.length > 0 || hwmon.fans.length > 0) {
    const zones = hwmon.temperatures.length === 0 ? parseThermalZones(sections.lines('thermal')) : [];
    return { source: 'hwmon', temperatures: [...hwmon.temperatures, ...zones], fans: hwmon.fans };
  }
  const zones = parseThermalZones(sections.lines('thermal'));
  return { source: zones.length > 0 ? 'thermal_zone' : null, temperatures: zones, fans: [] };
}

export const sensorsCollector: Collector<SensorsData> = {
  dataType: DATA_TYPE,
  tool: {
    name: 'get_sensors',
    title: 'Temperatures and fans',
    description:
      "Temperatures (hottest first, with the chips' own max/critical limits and alarms) and fan speeds, from lm-sensors (sensors -j), else /sys/class/hwmon, else thermal zones; a VM without sensors answers an empty list with its reason. Cached for up to 60 s.",
  },
  description:
    "temperatures (hottest first, with the chip's max/critical limits and alarm) and fans from `sensors -j`, else `/sys/class/hwmon`, else thermal zones; none (a VM) is an empty answer with its reason",
  schema: SensorsData,
  freshnessSeconds: 60,
  pollIntervalSeconds: 300,
  commandTimeoutMs: 15_000,
  retentionDays: 30,
  table: 'sensors_snapshots',

  command: () => COMMAND,

  parse(output) {
    const data = collectFrom(splitSections(DATA_TYPE, output));
    data.temperatures.sort((a, b) => b.celsius - a.celsius || (a.chip + a.label < b.chip + b.label ? -1 : 1));
    if (data.temperatures.length > 0 || data.fans.length > 0) return data;
    return { ...data, reason: 'no temperature or fan sensors exposed (typical of a VM or container)' };
  },

  columns(data) {
    return {
      max_temperature_celsius: data.temperatures[0]?.celsius ?? null,
      temperature_count: data.temperatures.length,
      fan_count: data.fans.length,
      min_fan_rpm: data.fans.length > 0 ? Math.min(...data.fans.map((f) => f.rpm)) : null,
    };
  },
};
