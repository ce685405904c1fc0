import { z } from 'zod';
import type { PrincipalRef } from './principal.ts';
import { TOKEN_SCOPES } from './token-scopes.ts';

export { scopesAllow, TOKEN_SCOPES, type TokenScope } from './token-scopes.ts';
export {
  BOOTSTRAP_PRINCIPAL,
  LOCAL_OWNER,
  principalRefOf,
  refOf,
  SYSTEM_PRINCIPAL,
  tokenPrincipal,
  type Principal,
  type PrincipalKind,
  type PrincipalRef,
} from './principal.ts';

/**
 * Who asked or confirmed: the authenticated principal, and what the caller said about whom it acts for. The
 * type stays in principal.ts, which workflows import values from and so must not load zod.
 */
export const PrincipalRefSchema = z.object({
  id: z.string(),
  name: z.string(),
  on_behalf_of: z.string().nullable(),
}) satisfies z.ZodType<PrincipalRef>;

export const TokenScopeName = z.enum(TOKEN_SCOPES);

export const TokenCreate = z
  .object({
    name: z
      .string()
      .trim()
      .min(1)
      .max(100)
      .regex(/^[A-Za-z0-9][A-Za-z0-9 ._@-]*$/, 'letters, digits, space and . _ @ -'),
    /** One scope (the older form) or several, e.g. ["read", "confirm"] for a person who releases operations. */
    scope: TokenScopeName.optional(),
    scopes: z.array(TokenScopeName).min(1).max(TOKEN_SCOPES.length).optional(),
    /** The token stops working after this many days; without it, it works until revoked. */
    expires_in_days: z.number().int().min(1).max(3650).optional(),
  })
  .strict()
  .refine((t) => (t.scope === undefined) !== (t.scopes === undefined), {
    message: 'give scopes (or one scope)',
    path: ['scopes'],
  })
  .transform(({ name, scope, scopes, expires_in_days }) => ({
    name,
    scopes: [...new Set(scopes ?? [scope!])].sort((a, b) => TOKEN_SCOPES.indexOf(a) - TOKEN_SCOPES.indexOf(b)),
    expires_in_days: expires_in_days ?? null,
  }));
export type TokenCreate = z.output<typeof TokenCreate>;

/** A token as the API shows it: never the token itself (that is in the creation answer only). */
export const TokenView = z.object({
  id: z.uuid(),
  name: z.string(),
  scopes: z.array(TokenScopeName),
  created_at: z.iso.datetime(),
  expires_at: z.iso.datetime().nullable(),
  last_used_at: z.iso.datetime().nullable(),
  revoked_at: z.iso.datetime().nullable(),
});
export type TokenView = z.infer<typeof TokenView>;

/** Free text a caller may add about whom it acts for: printable, short, recorded as given. */
export const OnBehalfOf = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .regex(/^[^\p{Cc}]+$/u, 'printable characters only');
