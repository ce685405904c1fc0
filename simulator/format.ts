/**
 * Text the way the real tools print it: docker's human durations and sizes, ZFS's nicenum and
 * durations, C's ctime, and the `@@section` framing of the collector scripts.
 */

/** `@@name`, then the body: what `echo @@name; command` prints. */
export function section(name: string, body: string): string {
  return body === '' ? `@@${name}\n` : `@@${name}\n${body}\n`;
}

const trimNewlines = (text: string) => text.replace(/\n+$/, '');

/**
 * What the scripts' `run NAME COMMAND` prints (RUN_SECTION_PRELUDE in sections.ts): `$(...)` drops
 * trailing newlines, and printf puts one after the output, the status and stderr.
 */
export function runSection(name: string, stdout: string, status = 0, stderr = ''): string {
  return `@@${name}\n${trimNewlines(stdout)}\n@@${name}-status\n${status}\n@@${name}-stderr\n${trimNewlines(stderr)}\n`;
}

/** go-units HumanDuration, as in docker's `Up 3 days` and `Exited (0) 2 hours ago`. */
export function dockerDuration(seconds: number): string {
  const s = Math.floor(seconds);
  if (s < 1) return 'Less than a second';
  if (s === 1) return '1 second';
  if (s < 60) return `${s} seconds`;
  const minutes = Math.floor(seconds / 60);
  if (minutes === 1) return 'About a minute';
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.floor(seconds / 3600 + 0.5);
  if (hours === 1) return 'About an hour';
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.floor(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.floor(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24 / 30)} months`;
  return `${Math.floor(seconds / 3600 / 24 / 365)} years`;
}

function scaled(bytes: number, base: number, units: readonly string[], digits: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= base && unit < units.length - 1) {
    value /= base;
    unit++;
  }
  // %.Ng, without the exponent form the values below `base` never need.
  return `${Number(value.toPrecision(digits))}${units[unit]}`;
}

/** go-units HumanSizeWithPrecision(n, 3): network and block I/O in `docker stats`, e.g. `1.27GB`. */
export function dockerDecimalSize(bytes: number): string {
  return scaled(bytes, 1000, ['B', 'kB', 'MB', 'GB', 'TB', 'PB'], 3);
}

/** go-units BytesSize: memory in `docker stats`, e.g. `412.5MiB / 31.28GiB`. */
export function dockerBinarySize(bytes: number): string {
  return scaled(bytes, 1024, ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'], 4);
}

const NICE_UNITS = ['B', 'K', 'M', 'G', 'T', 'P', 'E'];

/** zfs_nicebytes: the most decimals that fit five characters, e.g. `3.10T`, `18.5G`, `210G`, `0B`. */
export function zfsNice(bytes: number): string {
  let index = 0;
  let n = bytes;
  while (n >= 1024 && index < NICE_UNITS.length - 1) {
    n /= 1024;
    index++;
  }
  if (index === 0) return `${Math.round(bytes)}B`;
  const unit = NICE_UNITS[index] ?? '';
  const value = bytes / 1024 ** index;
  for (const decimals of [2, 1]) {
    const text = `${value.toFixed(decimals)}${unit}`;
    if (text.length <= 5) return text;
  }
  return `${value.toFixed(0)}${unit}`;
}

/** How zpool prints elapsed and remaining times: `01:56:20`, `1 days 02:03:04`. */
export function zfsDuration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const days = Math.floor(s / 86_400);
  const clock = [Math.floor(s / 3600) % 24, Math.floor(s / 60) % 60, s % 60]
    .map((part) => String(part).padStart(2, '0'))
    .join(':');
  return days > 0 ? `${days} days ${clock}` : clock;
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** C's ctime() in UTC, as zpool prints scan times: `Sun Nov  8 01:26:04 2026`. */
export function ctime(unixSeconds: number): string {
  const d = new Date(unixSeconds * 1000);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${WEEKDAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} ${d.getUTCFullYear()}`;
}

/** ISO 8601 with docker's nanoseconds, e.g. `2024-07-20T08:00:00.412998873Z`. */
export function dockerTime(unixSeconds: number): string {
  const whole = Math.floor(unixSeconds);
  const nanos = String(Math.floor((unixSeconds - whole) * 1e9)).padStart(9, '0');
  return `${new Date(whole * 1000).toISOString().slice(0, 19)}.${nanos}Z`;
}
