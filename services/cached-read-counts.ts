import type { ReadCount } from '../store/audit.ts';
import type { Logger } from '../platform/logger.ts';
import type { Trigger } from '../schema/database.ts';
import type { Repositories } from '../store/index.ts';

/** How often counted reads are written: a crash loses at most this much of read counts. */
export const READ_COUNT_FLUSH_MS = 5_000;

export interface CachedRead {
  deviceId: string;
  hostname: string;
  dataType: string;
  trigger: Trigger;
  principal: string;
  onBehalfOf: string | null;
  durationMs: number;
}

/**
 * The audit of cached reads, at the grain of a minute: counted in memory per (minute, device, data
 * type, principal, on_behalf_of, trigger) and added to that minute's row every few seconds, so a
 * cached read waits for no database and the audit log grows per caller-minute, not per read.
 * Collections, cache misses and actions keep their own durable rows elsewhere.
 */
export class CachedReadCounts {
  private pending = new Map<string, ReadCount>();
  private flushing: Promise<void> = Promise.resolve();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly store: Pick<Repositories, 'audit'>,
    private readonly logger: Logger,
    flushEveryMs = READ_COUNT_FLUSH_MS,
  ) {
    this.timer = setInterval(() => void this.flush(), flushEveryMs).unref();
  }

  add(read: CachedRead, at = Date.now()): void {
    const minute = at - (at % 60_000);
    const key = `${minute}\n${read.hostname}\n${read.dataType}\n${read.principal}\n${read.onBehalfOf ?? ''}\n${read.trigger}`;
    const counted = this.pending.get(key);
    if (counted) {
      counted.count++;
      counted.durationMsSum += read.durationMs;
      counted.durationMsMin = Math.min(counted.durationMsMin, read.durationMs);
      counted.durationMsMax = Math.max(counted.durationMsMax, read.durationMs);
      counted.deviceId = read.deviceId;
      return;
    }
    this.pending.set(key, {
      time: new Date(minute),
      deviceId: read.deviceId,
      hostname: read.hostname,
      dataType: read.dataType,
      trigger: read.trigger,
      principal: read.principal,
      onBehalfOf: read.onBehalfOf,
      count: 1,
      durationMsSum: read.durationMs,
      durationMsMin: read.durationMs,
      durationMsMax: read.durationMs,
    });
  }

  /** Writes what was counted so far; one write at a time. Counts a failed write could not store are kept for the next. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      if (this.pending.size === 0) return;
      const counts = this.pending;
      this.pending = new Map();
      try {
        await this.store.audit.addReadCounts([...counts.values()]);
      } catch (err) {
        for (const [key, c] of counts) this.putBack(key, c);
        this.logger.warn('cached read counts not written yet; kept for the next flush', {
          error: err instanceof Error ? err.message : String(err),
          rows: counts.size,
        });
      }
    });
    return this.flushing;
  }

  /** Stops the timer and writes the last counts. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  private putBack(key: string, c: ReadCount): void {
    const newer = this.pending.get(key);
    if (!newer) {
      this.pending.set(key, c);
      return;
    }
    newer.count += c.count;
    newer.durationMsSum += c.durationMsSum;
    newer.durationMsMin = Math.min(newer.durationMsMin, c.durationMsMin);
    newer.durationMsMax = Math.max(newer.durationMsMax, c.durationMsMax);
  }
}
