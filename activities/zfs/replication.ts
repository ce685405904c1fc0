import { ApplicationFailure, Context } from '@temporalio/activity';
import { z } from 'zod';
import type { Logger } from '../../platform/logger.ts';
import type { PrincipalRef } from '../../schema/api-token.ts';
import type { AuditAction, Trigger } from '../../schema/database.ts';
import type { ZfsEndpoint, ZfsReplicationPlan, ZfsTransferResult } from '../../schema/zfs-replication.ts';
import { toApplicationFailure } from '../activity-failure.ts';
import { validateDatasetName, validateSnapshotName } from '../../domain/collectors/zfs/names.ts';
import { SshError } from '../../domain/ssh/errors.ts';
import type { SshPool, SshTarget } from '../ssh/pool.ts';
import { posixShellCommand } from '../../domain/ssh/quote.ts';
import { sshTargetOf } from '../../store/devices.ts';
import {
  receiveCommand,
  replicationSnapshotsCommand,
  resumeTokenCommand,
  sendCommand,
  type SendSpec,
} from '../../domain/zfs/commands.ts';
import type { Repositories } from '../../store/index.ts';

export interface ReplicationDeps {
  store: Repositories;
  pool: SshPool;
  logger: Logger;
}

interface GuidSnapshot {
  name: string;
  guid: string;
}

/** Real tokens are hex with dashes (`1-e604ea4bf-e0-789c…`); anything else from a device is not passed on. */
const RESUME_TOKEN = /^[0-9A-Za-z+/=_-]{1,65536}$/;
const MISSING_DATASET = /dataset does not exist/;

const nonRetryable = (type: string, message: string) =>
  ApplicationFailure.create({ type, message, nonRetryable: true });

async function targetOf(deps: ReplicationDeps, hostname: string): Promise<SshTarget> {
  const device = await deps.store.devices.findByHostname(hostname);
  if (!device) throw toApplicationFailure(new SshError('device_not_found', `no device named ${hostname}`));
  return sshTargetOf(device);
}

/** stdout of a read on the device; device errors classified for Temporal. */
async function read(deps: ReplicationDeps, target: SshTarget, command: string) {
  try {
    return await deps.pool.exec(target, posixShellCommand(`LC_ALL=C ${command}`), { timeoutMs: 60_000 });
  } catch (err) {
    throw toApplicationFailure(err);
  }
}

/** The dataset's own snapshots, oldest first; null when the dataset does not exist. */
async function snapshotsOf(deps: ReplicationDeps, target: SshTarget, dataset: string): Promise<GuidSnapshot[] | null> {
  const out = await read(deps, target, replicationSnapshotsCommand(dataset));
  if (out.exitCode !== 0) {
    if (MISSING_DATASET.test(out.stderr)) return null;
    if (out.exitCode === 127) throw nonRetryable('zfs_unavailable', `${target.hostname} has no zfs command`);
    throw ApplicationFailure.create({
      type: 'zfs_error',
      message: `${target.hostname}: zfs list ${dataset}: ${out.stderr.trim() || `exit ${out.exitCode}`}`,
    });
  }
  return out.stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const [name, guid] = line.split('\t');
      if (!name?.includes('@') || !guid)
        throw nonRetryable(
          'parse_error',
          `${target.hostname}: unexpected zfs list line ${JSON.stringify(line.slice(0, 200))}`,
        );
      return { name, guid };
    });
}

async function resumeTokenOf(deps: ReplicationDeps, target: SshTarget, dataset: string): Promise<string | null> {
  const out = await read(deps, target, resumeTokenCommand(dataset));
  if (out.exitCode !== 0) {
    if (MISSING_DATASET.test(out.stderr)) return null;
    throw ApplicationFailure.create({
      type: 'zfs_error',
      message: `${target.hostname}: zfs get receive_resume_token: ${out.stderr.trim()}`,
    });
  }
  const token = out.stdout.trim();
  if (token === '-' || token === '') return null;
  if (!RESUME_TOKEN.test(token))
    throw nonRetryable('parse_error', `${target.hostname}: unexpected receive_resume_token of ${dataset}`);
  return token;
}

export interface PlanReplicationInput {
  source: ZfsEndpoint;
  target: ZfsEndpoint;
  snapshot: string | null;
}

/**
 * Decides what to send: a full stream when the target has no such dataset, an incremental one from the
 * newest snapshot both sides have (matched by guid: a snapshot renamed on one side is still the same),
 * nothing when the target has the snapshot already. A target that exists but shares no snapshot is
 * refused: receiving would need it destroyed first.
 */
export async function planZfsReplication(
  deps: ReplicationDeps,
  input: PlanReplicationInput,
): Promise<ZfsReplicationPlan> {
  try {
    validateDatasetName(input.source.dataset);
    validateDatasetName(input.target.dataset);
    if (input.snapshot !== null) validateSnapshotName(input.source.dataset, input.snapshot);
  } catch (err) {
    throw nonRetryable('validation_error', (err as Error).message);
  }
  const [source, target] = await Promise.all([
    targetOf(deps, input.source.hostname),
    targetOf(deps, input.target.hostname),
  ]);
  const sourceSnapshots = await snapshotsOf(deps, source, input.source.dataset);
  if (sourceSnapshots === null)
    throw nonRetryable('unknown_dataset', `${input.source.hostname} has no dataset ${input.source.dataset}`);
  const wanted =
    input.snapshot === null
      ? sourceSnapshots.at(-1)
      : sourceSnapshots.find((s) => s.name === validateSnapshotName(input.source.dataset, input.snapshot!));
  if (!wanted) {
    throw nonRetryable(
      'unknown_snapshot',
      input.snapshot === null
        ? `${input.source.dataset} on ${input.source.hostname} has no snapshot to send`
        : `${input.source.hostname} has no snapshot ${input.source.dataset}@${input.snapshot}`,
    );
  }
  const targetSnapshots = await snapshotsOf(deps, target, input.target.dataset);
  const resumeToken = await resumeTokenOf(deps, target, input.target.dataset);
  const base = {
    snapshot: wanted.name,
    resume_token: resumeToken,
    target_snapshots_after_common: [] as string[],
    target_common: null,
  };
  if (targetSnapshots === null) return { ...base, mode: 'full', from: null, target_exists: false };
  // An interrupted full receive leaves the dataset with no snapshot but a token: it resumes as planned.
  if (targetSnapshots.length === 0 && resumeToken) return { ...base, mode: 'full', from: null, target_exists: true };
  const onTarget = new Map(targetSnapshots.map((s, index) => [s.guid, index]));
  const wantedIndex = sourceSnapshots.indexOf(wanted);
  const common = sourceSnapshots
    .slice(0, wantedIndex + 1)
    .reverse()
    .find((s) => onTarget.has(s.guid));
  if (!common) {
    throw nonRetryable(
      'no_common_snapshot',
      `${input.target.dataset} on ${input.target.hostname} exists but shares no snapshot with ${input.source.dataset}: receive into a new dataset, or destroy the target first`,
    );
  }
  const commonIndex = onTarget.get(common.guid)!;
  const after = targetSnapshots.slice(commonIndex + 1).map((s) => s.name);
  return {
    ...base,
    mode: common === wanted ? 'up_to_date' : 'incremental',
    from: common.name,
    target_common: targetSnapshots[commonIndex]!.name,
    target_exists: true,
    target_snapshots_after_common: after,
  };
}

export interface TransferInput {
  source: ZfsEndpoint;
  target: ZfsEndpoint;
  plan: ZfsReplicationPlan;
  intermediates: boolean;
  force: boolean;
}

/** What each attempt reports as it goes; a retry reads the last one to add up the bytes of all attempts. */
const TransferProgress = z.object({
  attempt: z.number(),
  bytes: z.number(),
  bytes_before: z.number(),
  resumed: z.boolean(),
});
type TransferProgress = z.infer<typeof TransferProgress>;

/**
 * `zfs send` on the source piped into `zfs receive -s` on the target, each over a connection of its own,
 * bridged here with the channels' flow control (a slow target slows the source down; nothing piles up in
 * the worker). Progress (bytes) goes out as heartbeats. Each attempt first asks the target for a
 * receive_resume_token: after a dropped connection the next attempt continues with `zfs send -t TOKEN`
 * from where the target stopped, instead of sending everything again.
 */
export async function transferZfsSnapshot(deps: ReplicationDeps, input: TransferInput): Promise<ZfsTransferResult> {
  const ctx = Context.current();
  const started = Date.now();
  // The last heartbeat of an earlier attempt, perhaps by a worker of another version: progress it cannot read counts from zero.
  const earlier = TransferProgress.safeParse(ctx.info.heartbeatDetails);
  const previous = earlier.success ? earlier.data : undefined;
  const progress: TransferProgress = {
    attempt: ctx.info.attempt,
    bytes: 0,
    bytes_before: (previous?.bytes_before ?? 0) + (previous?.bytes ?? 0),
    resumed: false,
  };
  const [source, target] = await Promise.all([
    targetOf(deps, input.source.hostname),
    targetOf(deps, input.target.hostname),
  ]);
  const { plan } = input;
  const token = await resumeTokenOf(deps, target, input.target.dataset);
  const spec: SendSpec = token
    ? { kind: 'resume', token }
    : plan.mode === 'full'
      ? { kind: 'full', snapshot: plan.snapshot }
      : { kind: 'incremental', from: plan.from!, snapshot: plan.snapshot, intermediates: input.intermediates };
  progress.resumed = spec.kind === 'resume';
  ctx.heartbeat(progress);

  let receiver: Awaited<ReturnType<SshPool['pipe']>> | undefined;
  let sender: Awaited<ReturnType<SshPool['pipe']>> | undefined;
  const stop = () => {
    sender?.close();
    receiver?.close();
  };
  ctx.cancellationSignal.addEventListener('abort', stop, { once: true });
  try {
    receiver = await deps.pool.pipe(target, posixShellCommand(receiveCommand(input.target.dataset, input.force)));
    sender = await deps.pool.pipe(source, posixShellCommand(sendCommand(spec)));
    const send = sender;
    const receive = receiver;
    // zfs receive prints nothing on stdout, but a channel reports its end only once its output is read.
    receive.channel.resume();
    send.channel.on('data', (chunk: Buffer) => {
      progress.bytes += chunk.length;
      ctx.heartbeat(progress);
    });
    // pipe() pauses the source while the target's window is full; it ends the receive's stdin when the send ends.
    send.channel.pipe(receive.channel);
    // A receive that gave up (target modified, no space) stops the send, which would otherwise wait forever.
    void receive.finished.finally(() => send.close()).catch(() => undefined);
    const sent = await send.finished.catch((err: unknown) => err as Error);
    // Whatever happened to the send, the receive gets EOF: with -s it keeps what arrived and a resume token.
    if (!receive.channel.writableEnded) receive.channel.end();
    const received = await receive.finished.catch((err: unknown) => err as Error);
    if (received instanceof Error) throw received;
    // A receive that exits 0 checked the whole stream: done, even if the source's exit status got lost.
    if (received.exitCode !== 0) {
      const why = received.stderr.trim();
      // Deterministic refusals of the target: retrying would only repeat them.
      if (
        /has been modified|must specify -F|destination has snapshots|does not\s+match incremental source/i.test(why)
      ) {
        throw nonRetryable(
          'target_modified',
          `${input.target.hostname}: ${why}. The target changed since the common snapshot: replicate with force to roll it back (held for a person)`,
        );
      }
      const cause =
        sent instanceof Error
          ? sent.message
          : sent.exitCode !== 0
            ? `${input.source.hostname}: zfs send exited ${sent.exitCode ?? sent.signal}: ${sent.stderr.trim()}`
            : null;
      throw ApplicationFailure.create({
        type: 'transfer_interrupted',
        message: `${input.target.hostname}: zfs receive exited ${received.exitCode}: ${why}${cause ? `; ${cause}` : ''}`,
      });
    }
  } catch (err) {
    throw err instanceof ApplicationFailure ? err : toApplicationFailure(err);
  } finally {
    ctx.cancellationSignal.removeEventListener('abort', stop);
    stop();
  }

  const landed = await snapshotsOf(deps, target, input.target.dataset);
  const name = plan.snapshot.slice(plan.snapshot.indexOf('@'));
  const found = landed?.find((s) => s.name.endsWith(name));
  if (!found)
    throw ApplicationFailure.create({
      type: 'transfer_unverified',
      message: `${input.target.hostname} does not list ${input.target.dataset}${name} after the receive`,
    });
  return {
    bytes: progress.bytes,
    bytes_all_attempts: progress.bytes_before + progress.bytes,
    attempts: progress.attempt,
    resumed: progress.resumed,
    received_snapshot: found.name,
    duration_ms: Date.now() - started,
  };
}

export interface ReplicationAuditInput {
  action: Extract<AuditAction, 'zfs_replication_started' | 'zfs_replication_finished'>;
  replicationId: string;
  source: ZfsEndpoint;
  target: ZfsEndpoint;
  principal: PrincipalRef;
  trigger: Trigger;
  workflowId: string;
  correlationId: string | null;
  error: { code: string; message: string } | null;
  details: Record<string, unknown>;
}

/** One audit row on the target device naming who asked; keyed so a retried activity writes it once. */
export async function recordZfsReplication(deps: ReplicationDeps, input: ReplicationAuditInput): Promise<void> {
  const device = await deps.store.devices.findByHostname(input.target.hostname);
  await deps.store.audit.write({
    device_id: device?.id ?? null,
    hostname: input.target.hostname,
    action: input.action,
    trigger: input.trigger,
    status: input.error ? 'error' : 'success',
    error_code: input.error?.code ?? null,
    error_message: input.error?.message ?? null,
    workflow_id: input.workflowId,
    collection_id: `${input.replicationId}/${input.action}`,
    correlation_id: input.correlationId,
    principal: input.principal.id,
    on_behalf_of: input.principal.on_behalf_of,
    details: JSON.stringify({
      replication_id: input.replicationId,
      source: input.source,
      target: input.target,
      ...input.details,
    }),
  });
}
