import { useQuery } from '@tanstack/react-query';
import { Link, useSearchParams } from 'react-router';
import { AUDIT_ACTIONS, type AuditAction } from '../../../schema/database.ts';
import { api, unwrap } from '../api/client.ts';
import { Badge, Empty, ErrorNote, Loading } from '../components/ui.tsx';
import { dateTime } from '../format.ts';

const FILTERS = ['device', 'data_type', 'principal', 'action', 'since', 'until'] as const;

/** `datetime-local` speaks local time without a zone; the API wants ISO times. */
const toIso = (local: string) => (local ? new Date(local).toISOString() : undefined);

/** Every audit row, newest first, filtered by device, data type, principal, action and time. */
export default function AuditPage() {
  const [params, setParams] = useSearchParams();
  const filter = Object.fromEntries(FILTERS.map((f) => [f, params.get(f) ?? ''])) as Record<
    (typeof FILTERS)[number],
    string
  >;
  const set = (name: string, value: string) =>
    setParams(
      (p) => {
        if (value) p.set(name, value);
        else p.delete(name);
        return p;
      },
      { replace: true },
    );
  const query = {
    limit: 200,
    ...(filter.device && { device: filter.device }),
    ...(filter.data_type && { data_type: filter.data_type }),
    ...(filter.principal && { principal: filter.principal }),
    ...(filter.action && { action: filter.action as AuditAction }),
    ...(filter.since && { since: toIso(filter.since) }),
    ...(filter.until && { until: toIso(filter.until) }),
  };
  const audit = useQuery({
    queryKey: ['audit', query],
    queryFn: () => unwrap(api.GET('/api/audit', { params: { query } })),
  });

  return (
    <section>
      <h1>Audit</h1>
      <div className="filters" role="search">
        <label>
          Device{' '}
          <input
            type="search"
            value={filter.device}
            onChange={(e) => set('device', e.target.value.trim())}
            placeholder="hostname"
          />
        </label>
        <label>
          Data type{' '}
          <input
            type="search"
            value={filter.data_type}
            onChange={(e) => set('data_type', e.target.value.trim())}
            placeholder="metrics, containers…"
          />
        </label>
        <label>
          Principal{' '}
          <input
            type="search"
            value={filter.principal}
            onChange={(e) => set('principal', e.target.value.trim())}
            placeholder="token:…, local, system"
          />
        </label>
        <label>
          Action{' '}
          <select value={filter.action} onChange={(e) => set('action', e.target.value)}>
            <option value="">any</option>
            {AUDIT_ACTIONS.map((a) => (
              <option key={a}>{a}</option>
            ))}
          </select>
        </label>
        <label>
          From <input type="datetime-local" value={filter.since} onChange={(e) => set('since', e.target.value)} />
        </label>
        <label>
          Until <input type="datetime-local" value={filter.until} onChange={(e) => set('until', e.target.value)} />
        </label>
      </div>
      <ErrorNote error={audit.error} />
      {audit.isPending ? (
        <Loading what="the audit log" />
      ) : !audit.data?.entries.length ? (
        <Empty>No audit row matches.</Empty>
      ) : (
        <table className="responsive">
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Device</th>
              <th scope="col">Action</th>
              <th scope="col">Type</th>
              <th scope="col">Principal</th>
              <th scope="col">Via</th>
              <th scope="col">Outcome</th>
            </tr>
          </thead>
          <tbody>
            {audit.data.entries.map((e) => (
              <tr key={e.id}>
                <td data-label="Time" className="numeric">
                  {dateTime(e.time)}
                </td>
                <td data-label="Device">
                  {e.hostname ? <Link to={`/devices/${encodeURIComponent(e.hostname)}`}>{e.hostname}</Link> : '—'}
                </td>
                <td data-label="Action">{e.action}</td>
                <td data-label="Type">{e.data_type ?? '—'}</td>
                <td data-label="Principal" className="mono small">
                  {e.principal ?? '—'}
                  {e.on_behalf_of && <span className="muted"> for {e.on_behalf_of}</span>}
                </td>
                <td data-label="Via">{e.trigger}</td>
                <td data-label="Outcome">
                  {e.status === 'success' ? (
                    <Badge tone="ok">ok</Badge>
                  ) : (
                    <Badge tone="bad">{e.error_code ?? 'error'}</Badge>
                  )}
                  {e.cache_hit && <span className="muted small"> cached</span>}
                  {e.duration_ms !== null && <span className="muted small"> {e.duration_ms} ms</span>}
                  {e.error_message && <div className="small error">{e.error_message}</div>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
