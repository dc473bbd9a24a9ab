/**
 * Ways in and out (CONTRACT.md "Auth and identity"), driven through the gateway over HTTP and WebSocket
 * as a client would, with the REAL auth service, in both modes: register, login (every userType and the
 * seed's aliases), admin login, WeChat login, refresh with reuse detection, logout at every replica, me,
 * and the JWKS. WeChat itself is the only fake: a real HTTP server on 127.0.0.1 (support/fake-wechat.ts).
 */
import { createPublicKey, type JsonWebKey, verify } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Answer,
  type Client,
  client,
  expectError,
  expectOk,
  login,
  loginAdmin,
  PASSWORD,
  register,
  type Session,
} from './support/client.js';
import { type FakeWechat, startFakeWechat, wechatEnv } from './support/fake-wechat.js';
import { ADMIN, MODES, startTestPlatform, type TestPlatform } from './support/platform.js';
import { openAuthenticatedSocket } from './support/socket.js';

/** Everything of an error envelope that must not differ between two refusals (not the ids and times). */
const comparable = (answer: Answer) => {
  const { requestId: _requestId, timestamp: _timestamp, ...rest } = expectError(answer, 401, 'UNAUTHORIZED');
  return { ...rest, wwwAuthenticate: answer.headers.get('www-authenticate') };
};

describe.each(MODES)('sessions through the gateway, %s', (_label, mode) => {
  let platform: TestPlatform;
  let wechat: FakeWechat;
  let api: Client;

  beforeAll(async () => {
    wechat = await startFakeWechat();
    // A one-second refresh-reuse grace, so the test can step past it.
    platform = await startTestPlatform(mode, { env: { ...wechatEnv(wechat), CAIRN_REFRESH_REUSE_GRACE_SECONDS: '1' } });
    api = client(platform.url);
  });
  afterAll(async () => {
    await platform?.stop();
    await wechat?.close();
  });

  it('registers a customer with a session (201), echoing the caller’s X-Request-Id', async () => {
    const answer = await api.post(
      '/api/auth/register',
      { username: 'alice', password: PASSWORD, displayName: 'Alice' },
      { headers: { 'x-request-id': 'e2e-register-alice' } },
    );
    const session = expectOk<Session>(answer, 201);
    expect(answer.headers.get('x-request-id')).toBe('e2e-register-alice');
    expect(session).toEqual({
      accessToken: expect.any(String),
      refreshToken: expect.any(String),
      expiresIn: 900,
      sessionId: expect.any(String),
      user: {
        id: expect.any(String),
        username: 'alice',
        displayName: 'Alice',
        userType: 'customer',
        orgId: null,
        roleIds: [],
        permissions: [],
        status: 'active',
        version: 1,
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      },
    });
    expect(answer.text).not.toContain(PASSWORD);
    const me = expectOk(await api.get('/api/auth/me', { token: session.accessToken }));
    expect(me).toEqual(session.user);
  });

  it('refuses a taken username (in any case) with 409 CONFLICT', async () => {
    expectError(await api.post('/api/auth/register', { username: 'alice', password: PASSWORD }), 409, 'CONFLICT');
    expectError(await api.post('/api/auth/register', { username: 'ALICE', password: PASSWORD }), 409, 'CONFLICT');
  });

  it('refuses an invalid registration with 400 VALIDATION_ERROR naming each field', async () => {
    const body = expectError(
      await api.post('/api/auth/register', { username: 'a b', password: 'short' }),
      400,
      'VALIDATION_ERROR',
    );
    const fields = (body.details as Array<{ field: string; location: string }>).map((d) => d.field);
    expect(fields).toEqual(expect.arrayContaining(['username', 'password']));
    expect(body.details).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ field: 'password', location: 'body', message: expect.any(String) }),
      ]),
    );
  });

  it('logs in with or without a userType, accepting Kehu and Kefu for customer and support', async () => {
    await register(api, 'bob');
    const admin = await loginAdmin(api);
    expectOk(
      await api.post(
        '/api/users',
        { username: 'sam-support', password: PASSWORD, userType: 'support' },
        { token: admin.accessToken },
      ),
      201,
    );
    const sessions = new Set<string>();
    for (const userType of [undefined, 'customer', 'Kehu']) {
      const session = await login(api, 'bob', PASSWORD, userType);
      expect(session.user).toMatchObject({ username: 'bob', userType: 'customer' });
      sessions.add(session.sessionId);
    }
    for (const userType of [undefined, 'support', 'Kefu']) {
      const session = await login(api, 'sam-support', PASSWORD, userType);
      expect(session.user).toMatchObject({ username: 'sam-support', userType: 'support' });
      sessions.add(session.sessionId);
    }
    const asAdmin = await login(api, ADMIN.username, ADMIN.password, 'admin');
    expect(asAdmin.user).toMatchObject({ username: ADMIN.username, userType: 'admin', orgId: null });
    // Every login is a session of its own.
    expect(sessions.size).toBe(6);
  });

  it('answers a wrong password, an unknown user and a wrong userType with the same 401', async () => {
    const wrongPassword = await api.post('/api/auth/login', { username: 'bob', password: 'not the password' });
    const unknownUser = await api.post('/api/auth/login', { username: 'nobody-at-all', password: 'not the password' });
    const wrongType = await api.post('/api/auth/login', { username: 'bob', password: PASSWORD, userType: 'Kefu' });
    const expected = comparable(wrongPassword);
    expect(expected.wwwAuthenticate).toMatch(/^Bearer/);
    expect(comparable(unknownUser)).toEqual(expected);
    expect(comparable(wrongType)).toEqual(expected);
    expectError(
      await api.post('/api/auth/login', { username: 'bob', password: PASSWORD, userType: 'boss' }),
      400,
      'VALIDATION_ERROR',
    );
  });

  it('admin/login admits admins and refuses a customer with the right password', async () => {
    const admin = expectOk<Session>(await api.post('/api/auth/admin/login', ADMIN));
    expect(admin.user.userType).toBe('admin');
    expectError(await api.post('/api/auth/admin/login', { username: 'bob', password: PASSWORD }), 401, 'UNAUTHORIZED');
    expectError(
      await api.post('/api/auth/admin/login', { username: 'sam-support', password: PASSWORD }),
      401,
      'UNAUTHORIZED',
    );
  });

  it('WeChat login creates the user once, finds them again by openid, and never hands out the session key', async () => {
    const answers: Answer[] = [];
    const wechatLogin = async (openid: string) => {
      const answer = await api.post('/api/auth/wechat/login', { code: wechat.codeFor(openid) });
      answers.push(answer);
      return expectOk<Session>(answer);
    };
    const first = await wechatLogin('openid-first');
    expect(first.user).toMatchObject({ userType: 'customer', status: 'active', orgId: null });
    expect(first.user.username).toMatch(/^wx_/);
    const again = await wechatLogin('openid-first');
    expect(again.user.id).toBe(first.user.id);
    expect(again.sessionId).not.toBe(first.sessionId);
    const someoneElse = await wechatLogin('openid-second');
    expect(someoneElse.user.id).not.toBe(first.user.id);

    const me = await api.get('/api/auth/me', { token: again.accessToken });
    expect(expectOk(me)).toMatchObject({ id: first.user.id });
    answers.push(me);
    expect(wechat.sessionKeys).toHaveLength(3);
    for (const answer of answers) {
      expect(answer.text).not.toMatch(/session_?key/i);
      for (const key of wechat.sessionKeys) expect(answer.text).not.toContain(key);
    }
  });

  it('WeChat login refuses a code WeChat rejects (401 with WeChat’s errcode), a used code included', async () => {
    const madeUp = expectError(await api.post('/api/auth/wechat/login', { code: 'made-up' }), 401, 'UNAUTHORIZED');
    expect(madeUp.details).toMatchObject({ errcode: 40029 });
    const code = wechat.codeFor('openid-once');
    expectOk(await api.post('/api/auth/wechat/login', { code }));
    expectError(await api.post('/api/auth/wechat/login', { code }), 401, 'UNAUTHORIZED');
    expectError(await api.post('/api/auth/wechat/login', {}), 400, 'VALIDATION_ERROR');
  });

  it('refresh rotates the pair; the replaced token repeats within the grace and revokes the session after it', async () => {
    const start = await register(api, 'carol');
    const rotated = expectOk<Session>(await api.post('/api/auth/refresh', { refreshToken: start.refreshToken }));
    expect(rotated.sessionId).toBe(start.sessionId);
    expect(rotated.refreshToken).not.toBe(start.refreshToken);
    expect(rotated.accessToken).not.toBe(start.accessToken);
    expect(expectOk(await api.get('/api/auth/me', { token: rotated.accessToken }))).toMatchObject({
      username: 'carol',
    });

    // Within the grace a replaced token is one client's double send: it gets the same successor.
    const repeated = expectOk<Session>(await api.post('/api/auth/refresh', { refreshToken: start.refreshToken }));
    expect(repeated.refreshToken).toBe(rotated.refreshToken);
    // A token the session never issued is a guess: refused, and nothing else happens.
    const guess = `${start.refreshToken.slice(0, -4)}AAAA`;
    expectError(await api.post('/api/auth/refresh', { refreshToken: guess }), 401, 'UNAUTHORIZED');
    expectOk(await api.get('/api/auth/me', { token: rotated.accessToken }));

    // After the grace the old token can only be a stolen copy: refused, and the whole session revoked.
    await sleep(1_200);
    expectError(await api.post('/api/auth/refresh', { refreshToken: start.refreshToken }), 401, 'UNAUTHORIZED');
    expectError(await api.get('/api/auth/me', { token: rotated.accessToken }), 401, 'UNAUTHORIZED');
    expectError(await api.post('/api/auth/refresh', { refreshToken: rotated.refreshToken }), 401, 'UNAUTHORIZED');
    // The user is fine: a new login works.
    await login(api, 'carol');
  });

  it('logout refuses the token at once, on this gateway and on a second replica, and closes its WebSockets', async () => {
    const replica = await platform.addGateway();
    try {
      const session = await register(api, 'dave');
      const otherSession = await login(api, 'dave');
      const onReplica = client(replica.url);
      // Both gateways have verified (and cached) the token before the logout.
      expectOk(await api.get('/api/auth/me', { token: session.accessToken }));
      expectOk(await onReplica.get('/api/auth/me', { token: session.accessToken }));
      const socketHere = await openAuthenticatedSocket(platform.url, session.accessToken);
      const socketThere = await openAuthenticatedSocket(replica.url, session.accessToken);

      const out = expectOk(await api.post('/api/auth/logout', undefined, { token: session.accessToken }));
      expect(out).toEqual({ sessionId: session.sessionId, revoked: true });

      // Auth announces the revocation before it answers, so no replica accepts the token afterwards.
      expectError(await api.get('/api/auth/me', { token: session.accessToken }), 401, 'UNAUTHORIZED');
      expectError(await onReplica.get('/api/auth/me', { token: session.accessToken }), 401, 'UNAUTHORIZED');
      for (const socket of [socketHere, socketThere]) {
        expect(await socket.next()).toMatchObject({ type: 'error', error: 'UNAUTHORIZED' });
        expect((await socket.closed).code).toBe(4401);
      }
      expectError(await api.post('/api/auth/logout', undefined, { token: session.accessToken }), 401, 'UNAUTHORIZED');
      // The user's other session is untouched.
      expectOk(await onReplica.get('/api/auth/me', { token: otherSession.accessToken }));
    } finally {
      await replica.close();
    }
  });

  it('me needs a token', async () => {
    expectError(await api.get('/api/auth/me'), 401, 'UNAUTHORIZED');
  });

  it('publishes the public verification key at /.well-known/jwks.json, and the tokens verify with it', async () => {
    const answer = await api.get('/.well-known/jwks.json');
    expect(answer.status).toBe(200);
    expect(answer.headers.get('x-request-id')).toBeTruthy();
    const keys = (answer.body as { keys: Array<JsonWebKey & { kid: string }> }).keys;
    expect(keys.length).toBeGreaterThanOrEqual(1);
    for (const key of keys) {
      expect(key).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig', kid: expect.any(String) });
      expect(key).not.toHaveProperty('d');
    }
    const { accessToken } = await login(api, 'bob');
    const [header, payload, signature] = accessToken.split('.') as [string, string, string];
    const { kid, alg } = JSON.parse(Buffer.from(header, 'base64url').toString());
    expect(alg).toBe('EdDSA');
    const jwk = keys.find((k) => k.kid === kid);
    expect(jwk).toBeDefined();
    const publicKey = createPublicKey({ key: jwk!, format: 'jwk' });
    expect(verify(null, Buffer.from(`${header}.${payload}`), publicKey, Buffer.from(signature, 'base64url'))).toBe(
      true,
    );
  });
});
