import { semanticChanges, unifiedDiff } from '../domain/config/config-diff.ts';
import { storedParse } from '../domain/config/parsed-config.ts';
import { redactDiff, redactSecrets } from '../domain/config/secret-redaction.ts';
import { scopesAllow, type Principal } from '../schema/api-token.ts';
import type { ConfigWatchService } from './config-watch-service.ts';
import type { DeviceService, RequestContext } from './device-service.ts';
import type { OperationService } from './operation-service.ts';
import type { OperationView } from '../schema/operation.ts';
import { notFound, ServiceError } from './service-error.ts';
import type { Repositories } from '../store/index.ts';

/**
 * Reads of the configuration history (every stored version, forever) and the watched set. Writes of
 * versions happen only in the watcher's activities.
 */
export class ConfigHistoryService {
  constructor(
    private readonly store: Pick<Repositories, 'configHistory'>,
    private readonly devices: DeviceService,
    private readonly watchers: ConfigWatchService,
    private readonly operations: OperationService,
  ) {}

  /**
   * Puts a stored version back, as an operation: held for the confirmation phrase, then written
   * atomically, checked (nginx -t, docker compose config, systemd-analyze verify) and undone when the
   * check fails.
   */
  async rollback(snapshotId: string, ctx: RequestContext): Promise<OperationView> {
    const snapshot = await this.version(snapshotId);
    const view = await this.operations.exec(
      snapshot.hostname,
      `config rollback: ${snapshot.path} to version ${snapshotId}`,
      ctx,
      { path: snapshot.path, snapshotId },
    );
    if (view.state === 'failed' && view.error?.code === 'nothing_to_do')
      throw new ServiceError('nothing_to_do', 409, view.error.message);
    return view;
  }

  /** Every file the device's history knows, at its newest version, and how the device is watched. */
  async files(hostname: string) {
    const device = await this.devices.require(hostname);
    const rows = await this.store.configHistory.latestFiles(hostname);
    const userPaths = await this.store.configHistory.listWatchPaths(device.id);
    return {
      device: hostname,
      watch: {
        mode: device.config_watch_mode,
        detail: device.config_watch_detail,
        workflow_id: this.watchers.workflowId(hostname),
      },
      user_paths: userPaths.map((p) => ({ path: p.path, enabled: p.enabled, added_at: p.created_at.toISOString() })),
      files: rows.map((r) => ({
        path: r.path,
        kind: r.kind,
        exists: r.change_type !== 'DELETE',
        last_change: r.change_type,
        sha256: r.content_sha256,
        size_bytes: r.size_bytes,
        changed_at: r.detected_at.toISOString(),
        snapshot_id: r.id,
        versions: Number(r.versions),
      })),
    };
  }

  /** The current content and meaning of every file of one kind (e.g. all proxy configs) on a device. */
  async current(hostname: string, kind: 'compose' | 'nginx' | 'systemd') {
    await this.devices.require(hostname);
    const rows = await this.store.configHistory.currentFiles(hostname, kind);
    return {
      device: hostname,
      kind,
      files: rows.map((r) => ({
        path: r.path,
        snapshot_id: r.id,
        changed_at: r.detected_at.toISOString(),
        parsed: r.parsed,
        parse_error: r.parse_error,
        content: r.content === null ? null : redactSecrets(r.content).text,
      })),
    };
  }

  /** Versions of one file, newest first, with each one's change event summary. */
  async history(hostname: string, path: string, limit: number) {
    await this.devices.require(hostname);
    const rows = await this.store.configHistory.fileVersions(hostname, path, limit);
    if (rows.length === 0) throw notFound(`history of ${path} on ${hostname}`);
    return {
      device: hostname,
      path,
      versions: rows.map((r) => ({
        snapshot_id: r.id,
        change_type: r.change_type,
        sha256: r.content_sha256,
        size_bytes: r.size_bytes,
        kind: r.kind,
        parse_error: r.parse_error,
        detected_at: r.detected_at.toISOString(),
        detection_latency_ms: r.detection_latency_ms,
        event_id: r.event_id,
        risk_level: r.risk_level,
        reasons: r.reasons,
        affected_services: r.affected_services,
      })),
    };
  }

  /**
   * One stored version. Secret values in its content are hidden (`redacted_values` counts them); the
   * bytes as stored are answered only to an admin who asks for them (`raw`).
   */
  async snapshot(id: string, opts: { raw: boolean; principal: Principal }) {
    if (opts.raw && !scopesAllow(opts.principal.scopes, 'admin')) {
      throw new ServiceError(
        'insufficient_scope',
        403,
        `the raw content (secrets included) needs the admin scope; ${opts.principal.name} has ${opts.principal.scopes.join(', ')}`,
      );
    }
    const { device_id: _deviceId, capture_id: _captureId, ...row } = await this.version(id);
    const redacted = row.content === null || opts.raw ? null : redactSecrets(row.content);
    return {
      ...row,
      content: redacted ? redacted.text : row.content,
      redacted_values: redacted?.count ?? 0,
      detected_at: row.detected_at.toISOString(),
      stored_at: row.stored_at.toISOString(),
    };
  }

  private async version(id: string) {
    const row = await this.store.configHistory.findSnapshot(id);
    if (!row) throw notFound(`config snapshot ${id}`);
    return row;
  }

  /** Text and semantic differences between two versions of the same file; a changed secret shows as changed, never its values. */
  async diff(fromId: string, toId: string) {
    const [from, to] = await Promise.all([this.version(fromId), this.version(toId)]);
    if (from.hostname !== to.hostname || from.path !== to.path) {
      throw new ServiceError(
        'validation_error',
        400,
        'both snapshots must be versions of the same file on the same device',
      );
    }
    const fromContent = from.change_type === 'DELETE' ? null : from.content;
    const toContent = to.change_type === 'DELETE' ? null : to.content;
    const text = unifiedDiff(
      to.path,
      fromContent === null ? null : redactSecrets(fromContent).text,
      toContent === null ? null : redactSecrets(toContent, fromContent).text,
    );
    return {
      device: to.hostname,
      path: to.path,
      from: { snapshot_id: from.id, detected_at: from.detected_at.toISOString(), sha256: from.content_sha256 },
      to: { snapshot_id: to.id, detected_at: to.detected_at.toISOString(), sha256: to.content_sha256 },
      diff: text.text,
      added_lines: text.added,
      removed_lines: text.removed,
      truncated: text.truncated,
      semantic_changes: semanticChanges(
        from.change_type === 'DELETE' ? null : storedParse(from.kind, from.parsed, from.parse_error),
        to.change_type === 'DELETE' ? null : storedParse(to.kind, to.parsed, to.parse_error),
      ),
    };
  }

  /** Change events, newest first. */
  async changes(q: { since?: Date; hostname?: string; limit: number; includeDiff: boolean }) {
    const rows = await this.store.configHistory.listChanges(q);
    return {
      changes: rows.map(({ diff, device_id: _deviceId, ...r }) => ({
        ...r,
        detected_at: r.detected_at.toISOString(),
        ...(q.includeDiff ? { diff: diff === null ? null : redactDiff(diff).text } : {}),
      })),
    };
  }

  /**
   * Answers once the path is watched: a path already watched changes nothing; a new one is watched by a
   * new watch that replaces the running one only once it is in place, so a change made right after
   * this answer is seen (not left to a re-scan).
   */
  async addWatchPath(hostname: string, path: string) {
    const device = await this.devices.require(hostname);
    if (await this.store.configHistory.addWatchPath(device.id, path))
      await this.watchers.rewatch(hostname, { waitUntilWatching: true });
    return this.files(hostname);
  }

  async removeWatchPath(hostname: string, path: string) {
    const device = await this.devices.require(hostname);
    if (!(await this.store.configHistory.removeWatchPath(device.id, path)))
      throw notFound(`watched path ${path} on ${hostname}`);
    await this.watchers.rewatch(hostname, { waitUntilWatching: true });
    return this.files(hostname);
  }
}
