import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import type { ApiTokensTable, Database } from '../schema/database.ts';
import { BOOTSTRAP_PRINCIPAL, scopesAllow, tokenPrincipal, type Principal, type TokenCreate, type TokenView } from '../schema/api-token.ts';
import { notFound, ServiceError } from './service-error.ts';

/** Tokens look like `infra_` + 43 base64url characters (32 random bytes): recognisable in a leak scan. */
const TOKEN_PREFIX = 'infra_';
/** How long a checked token (or the absence of any token) is trusted before the database is asked again. */
const CACHE_MS = 10_000;

/** Why a presented token is not accepted. */
export type TokenRefusal = 'unknown' | 'revoked' | 'expired';

export function tokenSha256(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/**
 * API tokens, each with its scopes (read / operate / confirm / admin), kept as SHA-256 hashes. Tokens are required once any
 * exists, or whenever the fronts listen beyond loopback (then the bootstrap token, INFRA_ADMIN_TOKEN,
 * is how the first admin gets in). Lookups are cached briefly so a cached read costs no extra query;
 * a revocation in this process takes effect at once, in another within CACHE_MS.
 */
export class TokenService {
  private known = new Map<string, { principal: Principal; until: number; expiresAt: number | null }>();
  private anyToken: { value: boolean; until: number } | null = null;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly opts: { exposed: boolean; bootstrapToken: string | null },
  ) {}

  /** Loopback with no token yet is the one open configuration: a single-user box, as installed. */
  async required(): Promise<boolean> {
    if (this.opts.exposed || this.opts.bootstrapToken) return true;
    if (!this.anyToken || this.anyToken.until < Date.now()) {
      const row = await this.db.selectFrom('api_tokens').select('id').where('revoked_at', 'is', null).limit(1).executeTakeFirst();
      this.anyToken = { value: row !== undefined, until: Date.now() + CACHE_MS };
    }
    return this.anyToken.value;
  }

  /** The principal of a bearer token, or why it is refused (unknown or malformed, revoked, expired). */
  async authenticate(token: string): Promise<Principal | TokenRefusal> {
    if (this.opts.bootstrapToken && safeEqual(token, this.opts.bootstrapToken)) return BOOTSTRAP_PRINCIPAL;
    if (!token.startsWith(TOKEN_PREFIX) || token.length > 200) return 'unknown';
    const hash = tokenSha256(token);
    const cached = this.known.get(hash);
    const now = Date.now();
    if (cached && cached.until >= now && (cached.expiresAt === null || cached.expiresAt > now)) return cached.principal;
    const row = await this.db.selectFrom('api_tokens').selectAll().where('token_sha256', '=', hash).executeTakeFirst();
    if (!row || row.revoked_at !== null || (row.expires_at !== null && row.expires_at.getTime() <= now)) {
      this.known.delete(hash);
      return !row ? 'unknown' : row.revoked_at !== null ? 'revoked' : 'expired';
    }
    const principal = tokenPrincipal(row);
    this.known.set(hash, { principal, until: now + CACHE_MS, expiresAt: row.expires_at?.getTime() ?? null });
    // When a token was last used, to the cache's precision: enough to find unused tokens.
    await this.db.updateTable('api_tokens').set({ last_used_at: new Date() }).where('id', '=', row.id).execute();
    return principal;
  }

  /**
   * Creates a token and answers it once; only its hash is stored. Only a creator who holds `confirm`
   * may hand it on: otherwise an admin token (an agent's, say) could mint itself a release key.
   */
  async create(input: TokenCreate, creator: Principal): Promise<TokenView & { token: string }> {
    if (!scopesAllow(creator.scopes, 'admin')) throw new ServiceError('insufficient_scope', 403, `creating tokens needs the admin scope; ${creator.name} has ${creator.scopes.join(', ')}`);
    if (input.scopes.includes('confirm') && !scopesAllow(creator.scopes, 'confirm')) {
      throw new ServiceError('insufficient_scope', 403, `only a principal that holds the confirm scope may create a token with it; ${creator.name} has ${creator.scopes.join(', ')}`);
    }
    const token = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
    const row = await this.db
      .insertInto('api_tokens')
      .values({ name: input.name, scopes: input.scopes, token_sha256: tokenSha256(token), expires_at: input.expires_in_days ? new Date(Date.now() + input.expires_in_days * 86_400_000) : null })
      .returningAll()
      .executeTakeFirstOrThrow();
    this.anyToken = null;
    return { ...viewOf(row), token };
  }

  async list(): Promise<TokenView[]> {
    return (await this.db.selectFrom('api_tokens').selectAll().orderBy('created_at').execute()).map(viewOf);
  }

  async revoke(id: string): Promise<TokenView> {
    const row = await this.db.updateTable('api_tokens').set({ revoked_at: new Date() }).where('id', '=', id).where('revoked_at', 'is', null).returningAll().executeTakeFirst();
    if (!row) throw notFound(`active token ${id}`);
    this.known.clear();
    this.anyToken = null;
    return viewOf(row);
  }
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(tokenSha256(a), 'hex');
  const y = Buffer.from(tokenSha256(b), 'hex');
  return timingSafeEqual(x, y);
}

function viewOf(row: Selectable<ApiTokensTable>): TokenView {
  return {
    id: row.id,
    name: row.name,
    scopes: row.scopes,
    expires_at: row.expires_at?.toISOString() ?? null,
    created_at: row.created_at.toISOString(),
    last_used_at: row.last_used_at?.toISOString() ?? null,
    revoked_at: row.revoked_at?.toISOString() ?? null,
  };
}
