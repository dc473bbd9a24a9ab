/**
 * Access tokens: short-lived EdDSA (Ed25519) JWTs the gateway verifies on its own with the JWKS, so a
 * request needs no call to auth. Revocation before expiry travels separately (session-revoked notices).
 */
import { randomUUID } from 'node:crypto';
import type { UserType } from '@cairn/shared/contracts';
import { SignJWT } from 'jose';
import type { SigningKey } from './keyStore.js';

export const TOKEN_ISSUER = 'cairn';
export const TOKEN_AUDIENCE = 'cairn';

export interface AccessTokenSubject {
  readonly userId: string;
  readonly sessionId: string;
  readonly userType: UserType;
  readonly orgId: string | null;
}

export interface IssuedAccessToken {
  readonly token: string;
  /** Seconds until expiry, as the contract's `expiresIn`. */
  readonly expiresIn: number;
  /** ms since epoch; the token is refused from then on. */
  readonly expiresAt: number;
}

export interface AccessTokenIssuer {
  /** When a token issued at `nowMs` would expire (ms); decided before signing so events can record it. */
  expiryFor(nowMs: number): number;
  issue(subject: AccessTokenSubject, nowMs: number): Promise<IssuedAccessToken>;
}

export function createAccessTokenIssuer(key: SigningKey, ttlSeconds: number): AccessTokenIssuer {
  const expiryFor = (nowMs: number) => (Math.floor(nowMs / 1000) + ttlSeconds) * 1000;
  return {
    expiryFor,
    async issue(subject, nowMs) {
      const issuedAt = Math.floor(nowMs / 1000);
      const expiresAt = expiryFor(nowMs);
      const claims: Record<string, string> = { sid: subject.sessionId, role: subject.userType };
      if (subject.orgId !== null) claims.org = subject.orgId;
      const token = await new SignJWT(claims)
        .setProtectedHeader({ alg: 'EdDSA', kid: key.kid, typ: 'JWT' })
        .setIssuer(TOKEN_ISSUER)
        .setAudience(TOKEN_AUDIENCE)
        .setSubject(subject.userId)
        .setIssuedAt(issuedAt)
        // Ed25519 signatures are deterministic: without a unique id, two tokens of one session issued
        // in the same second would be identical.
        .setJti(randomUUID())
        .setExpirationTime(expiresAt / 1000)
        .sign(key.privateKey);
      return { token, expiresIn: ttlSeconds, expiresAt };
    },
  };
}
