import { WorkflowFailedError, WorkflowIdConflictPolicy, WorkflowIdReusePolicy, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { Kysely } from 'kysely';
import { collectorFor, DATA_TYPES, isDataType } from '../activities/collectors/registry.ts';
import { writeAudit } from '../activities/store/audit.ts';
import { latestSnapshot, snapshotCount } from '../activities/store/snapshots.ts';
import type { CollectionInput, CollectionResult } from '../schema/collection.ts';
import type { Database } from '../schema/database.ts';
import { DEVICE_ERROR_CODES, isDeviceErrorCode } from '../schema/error-codes.ts';
import type { collectWorkflow } from '../workflows/collect.ts';
import { DATA_TYPE_ATTRIBUTE, DEVICE_ATTRIBUTE, TRIGGER_ATTRIBUTE } from '../workflows/search-attributes.ts';
import type { DeviceService, RequestContext } from './device-service.ts';
import { ServiceError } from './service-error.ts';

/** The answer every front gives for a data read (ARCHITECTURE.md). */
export interface DataAnswer {
  device: string;
  data_type: string;
  data: unknown;
  collected_at: string;
  age_seconds: number;
  from_cache: boolean;
  workflow_id?: string;
}

export interface CacheStats {
  data_types: Array<{ data_type: string; freshness_seconds: number; poll_interval_seconds: number; snapshots: number }>;
  reads_since_start: { total: number; cache_hits: number; hit_rate: number | null; collections_started: number; joined_in_process: number };
}

/**
 * Read-through cache over stored snapshots. A fresh-enough snapshot is answered from the database;
 * otherwise the collection workflow runs (or is joined) and its result is answered.
 */
export class CollectionService {
  /** Requests in this process for the same device+type share one workflow start. */
  private readonly inFlight = new Map<string, Promise<{ result: CollectionResult; workflowId: string }>>();
  private readonly counters = { total: 0, cacheHits: 0, collectionsStarted: 0, joinedInProcess: 0 };

  constructor(
    private readonly db: Kysely<Database>,
    private readonly client: Client,
    private readonly devices: DeviceService,
    private readonly instance: string,
  ) {}

  async read(hostname: string, dataType: string, opts: { forceRefresh: boolean }, ctx: RequestContext): Promise<DataAnswer> {
    if (!isDataType(dataType)) {
      throw new ServiceError('unknown_data_type', 404, `unknown data type ${dataType}; known: ${DATA_TYPES.join(', ')}`);
    }
    const started = performance.now();
    const device = await this.devices.require(hostname);
    const collector = collectorFor(dataType);
    this.counters.total++;

    if (!opts.forceRefresh) {
      const cached = await latestSnapshot(this.db, collector.table, device.id);
      const ageSeconds = cached ? (Date.now() - cached.collectedAt.getTime()) / 1000 : Infinity;
      if (cached && ageSeconds < collector.freshnessSeconds) {
        this.counters.cacheHits++;
        await writeAudit(this.db, {
          device_id: device.id,
          hostname,
          action: 'read',
          data_type: dataType,
          trigger: ctx.trigger,
          cache_hit: true,
          force_refresh: false,
          duration_ms: Math.round(performance.now() - started),
          status: 'success',
          snapshot_id: cached.id,
          correlation_id: ctx.correlationId,
        });
        return { device: hostname, data_type: dataType, data: cached.data, collected_at: cached.collectedAt.toISOString(), age_seconds: round(ageSeconds), from_cache: true };
      }
    }

    const input: CollectionInput = { hostname, dataType, trigger: ctx.trigger, forceRefresh: opts.forceRefresh, correlationId: ctx.correlationId };
    try {
      const { result, workflowId } = await this.collectJoined(input);
      await writeAudit(this.db, {
        device_id: device.id,
        hostname,
        action: 'read',
        data_type: dataType,
        trigger: ctx.trigger,
        cache_hit: false,
        force_refresh: opts.forceRefresh,
        duration_ms: Math.round(performance.now() - started),
        status: 'success',
        workflow_id: workflowId,
        snapshot_id: result.snapshotId,
        correlation_id: ctx.correlationId,
      });
      const ageSeconds = (Date.now() - Date.parse(result.collectedAt)) / 1000;
      return { device: hostname, data_type: dataType, data: result.data, collected_at: result.collectedAt, age_seconds: round(Math.max(0, ageSeconds)), from_cache: false, workflow_id: workflowId };
    } catch (err) {
      const failure = asServiceError(err);
      await writeAudit(this.db, {
        device_id: device.id,
        hostname,
        action: 'read',
        data_type: dataType,
        trigger: ctx.trigger,
        cache_hit: false,
        force_refresh: opts.forceRefresh,
        duration_ms: Math.round(performance.now() - started),
        status: 'error',
        error_code: failure.code,
        error_message: failure.message,
        correlation_id: ctx.correlationId,
      });
      throw failure;
    }
  }

  async stats(): Promise<CacheStats> {
    const data_types = [];
    for (const t of DATA_TYPES) {
      const c = collectorFor(t);
      data_types.push({ data_type: t, freshness_seconds: c.freshnessSeconds, poll_interval_seconds: c.pollIntervalSeconds, snapshots: await snapshotCount(this.db, c.table) });
    }
    const { total, cacheHits, collectionsStarted, joinedInProcess } = this.counters;
    return {
      data_types,
      reads_since_start: { total, cache_hits: cacheHits, hit_rate: total ? round(cacheHits / total) : null, collections_started: collectionsStarted, joined_in_process: joinedInProcess },
    };
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
      });
      return { result: await handle.result(), workflowId };
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
  if (err instanceof WorkflowFailedError && cause instanceof ApplicationFailure && cause.type && isDeviceErrorCode(cause.type)) {
    const code = cause.type;
    const status = code === 'device_not_found' ? 404 : code === 'command_timeout' || code === 'connection_timeout' ? 504 : 502;
    return new ServiceError(code, status, cause.message, { retryable: DEVICE_ERROR_CODES[code].retryable });
  }
  return new ServiceError('collection_failed', 502, err instanceof Error ? err.message : String(err));
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}
