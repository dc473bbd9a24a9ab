/**
 * Operations (CONTRACT.md "Operations") on the whole platform with the REAL auth service, in both
 * modes: liveness, readiness while everything is up, while the auth service is down and once shutdown
 * starts; Prometheus metrics; the OpenAPI document and the docs UI; and a graceful stop that lets an
 * in-flight request finish and tells WebSockets to reconnect elsewhere (1012).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVICE_NAMES } from '../src/services.js';
import { type Client, client, eventually, expectError, expectOk, loginAdmin, register } from './support/client.js';
import { MODES, startTestPlatform, type TestPlatform } from './support/platform.js';
import { openAuthenticatedSocket } from './support/socket.js';

/** Every path of CONTRACT.md "Auth and identity" and "Operations", as OpenAPI writes them. */
const CONTRACT_PATHS: Readonly<Record<string, readonly string[]>> = {
  '/api/auth/register': ['post'],
  '/api/auth/login': ['post'],
  '/api/auth/admin/login': ['post'],
  '/api/auth/wechat/login': ['post'],
  '/api/auth/refresh': ['post'],
  '/api/auth/logout': ['post'],
  '/api/auth/me': ['get'],
  '/api/users': ['get', 'post'],
  '/api/users/{id}': ['get', 'put', 'delete'],
  '/api/roles': ['get', 'post'],
  '/api/roles/{id}': ['put', 'delete'],
  '/api/orgs': ['get', 'post'],
  '/.well-known/jwks.json': ['get'],
  '/health': ['get'],
  '/ready': ['get'],
  '/metrics': ['get'],
};

describe.each(MODES)('operations, %s', (_label, mode) => {
  let platform: TestPlatform;
  let api: Client;

  beforeAll(async () => {
    // A drain pause, so the test can watch /ready answer 503 while the gateway still listens.
    platform = await startTestPlatform(mode, { gatewayEnv: { SHUTDOWN_DRAIN_MS: '300' } });
    api = client(platform.url);
  });
  afterAll(async () => {
    await platform?.stop();
  });

  it('/health answers 200 with the envelope', async () => {
    const answer = await api.get('/health');
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      success: true,
      message: 'ok',
      data: { status: 'ok', uptimeSeconds: expect.any(Number) },
      requestId: expect.any(String),
    });
    expect(answer.headers.get('x-request-id')).toBe(answer.body.requestId);
  });

  it('/ready answers 200 once the bus and every service answer', async () => {
    const services = Object.fromEntries(SERVICE_NAMES.map((name) => [`service:${name}`, 'ok']));
    expect(expectOk(await api.get('/ready'))).toEqual({ status: 'ready', checks: { bus: 'ok', ...services } });
  });

  it('/metrics exposes the HTTP histogram and the projection metrics as Prometheus text', async () => {
    await register(api, 'metered');
    const answer = await api.get('/metrics');
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(answer.text).toMatch(/^# TYPE http_request_duration_seconds histogram$/m);
    expect(answer.text).toMatch(
      /^http_request_duration_seconds_bucket\{le="[^"]+",method="POST",route="\/api\/auth\/register",status_code="201"\} [1-9]/m,
    );
    expect(answer.text).toMatch(/^# TYPE cairn_projection_events_handled_total counter$/m);
    expect(answer.text).toMatch(
      /^cairn_projection_events_handled_total\{schema="auth",projection="auth-users"\} [1-9]/m,
    );
    expect(answer.text).toMatch(/^cairn_projection_lag_seconds\{schema="auth",projection="auth-sessions"\} /m);
  });

  it('/openapi.json is OpenAPI 3.1 and lists every auth and operations path', async () => {
    const answer = await api.get('/openapi.json');
    expect(answer.status).toBe(200);
    const document = answer.body as { openapi: string; paths: Record<string, Record<string, any>> };
    expect(document.openapi).toMatch(/^3\.1\.\d+$/);
    for (const [path, methods] of Object.entries(CONTRACT_PATHS)) {
      expect(Object.keys(document.paths[path] ?? {}), path).toEqual(expect.arrayContaining([...methods]));
    }
    const put = document.paths['/api/users/{id}']!.put;
    expect(JSON.stringify(put.parameters)).toContain('if-match');
    expect(put.security).toEqual([{ bearerAuth: [] }]);
    expect(JSON.stringify(document.paths['/api/auth/register']!.post.parameters)).toContain('idempotency-key');
  });

  it('/docs answers with the HTML of the interactive docs', async () => {
    const response = await fetch(`${platform.url}/docs`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await response.text()).toMatch(/<html/i);
  });

  it('/ready answers 503 naming the services while they are down, and 200 once they are back', async () => {
    const admin = await loginAdmin(api);
    await platform.stopServices();
    try {
      const notReady = expectError(await api.get('/ready'), 503, 'SERVICE_UNAVAILABLE');
      expect(notReady.details).toMatchObject({ checks: { bus: 'ok' } });
      const failing = (notReady.details as { failing: string[] }).failing;
      expect([...failing].sort()).toEqual(SERVICE_NAMES.map((name) => `service:${name}`).sort());
      expect((await api.get('/health')).status).toBe(200);
      // Requests that need auth are 503 too (safe to retry), not 500 or a hang.
      expectError(
        await api.post('/api/auth/login', { username: 'metered', password: 'whatever1' }),
        503,
        'SERVICE_UNAVAILABLE',
      );
      expectError(await api.get('/api/users', { token: admin.accessToken }), 503, 'SERVICE_UNAVAILABLE');
    } finally {
      await platform.startServices();
    }
    await eventually('ready again', async () => (await api.get('/ready')).status === 200);
    expectOk(await api.get('/api/users', { token: admin.accessToken }));
  });

  // Last: it stops the platform.
  it('shuts down gracefully: 503 from the start, the in-flight request answered, WebSockets closed with 1012', async () => {
    const session = await register(api, 'last-one');
    const socket = await openAuthenticatedSocket(platform.url, session.accessToken);
    // Hold a login inside the auth service: it waits on the failed-logins table, locked here.
    const pool = platform.db.pool({ max: 2 });
    const locker = await pool.connect();
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE auth.login_failures IN ACCESS EXCLUSIVE MODE');
    let released = false;
    const release = async () => {
      if (released) return;
      released = true;
      await locker.query('COMMIT');
      locker.release();
    };
    try {
      const inFlight = api.post('/api/auth/login', { username: 'last-one', password: 'correct horse battery' });
      await eventually('the login waits on the lock', async () => {
        const { rows } = await pool.query(
          "SELECT count(*)::int AS n FROM pg_locks WHERE NOT granted AND relation = 'auth.login_failures'::regclass",
        );
        return rows[0].n > 0;
      });

      const stopping = platform.stop();
      const notReady = expectError(await api.get('/ready'), 503, 'SERVICE_UNAVAILABLE');
      expect(notReady.details.failing).toEqual(['gateway']);
      expect((await socket.closed).code).toBe(1012);
      // Once the listener is closed no new request gets in; the one in flight is still waiting.
      await eventually('the listener closed', () =>
        fetch(`${platform.url}/health`).then(
          () => false,
          () => true,
        ),
      );
      await release();
      const answer = await inFlight;
      expect(expectOk(answer).user).toMatchObject({ username: 'last-one' });
      expect(answer.headers.get('connection')).toBe('close');
      await stopping;
    } finally {
      await release();
    }
  });
});
