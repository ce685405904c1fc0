import { defineSignal } from '@temporalio/workflow';

/** One file seen changed on the device (by inotify, or by a re-scan of hashes). */
export interface ObservedChange {
  path: string;
  /** When the worker saw it, ISO. */
  detectedAt: string;
  /** Arrived by rename (inotify moved_to). */
  moved: boolean;
  /** `opening_scan`: the comparison by hashes that begins each watch, which also finds the files already there. */
  source: 'inotify' | 'opening_scan' | 'rescan';
}

/** Batches of changes from the watch activity, debounced on the worker. */
export const configChangesSignal = defineSignal<[ObservedChange[]]>('configChanges');
/** Stop watching (the device was removed or its monitoring turned off). */
export const stopWatchingSignal = defineSignal('stopWatching');
/** The watched set changed: start a fresh watch (a new run, which discovers again). */
export const restartWatchSignal = defineSignal('restartWatch');
