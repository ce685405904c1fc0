import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Context } from '@temporalio/activity';
import {
  WorkflowUpdateFailedError,
  type WorkflowHandle,
  type WorkflowHandleWithFirstExecutionRunId,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import type { CaptureInput } from '../../activities/config/capture.ts';
import type { WatchInput } from '../../activities/config/watch.ts';
import {
  configChangesSignal,
  rewatchUpdate,
  stopWatchingSignal,
  watchInPlaceSignal,
  type ObservedChange,
} from '../../workflows/config-watch-messages.ts';
import type { configWatchWorkflow } from '../../workflows/config-watch.ts';
import { waitFor, withDeadline } from '../support/poll.ts';
import { uniqueName, workflowBundle } from '../support/stack.ts';
import { useWorkflowServer } from '../support/workflow-server.ts';

const HOSTNAME = 'nas01';
const TEST_TIMEOUT = { timeout: 90_000 };

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** The run's activities of one type, in the order scheduled: whether the workflow asked to cancel each, and whether each has ended. */
function activitiesIn(events: HistoryEvent[], type: string): Array<{ cancelRequested: boolean; closed: boolean }> {
  const ids = (pick: (e: HistoryEvent) => { scheduledEventId?: unknown } | null | undefined) =>
    new Set(events.map(pick).flatMap((a) => (a ? [String(a.scheduledEventId)] : [])));
  const cancelRequested = ids((e) => e.activityTaskCancelRequestedEventAttributes);
  const closed = ids(
    (e) =>
      e.activityTaskCompletedEventAttributes ??
      e.activityTaskFailedEventAttributes ??
      e.activityTaskCanceledEventAttributes ??
      e.activityTaskTimedOutEventAttributes,
  );
  return events
    .filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === type)
    .map((e) => ({ cancelRequested: cancelRequested.has(String(e.eventId)), closed: closed.has(String(e.eventId)) }));
}

/**
 * The run's history once the workflow has handled all that reached it (its last task completed, none
 * scheduled since) and, with `idle`, no activity of that type is running. Whatever the workflow decided
 * about what it was sent (an activity started or cancelled) is in this history: the sentinel for
 * "nothing more happens", instead of waiting a while to see.
 */
function settledHistory(handle: WorkflowHandle, idle?: 'captureConfigChange'): Promise<HistoryEvent[]> {
  return waitFor(
    `the workflow to settle${idle ? ` with no ${idle} running` : ''}`,
    async () => (await handle.fetchHistory()).events ?? [],
    {
      until: (events) => {
        const lastTaskDone = events.map((e) => Boolean(e.workflowTaskCompletedEventAttributes)).lastIndexOf(true);
        const taskDue = events.slice(lastTaskDone + 1).some((e) => e.workflowTaskScheduledEventAttributes);
        return (
          lastTaskDone >= 0 && !taskDue && (idle === undefined || activitiesIn(events, idle).every((a) => a.closed))
        );
      },
      intervalMs: 50,
    },
  );
}

function change(
  path: string,
  detectedAt: string,
  moved = false,
  source: ObservedChange['source'] = 'inotify',
): ObservedChange {
  return { path, detectedAt, moved, source };
}

interface WatchCall {
  input: WatchInput;
  /** The workflow's cancellation reached the activity (through a heartbeat). */
  cancelRequested: boolean;
  /** The activity has returned or thrown. */
  ended: boolean;
}

/**
 * Stands in for `watchConfigFiles`: like the real one it heartbeats and runs until cancelled, then
 * returns (after `windDown`, if given: the real activity may still flush a last batch while it stops).
 * With `fail`, it throws that instead of watching.
 */
function fakeWatch(opts: { fail?: () => Error; windDown?: (call: WatchCall) => Promise<void> } = {}) {
  const calls: WatchCall[] = [];
  const watchConfigFiles = async (input: WatchInput): Promise<void> => {
    const call: WatchCall = { input, cancelRequested: false, ended: false };
    calls.push(call);
    const ctx = Context.current();
    try {
      if (opts.fail) throw opts.fail();
      const heartbeat = setInterval(() => ctx.heartbeat(), 50);
      try {
        await ctx.cancelled.catch(() => undefined);
      } finally {
        clearInterval(heartbeat);
      }
      call.cancelRequested = ctx.cancellationDetails?.cancelRequested === true;
      if (opts.windDown) await opts.windDown(call);
      if (!call.cancelRequested)
        throw ApplicationFailure.retryable('watch interrupted (worker shutting down)', 'watch_interrupted');
    } finally {
      call.ended = true;
    }
  };
  return { calls, watchConfigFiles };
}

interface CaptureCall {
  input: CaptureInput;
  done: boolean;
}

/**
 * Stands in for `captureConfigChange`. With `held`, every capture waits until the test releases it
 * (oldest first), which makes coalescing and one-at-a-time capture observable. `failFor` decides,
 * per path, an error to throw instead of capturing.
 */
function fakeCapture(opts: { held?: boolean; failFor?: (path: string) => Error | null } = {}) {
  const calls: CaptureCall[] = [];
  const releases: (() => void)[] = [];
  let held = opts.held ?? false;
  let inFlight = 0;
  let maxInFlight = 0;
  const captureConfigChange = async (input: CaptureInput) => {
    const call: CaptureCall = { input, done: false };
    calls.push(call);
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    try {
      // A held capture still gives way to cancellation, so a failed test's worker can shut down.
      if (held)
        await Promise.race([new Promise<void>((resolve) => releases.push(resolve)), Context.current().cancelled]);
      const failure = opts.failFor?.(input.path);
      if (failure) throw failure;
      return { stored: false, reason: 'unchanged' } as const;
    } finally {
      inFlight--;
      call.done = true;
    }
  };
  return {
    calls,
    captureConfigChange,
    get maxInFlight() {
      return maxInFlight;
    },
    paths: () => calls.map((c) => c.input.path),
    /** Lets the oldest held capture finish. */
    releaseOne() {
      const release = releases.shift();
      assert.ok(release, 'no capture is waiting to be released');
      release();
    },
    /** Releases every held capture and holds no more. */
    open() {
      held = false;
      for (const release of releases.splice(0)) release();
    },
  };
}

describe('configWatchWorkflow on the real dev server (mocked activities)', () => {
  const server = useWorkflowServer();

  /**
   * Runs `fn` with a worker on a task queue of its own, with a watcher workflow already started there.
   * Heartbeats are throttled to 100 ms so the watch learns of its cancellation quickly. Whatever the
   * outcome, a watcher still running afterwards is terminated.
   */
  async function withWatcher(
    activities: {
      watchConfigFiles: (input: WatchInput) => Promise<void>;
      captureConfigChange: (input: CaptureInput) => Promise<unknown>;
    },
    fn: (handle: WorkflowHandleWithFirstExecutionRunId<typeof configWatchWorkflow>) => Promise<void>,
  ): Promise<void> {
    const taskQueue = uniqueName('config-watch');
    const workflowId = uniqueName('config-watch');
    const worker = await Worker.create({
      connection: server.native,
      taskQueue,
      workflowBundle: workflowBundle(),
      activities,
      maxHeartbeatThrottleInterval: '100ms',
      defaultHeartbeatThrottleInterval: '100ms',
    });
    await worker.runUntil(async () => {
      const handle = await server.client.workflow.start<typeof configWatchWorkflow>('configWatchWorkflow', {
        taskQueue,
        workflowId,
        args: [{ hostname: HOSTNAME }],
      });
      try {
        await fn(handle);
      } finally {
        await server.client.workflow
          .getHandle(workflowId)
          .terminate('test over')
          .catch(() => undefined);
      }
    });
  }

  /** Ends a watcher the way the service does, letting held captures through. */
  async function stopAndWait(handle: WorkflowHandle<typeof configWatchWorkflow>, capture: { open(): void }) {
    capture.open();
    await handle.signal(stopWatchingSignal);
    await withDeadline(handle.result(), 20_000, 'the workflow to complete');
  }

  const runStatus = async (workflowId: string, runId?: string) =>
    (await server.client.workflow.getHandle(workflowId, runId).describe()).status.name;

  test(
    'captures one path at a time and coalesces a path signalled again before its capture',
    TEST_TIMEOUT,
    async () => {
      const watch = fakeWatch();
      const capture = fakeCapture({ held: true });
      await withWatcher(
        { watchConfigFiles: watch.watchConfigFiles, captureConfigChange: capture.captureConfigChange },
        async (handle) => {
          await waitFor('the watch activity to start', () => watch.calls.length === 1);

          await handle.signal(configChangesSignal, [
            change('/etc/a.conf', '2026-01-01T10:00:01.000Z'),
            change('/etc/b.conf', '2026-01-01T10:00:01.000Z', false, 'opening_scan'),
          ]);
          await waitFor('the capture of a.conf to start', () => capture.calls.length >= 1);
          // While a.conf is being captured: b.conf twice more (one of them moved), c.conf, and a.conf again.
          await handle.signal(configChangesSignal, [
            change('/etc/b.conf', '2026-01-01T10:00:02.000Z', true),
            change('/etc/c.conf', '2026-01-01T10:00:02.000Z'),
          ]);
          await handle.signal(configChangesSignal, [
            change('/etc/b.conf', '2026-01-01T10:00:03.000Z', false, 'rescan'),
            change('/etc/a.conf', '2026-01-01T10:00:03.000Z'),
          ]);

          // Each capture runs alone: nothing else starts while one is held.
          for (let n = 1; n <= 4; n++) {
            await waitFor(`capture #${n} to start`, () => capture.calls.length >= n);
            const scheduled = activitiesIn(await settledHistory(handle), 'captureConfigChange').length;
            assert.equal(scheduled, n, `capture #${n + 1} scheduled while capture #${n} was still running`);
            assert.equal(capture.calls.length, n, `capture #${n + 1} started while capture #${n} was still running`);
            capture.releaseOne();
          }
          await waitFor('the last capture to finish', () => capture.calls.every((c) => c.done));
          assert.equal(
            activitiesIn(await settledHistory(handle, 'captureConfigChange'), 'captureConfigChange').length,
            4,
            'no capture after the fourth',
          );

          assert.equal(capture.maxInFlight, 1);
          assert.deepEqual(
            capture.calls.map((c) => c.input),
            [
              {
                hostname: HOSTNAME,
                path: '/etc/a.conf',
                detectedAt: '2026-01-01T10:00:01.000Z',
                moved: false,
                openingScan: false,
                correlationId: null,
              },
              // Signalled three times before its capture: once, first detection time and how (by the opening
              // scan), moved because one signal said so.
              {
                hostname: HOSTNAME,
                path: '/etc/b.conf',
                detectedAt: '2026-01-01T10:00:01.000Z',
                moved: true,
                openingScan: true,
                correlationId: null,
              },
              {
                hostname: HOSTNAME,
                path: '/etc/c.conf',
                detectedAt: '2026-01-01T10:00:02.000Z',
                moved: false,
                openingScan: false,
                correlationId: null,
              },
              // Changed again after its first capture had started: captured again.
              {
                hostname: HOSTNAME,
                path: '/etc/a.conf',
                detectedAt: '2026-01-01T10:00:03.000Z',
                moved: false,
                openingScan: false,
                correlationId: null,
              },
            ],
          );
          assert.equal(await runStatus(handle.workflowId), 'RUNNING');
          await stopAndWait(handle, capture);
        },
      );
    },
  );

  test(
    'a coalesced path keeps the earliest detection time even when signals arrive out of order',
    TEST_TIMEOUT,
    async () => {
      const watch = fakeWatch();
      const capture = fakeCapture({ held: true });
      await withWatcher(
        { watchConfigFiles: watch.watchConfigFiles, captureConfigChange: capture.captureConfigChange },
        async (handle) => {
          await waitFor('the watch activity to start', () => watch.calls.length === 1);
          await handle.signal(configChangesSignal, [change('/etc/a.conf', '2026-01-01T10:00:00.000Z')]);
          await waitFor('the capture of a.conf to start', () => capture.calls.length === 1);
          // e.g. a retried watch attempt on a worker whose clock is behind, or a re-scan batch signalled late.
          await handle.signal(configChangesSignal, [change('/etc/b.conf', '2026-01-01T10:00:09.000Z')]);
          await handle.signal(configChangesSignal, [change('/etc/b.conf', '2026-01-01T10:00:04.000Z', true)]);
          capture.releaseOne();
          await waitFor('the capture of b.conf to start', () => capture.calls.length === 2);
          capture.releaseOne();

          await stopAndWait(handle, capture);

          assert.deepEqual(capture.paths(), ['/etc/a.conf', '/etc/b.conf']);
          assert.equal(capture.calls[1]!.input.moved, true);
          assert.equal(capture.calls[1]!.input.detectedAt, '2026-01-01T10:00:04.000Z');
        },
      );
    },
  );

  test('starts the watch once, with its hostname and its own workflow id', TEST_TIMEOUT, async () => {
    const watch = fakeWatch();
    const capture = fakeCapture();
    await withWatcher(
      { watchConfigFiles: watch.watchConfigFiles, captureConfigChange: capture.captureConfigChange },
      async (handle) => {
        await waitFor('the watch activity to start', () => watch.calls.length === 1);
        // Changes come and go; the watch stays the one activity.
        await handle.signal(configChangesSignal, [change('/etc/a.conf', '2026-01-01T10:00:00.000Z')]);
        await waitFor('a.conf to be captured', () => capture.calls.some((c) => c.done));
        await handle.signal(configChangesSignal, [change('/etc/b.conf', '2026-01-01T10:00:01.000Z')]);
        await waitFor('b.conf to be captured', () => capture.calls.length === 2 && capture.calls.every((c) => c.done));
        assert.deepEqual(
          activitiesIn(await settledHistory(handle, 'captureConfigChange'), 'watchConfigFiles'),
          [{ cancelRequested: false, closed: false }],
          'one watch, never cancelled',
        );
        const pendingWatch = (await handle.describe()).raw.pendingActivities?.find(
          (a) => a.activityType?.name === 'watchConfigFiles',
        );
        assert.equal(pendingWatch?.attempt, 1, 'the watch was never retried');

        assert.equal(watch.calls.length, 1);
        assert.deepEqual(watch.calls[0]!.input, {
          hostname: HOSTNAME,
          workflowId: handle.workflowId,
          watchId: `${handle.firstExecutionRunId}/1`,
        });
        assert.equal(watch.calls[0]!.ended, false, 'the watch runs until cancelled');
        assert.equal(watch.calls[0]!.cancelRequested, false);
        await stopAndWait(handle, capture);
      },
    );
  });

  test(
    'stopWatching captures what was signalled just before, cancels the watch and completes',
    TEST_TIMEOUT,
    async () => {
      const watch = fakeWatch();
      const capture = fakeCapture({ held: true });
      await withWatcher(
        { watchConfigFiles: watch.watchConfigFiles, captureConfigChange: capture.captureConfigChange },
        async (handle) => {
          await waitFor('the watch activity to start', () => watch.calls.length === 1);
          await handle.signal(configChangesSignal, [change('/etc/a.conf', '2026-01-01T10:00:00.000Z')]);
          await waitFor('the capture of a.conf to start', () => capture.calls.length === 1);
          await handle.signal(configChangesSignal, [
            change('/etc/b.conf', '2026-01-01T10:00:01.000Z'),
            change('/etc/c.conf', '2026-01-01T10:00:01.000Z'),
          ]);
          await handle.signal(stopWatchingSignal);

          for (let n = 1; n <= 3; n++) {
            await waitFor(`capture #${n} to start`, () => capture.calls.length === n);
            capture.releaseOne();
          }
          await withDeadline(handle.result(), 20_000, 'the workflow to complete');

          assert.deepEqual(capture.paths(), ['/etc/a.conf', '/etc/b.conf', '/etc/c.conf']);
          assert.equal(watch.calls.length, 1);
          assert.equal(watch.calls[0]!.cancelRequested, true, 'the watch activity saw the workflow cancel it');
          assert.equal(watch.calls[0]!.ended, true);
          assert.equal(await runStatus(handle.workflowId), 'COMPLETED');
        },
      );
    },
  );

  test(
    'changes signalled while the watch winds down are still captured before the run ends',
    TEST_TIMEOUT,
    async () => {
      let handle!: WorkflowHandle<typeof configWatchWorkflow>;
      // Like the real activity flushing its last debounced batch as it stops.
      const watch = fakeWatch({
        windDown: () => handle.signal(configChangesSignal, [change('/etc/late.conf', '2026-01-01T10:00:05.000Z')]),
      });
      const capture = fakeCapture();
      await withWatcher(
        { watchConfigFiles: watch.watchConfigFiles, captureConfigChange: capture.captureConfigChange },
        async (h) => {
          handle = h;
          await waitFor('the watch activity to start', () => watch.calls.length === 1);
          await handle.signal(stopWatchingSignal);
          await withDeadline(handle.result(), 20_000, 'the workflow to complete');

          assert.equal(watch.calls[0]!.cancelRequested, true);
          assert.deepEqual(capture.paths(), ['/etc/late.conf']);
          assert.ok(capture.calls.every((c) => c.done));
        },
      );
    },
  );

  test(
    'rewatch starts a second watch and ends the first only once the second is in place, in the same run',
    TEST_TIMEOUT,
    async () => {
      const watch = fakeWatch();
      const capture = fakeCapture();
      await withWatcher(
        { watchConfigFiles: watch.watchConfigFiles, captureConfigChange: capture.captureConfigChange },
        async (handle) => {
          await waitFor('the watch activity to start', () => watch.calls.length === 1);
          const rewatch = handle.executeUpdate(rewatchUpdate);
          await waitFor('the second watch to start', () => watch.calls.length === 2);
          const [first, second] = watch.calls;
          assert.notEqual(second!.input.watchId, first!.input.watchId);

          // Until the second says it is in place, the first goes on watching: changes it sees are captured.
          await handle.signal(configChangesSignal, [change('/etc/a.conf', '2026-01-01T10:00:00.000Z')]);
          await waitFor('a.conf to be captured', () => capture.calls.length === 1 && capture.calls[0]!.done);
          const [firstInHistory] = activitiesIn(
            await settledHistory(handle, 'captureConfigChange'),
            'watchConfigFiles',
          );
          assert.deepEqual(
            firstInHistory,
            { cancelRequested: false, closed: false },
            'the workflow lets the first watch run',
          );
          assert.equal(first!.cancelRequested || first!.ended, false, 'the first watch still runs');

          // What the real activity signals once inotify is established.
          await handle.signal(watchInPlaceSignal, { watchId: second!.input.watchId, mode: 'inotify' });
          assert.equal(await withDeadline(rewatch, 20_000, 'the rewatch answer'), 'inotify');
          await waitFor('the first watch to end', () => first!.ended);
          assert.equal(first!.cancelRequested, true, 'the first watch was cancelled by the workflow');
          // A late word from the ended watch changes nothing.
          await handle.signal(watchInPlaceSignal, { watchId: first!.input.watchId, mode: 'polling' });
          const [firstInHistoryNow, secondInHistory] = activitiesIn(await settledHistory(handle), 'watchConfigFiles');
          assert.equal(
            firstInHistoryNow!.cancelRequested,
            true,
            'the history shows the cancellation of the first watch',
          );
          assert.deepEqual(
            secondInHistory,
            { cancelRequested: false, closed: false },
            'the workflow lets the second watch run',
          );
          assert.equal(second!.cancelRequested || second!.ended, false, 'the second watch runs on');
          const latest = await server.client.workflow.getHandle(handle.workflowId).describe();
          assert.equal(latest.runId, handle.firstExecutionRunId, 'no new run');
          assert.equal(latest.status.name, 'RUNNING');

          await handle.signal(configChangesSignal, [change('/etc/b.conf', '2026-01-01T10:00:01.000Z')]);
          await waitFor('b.conf to be captured', () => capture.calls.length === 2 && capture.calls[1]!.done);
          await stopAndWait(handle, capture);
          assert.equal(watch.calls.length, 2);
          assert.equal(second!.cancelRequested, true);
        },
      );
    },
  );

  test('a rewatch asked of a stopping watcher is refused and starts no watch', TEST_TIMEOUT, async () => {
    const watch = fakeWatch();
    const capture = fakeCapture({ held: true });
    await withWatcher(
      { watchConfigFiles: watch.watchConfigFiles, captureConfigChange: capture.captureConfigChange },
      async (handle) => {
        await waitFor('the watch activity to start', () => watch.calls.length === 1);
        await handle.signal(configChangesSignal, [change('/etc/a.conf', '2026-01-01T10:00:00.000Z')]);
        await waitFor('the capture of a.conf to start', () => capture.calls.length === 1);
        await handle.signal(stopWatchingSignal);
        await assert.rejects(handle.executeUpdate(rewatchUpdate), WorkflowUpdateFailedError);
        capture.open();
        await withDeadline(handle.result(), 20_000, 'the workflow to complete');
        assert.equal(watch.calls.length, 1);
      },
    );
  });

  test('a capture failing non-retryably does not stop the watch', TEST_TIMEOUT, async () => {
    const watch = fakeWatch();
    const capture = fakeCapture({
      failFor: (path) =>
        path === '/etc/secret.conf'
          ? ApplicationFailure.nonRetryable('cannot read /etc/secret.conf', 'permission_denied')
          : null,
    });
    await withWatcher(
      { watchConfigFiles: watch.watchConfigFiles, captureConfigChange: capture.captureConfigChange },
      async (handle) => {
        await waitFor('the watch activity to start', () => watch.calls.length === 1);
        await handle.signal(configChangesSignal, [change('/etc/secret.conf', '2026-01-01T10:00:00.000Z')]);
        await waitFor('the capture of secret.conf to fail', () => capture.calls.length === 1 && capture.calls[0]!.done);
        await handle.signal(configChangesSignal, [change('/etc/a.conf', '2026-01-01T10:00:01.000Z')]);
        await waitFor('a.conf to be captured', () => capture.calls.length === 2 && capture.calls[1]!.done);
        // Both captures have ended in the history: the failed one can be attempted no more.
        assert.deepEqual(activitiesIn(await settledHistory(handle, 'captureConfigChange'), 'captureConfigChange'), [
          { cancelRequested: false, closed: true },
          { cancelRequested: false, closed: true },
        ]);

        assert.deepEqual(capture.paths(), ['/etc/secret.conf', '/etc/a.conf'], 'the failed capture is not retried');
        assert.equal(await runStatus(handle.workflowId), 'RUNNING');
        assert.equal(watch.calls.length, 1);
        assert.equal(watch.calls[0]!.cancelRequested, false, 'the watch goes on');

        await handle.signal(stopWatchingSignal);
        await withDeadline(handle.result(), 20_000, 'the workflow to complete');
      },
    );
  });

  test('a watch failing non-retryably ends the workflow without continuing as new', TEST_TIMEOUT, async () => {
    const watch = fakeWatch({
      fail: () => ApplicationFailure.nonRetryable(`no device named ${HOSTNAME}`, 'device_not_found'),
    });
    const capture = fakeCapture();
    await withWatcher(
      { watchConfigFiles: watch.watchConfigFiles, captureConfigChange: capture.captureConfigChange },
      async (handle) => {
        await withDeadline(handle.result(), 20_000, 'the workflow to complete');
        const latest = await server.client.workflow.getHandle(handle.workflowId).describe();
        assert.equal(latest.runId, handle.firstExecutionRunId, 'no second run');
        assert.equal(latest.status.name, 'COMPLETED');
        assert.equal(watch.calls.length, 1, 'not retried');
        assert.equal(capture.calls.length, 0);
      },
    );
  });

  test('device errors listed as non-retryable end the watch even when thrown as retryable', TEST_TIMEOUT, async () => {
    // The real activity converts its errors with toApplicationFailure; the retry policy's
    // nonRetryableErrorTypes must stop retries by type alone.
    const watch = fakeWatch({ fail: () => ApplicationFailure.retryable('host key changed', 'host_key_mismatch') });
    const capture = fakeCapture();
    await withWatcher(
      { watchConfigFiles: watch.watchConfigFiles, captureConfigChange: capture.captureConfigChange },
      async (handle) => {
        await withDeadline(handle.result(), 20_000, 'the workflow to complete');
        assert.equal(watch.calls.length, 1, 'not retried');
        assert.equal(await runStatus(handle.workflowId), 'COMPLETED');
      },
    );
  });
});
