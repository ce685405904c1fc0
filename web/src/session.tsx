import { useQuery, useQueryClient } from '@tanstack/react-query';
import { createContext, useCallback, useContext, useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { scopesAllow, type TokenScope } from '../../schema/token-scopes.ts';
import { api, ApiError, session, unwrap } from './api/client.ts';

const fetchWhoami = () => unwrap(api.GET('/api/whoami'));
type Whoami = Awaited<ReturnType<typeof fetchWhoami>>;

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
 * Who we are, or why we need to sign in: a refused token is forgotten and its refusal (unknown,
 * revoked, expired) shown; without a token the sign-in page asks for one, unless the API answers
 * anyway (loopback with no token yet: the local owner).
 */
async function identify(): Promise<{ principal: Whoami } | { principal: null; refusal: string | null }> {
  const sent = session.token() !== null;
  try {
    return { principal: await fetchWhoami() };
  } catch (err) {
    if (!(err instanceof ApiError) || err.status !== 401) throw err;
    session.setToken(null);
    return { principal: null, refusal: sent ? err.message : null };
  }
}

export function SessionGate({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const whoami = useQuery({ queryKey: ['whoami'], queryFn: identify, retry: false, staleTime: Infinity });
  const restart = useCallback(() => {
    queryClient.removeQueries({ predicate: (q) => q.queryKey[0] !== 'whoami' });
    void queryClient.resetQueries({ queryKey: ['whoami'] });
  }, [queryClient]);
  // A request refused for its token (revoked, expired, or tokens now exist): ask who we are again.
  useEffect(() => session.onUnauthorized(restart), [restart]);

  if (whoami.isPending) return <p className="splash">Connecting…</p>;
  if (whoami.isError) return <p className="splash error">The API did not answer: {whoami.error.message}</p>;
  const { principal } = whoami.data;
  if (!principal) return <SignIn refusal={whoami.data.refusal} onToken={restart} />;
  const value: SessionValue = {
    principal,
    can: (scope) => scopesAllow(principal.scopes, scope),
    signOut: () => {
      session.setToken(null);
      restart();
    },
  };
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

function SignIn({ refusal, onToken }: { refusal: string | null; onToken(): void }) {
  const [token, setToken] = useState('');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    session.setToken(token.trim());
    onToken();
  };
  return (
    <main className="sign-in">
      <form onSubmit={submit} className="card">
        <h1>infrastructor</h1>
        <p>
          This console needs an API token. An admin creates one, e.g.{' '}
          <code>infra token create alice --scope read,confirm</code>.
        </p>
        <label htmlFor="token">API token</label>
        <input
          id="token"
          name="token"
          type="password"
          autoComplete="off"
          autoFocus
          required
          value={token}
          onChange={(e) => setToken(e.target.value)}
          placeholder="infra_…"
        />
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
