/**
 * Hand-made JWTs for the token refusals: forged ones, `alg: none`, and tokens signed with the REAL key.
 *
 * The real private key never leaves the auth service through the API (only its public half, in the
 * JWKS). To prove that an expired token is refused for its expiry, not for a bad signature, the test
 * needs a token with a valid signature and a past `exp`: it reads the key from the auth service's own
 * table in the test database (`auth.signing_keys`), the one place it exists.
 */
import { createPrivateKey, generateKeyPairSync, type JsonWebKey, type KeyObject, sign } from 'node:crypto';
import type { Pool } from 'pg';

export interface SigningKey {
  readonly kid: string;
  readonly privateKey: KeyObject;
}

const encode = (part: object): string => Buffer.from(JSON.stringify(part)).toString('base64url');

/** A compact JWS over `header` and `claims`; Ed25519 keys only (signatures over the signing input). */
export function signToken(header: object, claims: object, privateKey: KeyObject): string {
  const input = `${encode(header)}.${encode(claims)}`;
  return `${input}.${sign(null, Buffer.from(input), privateKey).toString('base64url')}`;
}

/** The unsecured form (`alg: none`, empty signature) some libraries once accepted. */
export const unsignedToken = (claims: object): string => `${encode({ alg: 'none', typ: 'JWT' })}.${encode(claims)}.`;

/** A key the auth service never published. */
export const strangerKey = (): KeyObject => generateKeyPairSync('ed25519').privateKey;

/** The auth service's current signing key, read from its table (see the file comment for why). */
export async function realSigningKey(pool: Pick<Pool, 'query'>): Promise<SigningKey> {
  const { rows } = await pool.query<{ kid: string; private_jwk: JsonWebKey }>(
    'SELECT kid, private_jwk FROM auth.signing_keys ORDER BY created_at DESC LIMIT 1',
  );
  const row = rows[0];
  if (!row) throw new Error('the auth service has no signing key yet');
  return { kid: row.kid, privateKey: createPrivateKey({ key: row.private_jwk, format: 'jwk' }) };
}

/** Claims as the auth service issues them, for a session; `overrides` change any of them. */
export function claimsFor(
  session: { sessionId: string; user: { id: string; userType: string } },
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return {
    sid: session.sessionId,
    role: session.user.userType,
    iss: 'cairn',
    aud: 'cairn',
    sub: session.user.id,
    iat: now,
    exp: now + 600,
    ...overrides,
  };
}
