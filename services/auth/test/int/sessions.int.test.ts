/**
 * Sign-up, logins, refresh-token rotation and logout, called over the bus as the gateway calls them,
 * against a real PostgreSQL database.
 */
import { SESSION_REVOKED_SUBJECT, type SessionResult, type User } from '@cairn/shared/contracts';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuthHarness, actorOf, expectError, startHarness } from '../support/harness.js';

let h: AuthHarness;
/** The service's clock, moved forward by tests that cross the refresh grace period. */
let clockOffsetMs = 0;

beforeAll(async () => {
  h = await startHarness({ CAIRN_LOGIN_MAX_FAILURES: '3' }, { now: () => Date.now() + clockOffsetMs });
});
afterAll(async () => {
  await h?.close();
});

const register = (username: string, password = 'password-123', displayName?: string) =>
  h.ok<SessionResult>('register', { username, password, ...(displayName ? { displayName } : {}) });

describe('register and login', () => {
  it('register creates a customer with a session whose access token verifies with the JWKS', async () => {
    const session = await register('alice', 'password-123', 'Alice');
    expect(session.user).toMatchObject({
      username: 'alice',
      displayName: 'Alice',
      userType: 'customer',
      orgId: null,
      roleIds: [],
      permissions: [],
      status: 'active',
      version: 1,
    });
    expect(session.expiresIn).toBe(900);
    const jwks = await h.ok<{ keys: Record<string, unknown>[] }>('jwks');
    expect(jwks.keys[0]).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig' });
    expect(jwks.keys[0]).not.toHaveProperty('d');
    const { payload } = await jwtVerify(session.accessToken, createLocalJWKSet(jwks as never), {
      issuer: 'cairn',
      audience: 'cairn',
      algorithms: ['EdDSA'],
    });
    expect(payload).toMatchObject({ sub: session.user.id, sid: session.sessionId, role: 'customer' });
    expect(payload).not.toHaveProperty('org');
    expect(session.refreshToken.startsWith(`${session.sessionId}.`)).toBe(true);
  });

  it('a taken username is 409 CONFLICT, case-insensitively', async () => {
    expectError(await h.call('register', { username: 'ALICE', password: 'password-456' }), 'CONFLICT');
  });

  it('invalid input is 400 VALIDATION_ERROR with the fields', async () => {
    const error = expectError(await h.call('register', { username: 'a b', password: 'short' }), 'VALIDATION_ERROR');
    expect((error.details as { field: string }[]).map((d) => d.field).sort()).toEqual(['password', 'username']);
  });

  it('login works with the right password, and me returns the user', async () => {
    const session = await h.ok<SessionResult>('login', { username: 'Alice', password: 'password-123' });
    const me = await h.ok<User>('me', {}, actorOf(session));
    expect(me).toEqual(session.user);
  });

  it('a wrong password and an unknown user get the same 401', async () => {
    const wrong = expectError(await h.call('login', { username: 'alice', password: 'wrong-password' }), 'UNAUTHORIZED');
    const unknown = expectError(
      await h.call('login', { username: 'nobody-here', password: 'wrong-password' }),
      'UNAUTHORIZED',
    );
    expect(unknown).toEqual(wrong);
    await h.ok('login', { username: 'alice', password: 'password-123' }); // resets alice's failures
  });

  it('a userType other than the user’s is the same 401; Kehu means customer', async () => {
    await register('carol');
    const mismatch = expectError(
      await h.call('login', { username: 'carol', password: 'password-123', userType: 'Kefu' }),
      'UNAUTHORIZED',
    );
    expect(mismatch.message).toBe('Invalid username or password');
    const kehu = await h.ok<SessionResult>('login', { username: 'carol', password: 'password-123', userType: 'Kehu' });
    expect(kehu.user.userType).toBe('customer');
    expectError(await h.call('adminLogin', { username: 'carol', password: 'password-123' }), 'UNAUTHORIZED');
  });

  it('adminLogin lets the bootstrapped admin in', async () => {
    const admin = await h.ok<SessionResult>('adminLogin', { username: 'root', password: 'root-password-1' });
    expect(admin.user).toMatchObject({ userType: 'admin', orgId: null });
  });

  it('after the maximum of failures, even the right password gets 429 with retryAfter', async () => {
    await register('dave');
    for (let i = 0; i < 3; i++) {
      expectError(await h.call('login', { username: 'dave', password: 'bad-password' }), 'UNAUTHORIZED');
    }
    const limited = expectError(
      await h.call('login', { username: 'dave', password: 'password-123' }),
      'RATE_LIMIT_EXCEEDED',
    );
    expect((limited.details as { retryAfter: number }).retryAfter).toBeGreaterThan(800);
    expect((limited.details as { retryAfter: number }).retryAfter).toBeLessThanOrEqual(900);
    // Unknown usernames are throttled alike, so a 429 does not reveal that a name exists.
    for (let i = 0; i < 3; i++) await h.call('login', { username: 'ghost-user', password: 'bad-password' });
    expectError(await h.call('login', { username: 'ghost-user', password: 'bad-password' }), 'RATE_LIMIT_EXCEEDED');
    // When the window has passed, the right password works again and clears the count.
    await h.pool.query(`UPDATE auth.login_failures SET window_started_at = now() - interval '901 seconds'`);
    await h.ok('login', { username: 'dave', password: 'password-123' });
    const left = await h.pool.query(`SELECT failures FROM auth.login_failures WHERE username_key = 'dave'`);
    expect(left.rows).toEqual([]);
  });

  it('20 concurrent registrations of one username: exactly one wins', async () => {
    const replies = await Promise.all(
      Array.from({ length: 20 }, (_, i) => h.call('register', { username: 'raced', password: `password-${i}xx` })),
    );
    const winners = replies.filter((r) => r.ok);
    expect(winners).toHaveLength(1);
    for (const r of replies.filter((r) => !r.ok)) expectError(r, 'CONFLICT');
    const users = await h.pool.query(`SELECT count(*)::int AS n FROM auth.users WHERE username_key = 'raced'`);
    expect(users.rows[0].n).toBe(1);
  });
});

describe('refresh', () => {
  it('rotates: the new pair works, the old refresh token stops working after the grace period', async () => {
    const first = await register('erin');
    const second = await h.ok<SessionResult>('refresh', { refreshToken: first.refreshToken });
    expect(second.sessionId).toBe(first.sessionId);
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect(second.accessToken).not.toBe(first.accessToken);
    const third = await h.ok<SessionResult>('refresh', { refreshToken: second.refreshToken });
    expect(third.user.id).toBe(first.user.id);

    // A reuse of a retired token: someone else holds a copy. The whole session is revoked, and the
    // gateways are told before the answer.
    const notices: unknown[] = [];
    const subscription = h.bus.subscribe(SESSION_REVOKED_SUBJECT, (n) =>
      notices.push(JSON.parse(new TextDecoder().decode(n.data))),
    );
    const reuse = expectError(await h.call('refresh', { refreshToken: first.refreshToken }), 'UNAUTHORIZED');
    expect(reuse.message).toMatch(/revoked/);
    expect(notices).toEqual([{ sessionId: first.sessionId, expiresAt: expect.any(Number) }]);
    subscription.close();
    // Even the newest token of that session is dead now.
    expectError(await h.call('refresh', { refreshToken: third.refreshToken }), 'UNAUTHORIZED');
    const revoked = await h.ok<{ sessions: { sessionId: string; expiresAt: number }[] }>('revokedSessions');
    expect(revoked.sessions.map((s) => s.sessionId)).toContain(first.sessionId);
  });

  it('a double refresh within the grace period gets the same new refresh token, without revoking', async () => {
    const first = await register('frank');
    const [a, b] = await Promise.all([
      h.ok<SessionResult>('refresh', { refreshToken: first.refreshToken }),
      h.ok<SessionResult>('refresh', { refreshToken: first.refreshToken }),
    ]);
    expect(a.refreshToken).toBe(b.refreshToken);
    await h.ok('refresh', { refreshToken: a.refreshToken });
  });

  it('the rotated-out token presented after the grace period revokes the session', async () => {
    const first = await register('grace');
    const second = await h.ok<SessionResult>('refresh', { refreshToken: first.refreshToken });
    clockOffsetMs += 11_000;
    try {
      expectError(await h.call('refresh', { refreshToken: first.refreshToken }), 'UNAUTHORIZED');
      expectError(await h.call('refresh', { refreshToken: second.refreshToken }), 'UNAUTHORIZED');
    } finally {
      clockOffsetMs -= 11_000;
    }
  });

  it('a forged or malformed token is 401 and revokes nothing', async () => {
    const session = await register('gina');
    expectError(await h.call('refresh', { refreshToken: 'not-a-token' }), 'UNAUTHORIZED');
    expectError(await h.call('refresh', { refreshToken: `${session.sessionId}.${'A'.repeat(43)}` }), 'UNAUTHORIZED');
    await h.ok('refresh', { refreshToken: session.refreshToken });
  });
});

describe('logout', () => {
  it('revokes the caller’s session, announces it first, and lists it for gateways', async () => {
    const session = await register('henry');
    const notices: { sessionId: string; expiresAt: number }[] = [];
    const subscription = h.bus.subscribe(SESSION_REVOKED_SUBJECT, (n) =>
      notices.push(JSON.parse(new TextDecoder().decode(n.data))),
    );
    const reply = await h.ok('logout', {}, actorOf(session));
    subscription.close();
    expect(reply).toEqual({ sessionId: session.sessionId, revoked: true });
    expect(notices).toHaveLength(1);
    expect(notices[0]!.sessionId).toBe(session.sessionId);
    // expiresAt is when the session's last access token expires.
    const { payload } = await jwtVerify(session.accessToken, createLocalJWKSet(await h.ok('jwks')));
    expect(notices[0]!.expiresAt).toBe(payload.exp! * 1000);

    const revoked = await h.ok<{ sessions: { sessionId: string; expiresAt: number }[] }>('revokedSessions');
    expect(revoked.sessions).toContainEqual({ sessionId: session.sessionId, expiresAt: notices[0]!.expiresAt });
    expectError(await h.call('refresh', { refreshToken: session.refreshToken }), 'UNAUTHORIZED');
  });

  it('needs an authenticated caller, and refuses a session that is not theirs', async () => {
    expectError(await h.call('logout', {}), 'UNAUTHORIZED');
    expectError(await h.call('me', {}), 'UNAUTHORIZED');
    const a = await register('ivan');
    const b = await register('judy');
    expectError(await h.call('logout', {}, { actor: { ...actorOf(a).actor, sessionId: b.sessionId } }), 'UNAUTHORIZED');
  });
});
