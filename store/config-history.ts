import { sql, type Kysely } from 'kysely';
import type { ConfigChangeType, Database } from '../schema/database.ts';
import { AuditRepository } from './audit.ts';

export interface LatestConfigSnapshot {
  id: string;
  changeType: ConfigChangeType;
  sha256: string | null;
  content: string | null;
  kind: string;
  parsed: unknown;
  parseError: { message: string; line: number | null; column: number | null } | null;
}

export interface ConfigChangeRecord {
  captureId: string;
  deviceId: string;
  hostname: string;
  path: string;
  changeType: ConfigChangeType;
  content: string | null;
  sha256: string | null;
  sizeBytes: number | null;
  previous: LatestConfigSnapshot | undefined;
  kind: string;
  parsed: unknown;
  parseError: { message: string; line: number | null; column: number | null } | null;
  detectedAt: Date;
  detectionLatencyMs: number | null;
  /** A CREATE that is only the first version of a file found when watching it began. */
  firstCapture: boolean;
  event: {
    diff: string;
    semanticChanges: unknown[];
    riskLevel: string;
    reasons: string[];
    affectedServices: string[];
    restartRequired: boolean;
    restartHint: string | null;
  };
  workflowId: string | null;
  correlationId: string | null;
}

/** Config file versions, their change events and the watched paths. */
export class ConfigHistoryRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /** The newest stored version of one file on one device (deletions included). */
  async latestSnapshot(hostname: string, path: string): Promise<LatestConfigSnapshot | undefined> {
    const row = await this.#db
      .selectFrom('config_snapshots')
      .select(['id', 'change_type', 'content_sha256', 'content', 'kind', 'parsed', 'parse_error'])
      .where('hostname', '=', hostname)
      .where('path', '=', path)
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
    return (
      row && {
        id: row.id,
        changeType: row.change_type,
        sha256: row.content_sha256,
        content: row.content,
        kind: row.kind,
        parsed: row.parsed,
        parseError: row.parse_error,
      }
    );
  }

  /**
   * Version, change event and audit row in one transaction, keyed by the capture id: an activity retried
   * after its commit finds its own snapshot and stores nothing twice.
   */
  async storeChange(r: ConfigChangeRecord): Promise<{ snapshotId: string; eventId: string; stored: boolean }> {
    return this.#db.transaction().execute(async (trx) => {
      const inserted = await trx
        .insertInto('config_snapshots')
        .values({
          device_id: r.deviceId,
          hostname: r.hostname,
          path: r.path,
          change_type: r.changeType,
          content: r.content,
          content_sha256: r.sha256,
          size_bytes: r.sizeBytes,
          previous_sha256: r.previous?.sha256 ?? null,
          kind: r.kind,
          parsed: r.parsed === null ? null : JSON.stringify(r.parsed),
          parse_error: r.parseError === null ? null : JSON.stringify(r.parseError),
          detected_at: r.detectedAt,
          detection_latency_ms: r.detectionLatencyMs,
          capture_id: r.captureId,
        })
        .onConflict((oc) => oc.column('capture_id').doNothing())
        .returning('id')
        .executeTakeFirst();
      if (!inserted) {
        const existing = await trx
          .selectFrom('config_snapshots')
          .innerJoin('config_change_events', 'config_change_events.snapshot_id', 'config_snapshots.id')
          .select(['config_snapshots.id as snapshotId', 'config_change_events.id as eventId'])
          .where('capture_id', '=', r.captureId)
          .executeTakeFirstOrThrow();
        return { ...existing, stored: false };
      }
      const event = await trx
        .insertInto('config_change_events')
        .values({
          snapshot_id: inserted.id,
          previous_snapshot_id: r.previous?.id ?? null,
          device_id: r.deviceId,
          hostname: r.hostname,
          path: r.path,
          change_type: r.changeType,
          diff: r.event.diff,
          semantic_changes: JSON.stringify(r.event.semanticChanges),
          risk_level: r.event.riskLevel,
          reasons: JSON.stringify(r.event.reasons),
          affected_services: JSON.stringify(r.event.affectedServices),
          restart_required: r.event.restartRequired,
          restart_hint: r.event.restartHint,
          detected_at: r.detectedAt,
          first_capture: r.firstCapture,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      await new AuditRepository(trx).write({
        device_id: r.deviceId,
        hostname: r.hostname,
        action: 'config_change',
        data_type: 'config',
        trigger: 'system',
        status: 'success',
        workflow_id: r.workflowId,
        snapshot_id: inserted.id,
        correlation_id: r.correlationId,
        details: JSON.stringify({
          path: r.path,
          change_type: r.changeType,
          risk_level: r.event.riskLevel,
          event_id: event.id,
        }),
      });
      return { snapshotId: inserted.id, eventId: event.id, stored: true };
    });
  }

  /** Every file of the device's history at its newest version, with how many versions it has. */
  async latestFiles(hostname: string) {
    const rows = await sql<{
      path: string;
      kind: string;
      change_type: string;
      content_sha256: string | null;
      size_bytes: number | null;
      detected_at: Date;
      id: string;
      versions: string;
    }>`
      select distinct on (s.path) s.path, s.kind, s.change_type, s.content_sha256, s.size_bytes, s.detected_at, s.id,
        count(*) over (partition by s.path) as versions
      from config_snapshots s where s.hostname = ${hostname} order by s.path, s.id desc`.execute(this.#db);
    return rows.rows;
  }

  /** The newest version of every existing file of one kind on the device. */
  async currentFiles(hostname: string, kind: string) {
    const rows = await sql<{
      id: string;
      path: string;
      change_type: string;
      content: string | null;
      parsed: unknown;
      parse_error: unknown;
      detected_at: Date;
    }>`
      select * from (
        select distinct on (path) id, path, change_type, content, parsed, parse_error, detected_at, kind
        from config_snapshots where hostname = ${hostname} order by path, id desc
      ) latest where kind = ${kind} and change_type <> 'DELETE' order by path`.execute(this.#db);
    return rows.rows;
  }

  /** The newest hash and change of every stored file on the device, to compare with what it holds now. */
  async latestHashes(hostname: string) {
    const stored = await sql<{ path: string; content_sha256: string | null; change_type: string }>`
      select distinct on (path) path, content_sha256, change_type from config_snapshots
      where hostname = ${hostname} order by path, id desc`.execute(this.#db);
    return stored.rows;
  }

  /** Versions of one file, newest first, each with its change event's summary. */
  fileVersions(hostname: string, path: string, limit: number) {
    return this.#db
      .selectFrom('config_snapshots as s')
      .leftJoin('config_change_events as e', 'e.snapshot_id', 's.id')
      .select([
        's.id',
        's.change_type',
        's.content_sha256',
        's.size_bytes',
        's.kind',
        's.parse_error',
        's.detected_at',
        's.detection_latency_ms',
        'e.id as event_id',
        'e.risk_level',
        'e.reasons',
        'e.affected_services',
      ])
      .where('s.hostname', '=', hostname)
      .where('s.path', '=', path)
      .orderBy('s.id', 'desc')
      .limit(limit)
      .execute();
  }

  findSnapshot(id: string) {
    return this.#db.selectFrom('config_snapshots').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Change events, newest first. */
  listChanges(q: { since?: Date; hostname?: string; limit: number }) {
    let query = this.#db.selectFrom('config_change_events').selectAll().orderBy('id', 'desc').limit(q.limit);
    if (q.since) query = query.where('detected_at', '>=', q.since);
    if (q.hostname) query = query.where('hostname', '=', q.hostname);
    return query.execute();
  }

  /** The device's change events since a moment, oldest first. */
  changesSince(deviceId: string, since: Date) {
    return this.#db
      .selectFrom('config_change_events')
      .select(['path', 'detected_at', 'change_type', 'risk_level', 'reasons', 'first_capture'])
      .where('device_id', '=', deviceId)
      .where('detected_at', '>=', since)
      .orderBy('detected_at', 'asc')
      .execute();
  }

  listWatchPaths(deviceId: string) {
    return this.#db
      .selectFrom('config_watch_paths')
      .select(['path', 'enabled', 'created_at'])
      .where('device_id', '=', deviceId)
      .orderBy('path')
      .execute();
  }

  async enabledWatchPaths(deviceId: string): Promise<string[]> {
    return (
      await this.#db
        .selectFrom('config_watch_paths')
        .select('path')
        .where('device_id', '=', deviceId)
        .where('enabled', '=', true)
        .execute()
    ).map((p) => p.path);
  }

  /** Adds a person's watched path (or enables it again); whether anything changed. */
  async addWatchPath(deviceId: string, path: string): Promise<boolean> {
    const added = await this.#db
      .insertInto('config_watch_paths')
      .values({ device_id: deviceId, path, source: 'user' })
      .onConflict((oc) =>
        oc
          .columns(['device_id', 'path'])
          .doUpdateSet({ enabled: true })
          .where('config_watch_paths.enabled', '=', false),
      )
      .executeTakeFirst();
    return Number(added.numInsertedOrUpdatedRows ?? 0n) > 0;
  }

  /** Whether the path was watched to remove. */
  async removeWatchPath(deviceId: string, path: string): Promise<boolean> {
    const removed = await this.#db
      .deleteFrom('config_watch_paths')
      .where('device_id', '=', deviceId)
      .where('path', '=', path)
      .executeTakeFirst();
    return Number(removed.numDeletedRows) > 0;
  }
}
