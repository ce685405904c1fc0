import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { Logger } from '../../platform/logger.ts';
import type { ConfigWatchMode } from '../../schema/database.ts';
import { configChangesSignal, watchInPlaceSignal, type ObservedChange } from '../../workflows/config-watch-messages.ts';
import { toApplicationFailure } from '../activity-failure.ts';
import { SshError } from '../../domain/ssh/errors.ts';
import type { SshPool, SshTarget } from '../ssh/pool.ts';
import { posixShellCommand } from '../../domain/ssh/quote.ts';
import { sshTargetOf } from '../../store/devices.ts';
import {
  discoveryScript,
  hashScanScript,
  isDirectoryEvent,
  isWatchedFile,
  parseDiscovery,
  parseHashScan,
  parseHashScanUnreadable,
  parseWatchLine,
  watchScript,
  type WatchTargets,
} from '../../domain/config/watch-scripts.ts';
import type { Repositories } from '../../store/index.ts';

export interface WatchDeps {
  store: Repositories;
  pool: SshPool;
  logger: Logger;
  temporal: Client;
  /** Overrides of DEFAULT_WATCH_SETTINGS (tests poll faster). */
  watchSettings?: Partial<WatchSettings>;
}

export interface WatchInput {
  hostname: string;
  /** The watcher workflow to signal (stable across continue-as-new). */
  workflowId: string;
  /** Which of the workflow's watches this is, named when it says its watch is in place. */
  watchId: string;
}

export interface WatchSettings {
  /** Changes of one path within this window are signalled once. */
  debounceMs: number;
  /** Polling fallback: how often hashes are compared. */
  pollIntervalMs: number;
  /** Even with inotify: a full comparison by hashes and a new discovery, for anything missed. */
  rescanIntervalMs: number;
  heartbeatIntervalMs: number;
}

export const DEFAULT_WATCH_SETTINGS: WatchSettings = {
  debounceMs: 200,
  pollIntervalMs: 30_000,
  rescanIntervalMs: 30 * 60_000,
  heartbeatIntervalMs: 1_000,
};

/**
 * Watches one device's configuration files until cancelled. It discovers what to watch, holds
 * `inotifywait` on a connection of its own, and once inotify is established tells the workflow that it
 * is in place and compares every file's hash with the newest stored version: a change made before that
 * moment is caught by the comparison, one made after by inotify, so none falls between. Each debounced
 * batch of changes is signalled to the watcher workflow. Without inotify (not installed, no permission,
 * watch limit) it polls hashes, and says so on the device. A dropped connection fails the attempt;
 * Temporal retries it, and the new attempt's comparison catches what changed in between.
 */
export async function watchConfigFiles(deps: WatchDeps, input: WatchInput): Promise<void> {
  const { store, logger } = deps;
  const settings = { ...DEFAULT_WATCH_SETTINGS, ...deps.watchSettings };
  const ctx = Context.current();
  const heartbeat = setInterval(() => ctx.heartbeat(), settings.heartbeatIntervalMs);
  try {
    const device = await store.devices.findByHostname(input.hostname);
    if (!device) throw new SshError('device_not_found', `no device named ${input.hostname}`);
    const target = sshTargetOf(device);
    const handle = deps.temporal.workflow.getHandle(input.workflowId);
    const signal = async (changes: ObservedChange[]) => {
      if (changes.length > 0) await handle.signal(configChangesSignal, changes);
    };
    /** The device shows the mode, then the workflow learns that this watch sees every change from now on. */
    const inPlace = async (mode: ConfigWatchMode, detail: string | null) => {
      await store.devices.setConfigWatchMode(device.id, mode, detail);
      await handle.signal(watchInPlaceSignal, { watchId: input.watchId, mode });
    };

    while (!ctx.cancellationSignal.aborted) {
      const targets = await discover(deps, target, device.id);
      const catchUp = async () => signal(await rescan(deps, target, device.hostname, targets, 'opening_scan'));
      const outcome = await watchWithInotify(
        deps,
        target,
        targets,
        signal,
        async () => {
          await inPlace('inotify', null);
          await catchUp();
        },
        settings,
        ctx.cancellationSignal,
      );
      if (outcome.kind === 'rescan_due') continue;
      if (outcome.kind === 'cancelled') break;
      logger.warn('config watch falls back to polling', { device: device.hostname, reason: outcome.reason });
      await catchUp();
      await inPlace('polling', outcome.reason);
      await pollHashes(deps, target, device.hostname, targets, signal, settings, ctx.cancellationSignal);
    }
  } catch (err) {
    if (!ctx.cancellationSignal.aborted) throw toApplicationFailure(err);
  } finally {
    clearInterval(heartbeat);
  }
  // Only the workflow's own cancellation ends the watch; a worker shutting down hands it to the next one.
  if (!ctx.cancellationDetails?.cancelRequested) {
    throw ApplicationFailure.retryable(
      `watch of ${input.hostname} interrupted (worker shutting down or activity timed out)`,
      'watch_interrupted',
    );
  }
}

type WatchOutcome = { kind: 'cancelled' } | { kind: 'rescan_due' } | { kind: 'fallback'; reason: string };

/**
 * Holds inotifywait until cancelled, until the periodic re-scan is due, or until inotify proves unusable.
 * `established` runs once inotify watches every directory, while events go on being signalled.
 */
async function watchWithInotify(
  deps: WatchDeps,
  target: SshTarget,
  targets: WatchTargets,
  signal: (changes: ObservedChange[]) => Promise<void>,
  established: () => Promise<void>,
  settings: WatchSettings,
  cancelled: AbortSignal,
): Promise<WatchOutcome> {
  const stop = new AbortController();
  const onCancel = () => stop.abort();
  cancelled.addEventListener('abort', onCancel, { once: true });
  let outcome: WatchOutcome | null = null;
  const end = (o: WatchOutcome) => {
    outcome ??= o;
    stop.abort();
  };
  const rescanTimer = setTimeout(() => end({ kind: 'rescan_due' }), settings.rescanIntervalMs);

  const pending = new Map<string, ObservedChange>();
  let flushTimer: NodeJS.Timeout | null = null;
  let signalFailure: unknown = null;
  let signalling = Promise.resolve();
  let settling = Promise.resolve();
  let settleFailure: unknown = null;
  const flush = () => {
    flushTimer = null;
    const batch = [...pending.values()];
    pending.clear();
    signalling = signalling
      .then(() => signal(batch))
      .catch((err: unknown) => {
        // Temporal unreachable for longer than the client retries: end this attempt rather than drop the
        // batch; the retried attempt's re-scan by hashes finds these changes again.
        deps.logger.warn('could not signal config changes', { error: String(err) });
        signalFailure ??= err;
        stop.abort();
      });
  };

  try {
    await deps.pool.stream(target, posixShellCommand(watchScript(targets)), {
      signal: stop.signal,
      onLine: (text) => {
        const line = parseWatchLine(text);
        switch (line.type) {
          case 'ready':
            settling = established().catch((err: unknown) => {
              // The comparison or the signal failed: this attempt ends with that error; a retry starts over.
              settleFailure = err;
              stop.abort();
            });
            break;
          case 'event':
            if (isDirectoryEvent(line.events) || !isWatchedFile(targets, line.path)) break;
            pending.set(line.path, {
              path: line.path,
              detectedAt: pending.get(line.path)?.detectedAt ?? new Date().toISOString(),
              moved: (pending.get(line.path)?.moved ?? false) || line.events.includes('MOVED_TO'),
              source: 'inotify',
            });
            flushTimer ??= setTimeout(flush, settings.debounceMs);
            break;
          case 'no_inotifywait':
            end({ kind: 'fallback', reason: 'inotifywait is not installed (inotify-tools)' });
            break;
          case 'no_directories':
            end({ kind: 'fallback', reason: 'none of the watched directories exists yet' });
            break;
          case 'error':
            if (line.limitReached)
              end({
                kind: 'fallback',
                reason: `inotify watch limit reached (fs.inotify.max_user_watches): ${line.message}`,
              });
            else if (line.permissionDenied)
              end({ kind: 'fallback', reason: `no permission to watch: ${line.message}` });
            break;
          case 'exited':
            end({ kind: 'fallback', reason: `inotifywait exited with status ${line.status}` });
            break;
          case 'other':
            break;
        }
      },
    });
  } finally {
    clearTimeout(rescanTimer);
    cancelled.removeEventListener('abort', onCancel);
    if (flushTimer) {
      clearTimeout(flushTimer);
      flush();
    }
    await Promise.all([signalling, settling]);
  }
  if (cancelled.aborted) return { kind: 'cancelled' };
  if (settleFailure !== null) throw settleFailure;
  if (signalFailure !== null) {
    throw ApplicationFailure.retryable(
      `changes seen on the device could not be signalled: ${String(signalFailure)}`,
      'signal_failed',
    );
  }
  // The stream ended without a reason of ours: the command ended by itself.
  return outcome ?? { kind: 'fallback', reason: 'inotifywait ended unexpectedly' };
}

/** The polling fallback: hashes compared every interval until cancelled. */
async function pollHashes(
  deps: WatchDeps,
  target: SshTarget,
  hostname: string,
  targets: WatchTargets,
  signal: (changes: ObservedChange[]) => Promise<void>,
  settings: WatchSettings,
  cancelled: AbortSignal,
): Promise<void> {
  const rescanDue = Date.now() + settings.rescanIntervalMs;
  while (!cancelled.aborted && Date.now() < rescanDue) {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, settings.pollIntervalMs);
      cancelled.addEventListener(
        'abort',
        () => {
          clearTimeout(timer);
          resolve();
        },
        { once: true },
      );
    });
    if (!cancelled.aborted) await signal(await rescan(deps, target, hostname, targets, 'rescan'));
  }
}

/** What to watch on the device: discovered defaults plus the paths people added. */
async function discover(deps: WatchDeps, target: SshTarget, deviceId: string): Promise<WatchTargets> {
  const userPaths = await deps.store.configHistory.enabledWatchPaths(deviceId);
  const output = await deps.pool.exec(target, posixShellCommand(discoveryScript(userPaths)), { timeoutMs: 60_000 });
  return parseDiscovery(output);
}

/**
 * Changes between the device's files and the newest stored versions: new or different hashes, and
 * stored files that are gone. Unreadable files count as neither.
 */
async function rescan(
  deps: WatchDeps,
  target: SshTarget,
  hostname: string,
  targets: WatchTargets,
  source: 'opening_scan' | 'rescan',
): Promise<ObservedChange[]> {
  const output = await deps.pool.exec(target, posixShellCommand(hashScanScript(targets)), { timeoutMs: 120_000 });
  const present = parseHashScan(output);
  const unreadable = new Set(parseHashScanUnreadable(output));
  const stored = await deps.store.configHistory.latestHashes(hostname);
  const storedByPath = new Map(stored.map((r) => [r.path, r]));
  const now = new Date().toISOString();
  const changes: ObservedChange[] = [];
  for (const [path, sha256] of present) {
    const latest = storedByPath.get(path);
    if (!latest || latest.change_type === 'DELETE' || latest.content_sha256 !== sha256)
      changes.push({ path, detectedAt: now, moved: false, source });
  }
  for (const [path, latest] of storedByPath) {
    if (
      latest.change_type !== 'DELETE' &&
      !present.has(path) &&
      !unreadable.has(path) &&
      isWatchedFile(targets, path)
    ) {
      changes.push({ path, detectedAt: now, moved: false, source });
    }
  }
  return changes;
}
