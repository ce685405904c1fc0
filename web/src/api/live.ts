import type { QueryClient, QueryKey } from '@tanstack/react-query';
import { EventSourceParserStream } from 'eventsource-parser/stream';
import { authorizationHeaders, session } from './client.ts';

/** One event of `GET /api/events`: an audit row (collect, operation_held, config_change...) or a device status change. */
export interface LiveEvent {
  kind: 'audit' | 'device_status';
  time: string;
  device: string | null;
  action?: string;
  data_type?: string | null;
}

export type LiveState = 'connecting' | 'live' | 'down';

/** Which cached answers an event makes stale (query keys are prefixes: ['device', h] covers every read of h). */
export function staleKeys(e: LiveEvent): QueryKey[] {
  const d = e.device;
  const keys: QueryKey[] = [['audit']];
  if (e.kind === 'device_status') return [...keys, ['fleet'], ['devices'], ['device', d]];
  const action = e.action ?? '';
  if (action === 'collect')
    keys.push(['fleet'], ['device', d, 'data', e.data_type], ['device', d, 'history', e.data_type]);
  else if (action.startsWith('operation_')) keys.push(['operations']);
  else if (action.startsWith('config_')) keys.push(['config']);
  else if (action.startsWith('proxy_conf_')) keys.push(['device', d, 'proxy']);
  else if (action.startsWith('alert_')) keys.push(['alerts'], ['fleet']);
  else if (action.startsWith('incident_')) keys.push(['incidents']);
  else if (action.startsWith('maintenance_') || action.startsWith('device_'))
    keys.push(['fleet'], ['devices'], ['device', d, 'view']);
  return keys;
}

/** A busy fleet sends many events a second: stale keys are gathered and refetched at most once a second. */
const FLUSH_MS = 1000;
const MAX_RETRY_MS = 30_000;

/**
 * Follows the event stream and marks the answers it changes stale, so pages update without a reload.
 * EventSource cannot send an Authorization header: this reads the stream with fetch instead. After a
 * gap (the stream dropped), everything is refetched, since events of the gap are lost.
 */
export function followEvents(queryClient: QueryClient, onState: (state: LiveState) => void): () => void {
  const abort = new AbortController();
  const pending = new Map<string, QueryKey>();
  let timer: ReturnType<typeof setTimeout> | null = null;
  const flush = () => {
    timer = null;
    for (const queryKey of pending.values()) void queryClient.invalidateQueries({ queryKey });
    pending.clear();
  };
  const mark = (e: LiveEvent) => {
    for (const key of staleKeys(e)) pending.set(JSON.stringify(key), key);
    timer ??= setTimeout(flush, FLUSH_MS);
  };

  void (async () => {
    let retryMs = 1000;
    let hadGap = false;
    while (!abort.signal.aborted) {
      onState('connecting');
      try {
        const res = await fetch('/api/events', {
          headers: { accept: 'text/event-stream', ...authorizationHeaders() },
          signal: abort.signal,
          cache: 'no-store',
        });
        if (res.status === 401) {
          session.unauthorized();
          return;
        }
        if (!res.ok || !res.body) throw new Error(`events: HTTP ${res.status}`);
        onState('live');
        retryMs = 1000;
        if (hadGap) void queryClient.invalidateQueries();
        const reader = res.body
          .pipeThrough(new TextDecoderStream())
          .pipeThrough(new EventSourceParserStream())
          .getReader();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          mark(JSON.parse(value.data) as LiveEvent);
        }
      } catch {
        if (abort.signal.aborted) return;
      }
      hadGap = true;
      onState('down');
      await new Promise((resolve) => setTimeout(resolve, retryMs));
      retryMs = Math.min(retryMs * 2, MAX_RETRY_MS);
    }
  })();
  return () => {
    abort.abort();
    if (timer) clearTimeout(timer);
  };
}
