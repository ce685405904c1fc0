/**
 * `zpool events` as printed by zpool_do_events_short / zpool_do_events_nvprint (cmd/zpool/zpool_main.c):
 * one line per event, `TIME CLASS` (a tab between them with -H, a header line without), and with -v the
 * event's nvlist below it, 8 spaces deep, embedded nvlists 8 deeper up to `(end NAME)`, a blank line after
 * each event. Strings are quoted, numbers hexadecimal; `time` holds seconds and nanoseconds since the
 * epoch, so the instant is exact even though the printed TIME is the device's local time.
 */

export interface ZpoolEvent {
  /** As printed, e.g. `Oct 10 2021 10:39:51.709234009` (the device's local time). */
  time_text: string;
  /** ISO 8601 from the event's own `time` (UTC, millisecond precision); null without -v. */
  time: string | null;
  class: string;
  /** Event id; null without -v. */
  eid: number | null;
  pool: string | null;
  vdev_path: string | null;
  /** Every field of the event as printed (strings unquoted); embedded nvlists as nested objects. */
  details: Record<string, EventValue>;
}

export type EventValue = string | { [key: string]: EventValue };

const EVENT_LINE = /^([A-Z][a-z]{2} [ \d]\d \d{4} \d\d:\d\d:\d\d\.\d{9})[\t ]+(\S+)\s*$/;
const FIELD_LINE = /^( +)(\S+) = ?(.*)$/;
const END_LINE = /^ +\(end (\S+)\)$/;

class ZpoolEventsParseError extends Error {}

function valueOf(raw: string): string {
  const text = raw.trimEnd();
  return text.length >= 2 && text.startsWith('"') && text.endsWith('"') ? text.slice(1, -1) : text;
}

/** `0x6162c2f7 0x2a460d59` → the instant; null when absent or not that shape. */
function eventTime(value: EventValue | undefined): string | null {
  if (typeof value !== 'string') return null;
  const match = /^0x([0-9a-f]+) 0x([0-9a-f]+)$/i.exec(value.trim());
  if (!match) return null;
  return new Date(
    Number.parseInt(match[1]!, 16) * 1000 + Math.floor(Number.parseInt(match[2]!, 16) / 1e6),
  ).toISOString();
}

export function parseZpoolEvents(stdout: string): ZpoolEvent[] {
  const events: ZpoolEvent[] = [];
  let current: ZpoolEvent | null = null;
  /** The nvlist fields are added to: the event's, or an embedded one's while inside it. */
  let stack: Array<Record<string, EventValue>> = [];
  for (const [index, line] of stdout.split('\n').entries()) {
    if (line.trim() === '') continue;
    if (index === 0 && /^TIME\s+CLASS\s*$/.test(line)) continue;
    const event = EVENT_LINE.exec(line);
    if (event) {
      current = {
        time_text: event[1]!,
        time: null,
        class: event[2]!,
        eid: null,
        pool: null,
        vdev_path: null,
        details: {},
      };
      events.push(current);
      stack = [current.details];
      continue;
    }
    if (!current)
      throw new ZpoolEventsParseError(`zpool events: expected "TIME CLASS", got ${JSON.stringify(line.slice(0, 200))}`);
    if (END_LINE.test(line)) {
      if (stack.length < 2) throw new ZpoolEventsParseError(`zpool events: unbalanced ${JSON.stringify(line.trim())}`);
      stack.pop();
      continue;
    }
    const field = FIELD_LINE.exec(line);
    if (!field) throw new ZpoolEventsParseError(`zpool events: unreadable line ${JSON.stringify(line.slice(0, 200))}`);
    const [, , name, raw = ''] = field;
    const target = stack.at(-1)!;
    if (raw.trim() === '(embedded nvlist)') {
      const nested: Record<string, EventValue> = {};
      target[name!] = nested;
      stack.push(nested);
    } else {
      target[name!] = valueOf(raw);
    }
  }
  for (const e of events) {
    const { eid, pool, vdev_path: vdevPath, time } = e.details;
    e.time = eventTime(time);
    e.eid = typeof eid === 'string' && /^0x[0-9a-f]+$/i.test(eid) ? Number(BigInt(eid)) : null;
    e.pool = typeof pool === 'string' ? pool : null;
    e.vdev_path = typeof vdevPath === 'string' ? vdevPath : null;
  }
  return events;
}
