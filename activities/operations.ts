import { ApplicationFailure } from '@temporalio/activity';
import type { Logger } from '../platform/logger.ts';
import type { AuditAction } from '../schema/database.ts';
import {
  FINAL_OPERATION_STATES,
  type CommandResult,
  type OperationView,
  type RiskAssessment,
} from '../schema/operation.ts';
import { toApplicationFailure } from './activity-failure.ts';
import type { ContainersData } from '../domain/collectors/containers.ts';
import {
  analyseCommand as analyseShellCommand,
  CommandRejectedError,
  type CommandAnalysis,
} from '../domain/safety/command-analysis.ts';
import { assessRisk as assessCommandRisk, parseUnraidParityStatus } from '../domain/safety/risk-assessment.ts';
import { SshError } from '../domain/ssh/errors.ts';
import type { SshPool } from './ssh/pool.ts';
import { sshTargetOf } from '../store/devices.ts';
import type { AlertTransition } from '../schema/alert.ts';
import type { PrincipalRef } from '../schema/api-token.ts';
import { operations as operationTransitions } from '../platform/metrics.ts';
import type { Repositories } from '../store/index.ts';

export interface OperationDeps {
  store: Repositories;
  pool: SshPool;
  logger: Logger;
}

/** Per stream; keeps a result well inside Temporal's payload limit. */
export const OPERATION_OUTPUT_LIMIT_BYTES = 256 * 1024;

export function analyseCommand(command: string): CommandAnalysis {
  try {
    return analyseShellCommand(command);
  } catch (err) {
    if (err instanceof CommandRejectedError)
      throw ApplicationFailure.create({ type: 'command_rejected', message: err.message, nonRetryable: true });
    throw err;
  }
}

export interface AssessRiskInput {
  hostname: string;
  command: string;
  analysis: CommandAnalysis;
  containers: unknown;
}

/** The analysis weighed against the device: its type, tags, live containers and (Unraid) parity state. */
export async function assessRisk(deps: OperationDeps, input: AssessRiskInput): Promise<RiskAssessment> {
  const device = await deps.store.devices.findByHostname(input.hostname);
  if (!device) throw toApplicationFailure(new SshError('device_not_found', `no device named ${input.hostname}`));
  let unraidParity: { running: boolean; detail: string } | null = null;
  if (device.device_type === 'unraid' && input.analysis.destructive) {
    try {
      const out = await deps.pool.exec(sshTargetOf(device), 'cat /proc/mdstat', { timeoutMs: 10_000 });
      unraidParity = out.exitCode === 0 ? parseUnraidParityStatus(out.stdout) : null;
    } catch (err) {
      throw toApplicationFailure(err);
    }
  }
  return assessCommandRisk(input.analysis, {
    hostname: device.hostname,
    deviceType: device.device_type,
    tags: device.tags,
    containers: (input.containers as ContainersData | null) ?? null,
    unraidParity,
  });
}

export interface RecordOperationInput {
  view: OperationView;
  /** The held operation's phrase, kept in its own column for confirmers. */
  phrase: string | null;
  /** Who made this step happen: the requester, the confirmer, the canceller, or the system (expiry). */
  actor: PrincipalRef;
  action: AuditAction;
  /** Unique per transition: a retried activity writes its audit row once. */
  auditKey: string;
  correlationId: string | null;
  details: Record<string, unknown>;
}

/**
 * Mirrors the workflow's view of the operation into `operations`, writes the transition's audit row, and
 * answers the notifications the step calls for (an operation held, blocked, confirmed...).
 */
export async function recordOperation(deps: OperationDeps, r: RecordOperationInput): Promise<AlertTransition[]> {
  const { view } = r;
  operationTransitions.inc({ action: r.action });
  await deps.store.operations.recordTransition(
    {
      id: view.operation_id,
      hostname: view.device,
      command: view.command,
      state: view.state,
      requested_by: view.requested_by.id,
      requested_by_name: view.requested_by.name,
      on_behalf_of: view.requested_by.on_behalf_of,
      trigger: view.trigger,
      risk_level: view.assessment?.risk_level ?? null,
      destructive: view.assessment?.destructive ?? null,
      assessment: view.assessment ? JSON.stringify(view.assessment) : null,
      attempts_left: view.attempts_left,
      expires_at: view.expires_at ? new Date(view.expires_at) : null,
      confirmed_by: view.confirmed_by?.id ?? null,
      confirmed_by_name: view.confirmed_by?.name ?? null,
      confirmed_on_behalf_of: view.confirmed_by?.on_behalf_of ?? null,
      cancelled_by: view.cancelled_by?.id ?? null,
      cancelled_by_name: view.cancelled_by?.name ?? null,
      // Single use: once the operation is closed nobody needs its phrase again.
      confirmation_phrase: FINAL_OPERATION_STATES.includes(view.state) ? null : r.phrase,
      result: view.result ? JSON.stringify(view.result) : null,
      error: view.error ? JSON.stringify(view.error) : null,
      workflow_id: view.workflow_id,
      updated_at: new Date(),
    },
    {
      action: r.action,
      trigger: view.trigger,
      status: view.state === 'failed' ? 'error' : 'success',
      error_code: view.error?.code ?? null,
      error_message: view.error?.message ?? null,
      workflow_id: view.workflow_id,
      collection_id: r.auditKey,
      correlation_id: r.correlationId,
      principal: r.actor.id,
      on_behalf_of: r.actor.on_behalf_of,
      details: JSON.stringify({
        operation_id: view.operation_id,
        state: view.state,
        risk_level: view.assessment?.risk_level ?? null,
        command: view.command,
        ...r.details,
      }),
    },
  );
  if (r.action === 'operation_requested' || r.action === 'operation_confirm_attempt') return [];
  return deps.store.alerts.evaluateEvent({
    source: 'operation',
    hostname: view.device,
    operationId: view.operation_id,
    state: view.state,
    command: view.command,
    risk: view.assessment?.risk_level ?? null,
    requestedBy: view.requested_by,
    actor: r.actor,
  });
}

export interface ExecuteOperationInput {
  operationId: string;
  hostname: string;
  command: string;
}

/**
 * Runs the command exactly once. The moment before it is sent is recorded; a retry that finds that
 * mark does not send it again (its outcome is then unknown and said so), so a confirmed destructive
 * command can never run twice.
 */
export async function executeOperation(deps: OperationDeps, input: ExecuteOperationInput): Promise<CommandResult> {
  const { store, pool } = deps;
  const device = await store.devices.findByHostname(input.hostname);
  if (!device) throw toApplicationFailure(new SshError('device_not_found', `no device named ${input.hostname}`));
  const target = sshTargetOf(device);
  try {
    // Connect first: failing here is safe to retry, the command has not left this process.
    await pool.connect(target);
  } catch (err) {
    throw toApplicationFailure(err);
  }
  if (!(await store.operations.markExecutionStarted(input.operationId))) {
    throw ApplicationFailure.create({
      type: 'execution_outcome_unknown',
      message: 'the command was already sent by an earlier attempt that did not report back; it is not sent again',
      nonRetryable: true,
    });
  }
  try {
    const out = await pool.exec(target, input.command, {
      timeoutMs: 10 * 60_000 - 10_000,
      maxOutputBytes: OPERATION_OUTPUT_LIMIT_BYTES,
    });
    const result: CommandResult = {
      exit_code: out.exitCode,
      signal: out.signal,
      stdout: out.stdout,
      stderr: out.stderr,
      stdout_truncated: out.stdoutTruncated,
      stderr_truncated: out.stderrTruncated,
      output_limit_bytes: OPERATION_OUTPUT_LIMIT_BYTES,
      duration_ms: Math.round(out.durationMs),
    };
    deps.logger.info('operation executed', {
      operation_id: input.operationId,
      device: input.hostname,
      exit_code: out.exitCode,
    });
    return result;
  } catch (err) {
    // Sent (or maybe sent): never retried.
    const failure = toApplicationFailure(err);
    throw ApplicationFailure.create({ type: failure.type ?? 'unknown', message: failure.message, nonRetryable: true });
  }
}
