/**
 * The gateway's edge with the REAL auth service behind it, in both modes: malformed and oversized
 * bodies, throttled logins (auth's per-username limit) and the gateway's own per-caller rate limit,
 * Idempotency-Key replays, and the envelope on every one of these refusals.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Client, client, expectError, expectOk, PASSWORD, register, type Session } from './support/client.js';
import { MODES, startTestPlatform, type TestPlatform } from './support/platform.js';

const MAX_LOGIN_FAILURES = 3;
const MiB = 1024 * 1024;

describe.each(MODES)('the edge of the platform, %s', (_label, mode) => {
  let platform: TestPlatform;
  let api: Client;

  beforeAll(async () => {
    platform = await startTestPlatform(mode, { env: { CAIRN_LOGIN_MAX_FAILURES: String(MAX_LOGIN_FAILURES) } });
    api = client(platform.url);
  });
  afterAll(async () => {
    await platform?.stop();
  });

  it('answers malformed JSON, a non-object body and a non-JSON content type in the envelope', async () => {
    const broken = expectError(
      await api.post('/api/auth/login', undefined, { rawBody: '{"username": "x", "password": ' }),
      400,
      'VALIDATION_ERROR',
    );
    expect(broken.message).toMatch(/JSON/);
    expectError(await api.post('/api/auth/login', undefined, { rawBody: '["x", "y"]' }), 400, 'VALIDATION_ERROR');
    expectError(
      await api.post('/api/auth/login', undefined, {
        rawBody: 'username=x&password=y',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      }),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    );
    expectError(await api.get('/api/nothing-here'), 404, 'NOT_FOUND');
  });

  it('echoes a sane X-Request-Id and replaces one that is not, on every kind of answer', async () => {
    const echoed = await api.get('/api/auth/me', { headers: { 'x-request-id': 'client-trace-42' } });
    expect(expectError(echoed, 401, 'UNAUTHORIZED').requestId).toBe('client-trace-42');
    const replaced = await api.get('/health', { headers: { 'x-request-id': 'no spaces allowed <here>' } });
    expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    for (const path of ['/metrics', '/openapi.json', '/.well-known/jwks.json', '/ready']) {
      expect((await api.get(path)).headers.get('x-request-id'), path).toBeTruthy();
    }
  });

  it('refuses a body over the 1 MiB default with 413 PAYLOAD_TOO_LARGE in the envelope', async () => {
    const huge = JSON.stringify({ username: 'big', password: 'x'.repeat(MiB) });
    const body = expectError(
      await api.post('/api/auth/register', undefined, { rawBody: huge }),
      413,
      'PAYLOAD_TOO_LARGE',
    );
    expect(body.details).toEqual({ limitBytes: MiB });
    // The name was not taken by the refused request.
    await register(api, 'big');
  });

  it(`locks a username after ${MAX_LOGIN_FAILURES} failed logins: 429 with Retry-After, even with the right password`, async () => {
    await register(api, 'forgetful');
    for (let i = 0; i < MAX_LOGIN_FAILURES; i++) {
      expectError(
        await api.post('/api/auth/login', { username: 'forgetful', password: 'wrong guess' }),
        401,
        'UNAUTHORIZED',
      );
    }
    const locked = await api.post('/api/auth/login', { username: 'forgetful', password: PASSWORD });
    const body = expectError(locked, 429, 'RATE_LIMIT_EXCEEDED');
    const retryAfter = Number(locked.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(900);
    expect(body.details).toEqual({ retryAfter });
    // Unknown names are limited alike (the answer does not tell which names exist); others are not.
    for (let i = 0; i < MAX_LOGIN_FAILURES; i++) {
      expectError(
        await api.post('/api/auth/login', { username: 'no-such-name', password: 'guess' }),
        401,
        'UNAUTHORIZED',
      );
    }
    expectError(
      await api.post('/api/auth/login', { username: 'no-such-name', password: 'guess' }),
      429,
      'RATE_LIMIT_EXCEEDED',
    );
    expectOk(await api.post('/api/auth/login', { username: 'big', password: PASSWORD }));
  });

  it('rate-limits each caller at a gateway with a small budget: 429 with Retry-After, probes exempt', async () => {
    const limited = await platform.addGateway({ RATE_LIMIT_MAX: '3', RATE_LIMIT_WINDOW_MS: '60000' });
    try {
      const there = client(limited.url);
      // The login counts against the caller's address; the requests with its token against the user.
      const first = await login(there, 'big');
      for (let i = 0; i < 3; i++) expectOk(await there.get('/api/auth/me', { token: first.accessToken }));
      const refused = await there.get('/api/auth/me', { token: first.accessToken });
      const body = expectError(refused, 429, 'RATE_LIMIT_EXCEEDED');
      const retryAfter = Number(refused.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect(body.details).toEqual({ retryAfter });
      // Anonymous callers share their address's budget: the login above was its first request.
      for (let i = 0; i < 2; i++) await login(there, 'big');
      expectError(
        await there.post('/api/auth/login', { username: 'big', password: PASSWORD }),
        429,
        'RATE_LIMIT_EXCEEDED',
      );
      expect((await there.get('/health')).status).toBe(200);
      expect((await there.get('/ready')).status).toBe(200);
      // The budget is per user once signed in: someone else still gets through.
      const other = expectOk<Session>(
        await api.post('/api/auth/register', { username: 'other-caller', password: PASSWORD }),
        201,
      );
      expectOk(await there.get('/api/auth/me', { token: other.accessToken }));
      // The main gateway (default budget) is unaffected.
      expectOk(await api.get('/api/auth/me', { token: first.accessToken }));
    } finally {
      await limited.close();
    }
  });

  it('replays a registration with the same Idempotency-Key and body; another body is 422', async () => {
    const headers = { 'idempotency-key': `register-${mode}-1` };
    const body = { username: 'once-only', password: PASSWORD };
    const first = expectOk<Session>(await api.post('/api/auth/register', body, { headers }), 201);
    const again = expectOk<Session>(await api.post('/api/auth/register', body, { headers }), 201);
    expect(again).toEqual(first);
    // Without the key the same request is a second attempt, and the name is taken.
    expectError(await api.post('/api/auth/register', body), 409, 'CONFLICT');
    expectError(
      await api.post('/api/auth/register', { ...body, username: 'twice-maybe' }, { headers }),
      422,
      'IDEMPOTENCY_KEY_REUSED',
    );
    expectError(
      await api.post('/api/auth/register', body, { headers: { 'idempotency-key': 'k'.repeat(256) } }),
      400,
      'VALIDATION_ERROR',
    );
  });
});

async function login(api: Client, username: string): Promise<Session> {
  return expectOk<Session>(await api.post('/api/auth/login', { username, password: PASSWORD }));
}
