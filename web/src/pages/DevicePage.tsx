import { useQuery } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { NavLink, Route, Routes, useParams } from 'react-router';
import { REQUIRED_CAPABILITIES, type Capability } from '../../../domain/collectors/collector.ts';
import { api, unwrap } from '../api/client.ts';
import { Age, Badge, Empty, ErrorNote, Loading, StatusBadge } from '../components/ui.tsx';
import { ConfigTab } from './device/ConfigTab.tsx';
import { ContainersTab } from './device/ContainersTab.tsx';
import {
  CapabilitiesTab,
  DrivesTab,
  GuestsTab,
  NetworkTab,
  ServicesTab,
  UpdatesTab,
  ZfsTab,
} from './device/DataTabs.tsx';
import { MetricsTab } from './device/MetricsTab.tsx';
import { ProxyTab } from './device/ProxyTab.tsx';
import { StacksTab } from './device/StacksTab.tsx';

interface DeviceTab {
  path: string;
  label: string;
  Tab(props: { hostname: string }): ReactNode;
  /** Shown unless the device is known to lack it (not yet detected: shown). */
  requires?: Capability;
}

const TABS: DeviceTab[] = [
  { path: '', label: 'Metrics', Tab: MetricsTab },
  { path: 'containers', label: 'Containers', Tab: ContainersTab, requires: REQUIRED_CAPABILITIES.containers },
  // A stack is the containers of one compose project.
  { path: 'stacks', label: 'Stacks', Tab: StacksTab, requires: REQUIRED_CAPABILITIES.containers },
  // The proxy's upstreams are the device's containers.
  { path: 'proxy', label: 'Proxy', Tab: ProxyTab, requires: 'docker' },
  { path: 'drives', label: 'Drives', Tab: DrivesTab, requires: REQUIRED_CAPABILITIES.drives },
  { path: 'zfs', label: 'ZFS', Tab: ZfsTab, requires: REQUIRED_CAPABILITIES.zfs },
  { path: 'network', label: 'Network', Tab: NetworkTab },
  { path: 'services', label: 'Services', Tab: ServicesTab, requires: REQUIRED_CAPABILITIES.services },
  { path: 'updates', label: 'Updates', Tab: UpdatesTab },
  { path: 'guests', label: 'Guests', Tab: GuestsTab, requires: REQUIRED_CAPABILITIES.guests },
  { path: 'capabilities', label: 'Capabilities', Tab: CapabilitiesTab },
  { path: 'config', label: 'Config', Tab: ConfigTab },
];

/** One device: who it is and how it is doing, then one tab per kind of data. */
export default function DevicePage() {
  const hostname = useParams().hostname!;
  const device = useQuery({
    queryKey: ['device', hostname, 'view'],
    queryFn: () => unwrap(api.GET('/api/devices/{hostname}', { params: { path: { hostname } } })),
  });
  const base = `/devices/${encodeURIComponent(hostname)}`;
  if (device.isPending) return <Loading what={hostname} />;
  if (device.isError) return <ErrorNote error={device.error} />;
  const d = device.data;
  const tabs = TABS.filter((t) => !t.requires || d.capabilities[t.requires] !== false);
  return (
    <section>
      <div className="page-head">
        <h1>
          {d.hostname} <StatusBadge status={d.status} />
          {d.maintenance && <Badge tone="info">maintenance</Badge>}
        </h1>
        <span className="muted">
          last seen <Age time={d.last_seen} />
        </span>
      </div>
      {d.status_detail && (
        <p className="error" role="status">
          {d.status_detail}
        </p>
      )}
      <p className="muted small">
        {d.device_type} · {d.username}@{d.address}:{d.port}
        {d.location && ` · ${d.location}`}
        {d.tags.length > 0 && ` · ${d.tags.join(', ')}`}
        {!d.monitoring_enabled && ' · not monitored'}
        {d.config_watch_mode && ` · config watched by ${d.config_watch_mode}`}
      </p>
      {d.maintenance && (
        <p className="card">
          In maintenance since <Age time={d.maintenance.since} /> ({d.maintenance.reason ?? 'no reason given'});
          stopped: {d.maintenance.stopped.join(', ') || 'nothing'}.
        </p>
      )}
      {d.description && <p>{d.description}</p>}
      <nav className="tabs" aria-label={`${d.hostname} sections`}>
        {tabs.map((t) => (
          <NavLink key={t.path} to={t.path ? `${base}/${t.path}` : base} end>
            {t.label}
          </NavLink>
        ))}
      </nav>
      <Routes>
        {tabs.map(({ path, Tab }) => (
          <Route key={path} path={path || undefined} index={!path} element={<Tab hostname={hostname} />} />
        ))}
        {/* A bookmarked tab the device turned out to lack the capability for, or a mistyped one. */}
        <Route
          path="*"
          element={<Empty>{d.hostname} has no such section, or lacks what it needs (see Capabilities).</Empty>}
        />
      </Routes>
    </section>
  );
}
