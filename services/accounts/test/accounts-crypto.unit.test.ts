/**
 * Sealing credentials: what goes into events is ciphertext that opens only with the account's own
 * data key, for that same account, unaltered; equal credentials have equal digests under one key.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { credentialsDigest, type DataKey, openCredentials, sealCredentials } from '../src/accounts/crypto/sealed.js';

const key = (kid = 'k1'): DataKey => ({ kid, key: randomBytes(32) });
const secret = { accessToken: 'at-very-secret', refreshToken: 'rt-very-secret', expiresAt: null };

describe('sealed credentials', () => {
  it('hold no plaintext and open again with the same key for the same account', () => {
    const k = key();
    const sealed = sealCredentials(secret, k, 'owner', 'acc');
    expect(JSON.stringify(sealed)).not.toContain('very-secret');
    expect(openCredentials(sealed, k, 'owner', 'acc')).toEqual(secret);
  });

  it('do not open with another key, for another account, or once altered', () => {
    const k = key();
    const sealed = sealCredentials(secret, k, 'owner', 'acc');
    expect(() => openCredentials(sealed, { kid: 'k1', key: randomBytes(32) }, 'owner', 'acc')).toThrow();
    expect(() => openCredentials(sealed, k, 'owner', 'other-acc')).toThrow();
    expect(() => openCredentials(sealed, k, 'other-owner', 'acc')).toThrow();
    const flipped = Buffer.from(sealed.ct, 'base64url');
    flipped[0] = (flipped[0] ?? 0) ^ 1;
    expect(() => openCredentials({ ...sealed, ct: flipped.toString('base64url') }, k, 'owner', 'acc')).toThrow();
    expect(() => openCredentials({ ...sealed, kid: 'k2' }, { ...k, kid: 'k2' }, 'owner', 'acc')).toThrow();
  });

  it('differ on every sealing, yet share a digest when the plaintext is equal (in any key order)', () => {
    const k = key();
    const a = sealCredentials({ a: 1, b: 2 }, k, 'owner', 'acc');
    const b = sealCredentials({ b: 2, a: 1 }, k, 'owner', 'acc');
    expect(a.ct).not.toBe(b.ct);
    expect(a.digest).toBe(b.digest);
    expect(credentialsDigest({ a: 1, b: 3 }, k)).not.toBe(a.digest);
    expect(credentialsDigest({ a: 1, b: 2 }, key())).not.toBe(a.digest);
  });
});
