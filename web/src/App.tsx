import { useQuery, useQueryClient } from '@tanstack/react-query';
import { lazy, Suspense, useEffect, useRef, useState } from 'react';
import { Link, NavLink, Route, Routes, useLocation } from 'react-router';
import { api, unwrap } from './api/client.ts';
import { followEvents, type LiveState } from './api/live.ts';
import { Loading } from './components/ui.tsx';
import { FleetPage } from './pages/FleetPage.tsx';
import { useSession } from './session.tsx';
import { applyTheme, storedTheme, type Theme } from './theme.ts';

// The fleet page is the first page: everything else loads when first visited.
const DevicePage = lazy(() => import('./pages/DevicePage.tsx'));
const OperationsPage = lazy(() => import('./pages/OperationsPage.tsx'));
const OperationPage = lazy(() => import('./pages/OperationPage.tsx'));
const ConfigPage = lazy(() => import('./pages/ConfigPage.tsx'));
const AlertsPage = lazy(() => import('./pages/AlertsPage.tsx'));
const IncidentsPage = lazy(() => import('./pages/IncidentsPage.tsx'));
const AuditPage = lazy(() => import('./pages/AuditPage.tsx'));
const SettingsPage = lazy(() => import('./pages/SettingsPage.tsx'));

export function App() {
  const { principal, can, signOut } = useSession();
  const queryClient = useQueryClient();
  const [live, setLive] = useState<LiveState>('connecting');
  useEffect(() => followEvents(queryClient, setLive), [queryClient]);
  const held = useQuery({
    queryKey: ['operations', 'inbox'],
    queryFn: () =>
      unwrap(api.GET('/api/operations', { params: { query: { state: 'awaiting_confirmation', limit: 500 } } })),
  });
  const heldCount = held.data?.operations.length ?? 0;

  // After a route change, focus goes to the page (not the link left behind), so Tab continues in it.
  const main = useRef<HTMLElement>(null);
  const location = useLocation();
  const first = useRef(true);
  useEffect(() => {
    if (first.current) first.current = false;
    else main.current?.focus({ preventScroll: true });
  }, [location.pathname]);

  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <Link to="/" className="brand">
          infrastructor
        </Link>
        <nav aria-label="Main">
          <NavLink to="/" end>
            Fleet
          </NavLink>
          <NavLink to="/operations">
            Operations
            {heldCount > 0 && (
              <span className="count" aria-label={`${heldCount} held`}>
                {heldCount}
              </span>
            )}
          </NavLink>
          <NavLink to="/config">Config</NavLink>
          <NavLink to="/alerts">Alerts</NavLink>
          <NavLink to="/incidents">Incidents</NavLink>
          <NavLink to="/audit">Audit</NavLink>
          {can('admin') && <NavLink to="/settings">Settings</NavLink>}
        </nav>
        <div className="whoami">
          <span
            className={`live ${live}`}
            role="status"
            title={
              live === 'live'
                ? 'live updates on'
                : live === 'connecting'
                  ? 'connecting to live updates'
                  : 'live updates interrupted; retrying'
            }
          >
            {live === 'live' ? 'live' : live === 'connecting' ? 'connecting' : 'offline'}
          </span>
          <span title={`${principal.id}: ${principal.scopes.join(', ')}`}>{principal.name}</span>
          <ThemeToggle />
          {principal.tokens_required && (
            <button type="button" className="link" onClick={signOut}>
              Sign out
            </button>
          )}
        </div>
      </header>
      <main id="main" ref={main} tabIndex={-1}>
        <Suspense fallback={<Loading what="page" />}>
          <Routes>
            <Route path="/" element={<FleetPage />} />
            <Route path="/devices/:hostname/*" element={<DevicePage />} />
            <Route path="/operations" element={<OperationsPage />} />
            <Route path="/operations/:id" element={<OperationPage />} />
            <Route path="/config" element={<ConfigPage />} />
            <Route path="/alerts" element={<AlertsPage />} />
            <Route path="/incidents" element={<IncidentsPage />} />
            <Route path="/audit" element={<AuditPage />} />
            {can('admin') && <Route path="/settings" element={<SettingsPage />} />}
            <Route path="*" element={<NotFound />} />
          </Routes>
        </Suspense>
      </main>
    </>
  );
}

const NEXT_THEME: Record<Theme, Theme> = { system: 'light', light: 'dark', dark: 'system' };

function ThemeToggle() {
  const [theme, setTheme] = useState(storedTheme);
  const change = () => {
    const next = NEXT_THEME[theme];
    applyTheme(next);
    setTheme(next);
  };
  return (
    <button type="button" className="link" onClick={change} title="Switch between system, light and dark colours">
      Theme: {theme}
    </button>
  );
}

function NotFound() {
  return (
    <section>
      <h1>Not found</h1>
      <p>
        Nothing lives at this address. <Link to="/">Back to the fleet</Link>.
      </p>
    </section>
  );
}
