/**
 * Authentication and authorization at the gateway, and the mapping of every auth route to its
 * operation, on the in-process bus with the FAKE auth service (test/support/fake-auth.ts): it signs
 * tokens with a test Ed25519 key, so the forgeries below are made with keys it does not publish.
 */
import { createHmac } from 'node:crypto';
import { type Bus, createMemoryBus } from '@cairn/shared/bus';
import { base64url, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../src/index.js';
import { type FakeAuth, startFakeAuth } from './support/fake-auth.js';
import { eventually, startGateway, testLogger } from './support/gateway.js';

let bus: Bus;
let auth: FakeAuth;
let gateway: Gateway;

beforeAll(async () => {
  bus = createMemoryBus({ logger: testLogger });
  auth = await startFakeAuth(bus);
  gateway = await startGateway(bus, { JWKS_REFETCH_MIN_MS: '200' });
});

afterAll(async () => {
  await gateway.close();
  await auth.close();
  await bus.close();
});

const me = (token: string | undefined, target: Gateway = gateway) =>
  target.app.inject({
    method: 'GET',
    url: '/api/auth/me',
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
  });

const encode = (part: object) => base64url.encode(JSON.stringify(part));
const claims = (overrides: Record<string, unknown> = {}) => ({
  sub: 'user-1',
  sid: 'session-x',
  role: 'customer',
  iss: 'cairn',
  aud: 'cairn',
  iat: Math.floor(Date.now() / 1000),
  exp: Math.floor(Date.now() / 1000) + 600,
  ...overrides,
});

async function expectUnauthorized(token: string | undefined, message?: RegExp): Promise<void> {
  const res = await me(token);
  expect(res.statusCode).toBe(401);
  const body = res.json();
  expect(body).toMatchObject({ success: false, error: 'UNAUTHORIZED' });
  if (message) expect(body.message).toMatch(message);
  expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
}

describe('access tokens', () => {
  it('accepts a valid token and forwards the caller as the actor', async () => {
    const token = await auth.token({ userId: 'user-7', sessionId: 'session-7', role: 'support', orgId: 'org-3' });
    const res = await me(token);
    expect(res.statusCode).toBe(200);
    expect(res.json().data).toMatchObject({ id: 'user-7', userType: 'support' });
    expect(auth.callsOf('me').at(-1)!.context.actor).toEqual({
      kind: 'user',
      id: 'user-7',
      role: 'support',
      orgId: 'org-3',
      sessionId: 'session-7',
    });
  });

  it('refuses a missing token and a malformed Authorization header', async () => {
    await expectUnauthorized(undefined, /Authentication required/);
    const basic = await gateway.app.inject({
      method: 'GET',
      url: '/api/auth/me',
      headers: { authorization: 'Basic dXNlcjpwYXNz' },
    });
    expect(basic.statusCode).toBe(401);
    await expectUnauthorized('not-a-jwt');
  });

  it('refuses a token signed by a key auth did not publish, even under a published kid', async () => {
    const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    const forged = await new SignJWT(claims()).setProtectedHeader({ alg: 'EdDSA', kid: auth.kid }).sign(privateKey);
    await expectUnauthorized(forged);
  });

  it('refuses an unsigned token (alg: none)', async () => {
    const unsigned = `${encode({ alg: 'none', typ: 'JWT' })}.${encode(claims())}.`;
    await expectUnauthorized(unsigned);
  });

  it('refuses an HS256 token "signed" with the public key', async () => {
    const header = encode({ alg: 'HS256', typ: 'JWT', kid: auth.kid });
    const payload = encode(claims());
    for (const secret of [JSON.stringify(auth.publicJwk), base64url.decode(String(auth.publicJwk.x))]) {
      const signature = createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url');
      await expectUnauthorized(`${header}.${payload}.${signature}`);
    }
  });

  it('refuses expired tokens and tokens for another issuer or audience', async () => {
    await expectUnauthorized(await auth.token({ expiresIn: -5 }), /expired/);
    await expectUnauthorized(await auth.token({ issuer: 'someone-else' }));
    await expectUnauthorized(await auth.token({ audience: 'other-app' }));
  });

  it('refuses a signed token whose claims do not describe a user', async () => {
    await expectUnauthorized(await auth.token({ role: 'superuser' as never }));
  });

  it('picks up a rotated key by refetching the JWKS on an unknown kid', async () => {
    await me(await auth.token());
    await auth.rotateKey();
    // Refetches are spaced JWKS_REFETCH_MIN_MS apart; wait that long, as a real rotation would be.
    await new Promise((r) => setTimeout(r, 250));
    const res = await me(await auth.token({ userId: 'user-rotated' }));
    expect(res.statusCode).toBe(200);
    expect(res.json().data.id).toBe('user-rotated');
  });

  it('does not let a stream of unknown kids hammer the auth service', async () => {
    await new Promise((r) => setTimeout(r, 250));
    const before = auth.callsOf('jwks').length;
    const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    for (let i = 0; i < 10; i++) {
      const junk = await new SignJWT(claims()).setProtectedHeader({ alg: 'EdDSA', kid: `junk-${i}` }).sign(privateKey);
      await expectUnauthorized(junk);
    }
    expect(auth.callsOf('jwks').length - before).toBeLessThanOrEqual(1);
  });

  it('answers 503 when auth cannot be reached to verify a token', async () => {
    const lonelyBus = createMemoryBus({ logger: testLogger });
    const lonely = await startGateway(lonelyBus, { RPC_TIMEOUT_MS: '200' });
    try {
      const res = await me(await auth.token(), lonely);
      expect(res.statusCode).toBe(503);
      expect(res.json().error).toBe('SERVICE_UNAVAILABLE');
    } finally {
      await lonely.close();
      await lonelyBus.close();
    }
  });
});

describe('revoked sessions', () => {
  it('refuses a session revoked by notification from then on', async () => {
    const token = await auth.token({ sessionId: 'session-notified' });
    expect((await me(token)).statusCode).toBe(200);
    auth.revoke('session-notified', { notify: true });
    await eventually(async () => (await me(token)).statusCode === 401);
    await expectUnauthorized(token, /revoked/);
  });

  it('refuses a session already revoked when the gateway starts', async () => {
    auth.revoke('session-revoked-earlier');
    const fresh = await startGateway(bus);
    try {
      const res = await me(await auth.token({ sessionId: 'session-revoked-earlier' }), fresh);
      expect(res.statusCode).toBe(401);
      expect(res.json().message).toMatch(/revoked/);
      expect((await me(await auth.token({ sessionId: 'session-fine' }), fresh)).statusCode).toBe(200);
    } finally {
      await fresh.close();
    }
  });

  it('catches up on revocations it missed by re-reading the list periodically', async () => {
    const refreshing = await startGateway(bus, { REVOCATION_REFRESH_MS: '100' });
    try {
      const token = await auth.token({ sessionId: 'session-missed-notice' });
      expect((await me(token, refreshing)).statusCode).toBe(200);
      auth.revoke('session-missed-notice');
      await eventually(async () => (await me(token, refreshing)).statusCode === 401);
    } finally {
      await refreshing.close();
    }
  });
});

describe('roles', () => {
  it('refuses customers on staff routes with 403 and lets support and admins through', async () => {
    const customer = await auth.token({ role: 'customer' });
    for (const [method, url] of [
      ['GET', '/api/users'],
      ['GET', '/api/roles'],
      ['GET', '/api/orgs'],
      ['DELETE', '/api/users/u1'],
    ] as const) {
      const res = await gateway.app.inject({ method, url, headers: { authorization: `Bearer ${customer}` } });
      expect(res.statusCode, `${method} ${url}`).toBe(403);
      expect(res.json().error).toBe('FORBIDDEN');
    }
    for (const role of ['support', 'admin'] as const) {
      const res = await gateway.app.inject({
        method: 'GET',
        url: '/api/users',
        headers: { authorization: `Bearer ${await auth.token({ role })}` },
      });
      expect(res.statusCode).toBe(200);
    }
  });

  it('checks authentication before reading a body', async () => {
    const res = await gateway.app.inject({ method: 'POST', url: '/api/users', payload: '{broken' });
    expect(res.statusCode).toBe(401);
  });
});

describe('auth routes map to auth operations', () => {
  const user = { username: 'bob_1', password: 'correct horse battery' };
  const role = { name: 'Agents', permissions: ['users:read'], status: 'active' };
  const put = { displayName: 'Bob', userType: 'support', orgId: null, roleIds: ['r1'], status: 'active' };
  const cases: {
    method: 'GET' | 'POST' | 'PUT' | 'DELETE';
    url: string;
    as?: 'customer' | 'admin';
    body?: unknown;
    headers?: Record<string, string>;
    operation: string;
    payload: unknown;
    status?: number;
  }[] = [
    { method: 'POST', url: '/api/auth/register', body: user, operation: 'register', payload: user, status: 201 },
    {
      method: 'POST',
      url: '/api/auth/login',
      body: { ...user, userType: 'Kefu' },
      operation: 'login',
      payload: { ...user, userType: 'support' },
    },
    { method: 'POST', url: '/api/auth/admin/login', body: user, operation: 'adminLogin', payload: user },
    {
      method: 'POST',
      url: '/api/auth/wechat/login',
      body: { code: 'wx-code' },
      operation: 'wechatLogin',
      payload: { code: 'wx-code' },
    },
    {
      method: 'POST',
      url: '/api/auth/refresh',
      body: { refreshToken: 'r.t' },
      operation: 'refresh',
      payload: { refreshToken: 'r.t' },
    },
    { method: 'POST', url: '/api/auth/logout', as: 'customer', operation: 'logout', payload: {} },
    { method: 'GET', url: '/api/auth/me', as: 'customer', operation: 'me', payload: {} },
    {
      method: 'GET',
      url: '/api/users?orgId=o1&q=al&status=active&page=2&pageSize=10',
      as: 'admin',
      operation: 'listUsers',
      payload: { orgId: 'o1', q: 'al', status: 'active', page: 2, pageSize: 10 },
    },
    {
      method: 'POST',
      url: '/api/users',
      as: 'admin',
      body: user,
      operation: 'createUser',
      payload: { ...user, userType: 'customer', roleIds: [] },
      status: 201,
    },
    { method: 'GET', url: '/api/users/u9', as: 'admin', operation: 'getUser', payload: { id: 'u9' } },
    {
      method: 'PUT',
      url: '/api/users/u9',
      as: 'admin',
      body: put,
      headers: { 'if-match': 'W/"2"' },
      operation: 'updateUser',
      payload: { id: 'u9', version: 2, ...put },
    },
    { method: 'DELETE', url: '/api/users/u9', as: 'admin', operation: 'disableUser', payload: { id: 'u9' } },
    {
      method: 'GET',
      url: '/api/roles?status=active',
      as: 'admin',
      operation: 'listRoles',
      payload: { status: 'active', page: 1, pageSize: 50 },
    },
    { method: 'POST', url: '/api/roles', as: 'admin', body: role, operation: 'createRole', payload: role, status: 201 },
    {
      method: 'PUT',
      url: '/api/roles/r1',
      as: 'admin',
      body: role,
      operation: 'updateRole',
      payload: { id: 'r1', ...role },
    },
    { method: 'DELETE', url: '/api/roles/r1', as: 'admin', operation: 'deleteRole', payload: { id: 'r1' } },
    { method: 'GET', url: '/api/orgs', as: 'admin', operation: 'listOrgs', payload: { page: 1, pageSize: 50 } },
    {
      method: 'POST',
      url: '/api/orgs',
      as: 'admin',
      body: { name: 'Acme' },
      operation: 'createOrg',
      payload: { name: 'Acme' },
      status: 201,
    },
  ];

  for (const c of cases) {
    it(`${c.method} ${c.url.split('?')[0]} → auth.${c.operation}`, async () => {
      const headers: Record<string, string> = { ...c.headers };
      if (c.as) headers.authorization = `Bearer ${await auth.token({ role: c.as })}`;
      const res = await gateway.app.inject({
        method: c.method,
        url: c.url,
        headers,
        ...(c.body === undefined ? {} : { payload: c.body as object }),
      });
      expect(res.statusCode, res.body).toBe(c.status ?? 200);
      expect(res.json().success).toBe(true);
      expect(auth.callsOf(c.operation).at(-1)!.payload).toEqual(c.payload);
    });
  }
});
