import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter } from 'react-router';
import { ApiError } from './api/client.ts';
import { App } from './App.tsx';
import { fleetQuery } from './pages/FleetPage.tsx';
import { SessionGate } from './session.tsx';
import { applyTheme, storedTheme } from './theme.ts';
import './app.css';

// Before the first render, so a dark page never flashes light.
applyTheme(storedTheme());

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      // Live events mark answers stale when something changes; no refetch on a timer or on focus.
      staleTime: Infinity,
      refetchOnWindowFocus: false,
      // A 4xx will not change by asking again; a network error or 5xx may.
      retry: (failures, error) => failures < 2 && !(error instanceof ApiError && error.status < 500),
    },
  },
});

// The first page is usually the fleet: ask for it now rather than after who-am-I has answered. Where a
// token is missing, its 401 leads to the sign-in page like any other.
if (window.location.pathname === '/') void queryClient.prefetchQuery(fleetQuery);

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <BrowserRouter>
        <SessionGate>
          <App />
        </SessionGate>
      </BrowserRouter>
    </QueryClientProvider>
  </StrictMode>,
);
