/**
 * Verifies access tokens against the auth service's published keys.
 *
 * - Keys come from `auth.jwks` over the bus; an unknown `kid` triggers a refetch (a key rotation), but
 *   at most once per `refetchMinMs`, so a stream of junk tokens cannot hammer auth.
 * - Only the algorithms the published keys declare are accepted (EdDSA / ES256). `alg: none` and an
 *   HMAC token "signed" with the public key therefore fail before any signature check.
 * - A verified token is remembered (keyed by its exact text) until it expires, so the hot path costs
 *   a map lookup instead of a signature verification; revocation is still checked on every request.
 */
import { randomUUID } from 'node:crypto';
import type { Bus } from '@cairn/shared/bus';
import { AUTH_SERVICE, type AuthenticatedActor, jwksResultSchema, userTypeSchema } from '@cairn/shared/contracts';
import type { Logger } from '@cairn/shared/logging';
import { createLocalJWKSet, errors, type JSONWebKeySet, type JWK, type JWTPayload, jwtVerify } from 'jose';
import type { AuthOutcome } from '../context.js';
import type { RevokedSessions } from './revoked-sessions.js';

export const TOKEN_ISSUER = 'cairn';
export const TOKEN_AUDIENCE = 'cairn';
/** Longer than any token auth issues; refusing early keeps junk out of the cache and the parser. */
const MAX_TOKEN_LENGTH = 4096;
/** Algorithms the gateway is willing to verify, whatever a JWKS says. */
const SUPPORTED_ALGORITHMS = new Set(['EdDSA', 'Ed25519', 'ES256']);

export interface TokenVerifierOptions {
  readonly bus: Bus;
  readonly logger: Logger;
  readonly revocations: RevokedSessions;
  readonly refetchMinMs: number;
  readonly cacheSize: number;
  readonly timeoutMs: number;
}

interface KeyState {
  readonly jwks: JSONWebKeySet;
  readonly resolve: ReturnType<typeof createLocalJWKSet>;
  readonly algorithms: string[];
  readonly fingerprint: string;
}

type UserOutcome = AuthOutcome & { kind: 'user' };

const refused = (code: 'UNAUTHORIZED' | 'SERVICE_UNAVAILABLE', message: string): AuthOutcome => ({
  kind: 'refused',
  code,
  message,
});
const INVALID = refused('UNAUTHORIZED', 'Invalid access token');
const EXPIRED = refused('UNAUTHORIZED', 'Access token expired');
const REVOKED = refused('UNAUTHORIZED', 'Session revoked');

export class TokenVerifier {
  private keys: KeyState | undefined;
  private fetching: Promise<KeyState> | undefined;
  private lastFetchAt = 0;
  private readonly cache = new Map<string, UserOutcome>();

  constructor(private readonly options: TokenVerifierOptions) {}

  async verify(token: string): Promise<AuthOutcome> {
    return this.verifyCached(token) ?? this.verifyFresh(token);
  }

  /**
   * The outcome for a token verified before (expiry and revocation checked now), without a promise:
   * the hot path of every authenticated request. Undefined when the token has to be verified.
   */
  verifyCached(token: string): AuthOutcome | undefined {
    const cached = this.cache.get(token);
    if (cached === undefined) return undefined;
    if (cached.expiresAtMs <= Date.now()) {
      this.cache.delete(token);
      return EXPIRED;
    }
    return this.options.revocations.isRevoked(cached.actor.sessionId) ? REVOKED : cached;
  }

  private async verifyFresh(token: string): Promise<AuthOutcome> {
    if (token.length > MAX_TOKEN_LENGTH) return INVALID;

    try {
      await this.options.revocations.ensureLoaded();
    } catch (error) {
      this.options.logger.warn({ err: error }, 'cannot verify tokens: revoked sessions unavailable');
      return refused('SERVICE_UNAVAILABLE', 'Authentication is temporarily unavailable');
    }
    let payload: JWTPayload;
    try {
      payload = await this.verifySignature(token);
    } catch (error) {
      return this.outcomeOf(error);
    }

    const actor = actorFromClaims(payload);
    if (actor === undefined || payload.exp === undefined) return INVALID;
    if (this.options.revocations.isRevoked(actor.sessionId)) return REVOKED;
    const outcome: UserOutcome = { kind: 'user', actor, expiresAtMs: payload.exp * 1000 };
    this.remember(token, outcome);
    return outcome;
  }

  /** The published key set, as the auth service serves it (for `/.well-known/jwks.json`). */
  async jwks(): Promise<JSONWebKeySet> {
    const reply = await this.options.bus.request(
      AUTH_SERVICE,
      'jwks',
      {},
      { context: { requestId: randomUUID() }, timeoutMs: this.options.timeoutMs },
    );
    if (!reply.ok) throw new Error(`auth.jwks failed: ${reply.error.code} ${reply.error.message}`);
    return jwksResultSchema.parse(reply.data) as JSONWebKeySet;
  }

  /** Forget verified tokens (after a key rotation that dropped a key). */
  clearCache(): void {
    this.cache.clear();
  }

  private async verifySignature(token: string): Promise<JWTPayload> {
    const keys = this.keys ?? (await this.loadKeys());
    try {
      return await this.verifyWith(keys, token);
    } catch (error) {
      // An unknown kid may be a key auth has just rotated in: refetch once, if not done very recently.
      if (!(error instanceof errors.JWKSNoMatchingKey)) throw error;
      if (Date.now() - this.lastFetchAt < this.options.refetchMinMs) throw error;
      return this.verifyWith(await this.loadKeys(), token);
    }
  }

  private async verifyWith(keys: KeyState, token: string): Promise<JWTPayload> {
    const { payload } = await jwtVerify(token, keys.resolve, {
      issuer: TOKEN_ISSUER,
      audience: TOKEN_AUDIENCE,
      algorithms: keys.algorithms,
      requiredClaims: ['exp', 'sub', 'sid'],
    });
    return payload;
  }

  /** Concurrent callers share one fetch. */
  private loadKeys(): Promise<KeyState> {
    this.fetching ??= this.fetchKeys().finally(() => {
      this.fetching = undefined;
    });
    return this.fetching;
  }

  private async fetchKeys(): Promise<KeyState> {
    this.lastFetchAt = Date.now();
    const published = await this.jwks();
    const usable: JWK[] = [];
    const algorithms = new Set<string>();
    for (const raw of published.keys) {
      const alg = algorithmOf(raw);
      if (alg === undefined) continue;
      usable.push({ ...raw, alg });
      algorithms.add(alg);
    }
    if (usable.length === 0) throw new Error('auth.jwks published no EdDSA or ES256 verification key');
    const jwks = { keys: usable };
    const fingerprint = JSON.stringify(jwks);
    // A key that disappeared must stop vouching for the tokens it signed.
    if (this.keys !== undefined && this.keys.fingerprint !== fingerprint) this.cache.clear();
    this.keys = { jwks, resolve: createLocalJWKSet(jwks), algorithms: [...algorithms], fingerprint };
    this.options.logger.info({ kids: usable.map((k) => k.kid), algorithms: [...algorithms] }, 'loaded token keys');
    return this.keys;
  }

  private outcomeOf(error: unknown): AuthOutcome {
    if (error instanceof errors.JWTExpired) return EXPIRED;
    if (error instanceof errors.JOSEError) return INVALID;
    // Anything else is the key fetch failing: auth is down, which is not the caller's fault.
    this.options.logger.warn({ err: error }, 'cannot verify tokens: keys unavailable');
    return refused('SERVICE_UNAVAILABLE', 'Authentication is temporarily unavailable');
  }

  private remember(token: string, outcome: UserOutcome): void {
    if (this.options.cacheSize === 0) return;
    if (this.cache.size >= this.options.cacheSize) {
      // Maps iterate in insertion order: drop the oldest entry.
      const oldest = this.cache.keys().next();
      if (!oldest.done) this.cache.delete(oldest.value);
    }
    this.cache.set(token, outcome);
  }
}

/** The algorithm a JWK is for: its own `alg`, else implied by its curve. Unsupported keys give undefined. */
function algorithmOf(jwk: Record<string, unknown>): string | undefined {
  if (jwk.use !== undefined && jwk.use !== 'sig') return undefined;
  if (typeof jwk.alg === 'string') return SUPPORTED_ALGORITHMS.has(jwk.alg) ? jwk.alg : undefined;
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') return 'EdDSA';
  if (jwk.kty === 'EC' && jwk.crv === 'P-256') return 'ES256';
  return undefined;
}

/** Claims → actor: `sub`, `sid`, `role`, optional `org`. Anything malformed is not a user. */
function actorFromClaims(payload: JWTPayload): AuthenticatedActor | undefined {
  const { sub, sid, role, org } = payload as JWTPayload & { sid?: unknown; role?: unknown; org?: unknown };
  if (typeof sub !== 'string' || sub.length === 0 || typeof sid !== 'string' || sid.length === 0) return undefined;
  const parsedRole = userTypeSchema.safeParse(role);
  if (!parsedRole.success) return undefined;
  if (org !== undefined && org !== null && typeof org !== 'string') return undefined;
  return typeof org === 'string'
    ? { kind: 'user', id: sub, role: parsedRole.data, orgId: org, sessionId: sid }
    : { kind: 'user', id: sub, role: parsedRole.data, sessionId: sid };
}
