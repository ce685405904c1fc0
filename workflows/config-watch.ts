import {
  ActivityCancellationType,
  allHandlersFinished,
  CancellationScope,
  condition,
  continueAsNew,
  isCancellation,
  log,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import { startAlertDelivery } from './alert-delivery.ts';
import { NON_RETRYABLE_DEVICE_ERRORS } from '../schema/error-codes.ts';
import type { ConfigWatchMode } from '../schema/database.ts';
import {
  configChangesSignal,
  rewatchUpdate,
  stopWatchingSignal,
  watchInPlaceSignal,
  type ObservedChange,
} from './config-watch-messages.ts';
import { describeFailure } from './failure.ts';

// The watch runs until cancelled; heartbeats carry cancellation and reveal a dead worker within 30 s.
const { watchConfigFiles } = proxyActivities<Activities>({
  startToCloseTimeout: '3650 days',
  heartbeatTimeout: '30 seconds',
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  retry: {
    initialInterval: '2 seconds',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    nonRetryableErrorTypes: NON_RETRYABLE_DEVICE_ERRORS,
  },
});
const { captureConfigChange } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: {
    initialInterval: '1 second',
    maximumInterval: '30 seconds',
    maximumAttempts: 10,
    nonRetryableErrorTypes: NON_RETRYABLE_DEVICE_ERRORS,
  },
});

export interface ConfigWatchInput {
  hostname: string;
}

/** Changes handled before the run continues as new, keeping its history short. */
const CHANGES_PER_RUN = 500;
/** How long a rewatch waits for its new watch to be in place before it answers (the watch goes on trying). */
const REWATCH_WAIT = '20 seconds';

/**
 * One per device, for as long as the device is monitored. A heartbeating activity holds `inotifywait`
 * on the device (or polls hashes where inotify is unavailable) and signals changes here; each changed
 * path is captured by its own activity, one at a time per device, in the order seen. When the watched
 * set changes, a second watch activity starts and the first is cancelled once the second is in place.
 */
export async function configWatchWorkflow(input: ConfigWatchInput): Promise<void> {
  const pending = new Map<string, ObservedChange>();
  let stopping = false;
  /** The run is ending (stopped, failed or rolling over): no new watch starts. */
  let windingDown = false;
  let handled = 0;
  let watchFailed: string | null = null;

  /** Running watch activities, oldest first; more than one only while a newer one is getting in place. */
  const watches = new Map<string, { scope: CancellationScope; ended: Promise<void> }>();
  const inPlace = new Map<string, ConfigWatchMode>();
  let watchesStarted = 0;
  let newestWatch = '';
  const startWatch = (): string => {
    // Unique across runs, so a late signal from a watch of an earlier run matches none of this run's.
    const watchId = `${workflowInfo().runId}/${++watchesStarted}`;
    const scope = new CancellationScope();
    const ended = scope
      .run(() => watchConfigFiles({ hostname: input.hostname, workflowId: workflowInfo().workflowId, watchId }))
      .catch((err: unknown) => {
        if (isCancellation(err)) return;
        // Only non-retryable failures end up here (device gone, host key changed, no credentials).
        const message = describeFailure(err).message;
        log.warn('config watch stopped', { device: input.hostname, error: message });
        // A watch being replaced no longer matters; the newest one failing ends the watcher.
        if (watchId === newestWatch) watchFailed = message;
      })
      .finally(() => watches.delete(watchId));
    watches.set(watchId, { scope, ended });
    newestWatch = watchId;
    return watchId;
  };

  setHandler(configChangesSignal, (batch) => {
    for (const change of batch) {
      // A path seen again before it was captured is captured once, as it is by then.
      const earlier = pending.get(change.path);
      // Keep the earliest sighting, when and how it was seen (a file the opening scan found stays found
      // there): signals from a retried watch on another worker may arrive out of order.
      const first = earlier && earlier.detectedAt <= change.detectedAt ? earlier : change;
      pending.set(
        change.path,
        earlier
          ? { ...change, detectedAt: first.detectedAt, source: first.source, moved: earlier.moved || change.moved }
          : change,
      );
    }
  });
  setHandler(watchInPlaceSignal, ({ watchId, mode }) => {
    if (!watches.has(watchId)) return;
    inPlace.set(watchId, mode);
    // Make before break: the older watches end only now that this one sees every change.
    for (const [id, watch] of watches) {
      if (id === watchId) break;
      watch.scope.cancel();
    }
  });
  setHandler(stopWatchingSignal, () => {
    stopping = true;
  });
  setHandler(
    rewatchUpdate,
    async () => {
      const watchId = startWatch();
      await condition(() => inPlace.has(watchId) || !watches.has(watchId), REWATCH_WAIT);
      return inPlace.get(watchId) ?? null;
    },
    {
      validator: () => {
        if (stopping || windingDown) throw new Error('the watcher is ending; a next run watches the current set');
      },
    },
  );

  /** Captures every pending path, including those signalled meanwhile (Map iteration sees them). */
  const capturePending = async () => {
    for (const [path, change] of pending) {
      pending.delete(path);
      try {
        const captured = await captureConfigChange({
          hostname: input.hostname,
          path,
          detectedAt: change.detectedAt,
          moved: change.moved,
          openingScan: change.source === 'opening_scan',
          correlationId: null,
        });
        if (captured.stored) await startAlertDelivery(captured.alerts);
      } catch (err) {
        // One unreadable file must not stop the watch; the failure stays in the workflow history.
        log.warn('config change not captured', { device: input.hostname, path, error: describeFailure(err).message });
      }
      handled++;
    }
  };
  const shouldRollOver = () => handled >= CHANGES_PER_RUN || workflowInfo().continueAsNewSuggested;
  startWatch();
  for (;;) {
    await condition(() => pending.size > 0 || stopping || watchFailed !== null || shouldRollOver());
    await capturePending();
    if (stopping || watchFailed !== null || shouldRollOver()) break;
  }

  windingDown = true;
  const ending = [...watches.values()];
  for (const watch of ending) watch.scope.cancel();
  await Promise.all(ending.map((watch) => watch.ended));
  // Changes signalled while the watches were winding down are still captured before this run ends.
  do {
    await capturePending();
    await condition(allHandlersFinished);
  } while (pending.size > 0);
  if (stopping || watchFailed !== null) return;
  await continueAsNew<typeof configWatchWorkflow>(input);
}
