/** The accounts' master key from the environment: base64 of exactly 32 bytes, or unset. */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadAccountsConfig } from '../src/config.js';

describe('CAIRN_ACCOUNTS_MASTER_KEY', () => {
  it('is read as 32 bytes, and production is told apart', () => {
    const key = randomBytes(32);
    const config = loadAccountsConfig({ CAIRN_ACCOUNTS_MASTER_KEY: key.toString('base64'), NODE_ENV: 'production' });
    expect(config.masterKey?.equals(key)).toBe(true);
    expect(config.production).toBe(true);
  });

  it('may be unset (the service decides what that means)', () => {
    expect(loadAccountsConfig({})).toMatchObject({ masterKey: undefined, production: false });
    expect(loadAccountsConfig({ CAIRN_ACCOUNTS_MASTER_KEY: '' }).masterKey).toBeUndefined();
  });

  it('refuses anything but base64 of 32 bytes', () => {
    for (const wrong of [randomBytes(16).toString('base64'), 'not base64 at all!', randomBytes(32).toString('hex')]) {
      expect(() => loadAccountsConfig({ CAIRN_ACCOUNTS_MASTER_KEY: wrong })).toThrow(/CAIRN_ACCOUNTS_MASTER_KEY/);
    }
  });
});
