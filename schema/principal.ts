/**
 * Principals without zod, so that workflows (which record who asked) do not load zod into the workflow
 * sandbox: it would hold zod's code in every worker's workflow isolate for nothing.
 */
import { TOKEN_SCOPES, type TokenScope } from './token-scopes.ts';

/**
 * Who is calling. The identity is the authenticated token (`token:<id>`), the bootstrap token, the
 * local owner (loopback with no token yet), or one MCP session of an agent on such an open setup
 * (`mcp-session:<id>`): never a name the caller reports, which is kept apart as `onBehalfOf`.
 */
export interface Principal {
  id: string;
  name: string;
  kind: PrincipalKind;
  scopes: readonly TokenScope[];
}
export type PrincipalKind = 'token' | 'bootstrap' | 'local_owner' | 'mcp_session' | 'mcp_elicitation';

/** What operations, audit rows and workflows record of a principal. */
export interface PrincipalRef {
  id: string;
  name: string;
  /** Free text from X-Infra-User or the MCP client's name: who the caller says it acts for, never identity. */
  on_behalf_of: string | null;
}

export const LOCAL_OWNER: Principal = { id: 'local', name: 'local owner', kind: 'local_owner', scopes: TOKEN_SCOPES };
/** INFRA_ADMIN_TOKEN is the owner's own key (never an agent's): it may create the first person's `confirm` token. */
export const BOOTSTRAP_PRINCIPAL: Principal = {
  id: 'bootstrap',
  name: 'bootstrap admin token',
  kind: 'bootstrap',
  scopes: ['admin', 'confirm'],
};
/** Schedules, watchers and runbooks acting on their own. */
export const SYSTEM_PRINCIPAL: PrincipalRef = { id: 'system', name: 'infrastructor', on_behalf_of: null };

export function tokenPrincipal(token: { id: string; name: string; scopes: readonly TokenScope[] }): Principal {
  return { id: `token:${token.id}`, name: token.name, kind: 'token', scopes: token.scopes };
}

/** A requester as recorded: workflows started before principals carry the caller's name as a string. */
export function principalRefOf(recorded: PrincipalRef | string): PrincipalRef {
  return typeof recorded === 'string' ? { id: recorded, name: recorded, on_behalf_of: null } : recorded;
}

export function refOf(principal: Principal, onBehalfOf: string | null = null): PrincipalRef {
  return { id: principal.id, name: principal.name, on_behalf_of: onBehalfOf };
}
