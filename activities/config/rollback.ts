import { ApplicationFailure } from '@temporalio/activity';
import { posix } from 'node:path';
import type { Logger } from '../../platform/logger.ts';
import type { RiskAssessment, RiskLevel } from '../../schema/operation.ts';
import { toApplicationFailure } from '../activity-failure.ts';
import { SshError } from '../../domain/ssh/errors.ts';
import type { SshPool, SshTarget } from '../ssh/pool.ts';
import { posixShellCommand } from '../../domain/ssh/quote.ts';
import { sshTargetOf } from '../../store/devices.ts';
import { assessChangeImpact } from '../../domain/config/change-impact.ts';
import { semanticChanges } from '../../domain/config/config-diff.ts';
import { configKindOf } from '../../domain/config/parse-config.ts';
import { storedParse } from '../../domain/config/parsed-config.ts';
import {
  healthCheckScript,
  parseHealthCheck,
  removeFileScript,
  writeFileScript,
  type HealthCheck,
} from '../../domain/config/rollback-scripts.ts';
import type { Repositories } from '../../store/index.ts';

export interface RollbackDeps {
  store: Repositories;
  pool: SshPool;
  logger: Logger;
}

export interface ConfigRollbackTarget {
  hostname: string;
  path: string;
  snapshotId: string;
}

/** What to put back: a stored version, or null for "the file did not exist". */
export interface ConfigRestoreTarget {
  hostname: string;
  path: string;
  snapshotId: string | null;
}

const RISK_ORDER: RiskLevel[] = ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'];

async function targetSnapshot(store: Repositories, t: ConfigRollbackTarget) {
  const row = await store.configHistory.findSnapshot(t.snapshotId);
  if (!row || row.hostname !== t.hostname || row.path !== t.path) {
    throw ApplicationFailure.nonRetryable(
      `snapshot ${t.snapshotId} is not a version of ${t.path} on ${t.hostname}`,
      'not_found',
    );
  }
  return row;
}

/**
 * A rollback overwrites a live file, so it is always held for a phrase. Its risk is that of the change it
 * makes (current → chosen version), at least MEDIUM, with the same reasons a watched change would get.
 */
export async function assessConfigRollback(deps: RollbackDeps, t: ConfigRollbackTarget): Promise<RiskAssessment> {
  const target = await targetSnapshot(deps.store, t);
  const current = await deps.store.configHistory.latestSnapshot(t.hostname, t.path);
  if (current && current.id === target.id)
    throw ApplicationFailure.nonRetryable(`${t.path} is already at version ${t.snapshotId}`, 'nothing_to_do');
  const before =
    current && current.changeType !== 'DELETE' ? storedParse(current.kind, current.parsed, current.parseError) : null;
  const after = target.change_type === 'DELETE' ? null : storedParse(target.kind, target.parsed, target.parse_error);
  const changes = semanticChanges(before, after);
  const impact = assessChangeImpact({
    path: t.path,
    changeType: after === null ? 'DELETE' : before === null ? 'CREATE' : 'MODIFY',
    before,
    after,
    changes,
  });
  const risk = RISK_ORDER[Math.max(RISK_ORDER.indexOf(impact.risk_level), 1)]!;
  const when = target.detected_at.toISOString();
  return {
    destructive: true,
    risk_level: risk,
    categories: ['config_rollback'],
    reasons: [
      `overwrites ${t.path} with the version seen at ${when}`,
      ...changes.map((c) => c.description),
      ...impact.reasons,
    ],
    affected_count: Math.max(1, impact.affected_services.length),
    affected_items: [
      { kind: 'path', name: t.path, critical: risk === 'HIGH' || risk === 'CRITICAL' },
      ...impact.affected_services.map((name) => ({ kind: 'service' as const, name, critical: false })),
    ],
    estimated_downtime: impact.restart_required ? 'until the service is restarted or reloaded' : null,
    rollback_possible: true,
    safety_warnings: [
      'the file is checked after writing; if the check fails, the current content is put back automatically',
      ...(impact.restart_hint ? [`takes effect after: ${impact.restart_hint}`] : []),
    ],
    safer_alternatives: ['compare first: GET /api/config/diff?from=<current>&to=<chosen> (MCP config_diff)'],
    safety_checklist: ['the chosen version is the one you mean', 'nothing else is editing this file right now'],
    confirmation_phrase: `ROLLBACK ${posix.basename(t.path).toUpperCase()} ON ${t.hostname.toUpperCase()}`,
    blocked_reason: null,
  };
}

/**
 * Puts a stored version in place (or removes the file when that version is a deletion) and answers the
 * version it replaced, which the workflow restores if the check fails. Idempotent: writing the same
 * bytes again changes nothing, so a retried attempt is harmless.
 */
export async function writeConfigVersion(
  deps: RollbackDeps,
  t: ConfigRestoreTarget,
): Promise<{ replacedSnapshotId: string | null; sha256: string | null }> {
  try {
    const target = t.snapshotId === null ? null : await targetSnapshot(deps.store, { ...t, snapshotId: t.snapshotId });
    const device = await deps.store.devices.findByHostname(t.hostname);
    if (!device) throw new SshError('device_not_found', `no device named ${t.hostname}`);
    const replaced = await deps.store.configHistory.latestSnapshot(t.hostname, t.path);
    const ssh = sshTargetOf(device);
    if (target === null || target.change_type === 'DELETE' || target.content === null) {
      const removed = await deps.pool.exec(ssh, posixShellCommand(removeFileScript(t.path)), { timeoutMs: 30_000 });
      if (removed.exitCode !== 0)
        throw new SshError('permission_denied', `cannot remove ${t.path}: ${removed.stderr.trim()}`);
      return { replacedSnapshotId: replaced?.id ?? null, sha256: null };
    }
    const sha256 = await writeFileContent(deps.pool, ssh, t.path, target.content);
    if (sha256 !== target.content_sha256)
      throw new SshError('unknown', `${t.path} holds ${sha256} after writing, expected ${target.content_sha256}`);
    deps.logger.info('config version written', { device: t.hostname, path: t.path, snapshot_id: t.snapshotId });
    return { replacedSnapshotId: replaced?.id ?? null, sha256 };
  } catch (err) {
    throw toApplicationFailure(err);
  }
}

/** Writes `content` to `path` atomically (see writeFileScript) and answers the SHA-256 the device reads back. */
export async function writeFileContent(pool: SshPool, ssh: SshTarget, path: string, content: string): Promise<string> {
  const written = await pool.exec(ssh, posixShellCommand(writeFileScript(path)), {
    timeoutMs: 60_000,
    stdin: Buffer.from(content, 'utf8'),
  });
  const sha256 = /^([0-9a-f]{64})\b/.exec(written.stdout)?.[1] ?? null;
  if (written.exitCode !== 0 || sha256 === null) {
    const reason = written.stderr.trim().split('\n')[0] ?? `exit status ${written.exitCode}`;
    throw new SshError(
      /permission denied|read-only/i.test(reason) ? 'permission_denied' : 'unknown',
      `cannot write ${path}: ${reason}`,
    );
  }
  return sha256;
}

/** The kind's own check of the file as it is now on the device. */
export async function checkConfigFile(
  deps: RollbackDeps,
  input: { hostname: string; path: string },
): Promise<HealthCheck> {
  try {
    const device = await deps.store.devices.findByHostname(input.hostname);
    if (!device) throw new SshError('device_not_found', `no device named ${input.hostname}`);
    const output = await deps.pool.exec(
      sshTargetOf(device),
      posixShellCommand(healthCheckScript(configKindOf(input.path), input.path)),
      { timeoutMs: 120_000, maxOutputBytes: 64 * 1024 },
    );
    return parseHealthCheck(output);
  } catch (err) {
    throw toApplicationFailure(err);
  }
}
