import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ApiToken } from '../store/tokens.ts';
import {
  BOOTSTRAP_PRINCIPAL,
  scopesAllow,
  tokenPrincipal,
  type Principal,
  type TokenCreate,
  type TokenView,
} from '../schema/api-token.ts';
import { notFound, ServiceError } from './service-error.ts';
import type { Repositories } from '../store/index.ts';

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
    private readonly store: Pick<Repositories, 'tokens'>,
    private readonly opts: { exposed: boolean; bootstrapToken: string | null },
  ) {}

  /** Loopback with no token yet is the one open configuration: a single-user box, as installed. */
  async required(): Promise<boolean> {
    const known = this.knownRequired();
    if (known !== undefined) return known;
    this.anyToken = { value: await this.store.tokens.anyActive(), until: Date.now() + CACHE_MS };
    return this.anyToken.value;
  }

  /** What `required` answers, while that needs no query; else undefined. */
  knownRequired(): boolean | undefined {
    if (this.opts.exposed || this.opts.bootstrapToken) return true;
    return this.anyToken && this.anyToken.until >= Date.now() ? this.anyToken.value : undefined;
  }

  /** The principal of a bearer token, or why it is refused (unknown or malformed, revoked, expired). */
  async authenticate(token: string): Promise<Principal | TokenRefusal> {
    const known = this.knownPrincipal(token);
    if (known) return known;
    if (!wellFormed(token)) return 'unknown';
    const hash = tokenSha256(token);
    const now = Date.now();
    const row = await this.store.tokens.findByHash(hash);
    if (!row || row.revoked_at !== null || (row.expires_at !== null && row.expires_at.getTime() <= now)) {
      this.known.delete(hash);
      return !row ? 'unknown' : row.revoked_at !== null ? 'revoked' : 'expired';
    }
    const principal = tokenPrincipal(row);
    this.known.set(hash, { principal, until: now + CACHE_MS, expiresAt: row.expires_at?.getTime() ?? null });
    // When a token was last used, to the cache's precision: enough to find unused tokens.
    await this.store.tokens.markUsed(row.id);
    return principal;
  }

  /** The principal `authenticate` answers for a token while that needs no query (the bootstrap token, a token checked lately); else undefined. */
  knownPrincipal(token: string): Principal | undefined {
    if (this.opts.bootstrapToken && safeEqual(token, this.opts.bootstrapToken)) return BOOTSTRAP_PRINCIPAL;
    if (!wellFormed(token)) return undefined;
    const cached = this.known.get(tokenSha256(token));
    const now = Date.now();
    return cached && cached.until >= now && (cached.expiresAt === null || cached.expiresAt > now)
      ? cached.principal
      : undefined;
  }

  /**
   * Creates a token and answers it once; only its hash is stored. Only a creator who holds `confirm`
   * may hand it on: otherwise an admin token (an agent's, say) could mint itself a release key.
   */
  async create(input: TokenCreate, creator: Principal): Promise<TokenView & { token: string }> {
    if (!scopesAllow(creator.scopes, 'admin'))
      throw new ServiceError(
        'insufficient_scope',
        403,
        `creating tokens needs the admin scope; ${creator.name} has ${creator.scopes.join(', ')}`,
      );
    if (input.scopes.includes('confirm') && !scopesAllow(creator.scopes, 'confirm')) {
      throw new ServiceError(
        'insufficient_scope',
        403,
        `only a principal that holds the confirm scope may create a token with it; ${creator.name} has ${creator.scopes.join(', ')}`,
      );
    }
    const token = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
    const row = await this.store.tokens.insert({
      name: input.name,
      scopes: input.scopes,
      tokenSha256: tokenSha256(token),
      expiresAt: input.expires_in_days ? new Date(Date.now() + input.expires_in_days * 86_400_000) : null,
    });
    this.anyToken = null;
    return { ...viewOf(row), token };
  }

  async list(): Promise<TokenView[]> {
    return (await this.store.tokens.list()).map(viewOf);
  }

  async revoke(id: string): Promise<TokenView> {
    const row = await this.store.tokens.revoke(id);
    if (!row) throw notFound(`active token ${id}`);
    this.known.clear();
    this.anyToken = null;
    return viewOf(row);
  }
}

function wellFormed(token: string): boolean {
  return token.startsWith(TOKEN_PREFIX) && token.length <= 200;
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(tokenSha256(a), 'hex');
  const y = Buffer.from(tokenSha256(b), 'hex');
  return timingSafeEqual(x, y);
}

function viewOf(row: ApiToken): TokenView {
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
