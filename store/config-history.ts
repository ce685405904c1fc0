import type { Kysely } from 'kysely';
import type { ConfigChangeType, Database } from '../schema/database.ts';

export interface LatestConfigSnapshot {
  id: string;
  changeType: ConfigChangeType;
  sha256: string | null;
  content: string | null;
  kind: string;
  parsed: unknown;
  parseError: { message: string; line: number | null; column: number | null } | null;
}

/** The newest stored version of one file on one device (deletions included). */
export async function latestConfigSnapshot(db: Kysely<Database>, hostname: string, path: string): Promise<LatestConfigSnapshot | undefined> {
  const row = await db
    .selectFrom('config_snapshots')
    .select(['id', 'change_type', 'content_sha256', 'content', 'kind', 'parsed', 'parse_error'])
    .where('hostname', '=', hostname)
    .where('path', '=', path)
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row && { id: row.id, changeType: row.change_type, sha256: row.content_sha256, content: row.content, kind: row.kind, parsed: row.parsed, parseError: row.parse_error };
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

/**
 * Version, change event and audit row in one transaction, keyed by the capture id: an activity retried
 * after its commit finds its own snapshot and stores nothing twice.
 */
export async function storeConfigChange(db: Kysely<Database>, r: ConfigChangeRecord): Promise<{ snapshotId: string; eventId: string; stored: boolean }> {
  return db.transaction().execute(async (trx) => {
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
    await trx
      .insertInto('audit_log')
      .values({
        device_id: r.deviceId,
        hostname: r.hostname,
        action: 'config_change',
        data_type: 'config',
        trigger: 'system',
        status: 'success',
        workflow_id: r.workflowId,
        snapshot_id: inserted.id,
        correlation_id: r.correlationId,
        details: JSON.stringify({ path: r.path, change_type: r.changeType, risk_level: r.event.riskLevel, event_id: event.id }),
      })
      .execute();
    return { snapshotId: inserted.id, eventId: event.id, stored: true };
  });
}
