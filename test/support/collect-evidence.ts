import type { temporal } from '@temporalio/proto';
import { collectionAttemptFailures } from '../../platform/metrics.ts';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/**
 * What a collection leaves to check it by. `collect` runs as a local activity of collectWorkflow: the
 * run's history holds one marker per completed local activity (failed attempts leave none), and the
 * worker counts each failed attempt in its metrics.
 */
export function collectMarkers(events: HistoryEvent[] | null | undefined): HistoryEvent[] {
  return (events ?? []).filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity');
}

/** The attempt a local activity completed on, from the marker the SDK core records (JSON `data`). */
export function localActivityAttempt(marker: HistoryEvent): number {
  const payload = marker.markerRecordedEventAttributes?.details?.data?.payloads?.[0]?.data;
  if (!payload) throw new Error('local activity marker without data');
  return (JSON.parse(Buffer.from(payload).toString('utf8')) as { attempt: number }).attempt;
}

/** Failed collect attempts so far in this process's worker, for one data type and error code. */
export async function failedCollectAttempts(dataType: string, code: string): Promise<number> {
  return (
    (await collectionAttemptFailures.get()).values.find(
      (v) => v.labels.data_type === dataType && v.labels.code === code,
    )?.value ?? 0
  );
}

/** The worker identity (`pid@host`) of each recorded collect: the worker that completed the workflow task holding its marker. */
export function collectRanBy(events: HistoryEvent[] | null | undefined): string[] {
  const byId = new Map((events ?? []).map((e) => [String(e.eventId), e]));
  return collectMarkers(events).map(
    (m) =>
      byId.get(String(m.markerRecordedEventAttributes?.workflowTaskCompletedEventId))
        ?.workflowTaskCompletedEventAttributes?.identity ?? '',
  );
}
