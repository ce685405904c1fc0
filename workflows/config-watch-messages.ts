import { defineSignal, defineUpdate } from '@temporalio/workflow';
import type { ConfigWatchMode } from '../schema/database.ts';

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

/** A watch activity has its watch in place: inotify established on every directory, or hash polling begun. */
export interface WatchInPlace {
  watchId: string;
  mode: ConfigWatchMode;
}

/** Batches of changes from the watch activity, debounced on the worker. */
export const configChangesSignal = defineSignal<[ObservedChange[]]>('configChanges');
/** From a watch activity, each time its watch is (again) in place. */
export const watchInPlaceSignal = defineSignal<[WatchInPlace]>('watchInPlace');
/** Stop watching (the device was removed or its monitoring turned off). */
export const stopWatchingSignal = defineSignal('stopWatching');
/**
 * The watched set or the device's address changed: a new watch starts, and the running one ends only
 * once the new one is in place, so no change goes unseen in between. Answers the new watch's mode, or
 * null when it was not in place within the wait (the device is slow or unreachable; it goes on trying).
 */
export const rewatchUpdate = defineUpdate<ConfigWatchMode | null>('rewatch');
