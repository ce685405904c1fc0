import { useQuery } from '@tanstack/react-query';
import { memo, startTransition, useEffect, useMemo, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { api, unwrap } from '../api/client.ts';
import { Age, Badge, Empty, ErrorNote, Loading, Meter, SeverityBadge, StatusBadge } from '../components/ui.tsx';
import { fixed } from '../format.ts';

/** Rows drawn in the first pass: more than a screenful, few enough to paint at once; the rest follow right after. */
const FIRST_PASS_ROWS = 40;

const fetchFleet = () => unwrap(api.GET('/api/fleet'));
type FleetDevice = Awaited<ReturnType<typeof fetchFleet>>['devices'][number];
/** Also started by main.tsx beside who-am-I when the fleet is the first page, instead of after it. */
export const fleetQuery = { queryKey: ['fleet'], queryFn: fetchFleet };

/** Every device at a glance, from one request (`GET /api/fleet`), refreshed by live events. */
export function FleetPage() {
  const fleet = useQuery(fleetQuery);
  const [params, setParams] = useSearchParams();
  const tag = params.get('tag') ?? '';
  const status = params.get('status') ?? '';
  const search = params.get('q') ?? '';
  const setFilter = (name: string, value: string) =>
    setParams(
      (p) => {
        if (value) p.set(name, value);
        else p.delete(name);
        return p;
      },
      { replace: true },
    );

  const devices = useMemo(() => fleet.data?.devices ?? [], [fleet.data]);
  const tags = useMemo(() => [...new Set(devices.flatMap((d) => d.device.tags))].sort(), [devices]);
  const statuses = useMemo(() => [...new Set(devices.map((d) => d.device.status))].sort(), [devices]);
  const shown = devices.filter(
    (d) =>
      (!tag || d.device.tags.includes(tag)) &&
      (!status || d.device.status === status) &&
      (!search || d.device.hostname.toLowerCase().includes(search.toLowerCase())),
  );
  // A fleet of hundreds paints its first screen first: the whole table is drawn in a transition after.
  const [allRows, setAllRows] = useState(false);
  const long = shown.length > FIRST_PASS_ROWS;
  useEffect(() => {
    if (!long || allRows) return;
    const timer = setTimeout(() => startTransition(() => setAllRows(true)), 0);
    return () => clearTimeout(timer);
  }, [long, allRows]);
  const rows = allRows ? shown : shown.slice(0, FIRST_PASS_ROWS);
  const failing = devices.filter((d) => d.device.status !== 'online' && d.device.status !== 'unknown').length;
  const firing = devices.reduce((n, d) => n + d.alerts.firing, 0);

  return (
    <section>
      <div className="page-head">
        <h1>Fleet</h1>
        {fleet.data && (
          <p className="muted">
            {devices.length} devices · {devices.filter((d) => d.device.status === 'online').length} online
            {failing > 0 && (
              <>
                {' '}
                · <strong className="bad-text">{failing} failing</strong>
              </>
            )}
            {firing > 0 && <> · {firing} alerts firing</>}
            {devices.some((d) => d.device.maintenance) && (
              <> · {devices.filter((d) => d.device.maintenance).length} in maintenance</>
            )}
          </p>
        )}
      </div>
      <div className="filters" role="search">
        <label>
          Tag{' '}
          <select value={tag} onChange={(e) => setFilter('tag', e.target.value)}>
            <option value="">all</option>
            {tags.map((t) => (
              <option key={t}>{t}</option>
            ))}
          </select>
        </label>
        <label>
          Status{' '}
          <select value={status} onChange={(e) => setFilter('status', e.target.value)}>
            <option value="">all</option>
            {statuses.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        <label>
          Name{' '}
          <input type="search" value={search} onChange={(e) => setFilter('q', e.target.value)} placeholder="hostname" />
        </label>
      </div>
      <ErrorNote error={fleet.error} />
      {fleet.isPending ? (
        <Loading what="the fleet" />
      ) : devices.length === 0 ? (
        <Empty>
          No devices yet: add one in Settings, or with <code>infra device add</code>.
        </Empty>
      ) : shown.length === 0 ? (
        <Empty>No device matches these filters.</Empty>
      ) : (
        <table className="fleet responsive">
          <caption className="visually-hidden">Devices with their newest figures</caption>
          <thead>
            <tr>
              <th scope="col">Device</th>
              <th scope="col">Status</th>
              <th scope="col">Last seen</th>
              <th scope="col">CPU</th>
              <th scope="col">Memory</th>
              <th scope="col">Disk (fullest)</th>
              <th scope="col">Load 1/5/15</th>
              <th scope="col">Containers</th>
              <th scope="col">Alerts</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((d) => (
              <FleetRow key={d.device.hostname} entry={d} />
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

// Memoised: a live update re-renders the rows whose device changed, not all of them.
const FleetRow = memo(function FleetRow({ entry }: { entry: FleetDevice }) {
  const { device, metrics, containers, alerts } = entry;
  const failing = device.status !== 'online' && device.status !== 'unknown';
  return (
    <tr className={failing ? 'failing' : undefined}>
      <th scope="row" data-label="Device">
        <Link to={`/devices/${encodeURIComponent(device.hostname)}`}>{device.hostname}</Link>
        <span className="muted small"> {device.device_type}</span>
        {device.maintenance && <Badge tone="info">maintenance</Badge>}
        {!device.monitoring_enabled && <Badge tone="muted">not monitored</Badge>}
        {device.tags.length > 0 && (
          <span className="tags">
            {device.tags.map((t) => (
              <span key={t} className="tag">
                {t}
              </span>
            ))}
          </span>
        )}
      </th>
      <td data-label="Status">
        <StatusBadge status={device.status} />
        {device.status_detail && <div className="status-detail">{device.status_detail}</div>}
      </td>
      <td data-label="Last seen">
        <Age time={device.last_seen} />
      </td>
      <td data-label="CPU">
        <Meter label={`CPU of ${device.hostname}`} value={metrics?.cpu_percent} />
      </td>
      <td data-label="Memory">
        <Meter label={`memory of ${device.hostname}`} value={metrics?.memory_used_percent} warnAt={85} badAt={95} />
      </td>
      <td data-label="Disk">
        <Meter
          label={`fullest filesystem of ${device.hostname}`}
          value={metrics?.disk_max_used_percent}
          warnAt={80}
          badAt={90}
        />
      </td>
      <td data-label="Load" className="numeric">
        {metrics ? (
          <span title={metrics.cores ? `${metrics.cores} cores` : undefined}>
            {fixed(metrics.load_1)} / {fixed(metrics.load_5)} / {fixed(metrics.load_15)}
          </span>
        ) : (
          <span className="muted">—</span>
        )}
      </td>
      <td data-label="Containers">
        {!containers ? (
          <span className="muted">—</span>
        ) : !containers.docker_available ? (
          <span className="muted">no docker</span>
        ) : (
          <span>
            {containers.running}/{containers.total} running
            {containers.unhealthy > 0 && <Badge tone="bad">{containers.unhealthy} unhealthy</Badge>}
            {containers.exited > 0 && <span className="muted small"> · {containers.exited} exited</span>}
          </span>
        )}
      </td>
      <td data-label="Alerts">
        {alerts.firing === 0 ? (
          <span className="muted">none</span>
        ) : (
          <SeverityBadge severity={alerts.worst_severity ?? 'warning'} />
        )}
        {alerts.firing > 1 && <span className="small"> ×{alerts.firing}</span>}
      </td>
    </tr>
  );
});
