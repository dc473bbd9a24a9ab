/**
 * Start-up: the first admin from the environment, made once even when replicas start together, and a
 * service without WeChat configuration refusing WeChat logins clearly.
 */
import type { SessionResult } from '@cairn/shared/contracts';
import { afterEach, describe, expect, it } from 'vitest';
import { type AuthHarness, expectError, startHarness } from '../support/harness.js';

let h: AuthHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const adminCount = async (harness: AuthHarness) =>
  (
    await harness.pool.query(
      `SELECT count(*)::int AS n FROM auth.events WHERE type = 'UserCreated' AND data->>'userType' = 'admin'`,
    )
  ).rows[0].n as number;

describe('first admin', () => {
  it('is created once, even by three replicas starting at the same time and by restarts', async () => {
    h = await startHarness({ CAIRN_ADMIN_USERNAME: 'boss', CAIRN_ADMIN_PASSWORD: 'boss-password-1' });
    await Promise.all([h.replica(), h.replica(), h.replica()]);
    expect(await adminCount(h)).toBe(1);
    const session = await h.ok<SessionResult>('adminLogin', { username: 'boss', password: 'boss-password-1' });
    expect(session.user).toMatchObject({ userType: 'admin', orgId: null, username: 'boss' });
  });

  it('is not created when another admin already exists under a different name', async () => {
    h = await startHarness({ CAIRN_ADMIN_USERNAME: 'first', CAIRN_ADMIN_PASSWORD: 'first-password-1' });
    await h.replica({ CAIRN_ADMIN_USERNAME: 'second', CAIRN_ADMIN_PASSWORD: 'second-password-1' });
    expect(await adminCount(h)).toBe(1);
    expectError(await h.call('adminLogin', { username: 'second', password: 'second-password-1' }), 'UNAUTHORIZED');
  });

  it('is skipped without configuration', async () => {
    h = await startHarness({ CAIRN_ADMIN_USERNAME: '', CAIRN_ADMIN_PASSWORD: '' });
    expect(await adminCount(h)).toBe(0);
  });
});

describe('configuration', () => {
  it('without WeChat credentials, wechatLogin is 503', async () => {
    h = await startHarness();
    expectError(await h.call('wechatLogin', { code: 'abc' }), 'SERVICE_UNAVAILABLE');
  });

  it('the signing key is made once and shared by every replica', async () => {
    h = await startHarness();
    await h.replica();
    const keys = await h.pool.query('SELECT kid FROM auth.signing_keys');
    expect(keys.rows).toHaveLength(1);
    const jwks = await h.ok<{ keys: { kid: string }[] }>('jwks');
    expect(jwks.keys.map((k) => k.kid)).toEqual([keys.rows[0].kid]);
  });
});
