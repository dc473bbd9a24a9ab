/**
 * The gateway's HTTP edge, through Fastify's in-process HTTP injection, on the in-process bus, with the
 * FAKE auth service of test/support/fake-auth.ts (not the real auth service).
 */
import { type Bus, createMemoryBus } from '@cairn/shared/bus';
import { DomainError } from '@cairn/shared/http';
import { createLogger } from '@cairn/shared/logging';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type Gateway, rpcRoute } from '../src/index.js';
import { type FakeAuth, startFakeAuth, userFixture } from './support/fake-auth.js';
import { startGateway, testLogger } from './support/gateway.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let bus: Bus;
let auth: FakeAuth;
let gateway: Gateway;
let token: string;
let adminToken: string;

const ghostRoute = rpcRoute({
  method: 'GET',
  url: '/api/ghost',
  auth: 'public',
  service: 'ghost',
  operation: 'haunt',
  result: z.object({ ok: z.boolean() }),
});

beforeAll(async () => {
  bus = createMemoryBus({ logger: testLogger });
  auth = await startFakeAuth(bus);
  gateway = await startGateway(
    bus,
    { CORS_ORIGINS: 'https://app.example, https://admin.example', BODY_LIMIT_BYTES: '2048', RPC_TIMEOUT_MS: '300' },
    { routes: [ghostRoute] },
  );
  token = await auth.token({ userId: 'user-1', sessionId: 'session-1' });
  adminToken = await auth.token({ userId: 'admin-1', role: 'admin', sessionId: 'session-admin' });
});

afterAll(async () => {
  await gateway.close();
  await auth.close();
  await bus.close();
});

const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

describe('envelope and request ids', () => {
  it('wraps a result in the success envelope and echoes the caller’s X-Request-Id', async () => {
    const res = await gateway.app.inject({
      method: 'GET',
      url: '/api/auth/me',
      headers: { ...bearer(token), 'x-request-id': 'client-req-42' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-request-id']).toBe('client-req-42');
    expect(res.json()).toEqual({ success: true, data: userFixture({ id: 'user-1' }), requestId: 'client-req-42' });
  });

  it('replaces an unusable X-Request-Id with a new UUID', async () => {
    for (const given of ['has spaces in it', 'x'.repeat(129), 'semi;colon']) {
      const res = await gateway.app.inject({ method: 'GET', url: '/health', headers: { 'x-request-id': given } });
      expect(res.headers['x-request-id']).toMatch(UUID);
      expect(res.json().requestId).toBe(res.headers['x-request-id']);
    }
  });

  it('answers an unknown route with the 404 envelope and a request id', async () => {
    const res = await gateway.app.inject({ method: 'GET', url: '/api/nothing-here?x=1' });
    expect(res.statusCode).toBe(404);
    const body = res.json();
    expect(body).toMatchObject({ success: false, error: 'NOT_FOUND', requestId: res.headers['x-request-id'] });
    expect(body.requestId).toMatch(UUID);
    expect(typeof body.timestamp).toBe('number');
  });
});

describe('input validation', () => {
  it('lists each invalid field with its location and message', async () => {
    const res = await gateway.app.inject({
      method: 'POST',
      url: '/api/auth/register',
      payload: { username: 'a b', password: 'short' },
    });
    expect(res.statusCode).toBe(400);
    const body = res.json();
    expect(body.error).toBe('VALIDATION_ERROR');
    expect(body.requestId).toBe(res.headers['x-request-id']);
    const fields = body.details.map((d: { field: string }) => d.field).sort();
    expect(fields).toEqual(['password', 'username']);
    for (const issue of body.details) {
      expect(issue.location).toBe('body');
      expect(issue.message.length).toBeGreaterThan(0);
    }
  });

  it('validates query strings too, naming the parameter', async () => {
    const res = await gateway.app.inject({
      method: 'GET',
      url: '/api/users?pageSize=500',
      headers: bearer(adminToken),
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().details).toEqual([expect.objectContaining({ field: 'pageSize', location: 'querystring' })]);
  });

  it('refuses malformed JSON with VALIDATION_ERROR', async () => {
    const res = await gateway.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: '{"username": "alice", ',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({
      success: false,
      error: 'VALIDATION_ERROR',
      message: 'Request body is not valid JSON',
    });
  });

  it('refuses a body over BODY_LIMIT_BYTES with 413 PAYLOAD_TOO_LARGE', async () => {
    const res = await gateway.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { username: 'alice', password: 'x'.repeat(4000) },
    });
    expect(res.statusCode).toBe(413);
    expect(res.json()).toMatchObject({ success: false, error: 'PAYLOAD_TOO_LARGE' });
    expect(res.headers['x-request-id']).toBeTruthy();
  });

  it('refuses a content type it does not read with 415', async () => {
    for (const type of ['application/xml', 'text/plain']) {
      const res = await gateway.app.inject({
        method: 'POST',
        url: '/api/auth/login',
        headers: { 'content-type': type },
        payload: '<login/>',
      });
      expect(res.statusCode).toBe(415);
      expect(res.json().error).toBe('UNSUPPORTED_MEDIA_TYPE');
    }
  });

  it('treats an empty JSON body as no body (logout needs none)', async () => {
    const res = await gateway.app.inject({
      method: 'POST',
      url: '/api/auth/logout',
      headers: { ...bearer(token), 'content-type': 'application/json' },
      payload: '',
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().data).toEqual({ sessionId: 'session-1', revoked: true });
  });
});

describe('answers of services', () => {
  it('maps a domain error to its status and the error envelope', async () => {
    auth.override('register', async () => {
      throw new DomainError('CONFLICT', 'Username is taken', { field: 'username' });
    });
    const res = await gateway.app.inject({
      method: 'POST',
      url: '/api/auth/register',
      payload: { username: 'taken_name', password: 'long-enough-password' },
    });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({
      success: false,
      error: 'CONFLICT',
      message: 'Username is taken',
      details: { field: 'username' },
    });
  });

  it('answers 500 INTERNAL_ERROR without the internals when a service fails unexpectedly', async () => {
    auth.override('getUser', async () => {
      throw new Error('connection to db-primary:5432 failed for password hunter2');
    });
    const res = await gateway.app.inject({ method: 'GET', url: '/api/users/u1', headers: bearer(adminToken) });
    expect(res.statusCode).toBe(500);
    expect(res.json()).toMatchObject({ success: false, error: 'INTERNAL_ERROR', message: 'Internal error' });
    expect(res.body).not.toMatch(/hunter2|db-primary|stack|at /);
  });

  it('answers 500 when a result breaks its schema, and never leaks fields outside it', async () => {
    auth.override('getUser', async () => ({ bogus: true }));
    const broken = await gateway.app.inject({ method: 'GET', url: '/api/users/u1', headers: bearer(adminToken) });
    expect(broken.statusCode).toBe(500);
    expect(broken.json()).toMatchObject({ error: 'INTERNAL_ERROR', message: 'Internal error' });

    auth.override('getUser', async (p) => ({ ...userFixture({ id: p.id }), passwordHash: 'scrypt$secret' }));
    const extra = await gateway.app.inject({ method: 'GET', url: '/api/users/u1', headers: bearer(adminToken) });
    expect(extra.statusCode).toBe(200);
    expect(extra.body).not.toContain('passwordHash');
    expect(extra.body).not.toContain('scrypt$secret');
  });

  it('answers 503 SERVICE_UNAVAILABLE when no service serves the operation', async () => {
    const res = await gateway.app.inject({ method: 'GET', url: '/api/ghost' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ success: false, error: 'SERVICE_UNAVAILABLE' });
  });

  it('answers 503 when the service does not reply within RPC_TIMEOUT_MS', async () => {
    auth.override('listOrgs', () => new Promise((resolve) => setTimeout(() => resolve({}), 1_000)));
    const started = Date.now();
    const res = await gateway.app.inject({ method: 'GET', url: '/api/orgs', headers: bearer(adminToken) });
    expect(res.statusCode).toBe(503);
    expect(res.json().error).toBe('SERVICE_UNAVAILABLE');
    expect(Date.now() - started).toBeLessThan(900);
  });
});

describe('RPC context', () => {
  it('forwards request id, actor, Idempotency-Key, traceparent and a deadline', async () => {
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const before = Date.now();
    const res = await gateway.app.inject({
      method: 'POST',
      url: '/api/orgs',
      headers: { ...bearer(adminToken), 'idempotency-key': 'create-org-7', 'x-request-id': 'req-ctx-1', traceparent },
      payload: { name: 'Acme' },
    });
    expect(res.statusCode).toBe(201);
    const call = auth.callsOf('createOrg').at(-1)!;
    expect(call.payload).toEqual({ name: 'Acme' });
    expect(call.context).toMatchObject({
      requestId: 'req-ctx-1',
      idempotencyKey: 'create-org-7',
      actor: { kind: 'user', id: 'admin-1', role: 'admin', sessionId: 'session-admin' },
    });
    // With no tracing SDK registered the caller's traceparent travels unchanged.
    expect(call.context.traceparent).toBe(traceparent);
    expect(call.context.deadline).toBeGreaterThan(before);
    expect(call.context.deadline).toBeLessThanOrEqual(Date.now() + 300);
  });

  it('sends no Idempotency-Key when none was given, and drops a malformed traceparent', async () => {
    await gateway.app.inject({
      method: 'POST',
      url: '/api/orgs',
      headers: { ...bearer(adminToken), traceparent: 'not-a-trace' },
      payload: { name: 'Beta' },
    });
    const call = auth.callsOf('createOrg').at(-1)!;
    expect(call.context.idempotencyKey).toBeUndefined();
    expect(call.context.traceparent).toBeUndefined();
  });

  it('refuses an Idempotency-Key that is too long or not printable', async () => {
    const count = auth.callsOf('createOrg').length;
    for (const key of ['k'.repeat(256), 'tab\there', 'ünïcode']) {
      const res = await gateway.app.inject({
        method: 'POST',
        url: '/api/orgs',
        headers: { ...bearer(adminToken), 'idempotency-key': key },
        payload: { name: 'Gamma' },
      });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ error: 'VALIDATION_ERROR', details: [{ field: 'Idempotency-Key' }] });
    }
    expect(auth.callsOf('createOrg').length).toBe(count);
  });
});

describe('versioned writes', () => {
  const body = { displayName: 'Bob', userType: 'support', orgId: null, roleIds: [], status: 'active' };

  it('takes the version from If-Match, merges it into the payload and answers with the ETag', async () => {
    const res = await gateway.app.inject({
      method: 'PUT',
      url: '/api/users/u7',
      headers: { ...bearer(adminToken), 'if-match': 'W/"3"' },
      payload: body,
    });
    expect(res.statusCode).toBe(200);
    expect(auth.callsOf('updateUser').at(-1)!.payload).toEqual({ id: 'u7', version: 3, ...body });
    expect(res.json().data.version).toBe(4);
    expect(res.headers.etag).toBe('W/"4"');
  });

  it('takes the version from the body', async () => {
    const res = await gateway.app.inject({
      method: 'PUT',
      url: '/api/users/u7',
      headers: bearer(adminToken),
      payload: { ...body, version: 5 },
    });
    expect(res.statusCode).toBe(200);
    expect(auth.callsOf('updateUser').at(-1)!.payload.version).toBe(5);
    expect(res.headers.etag).toBe('W/"6"');
  });

  it('sets the ETag on reads of versioned resources', async () => {
    auth.override('getUser', async (p) => userFixture({ id: p.id, version: 9 }));
    const res = await gateway.app.inject({ method: 'GET', url: '/api/users/u9', headers: bearer(adminToken) });
    expect(res.headers.etag).toBe('W/"9"');
  });

  it('refuses a missing, malformed or contradictory version with 400 INVALID_VERSION', async () => {
    const count = auth.callsOf('updateUser').length;
    const cases: { headers?: Record<string, string>; payload: unknown }[] = [
      { payload: body },
      { headers: { 'if-match': 'abc' }, payload: body },
      { headers: { 'if-match': 'W/"0"' }, payload: body },
      { payload: { ...body, version: 'seven' } },
      { payload: { ...body, version: 0 } },
      { headers: { 'if-match': 'W/"2"' }, payload: { ...body, version: 3 } },
    ];
    for (const c of cases) {
      const res = await gateway.app.inject({
        method: 'PUT',
        url: '/api/users/u7',
        headers: { ...bearer(adminToken), ...c.headers },
        payload: c.payload as object,
      });
      expect(res.statusCode, JSON.stringify(c)).toBe(400);
      expect(res.json().error, JSON.stringify(c)).toBe('INVALID_VERSION');
    }
    expect(auth.callsOf('updateUser').length).toBe(count);
  });
});

describe('operations', () => {
  it('answers /health while the process lives', async () => {
    const res = await gateway.app.inject({ method: 'GET', url: '/health' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ success: true, message: 'ok', data: { status: 'ok' } });
  });

  it('is ready when the bus and auth answer', async () => {
    const res = await gateway.app.inject({ method: 'GET', url: '/ready' });
    expect(res.statusCode).toBe(200);
    expect(res.json().data).toEqual({ status: 'ready', checks: { bus: 'ok', 'service:auth': 'ok' } });
  });

  it('is not ready while a configured service is missing, and names it', async () => {
    const other = await startGateway(bus, { READY_TIMEOUT_MS: '300' }, { services: ['auth', 'billing'] });
    try {
      const res = await other.app.inject({ method: 'GET', url: '/ready' });
      expect(res.statusCode).toBe(503);
      const payload = res.json();
      expect(payload.error).toBe('SERVICE_UNAVAILABLE');
      expect(payload.details.failing).toEqual(['service:billing']);
      expect(payload.details.checks['service:auth']).toBe('ok');
    } finally {
      await other.close();
    }
  });

  it('exposes Prometheus metrics with the request duration histogram', async () => {
    await gateway.app.inject({ method: 'GET', url: '/api/auth/me', headers: bearer(token) });
    const res = await gateway.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.body).toMatch(
      /http_request_duration_seconds_bucket\{le="[0-9.]+",method="GET",route="\/api\/auth\/me",status_code="200"\}/,
    );
    expect(res.body).toContain('process_cpu_user_seconds_total');
    expect(res.body).toMatch(/route="unmatched",status_code="404"/);
  });

  it('serves the JWKS of the auth service, cacheable', async () => {
    const res = await gateway.app.inject({ method: 'GET', url: '/.well-known/jwks.json' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toMatch(/max-age=\d+/);
    expect(res.json().keys).toEqual([expect.objectContaining({ kid: auth.kid, kty: 'OKP', crv: 'Ed25519' })]);
  });
});

describe('access log', () => {
  it('writes one compact line per request with the request id and trace id, never a token', async () => {
    const lines: Record<string, unknown>[] = [];
    const logger = createLogger(
      { name: 'gateway-log-test' },
      { write: (line: string) => lines.push(JSON.parse(line)) },
    );
    const logged = await startGateway(bus, { ACCESS_LOG: 'all' }, { logger });
    try {
      await logged.app.inject({
        method: 'GET',
        url: '/health?token=secret-token-value',
        headers: { 'x-request-id': 'logged-1', traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
      });
      const access = lines.filter((l) => l.msg === 'request');
      expect(access).toHaveLength(1);
      expect(access[0]).toMatchObject({
        requestId: 'logged-1',
        traceId: '0af7651916cd43dd8448eb211c80319c',
        method: 'GET',
        status: 200,
        url: '/health?token=[redacted]',
      });
      expect(JSON.stringify(lines)).not.toContain('secret-token-value');
    } finally {
      await logged.close();
    }
  });
});

describe('OpenAPI and docs', () => {
  it('publishes an OpenAPI 3.1 document generated from the route schemas', async () => {
    const res = await gateway.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info).toMatchObject({ title: 'Cairn API' });
    expect(doc.components.securitySchemes.bearerAuth).toEqual({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
    expect(doc.components.schemas.ErrorEnvelope.properties.error.type).toBe('string');

    const expected: [string, string][] = [
      ['/api/auth/register', 'post'],
      ['/api/auth/login', 'post'],
      ['/api/auth/admin/login', 'post'],
      ['/api/auth/wechat/login', 'post'],
      ['/api/auth/refresh', 'post'],
      ['/api/auth/logout', 'post'],
      ['/api/auth/me', 'get'],
      ['/api/users', 'get'],
      ['/api/users', 'post'],
      ['/api/users/{id}', 'get'],
      ['/api/users/{id}', 'put'],
      ['/api/users/{id}', 'delete'],
      ['/api/roles', 'get'],
      ['/api/roles', 'post'],
      ['/api/roles/{id}', 'put'],
      ['/api/roles/{id}', 'delete'],
      ['/api/orgs', 'get'],
      ['/api/orgs', 'post'],
      ['/health', 'get'],
      ['/ready', 'get'],
      ['/metrics', 'get'],
    ];
    for (const [path, method] of expected) expect(doc.paths[path]?.[method], `${method} ${path}`).toBeDefined();
    // Every documented operation has responses, and JSON Schema 2020-12 forms rather than 3.0's `nullable`.
    for (const operations of Object.values<Record<string, { responses: object }>>(doc.paths)) {
      for (const operation of Object.values(operations))
        expect(Object.keys(operation.responses).length).toBeGreaterThan(0);
    }
    expect(res.body).not.toContain('"nullable"');
    expect(doc.paths['/docs']).toBeUndefined();
    expect(doc.paths['/ws']).toBeUndefined();

    const me = doc.paths['/api/auth/me'].get;
    expect(me.security).toEqual([{ bearerAuth: [] }]);
    const meData = me.responses['200'].content['application/json'].schema.properties.data;
    expect(meData.properties.userType.enum).toEqual(['customer', 'support', 'admin']);
    expect(me.responses['4XX']).toBeDefined();
    expect(doc.paths['/api/auth/login'].post.security).toBeUndefined();

    const register = doc.paths['/api/auth/register'].post;
    expect(Object.keys(register.responses)).toContain('201');
    expect(register.requestBody.content['application/json'].schema.required).toEqual(['username', 'password']);
    expect(register.parameters).toEqual([expect.objectContaining({ in: 'header', name: 'idempotency-key' })]);

    const put = doc.paths['/api/users/{id}'].put;
    const parameterNames = put.parameters.map((p: { in: string; name: string }) => `${p.in}:${p.name}`).sort();
    expect(parameterNames).toEqual(['header:if-match', 'path:id']);

    const list = doc.paths['/api/users'].get;
    expect(list.parameters.map((p: { name: string }) => p.name).sort()).toEqual(
      ['orgId', 'page', 'pageSize', 'q', 'status'].sort(),
    );
  });

  it('serves the interactive docs at /docs', async () => {
    const res = await gateway.app.inject({ method: 'GET', url: '/docs/' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.body).toMatch(/swagger/i);
    // The UI gets a CSP that lets its own scripts run; the API keeps its locked-down one.
    expect(res.headers['content-security-policy']).toMatch(/script-src 'self'/);
    const spec = await gateway.app.inject({ method: 'GET', url: '/docs/json' });
    expect(spec.json().openapi).toBe('3.1.0');
  });
});

describe('security headers and CORS', () => {
  it('sets helmet’s security headers and a deny-all CSP on API answers', async () => {
    const res = await gateway.app.inject({ method: 'GET', url: '/health' });
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toContain("default-src 'none'");
    expect(res.headers['strict-transport-security']).toBeDefined();
  });

  it('allows a listed origin', async () => {
    const res = await gateway.app.inject({
      method: 'GET',
      url: '/health',
      headers: { origin: 'https://admin.example' },
    });
    expect(res.headers['access-control-allow-origin']).toBe('https://admin.example');
    expect(res.headers['access-control-expose-headers']).toContain('X-Request-Id');
    expect(res.headers.vary).toContain('Origin');
  });

  it('gives an unlisted origin no CORS grant', async () => {
    const res = await gateway.app.inject({
      method: 'GET',
      url: '/health',
      headers: { origin: 'https://evil.example' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('answers preflights: allowed with the methods and headers, refused without a grant', async () => {
    const preflight = (origin: string) =>
      gateway.app.inject({
        method: 'OPTIONS',
        url: '/api/users/u1',
        headers: {
          origin,
          'access-control-request-method': 'PUT',
          'access-control-request-headers': 'authorization, if-match',
        },
      });
    const allowed = await preflight('https://app.example');
    expect(allowed.statusCode).toBe(204);
    expect(allowed.headers['access-control-allow-origin']).toBe('https://app.example');
    expect(allowed.headers['access-control-allow-methods']).toContain('PUT');
    expect(String(allowed.headers['access-control-allow-headers']).toLowerCase()).toContain('if-match');
    const refused = await preflight('https://evil.example');
    expect(refused.headers['access-control-allow-origin']).toBeUndefined();
    expect(refused.headers['access-control-allow-methods']).toBeUndefined();
  });
});
