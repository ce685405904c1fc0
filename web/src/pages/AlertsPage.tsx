import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useSearchParams } from 'react-router';
import type { AlertState } from '../../../schema/alert.ts';
import { api, unwrap } from '../api/client.ts';
import { Age, Badge, Empty, ErrorNote, Loading, SeverityBadge } from '../components/ui.tsx';
import { useSession } from '../session.tsx';

/** Firing first: the page opens on what needs attention now. */
const ALERT_STATES = ['firing', 'pending', 'resolved'] as const satisfies readonly AlertState[];

/** Alerts (firing first by filter), and the rules and channels that make and deliver them. */
export default function AlertsPage() {
  const { can } = useSession();
  const queryClient = useQueryClient();
  const [params, setParams] = useSearchParams();
  const state = (params.get('state') ?? 'firing') as AlertState | 'all';
  const alerts = useQuery({
    queryKey: ['alerts', 'list', state],
    queryFn: () => unwrap(api.GET('/api/alerts', { params: { query: { limit: 200, ...(state !== 'all' && { state }) } } })),
  });
  const rules = useQuery({ queryKey: ['alerts', 'rules'], queryFn: () => unwrap(api.GET('/api/alerts/rules')) });
  const channels = useQuery({ queryKey: ['alerts', 'channels'], queryFn: () => unwrap(api.GET('/api/alerts/channels')) });
  const toggle = useMutation({
    mutationFn: ({ id, enabled }: { id: string; enabled: boolean }) => unwrap(api.PATCH('/api/alerts/rules/{id}', { params: { path: { id } }, body: { enabled } })),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ['alerts', 'rules'] }),
  });

  return (
    <section>
      <h1>Alerts</h1>
      <div className="filters" role="search">
        <label>
          State{' '}
          <select value={state} onChange={(e) => setParams({ state: e.target.value }, { replace: true })}>
            {[...ALERT_STATES, 'all'].map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
      </div>
      <ErrorNote error={alerts.error} />
      {alerts.isPending ? (
        <Loading what="alerts" />
      ) : !alerts.data?.alerts.length ? (
        <Empty>No {state === 'all' ? '' : `${state} `}alerts.</Empty>
      ) : (
        <table className="responsive">
          <thead>
            <tr>
              <th scope="col">Device</th>
              <th scope="col">Severity</th>
              <th scope="col">Alert</th>
              <th scope="col">State</th>
              <th scope="col">Since</th>
              <th scope="col">Rule</th>
            </tr>
          </thead>
          <tbody>
            {alerts.data.alerts.map((a) => (
              <tr key={a.id}>
                <th scope="row" data-label="Device">
                  <Link to={`/devices/${encodeURIComponent(a.device)}`}>{a.device}</Link>
                </th>
                <td data-label="Severity">
                  <SeverityBadge severity={a.severity} />
                </td>
                <td data-label="Alert">
                  {a.message}
                  {a.muted && <Badge tone="muted">muted (maintenance)</Badge>}
                </td>
                <td data-label="State">
                  <Badge tone={a.state === 'firing' ? 'bad' : a.state === 'pending' ? 'warn' : 'ok'}>{a.state}</Badge>
                </td>
                <td data-label="Since">
                  <Age time={a.state === 'resolved' ? a.resolved_at : (a.fired_at ?? a.first_seen)} />
                </td>
                <td data-label="Rule">{a.rule}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      <h2>Rules</h2>
      <ErrorNote error={rules.error ?? toggle.error} />
      <ul>
        {rules.data?.rules.map((r) => (
          <li key={r.id}>
            <strong>{r.name}</strong> <span className="muted small">{r.source}, after {r.for_seconds} s, {JSON.stringify(r.match)}</span>{' '}
            {can('admin') ? (
              <label>
                <input type="checkbox" checked={r.enabled} disabled={toggle.isPending} onChange={(e) => toggle.mutate({ id: r.id, enabled: e.target.checked })} /> enabled
              </label>
            ) : (
              <Badge tone={r.enabled ? 'ok' : 'muted'}>{r.enabled ? 'enabled' : 'disabled'}</Badge>
            )}
          </li>
        ))}
      </ul>
      <h2>Channels</h2>
      <ErrorNote error={channels.error} />
      {channels.data?.channels.length ? (
        <ul>
          {channels.data.channels.map((c) => (
            <li key={c.id}>
              <strong>{c.name}</strong> <span className="muted small">{c.kind}</span> <span className="mono small">{c.url}</span>
              {!c.enabled && <Badge tone="muted">disabled</Badge>}
            </li>
          ))}
        </ul>
      ) : (
        <Empty>
          No channel: alerts are recorded here only. Add a webhook, ntfy or Gotify channel with <code>POST /api/alerts/channels</code>.
        </Empty>
      )}
    </section>
  );
}
