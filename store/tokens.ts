import type { Kysely, Selectable } from 'kysely';
import type { ApiTokensTable, Database } from '../schema/database.ts';

export type ApiToken = Selectable<ApiTokensTable>;

/** API tokens, stored by hash. */
export class TokenRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /** Whether any token is still valid by revocation (expiry is checked on use). */
  async anyActive(): Promise<boolean> {
    const row = await this.#db
      .selectFrom('api_tokens')
      .select('id')
      .where('revoked_at', 'is', null)
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  }

  findByHash(tokenSha256: string): Promise<ApiToken | undefined> {
    return this.#db.selectFrom('api_tokens').selectAll().where('token_sha256', '=', tokenSha256).executeTakeFirst();
  }

  async markUsed(id: string): Promise<void> {
    await this.#db.updateTable('api_tokens').set({ last_used_at: new Date() }).where('id', '=', id).execute();
  }

  insert(token: {
    name: string;
    scopes: ApiToken['scopes'];
    tokenSha256: string;
    expiresAt: Date | null;
  }): Promise<ApiToken> {
    return this.#db
      .insertInto('api_tokens')
      .values({ name: token.name, scopes: token.scopes, token_sha256: token.tokenSha256, expires_at: token.expiresAt })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  list(): Promise<ApiToken[]> {
    return this.#db.selectFrom('api_tokens').selectAll().orderBy('created_at').execute();
  }

  /** Revokes an active token; undefined when there is none by that id. */
  revoke(id: string): Promise<ApiToken | undefined> {
    return this.#db
      .updateTable('api_tokens')
      .set({ revoked_at: new Date() })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .returningAll()
      .executeTakeFirst();
  }
}
