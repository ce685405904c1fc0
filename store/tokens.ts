import type { Kysely, Selectable } from 'kysely';
import type { ApiTokensTable, Database } from '../schema/database.ts';

export type ApiToken = Selectable<ApiTokensTable>;

/** Whether any token is still valid by revocation (expiry is checked on use). */
export async function anyActiveToken(db: Kysely<Database>): Promise<boolean> {
  const row = await db.selectFrom('api_tokens').select('id').where('revoked_at', 'is', null).limit(1).executeTakeFirst();
  return row !== undefined;
}

export function findTokenByHash(db: Kysely<Database>, tokenSha256: string): Promise<ApiToken | undefined> {
  return db.selectFrom('api_tokens').selectAll().where('token_sha256', '=', tokenSha256).executeTakeFirst();
}

export async function markTokenUsed(db: Kysely<Database>, id: string): Promise<void> {
  await db.updateTable('api_tokens').set({ last_used_at: new Date() }).where('id', '=', id).execute();
}

export function insertToken(db: Kysely<Database>, token: { name: string; scopes: ApiToken['scopes']; tokenSha256: string; expiresAt: Date | null }): Promise<ApiToken> {
  return db
    .insertInto('api_tokens')
    .values({ name: token.name, scopes: token.scopes, token_sha256: token.tokenSha256, expires_at: token.expiresAt })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export function listTokens(db: Kysely<Database>): Promise<ApiToken[]> {
  return db.selectFrom('api_tokens').selectAll().orderBy('created_at').execute();
}

/** Revokes an active token; undefined when there is none by that id. */
export function revokeToken(db: Kysely<Database>, id: string): Promise<ApiToken | undefined> {
  return db.updateTable('api_tokens').set({ revoked_at: new Date() }).where('id', '=', id).where('revoked_at', 'is', null).returningAll().executeTakeFirst();
}
