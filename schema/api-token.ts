import { z } from 'zod';

/**
 * What a token may do, each including the one before: `read` reads data, history and audit; `operate`
 * also acts on devices (commands, confirmations, containers, maintenance, rollbacks); `admin` also
 * manages devices and tokens.
 */
export const TOKEN_SCOPES = ['read', 'operate', 'admin'] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];

export function scopeAllows(held: TokenScope, needed: TokenScope): boolean {
  return TOKEN_SCOPES.indexOf(held) >= TOKEN_SCOPES.indexOf(needed);
}

export const TokenCreate = z
  .object({
    name: z.string().trim().min(1).max(100).regex(/^[A-Za-z0-9][A-Za-z0-9 ._@-]*$/, 'letters, digits, space and . _ @ -'),
    scope: z.enum(TOKEN_SCOPES),
  })
  .strict();
export type TokenCreate = z.infer<typeof TokenCreate>;

export interface TokenView {
  id: string;
  name: string;
  scope: TokenScope;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

/** Who is calling, once the token is checked (or `local` when no token is required). */
export interface Principal {
  name: string;
  scope: TokenScope;
  tokenId: string | null;
}
