/**
 * What a token may do. `read` reads data, history and audit; `operate` also asks for actions on devices
 * (destructive ones are held); `admin` also manages devices, tokens and alert settings; `confirm` sees
 * confirmation phrases and releases or cancels held operations. `admin` includes `operate` and `read`;
 * `confirm` includes `read` only and is never implied by another scope: an agent's token (`read` or
 * `operate`) can hold a destructive command but never release it. Without zod or Node: the web console
 * bundles this file to show only what a token's scopes allow.
 */
export const TOKEN_SCOPES = ['read', 'operate', 'confirm', 'admin'] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];

const IMPLIED_BY: Record<TokenScope, readonly TokenScope[]> = {
  read: ['read', 'operate', 'confirm', 'admin'],
  operate: ['operate', 'admin'],
  confirm: ['confirm'],
  admin: ['admin'],
};

export function scopesAllow(held: readonly TokenScope[], needed: TokenScope): boolean {
  return held.some((scope) => IMPLIED_BY[needed].includes(scope));
}
