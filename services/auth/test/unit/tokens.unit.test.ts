import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { calculateJwkThumbprint, createLocalJWKSet, type JWK, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { createAccessTokenIssuer } from '../../src/tokens/accessTokens.js';
import type { SigningKey } from '../../src/tokens/keyStore.js';
import { hashRefreshToken, newRefreshToken, parseRefreshToken, successorOf } from '../../src/tokens/refreshTokens.js';

async function testKey(): Promise<SigningKey> {
  const { privateKey } = generateKeyPairSync('ed25519');
  const bare = createPublicKey(privateKey).export({ format: 'jwk' }) as JWK;
  const kid = await calculateJwkThumbprint(bare);
  return { kid, privateKey, publicJwk: { ...bare, kid, alg: 'EdDSA', use: 'sig' } };
}

describe('access tokens', () => {
  it('are EdDSA JWTs with the contract claims, verifiable with the JWKS', async () => {
    const key = await testKey();
    const issuer = createAccessTokenIssuer(key, 900);
    const now = Date.now();
    const issued = await issuer.issue({ userId: 'u1', sessionId: 's1', userType: 'support', orgId: 'o1' }, now);
    expect(issued.expiresIn).toBe(900);
    const { payload, protectedHeader } = await jwtVerify(issued.token, createLocalJWKSet({ keys: [key.publicJwk] }), {
      issuer: 'cairn',
      audience: 'cairn',
      algorithms: ['EdDSA'],
    });
    expect(protectedHeader).toMatchObject({ alg: 'EdDSA', kid: key.kid });
    expect(payload).toMatchObject({ sub: 'u1', sid: 's1', role: 'support', org: 'o1' });
    expect(payload.exp).toBe(Math.floor(now / 1000) + 900);
    expect(issued.expiresAt).toBe(payload.exp! * 1000);
  });

  it('leave out `org` for users without one', async () => {
    const key = await testKey();
    const issued = await createAccessTokenIssuer(key, 60).issue(
      { userId: 'u', sessionId: 's', userType: 'customer', orgId: null },
      Date.now(),
    );
    const { payload } = await jwtVerify(issued.token, createLocalJWKSet({ keys: [key.publicJwk] }));
    expect(payload).not.toHaveProperty('org');
  });
});

describe('refresh tokens', () => {
  it('are <sessionId>.<256-bit secret> and parse back', () => {
    const token = newRefreshToken('0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b');
    const parsed = parseRefreshToken(token);
    expect(parsed?.sessionId).toBe('0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b');
    expect(Buffer.from(token.split('.')[1]!, 'base64url')).toHaveLength(32);
  });

  it('refuses anything else', () => {
    for (const bad of ['', 'abc', '.secret', 'sid.', 'sid.short', `bad id.${'a'.repeat(43)}`]) {
      expect(parseRefreshToken(bad)).toBeUndefined();
    }
  });

  it('derive the same successor for the same token and key, and a different one otherwise', () => {
    const key = Buffer.alloc(32, 1);
    const token = parseRefreshToken(newRefreshToken('s1'))!;
    const next = successorOf(token, key);
    expect(successorOf(token, key)).toBe(next);
    expect(successorOf(token, Buffer.alloc(32, 2))).not.toBe(next);
    expect(parseRefreshToken(next)?.sessionId).toBe('s1');
    expect(hashRefreshToken(next)).not.toBe(hashRefreshToken(token.token));
  });
});
