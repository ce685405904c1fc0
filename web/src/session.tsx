import { useQuery, useQueryClient } from '@tanstack/react-query';
import { createContext, useCallback, useContext, useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { scopesAllow, type TokenScope } from '../../schema/token-scopes.ts';
import { api, ApiError, session, unwrap, type Schemas } from './api/client.ts';

type Whoami = Schemas['Whoami'];

interface SessionValue {
  principal: Whoami;
  can(scope: TokenScope): boolean;
  signOut(): void;
}

const SessionContext = createContext<SessionValue | null>(null);

export function useSession(): SessionValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSession outside <SessionGate>');
  return value;
}

/**
 * Asks the API who we are. On an open loopback setup (no token exists yet) any request succeeds and the
 * caller is the local owner; otherwise the person pastes a token, kept for this tab only.
 */
export function SessionGate({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const [refusal, setRefusal] = useState<string | null>(null);
  const whoami = useQuery({ queryKey: ['whoami'], queryFn: () => unwrap(api.GET('/api/whoami')), retry: false, staleTime: Infinity });

  const forget = useCallback(
    (message: string | null) => {
      session.setToken(null);
      setRefusal(message);
      queryClient.removeQueries({ predicate: (q) => q.queryKey[0] !== 'whoami' });
      void queryClient.resetQueries({ queryKey: ['whoami'] });
    },
    [queryClient],
  );
  // Only a refused token matters here: without one, the 401 is the sign-in page itself.
  useEffect(() => session.onUnauthorized((message) => session.token() !== null && forget(message)), [forget]);

  if (whoami.isPending) return <p className="splash">Connecting…</p>;
  if (whoami.isError) {
    if (whoami.error instanceof ApiError && whoami.error.status === 401) return <SignIn refusal={refusal} />;
    return <p className="splash error">The API did not answer: {whoami.error.message}</p>;
  }
  const principal = whoami.data;
  const value: SessionValue = {
    principal,
    can: (scope) => scopesAllow(principal.scopes, scope),
    signOut: () => forget(null),
  };
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

function SignIn({ refusal }: { refusal: string | null }) {
  const queryClient = useQueryClient();
  const [token, setToken] = useState('');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    session.setToken(token.trim());
    void queryClient.resetQueries({ queryKey: ['whoami'] });
  };
  return (
    <main className="sign-in">
      <form onSubmit={submit} className="card">
        <h1>infrastructor</h1>
        <p>This console needs an API token. An admin creates one, e.g. <code>infra token create alice --scope read,confirm</code>.</p>
        <label htmlFor="token">API token</label>
        <input id="token" name="token" type="password" autoComplete="off" autoFocus required value={token} onChange={(e) => setToken(e.target.value)} placeholder="infra_…" />
        {refusal && (
          <p className="error" role="alert">
            {refusal}
          </p>
        )}
        <button type="submit" className="primary">
          Sign in
        </button>
        <p className="muted small">The token is kept in this tab only; closing the tab signs you out.</p>
      </form>
    </main>
  );
}
