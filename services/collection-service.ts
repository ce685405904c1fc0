import { WorkflowFailedError, WorkflowIdConflictPolicy, WorkflowIdReusePolicy, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import { collectorFor, DATA_TYPES, isDataType } from '../domain/collectors/registry.ts';
import { insightsFor } from '../domain/insights/data-insights.ts';
import type { Insight } from '../domain/insights/insight.ts';
import type { StoredSnapshot } from '../store/snapshots.ts';
import { CachedReadCounts } from './cached-read-counts.ts';
import { databaseUnreachable } from '../platform/db.ts';
import type { Logger } from '../platform/logger.ts';
import { reads, workflowSeconds } from '../platform/metrics.ts';
import type { CollectionInput, CollectionResult } from '../schema/collection.ts';
import type { NewAuditRow } from '../schema/database.ts';
import { DEVICE_ERROR_CODES, isDeviceErrorCode } from '../schema/error-codes.ts';
import type { collectWorkflow } from '../workflows/collect.ts';
import { DATA_TYPE_ATTRIBUTE, DEVICE_ATTRIBUTE, TRIGGER_ATTRIBUTE } from '../workflows/search-attributes.ts';
import { auditPrincipal, type DeviceService, type RequestContext } from './device-service.ts';
import { databaseUnavailable, ServiceError } from './service-error.ts';
import type { Repositories } from '../store/index.ts';

interface RecentSnapshot {
  deviceId: string;
  snapshot: StoredSnapshot;
  /** Judged once per snapshot, not once per read. */
  insights: Insight[];
  /** The cached answer serialized, on its first use by `cachedAnswerBytes`. */
  answerBytes?: CachedAnswerBytes;
}

/** The answer every front gives for a data read (ARCHITECTURE.md). */
export interface DataAnswer {
  device: string;
  data_type: string;
  data: unknown;
  collected_at: string;
  age_seconds: number;
  from_cache: boolean;
  workflow_id?: string;
  /** What matters in `data`, worst first, with evidence: a reader sees it without a second call. */
  insights: Insight[];
  /** Set when the snapshot is older than its freshness threshold and no newer one could be looked for. */
  stale?: true;
  stale_reason?: string;
}

/** The stored collections of one data type over a time range (`GET /api/devices/{hostname}/history/{dataType}`, MCP `get_history`). */
export const HistoryAnswer = z.looseObject({
  device: z.string(),
  data_type: z.string(),
  since: z.iso.datetime(),
  until: z.iso.datetime(),
  count: z.int(),
  /** True when `limit` cut the series: ask again from the last `collected_at`. */
  truncated: z.boolean(),
  series: z.array(z.looseObject({ collected_at: z.iso.datetime(), snapshot_id: z.string() })),
});
export type HistoryAnswer = z.output<typeof HistoryAnswer>;

/** Freshness, snapshots and hit rate per data type (`GET /api/cache/stats`, MCP `cache_stats`). */
export const CacheStats = z.object({
  data_types: z.array(
    z.object({
      data_type: z.string(),
      freshness_seconds: z.number(),
      poll_interval_seconds: z.number(),
      snapshots: z.int(),
    }),
  ),
  reads_since_start: z.object({
    total: z.int(),
    cache_hits: z.int(),
    hit_rate: z.number().nullable(),
    collections_started: z.int(),
    joined_in_process: z.int(),
  }),
});
export type CacheStats = z.output<typeof CacheStats>;

/**
 * Read-through cache over stored snapshots. A fresh-enough snapshot is answered from memory, else from
 * the database; otherwise the collection workflow runs (or is joined) and its result is answered.
 * Cached reads are audited as counts per minute (CachedReadCounts); a read that starts or joins a
 * collection writes its own row, and is answered once that row is stored.
 */
export class CollectionService {
  /** Requests in this process for the same device+type share one workflow start. */
  private readonly inFlight = new Map<string, Promise<{ result: CollectionResult; workflowId: string }>>();
  private readonly counters = { total: 0, cacheHits: 0, collectionsStarted: 0, joinedInProcess: 0 };
  /**
   * Newest snapshot per device+type seen by this process. Serving it while it is younger than the
   * freshness threshold is what the threshold promises, even if another process stored a newer one.
   */
  private readonly recent = new Map<string, RecentSnapshot>();
  private readonly readCounts: CachedReadCounts;

  constructor(
    private readonly store: Pick<Repositories, 'audit' | 'snapshots'>,
    private readonly client: Client,
    private readonly devices: DeviceService,
    private readonly instance: string,
    logger: Logger,
    private readonly eagerStart = false,
  ) {
    this.readCounts = new CachedReadCounts(store, logger);
    devices.onChange((hostname) => this.forget(hostname));
  }

  async read(
    hostname: string,
    dataType: string,
    opts: { forceRefresh: boolean },
    ctx: RequestContext,
  ): Promise<DataAnswer> {
    if (!isDataType(dataType)) {
      throw new ServiceError(
        'unknown_data_type',
        404,
        `unknown data type ${dataType}; known: ${DATA_TYPES.join(', ')}`,
      );
    }
    const started = performance.now();
    const collector = collectorFor(dataType);
    const cacheKey = `${hostname}/${dataType}`;
    this.counters.total++;
    if (!opts.forceRefresh) {
      let cached = this.recent.get(cacheKey);
      if (!cached || ageOf(cached) >= collector.freshnessSeconds) {
        try {
          const device = await this.devices.require(hostname);
          // One stored by an older version, whose payload no longer has today's shape, is none: collected anew rather than answered.
          const snapshot = await this.store.snapshots.latest(collector, device.id);
          cached = snapshot && { deviceId: device.id, snapshot, insights: insightsFor(dataType, snapshot.data) };
        } catch (err) {
          const unreachable = databaseUnreachable(err);
          if (unreachable === null) throw err;
          if (!cached) throw databaseUnavailable();
          // While the database is away, the last snapshot this process saw beats no answer: it says it is stale, and why.
          this.countCachedRead(cached, hostname, dataType, ctx, started);
          return {
            ...cachedAnswer(hostname, dataType, cached),
            stale: true,
            stale_reason: `database unreachable: ${unreachable}`,
          };
        }
        if (cached) this.recent.set(cacheKey, cached);
      }
      if (cached && ageOf(cached) < collector.freshnessSeconds) {
        this.countCachedRead(cached, hostname, dataType, ctx, started);
        return cachedAnswer(hostname, dataType, cached);
      }
    }

    // A read that collects (or joins a collection) has its own durable row, naming the workflow.
    const auditRead = (deviceId: string, fields: Partial<NewAuditRow>) =>
      this.store.audit.writeGrouped({
        device_id: deviceId,
        hostname,
        action: 'read',
        data_type: dataType,
        trigger: ctx.trigger,
        force_refresh: opts.forceRefresh,
        duration_ms: Math.round(performance.now() - started),
        status: 'success',
        correlation_id: ctx.correlationId,
        ...auditPrincipal(ctx),
        ...fields,
      });
    const device = await this.devices.require(hostname);
    const input: CollectionInput = {
      hostname,
      dataType,
      trigger: ctx.trigger,
      forceRefresh: opts.forceRefresh,
      correlationId: ctx.correlationId,
      principal: ctx.principal.id,
    };
    try {
      reads.inc({ data_type: dataType, cache_hit: 'false' });
      const { result, workflowId } = await this.collectJoined(input);
      const snapshot = {
        id: result.snapshotId,
        collectedAt: new Date(result.collectedAt),
        collectionId: workflowId,
        durationMs: result.durationMs,
        data: result.data,
      };
      const insights = insightsFor(dataType, result.data);
      this.recent.set(cacheKey, { deviceId: device.id, snapshot, insights });
      await auditRead(device.id, { cache_hit: false, workflow_id: workflowId, snapshot_id: result.snapshotId });
      const ageSeconds = (Date.now() - snapshot.collectedAt.getTime()) / 1000;
      return {
        device: hostname,
        data_type: dataType,
        data: result.data,
        collected_at: result.collectedAt,
        age_seconds: round(Math.max(0, ageSeconds)),
        from_cache: false,
        workflow_id: workflowId,
        insights,
      };
    } catch (err) {
      const failure = asServiceError(err);
      await auditRead(device.id, {
        cache_hit: false,
        status: 'error',
        error_code: failure.code,
        error_message: failure.message,
      });
      throw failure;
    }
  }

  /**
   * The bytes of `read`'s cached answer, for the HTTP API's fast path, when this process holds a fresh
   * snapshot in memory (null otherwise: ask `read`). Nothing is awaited: the answer is serialized once
   * per snapshot around its age, and each read splices in its own.
   */
  cachedAnswerBytes(hostname: string, dataType: string, ctx: RequestContext): Buffer | null {
    if (!isDataType(dataType)) return null;
    const started = performance.now();
    const cached = this.recent.get(`${hostname}/${dataType}`);
    if (!cached) return null;
    const ageSeconds = ageOf(cached);
    if (ageSeconds >= collectorFor(dataType).freshnessSeconds) return null;
    this.counters.total++;
    const body = (cached.answerBytes ??= new CachedAnswerBytes(hostname, dataType, cached)).at(ageSeconds);
    this.countCachedRead(cached, hostname, dataType, ctx, started);
    return body;
  }

  /** Writes the cached reads counted so far (at stop: the last seconds' counts). */
  async stop(): Promise<void> {
    await this.readCounts.stop();
  }

  /** Stored history of one device and type (every collection, from any trigger). */
  async history(
    hostname: string,
    dataType: string,
    range: { since: Date; until: Date; limit: number; includeData: boolean },
  ): Promise<HistoryAnswer> {
    if (!isDataType(dataType)) {
      throw new ServiceError(
        'unknown_data_type',
        404,
        `unknown data type ${dataType}; known: ${DATA_TYPES.join(', ')}`,
      );
    }
    if (range.since > range.until) throw new ServiceError('validation_error', 400, 'since must not be after until');
    const device = await this.devices.require(hostname);
    const points = await this.store.snapshots.between(collectorFor(dataType).table, device.id, range);
    return {
      device: hostname,
      data_type: dataType,
      since: range.since.toISOString(),
      until: range.until.toISOString(),
      count: points.length,
      truncated: points.length === range.limit,
      series: points.map((p) => ({
        collected_at: p.collectedAt.toISOString(),
        snapshot_id: p.id,
        ...p.values,
        ...(range.includeData ? { data: p.data } : {}),
      })),
    };
  }

  /** Drops what this process remembers of a device (it was edited or removed). */
  forget(hostname: string): void {
    for (const key of this.recent.keys()) if (key.startsWith(`${hostname}/`)) this.recent.delete(key);
  }

  async stats(): Promise<CacheStats> {
    const data_types = [];
    for (const t of DATA_TYPES) {
      const c = collectorFor(t);
      data_types.push({
        data_type: t,
        freshness_seconds: c.freshnessSeconds,
        poll_interval_seconds: c.pollIntervalSeconds,
        snapshots: await this.store.snapshots.count(c.table),
      });
    }
    const { total, cacheHits, collectionsStarted, joinedInProcess } = this.counters;
    return {
      data_types,
      reads_since_start: {
        total,
        cache_hits: cacheHits,
        hit_rate: total ? round(cacheHits / total) : null,
        collections_started: collectionsStarted,
        joined_in_process: joinedInProcess,
      },
    };
  }

  private countCachedRead(
    cached: RecentSnapshot,
    hostname: string,
    dataType: string,
    ctx: RequestContext,
    started: number,
  ): void {
    this.counters.cacheHits++;
    reads.inc({ data_type: dataType, cache_hit: 'true' });
    this.readCounts.add({
      deviceId: cached.deviceId,
      hostname,
      dataType,
      trigger: ctx.trigger,
      principal: ctx.principal.id,
      onBehalfOf: ctx.onBehalfOf,
      durationMs: performance.now() - started,
    });
  }

  workflowId(hostname: string, dataType: string): string {
    return `${this.instance}-collect-${hostname}-${dataType}`;
  }

  /**
   * Joins a collection already running for this device+type, in this process (shared promise) or in
   * any other (same workflow id, conflict policy USE_EXISTING), or starts one.
   */
  private collectJoined(input: CollectionInput): Promise<{ result: CollectionResult; workflowId: string }> {
    const key = `${input.hostname}/${input.dataType}`;
    const running = this.inFlight.get(key);
    if (running) {
      this.counters.joinedInProcess++;
      return running;
    }
    const workflowId = this.workflowId(input.hostname, input.dataType);
    this.counters.collectionsStarted++;
    const promise = (async () => {
      const started = performance.now();
      const handle = await this.client.workflow.start<typeof collectWorkflow>('collectWorkflow', {
        workflowId,
        taskQueue: this.instance,
        args: [input],
        workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
        workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
        typedSearchAttributes: [
          { key: DEVICE_ATTRIBUTE, value: input.hostname },
          { key: DATA_TYPE_ATTRIBUTE, value: input.dataType },
          { key: TRIGGER_ATTRIBUTE, value: input.trigger },
        ],
        // The request's correlation id, so the run in the Web UI leads back to its log lines.
        memo: { correlation_id: input.correlationId },
        // With this process's worker on the same connection, the first workflow task comes back in the
        // start answer instead of a round through the task queue (eagerStart: the process runs a worker).
        requestEagerStart: this.eagerStart,
      });
      const result = await handle.result();
      workflowSeconds.observe({ workflow: 'collectWorkflow' }, (performance.now() - started) / 1000);
      return { result, workflowId };
    })().finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, promise);
    return promise;
  }
}

/** Device-side failures become 4xx/5xx answers that say what happened on the device. */
function asServiceError(err: unknown): ServiceError {
  if (err instanceof ServiceError) return err;
  let cause: unknown = err;
  while (cause instanceof Error && !(cause instanceof ApplicationFailure) && cause.cause) cause = cause.cause;
  if (
    err instanceof WorkflowFailedError &&
    cause instanceof ApplicationFailure &&
    cause.type &&
    isDeviceErrorCode(cause.type)
  ) {
    const code = cause.type;
    const status =
      code === 'device_not_found' ? 404 : code === 'command_timeout' || code === 'connection_timeout' ? 504 : 502;
    return new ServiceError(code, status, cause.message, { retryable: DEVICE_ERROR_CODES[code].retryable });
  }
  // A run that failed on our side (the database away) says why, not just that the workflow failed.
  const message =
    err instanceof WorkflowFailedError && cause instanceof ApplicationFailure
      ? cause.message
      : err instanceof Error
        ? err.message
        : String(err);
  return new ServiceError('collection_failed', 502, message);
}

/** `read`'s answer from a snapshot held in memory (CachedAnswerBytes writes the same keys in the same order). */
function cachedAnswer(hostname: string, dataType: string, cached: RecentSnapshot): DataAnswer {
  const { snapshot, insights } = cached;
  return {
    device: hostname,
    data_type: dataType,
    data: snapshot.data,
    collected_at: snapshot.collectedAt.toISOString(),
    age_seconds: round(ageOf(cached)),
    from_cache: true,
    insights,
  };
}

function ageOf(entry: RecentSnapshot): number {
  return (Date.now() - entry.snapshot.collectedAt.getTime()) / 1000;
}

/**
 * A cached answer, as `read` answers it, serialized once and cut where its age goes: the same keys in the
 * same order, so head + age + tail is byte for byte what JSON.stringify makes of the object. Ages are
 * to the millisecond, so the body made last serves every other read of the same millisecond.
 */
class CachedAnswerBytes {
  private readonly head: Buffer;
  private readonly tail: Buffer;
  private lastAge = NaN;
  private lastBody = Buffer.alloc(0);

  constructor(hostname: string, dataType: string, { snapshot, insights }: RecentSnapshot) {
    const before = JSON.stringify({
      device: hostname,
      data_type: dataType,
      data: snapshot.data,
      collected_at: snapshot.collectedAt.toISOString(),
    });
    const after = JSON.stringify({ from_cache: true, insights });
    this.head = Buffer.from(`${before.slice(0, -1)},"age_seconds":`);
    this.tail = Buffer.from(`,${after.slice(1)}`);
  }

  at(ageSeconds: number): Buffer {
    const age = round(ageSeconds);
    if (age !== this.lastAge) {
      this.lastBody = Buffer.concat([this.head, Buffer.from(String(age)), this.tail]);
      this.lastAge = age;
    }
    return this.lastBody;
  }
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}
