import type { AlertTransition } from '../../schema/alert.ts';
import { Context } from '@temporalio/activity';
import type { Logger } from '../../platform/logger.ts';
import type { ConfigChangeType } from '../../schema/database.ts';
import { toApplicationFailure } from '../activity-failure.ts';
import { SshError } from '../../domain/ssh/errors.ts';
import type { SshPool } from '../ssh/pool.ts';
import { posixShellCommand } from '../../domain/ssh/quote.ts';
import { sshTargetOf } from '../../store/devices.ts';
import { assessChangeImpact } from '../../domain/config/change-impact.ts';
import { semanticChanges, unifiedDiff } from '../../domain/config/config-diff.ts';
import { parseFileRead, readFileScript } from '../../domain/config/file-read.ts';
import { parseConfig } from '../../domain/config/parse-config.ts';
import { storedParse } from '../../domain/config/parsed-config.ts';
import type { Repositories } from '../../store/index.ts';

export interface CaptureDeps {
  store: Repositories;
  pool: SshPool;
  logger: Logger;
}

export interface CaptureInput {
  hostname: string;
  path: string;
  /** When the change was seen on the device (event time), ISO. */
  detectedAt: string;
  /** The file arrived by a rename (inotify moved_to). */
  moved: boolean;
  /** Seen by the scan that opens a watch: a file with no stored version was already there, not created. */
  openingScan: boolean;
  correlationId: string | null;
}

export type CaptureResult =
  | {
      stored: true;
      snapshotId: string;
      eventId: string;
      changeType: ConfigChangeType;
      riskLevel: string;
      alerts: AlertTransition[];
    }
  | { stored: false; reason: 'unchanged' | 'absent' | 'too_large' | 'not_regular' };

/**
 * One change seen on a device: read the file, and when its bytes differ from the newest stored version,
 * store the new version with its parsed meaning, diff, semantic changes and impact. A write that leaves
 * the content as it was stores nothing.
 */
export async function captureConfigChange(deps: CaptureDeps, input: CaptureInput): Promise<CaptureResult> {
  const { store, pool, logger } = deps;
  try {
    const device = await store.devices.findByHostname(input.hostname);
    if (!device) throw new SshError('device_not_found', `no device named ${input.hostname}`);
    const output = await pool.exec(sshTargetOf(device), posixShellCommand(readFileScript(input.path)), {
      timeoutMs: 30_000,
    });
    const read = parseFileRead(input.path, output);
    const previous = await store.configHistory.latestSnapshot(input.hostname, input.path);
    const existedBefore = previous !== undefined && previous.changeType !== 'DELETE';

    if (read.state === 'too_large' || read.state === 'not_regular') return { stored: false, reason: read.state };
    if (read.state === 'absent' && !existedBefore) return { stored: false, reason: 'absent' };
    if (read.state === 'present' && existedBefore && previous.sha256 === read.sha256)
      return { stored: false, reason: 'unchanged' };

    // Editors save by renaming a temporary file over the original: a rename onto an existing file is a
    // modification; only a file that arrives by rename where none was is a move.
    const changeType: ConfigChangeType =
      read.state === 'absent' ? 'DELETE' : existedBefore ? 'MODIFY' : input.moved ? 'MOVE' : 'CREATE';
    const after = read.state === 'present' ? parseConfig(input.path, read.content) : null;
    const before = existedBefore ? storedParse(previous.kind, previous.parsed, previous.parseError) : null;
    const changes = semanticChanges(before, after);
    const impact = assessChangeImpact({ path: input.path, changeType, before, after, changes });
    const diff = unifiedDiff(
      input.path,
      existedBefore ? previous.content : null,
      read.state === 'present' ? read.content : null,
    );
    const detectedAt = new Date(input.detectedAt);
    const run = Context.current().info.workflowExecution;
    if (!run) throw new Error('config capture runs only inside a workflow');
    const activityId = Context.current().info.activityId;

    const stored = await store.configHistory.storeChange({
      captureId: `${run.workflowId}/${run.runId}/${activityId}`,
      deviceId: device.id,
      hostname: device.hostname,
      path: input.path,
      changeType,
      content: read.state === 'present' ? read.content : null,
      sha256: read.state === 'present' ? read.sha256 : null,
      sizeBytes: read.state === 'present' ? read.sizeBytes : null,
      previous,
      kind: after ? (after.ok ? after.data.kind : after.kind) : (previous?.kind ?? 'unknown'),
      parsed: after?.ok ? after.data : null,
      parseError: after && !after.ok ? after.error : null,
      detectedAt,
      detectionLatencyMs: Math.max(0, Date.now() - detectedAt.getTime()),
      firstCapture: changeType === 'CREATE' && input.openingScan,
      event: {
        diff: diff.text,
        semanticChanges: changes,
        riskLevel: impact.risk_level,
        reasons: impact.reasons,
        affectedServices: impact.affected_services,
        restartRequired: impact.restart_required,
        restartHint: impact.restart_hint,
      },
      workflowId: run.workflowId,
      correlationId: input.correlationId,
    });
    logger.info('config change stored', {
      device: device.hostname,
      path: input.path,
      change_type: changeType,
      risk_level: impact.risk_level,
    });
    const alerts = await store.alerts.evaluateEvent({
      source: 'config_change',
      hostname: device.hostname,
      eventId: stored.eventId,
      path: input.path,
      changeType,
      risk: impact.risk_level,
      reasons: impact.reasons,
    });
    return {
      stored: true,
      snapshotId: stored.snapshotId,
      eventId: stored.eventId,
      changeType,
      riskLevel: impact.risk_level,
      alerts,
    };
  } catch (err) {
    throw toApplicationFailure(err);
  }
}
