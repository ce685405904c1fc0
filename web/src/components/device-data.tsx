import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import type { DataType } from '../../../domain/collectors/registry.ts';
import { api, unwrap } from '../api/client.ts';
import { Age, Empty, ErrorNote, Loading, SeverityBadge } from './ui.tsx';

type Query = { force_refresh?: 'true'; since?: string; include_data?: 'true'; limit?: number };
const read = (hostname: string, dataType: DataType, query: Query) =>
  unwrap(
    api.GET('/api/devices/{hostname}/{data_type}', { params: { path: { hostname, data_type: dataType }, query } }),
  );
/** The route answers the newest data, or with `since` the stored series: one answer type each. */
type ReadAnswer = Awaited<ReturnType<typeof read>>;
type HistoryAnswer = Extract<ReadAnswer, { series: unknown[] }>;
type DataAnswer = Exclude<ReadAnswer, HistoryAnswer>;
const isHistory = (answer: ReadAnswer): answer is HistoryAnswer => Array.isArray(answer.series);

/** The newest data of a type: from the API's read-through cache, or collected now (`forceRefresh`, or when stale). */
export async function readData(hostname: string, dataType: DataType, forceRefresh = false): Promise<DataAnswer> {
  const answer = await read(hostname, dataType, forceRefresh ? { force_refresh: 'true' } : {});
  if (isHistory(answer)) throw new Error('the API answered a history where the newest data was asked');
  return answer;
}

/** The stored series of a type since `since`, oldest first, with each snapshot's full data. */
export async function readHistory(hostname: string, dataType: DataType, since: Date): Promise<HistoryAnswer> {
  const answer = await read(hostname, dataType, { since: since.toISOString(), include_data: 'true', limit: 10_000 });
  if (!isHistory(answer)) throw new Error('the API answered the newest data where a history was asked');
  return answer;
}

export function useDeviceData(hostname: string, dataType: DataType) {
  const queryClient = useQueryClient();
  const key = ['device', hostname, 'data', dataType];
  const query = useQuery({ queryKey: key, queryFn: () => readData(hostname, dataType) });
  const refresh = useMutation({
    mutationFn: () => readData(hostname, dataType, true),
    onSuccess: (answer) => {
      queryClient.setQueryData(key, answer);
      void queryClient.invalidateQueries({ queryKey: ['device', hostname, 'history', dataType] });
    },
  });
  return { query, refresh };
}

/**
 * Frame of every data tab: how old the answer is, "Refresh now" (a collection on the device, whatever
 * the cache holds), what the answer's insights say, then the tab's own rendering of the data.
 */
export function DataPanel<T>({
  hostname,
  dataType,
  title,
  children,
}: {
  hostname: string;
  dataType: DataType;
  title: string;
  children: (data: T) => ReactNode;
}) {
  const { query, refresh } = useDeviceData(hostname, dataType);
  const answer = query.data;
  return (
    <section aria-labelledby={`${dataType}-title`}>
      <div className="page-head">
        <h2 id={`${dataType}-title`}>{title}</h2>
        <div className="actions">
          {answer && (
            <span className="muted small" role="status">
              collected <Age time={answer.collected_at} />
              {answer.from_cache ? ' (stored)' : ''}
            </span>
          )}
          <button type="button" onClick={() => refresh.mutate()} disabled={refresh.isPending}>
            {refresh.isPending ? 'Collecting…' : 'Refresh now'}
          </button>
        </div>
      </div>
      <ErrorNote error={refresh.error ?? query.error} />
      {query.isPending ? (
        <Loading what={title.toLowerCase()} />
      ) : answer ? (
        <>
          <Insights insights={answer.insights} />
          {children(answer.data as T)}
        </>
      ) : null}
    </section>
  );
}

export function Insights({ insights }: { insights: DataAnswer['insights'] }) {
  if (insights.length === 0) return null;
  return (
    <ul className="insights">
      {insights.map((i) => (
        <li key={`${i.code}:${i.subject}`}>
          <SeverityBadge severity={i.severity} /> {i.message}
        </li>
      ))}
    </ul>
  );
}

/** A collector that answered "not here" (no docker, no systemd, needs sudo...) says why instead of an empty table. */
export function Unavailable({ reason }: { reason: string }) {
  return <Empty>{reason}</Empty>;
}
