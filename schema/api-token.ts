import { z } from 'zod';
import { TOKEN_SCOPES, type TokenScope } from './token-scopes.ts';

export { scopesAllow, TOKEN_SCOPES, type TokenScope } from './token-scopes.ts';

export const TokenScopeName = z.enum(TOKEN_SCOPES);

export const TokenCreate = z
  .object({
    name: z.string().trim().min(1).max(100).regex(/^[A-Za-z0-9][A-Za-z0-9 ._@-]*$/, 'letters, digits, space and . _ @ -'),
    /** One scope (the older form) or several, e.g. ["read", "confirm"] for a person who releases operations. */
    scope: TokenScopeName.optional(),
    scopes: z.array(TokenScopeName).min(1).max(TOKEN_SCOPES.length).optional(),
    /** The token stops working after this many days; without it, it works until revoked. */
    expires_in_days: z.number().int().min(1).max(3650).optional(),
  })
  .strict()
  .refine((t) => (t.scope === undefined) !== (t.scopes === undefined), { message: 'give scopes (or one scope)', path: ['scopes'] })
  .transform(({ name, scope, scopes, expires_in_days }) => ({
    name,
    scopes: [...new Set(scopes ?? [scope!])].sort((a, b) => TOKEN_SCOPES.indexOf(a) - TOKEN_SCOPES.indexOf(b)),
    expires_in_days: expires_in_days ?? null,
  }));
export type TokenCreate = z.output<typeof TokenCreate>;

export interface TokenView {
  id: string;
  name: string;
  scopes: TokenScope[];
  created_at: string;
  expires_at: string | null;
  last_used_at: string | null;
  revoked_at: string | null;
}

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
export const BOOTSTRAP_PRINCIPAL: Principal = { id: 'bootstrap', name: 'bootstrap admin token', kind: 'bootstrap', scopes: ['admin', 'confirm'] };
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

/** Free text a caller may add about whom it acts for: printable, short, recorded as given. */
export const OnBehalfOf = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .regex(/^[^\p{Cc}]+$/u, 'printable characters only');
