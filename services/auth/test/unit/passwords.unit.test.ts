import { describe, expect, it } from 'vitest';
import { createPasswordHasher } from '../../src/passwords/scrypt.js';

describe('scrypt password hashing', () => {
  const hasher = createPasswordHasher(10);

  it('stores scrypt$N$r$p$salt$hash with a fresh salt each time', async () => {
    const a = await hasher.hash('correct horse');
    const b = await hasher.hash('correct horse');
    expect(a).toMatch(/^scrypt\$1024\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(a).not.toBe(b);
  });

  it('verifies the right password and refuses a wrong one', async () => {
    const stored = await hasher.hash('correct horse');
    expect(await hasher.verify('correct horse', stored)).toBe(true);
    expect(await hasher.verify('correct horsE', stored)).toBe(false);
  });

  it('verifies hashes made with another cost (the parameters travel with the hash)', async () => {
    const old = await createPasswordHasher(11).hash('battery staple');
    expect(old.startsWith('scrypt$2048$')).toBe(true);
    expect(await hasher.verify('battery staple', old)).toBe(true);
  });

  it('treats malformed hashes as a mismatch, not an error', async () => {
    for (const bad of ['', 'plain', 'scrypt$1000$8$1$c2FsdHNhbHQ$a2V5', 'scrypt$1024$8$1$$', 'bcrypt$x']) {
      expect(await hasher.verify('anything', bad)).toBe(false);
    }
  });

  it('the dummy verification for unknown users always fails', async () => {
    expect(await hasher.verifyNothing('anything')).toBe(false);
  });

  it('the production cost (2^15) fits within the memory limit it sets', async () => {
    const strong = createPasswordHasher(15);
    const stored = await strong.hash('pw');
    expect(await strong.verify('pw', stored)).toBe(true);
  });
});
