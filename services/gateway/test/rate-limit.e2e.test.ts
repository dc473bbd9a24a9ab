/**
 * The request budget per caller, on the in-process bus with the FAKE auth service
 * (test/support/fake-auth.ts).
 */
import { type Bus, createMemoryBus } from '@cairn/shared/bus';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../src/index.js';
import { type FakeAuth, startFakeAuth } from './support/fake-auth.js';
import { startGateway, testLogger } from './support/gateway.js';

let bus: Bus;
let auth: FakeAuth;
let gateway: Gateway;

beforeAll(async () => {
  bus = createMemoryBus({ logger: testLogger });
  auth = await startFakeAuth(bus);
  gateway = await startGateway(bus, { RATE_LIMIT_MAX: '3', RATE_LIMIT_WINDOW_MS: '60000' });
});

afterAll(async () => {
  await gateway.close();
  await auth.close();
  await bus.close();
});

const me = (token: string) =>
  gateway.app.inject({ method: 'GET', url: '/api/auth/me', headers: { authorization: `Bearer ${token}` } });

describe('rate limits', () => {
  it('answers 429 RATE_LIMIT_EXCEEDED with Retry-After once a user spends the budget', async () => {
    const token = await auth.token({ userId: 'busy-user' });
    for (let i = 0; i < 3; i++) expect((await me(token)).statusCode).toBe(200);
    const limited = await me(token);
    expect(limited.statusCode).toBe(429);
    const body = limited.json();
    expect(body).toMatchObject({ success: false, error: 'RATE_LIMIT_EXCEEDED' });
    expect(body.details.retryAfter).toBeGreaterThanOrEqual(1);
    expect(body.details.retryAfter).toBeLessThanOrEqual(60);
    expect(Number(limited.headers['retry-after'])).toBe(body.details.retryAfter);
    expect(limited.headers['x-request-id']).toBe(body.requestId);
  });

  it('keeps one budget per user, not per address', async () => {
    const other = await auth.token({ userId: 'calm-user' });
    expect((await me(other)).statusCode).toBe(200);
  });

  it('keys anonymous callers by address', async () => {
    const from = (remoteAddress: string) =>
      gateway.app.inject({ method: 'GET', url: '/.well-known/jwks.json', remoteAddress });
    for (let i = 0; i < 3; i++) expect((await from('10.0.0.1')).statusCode).toBe(200);
    expect((await from('10.0.0.1')).statusCode).toBe(429);
    expect((await from('10.0.0.2')).statusCode).toBe(200);
  });

  it('never throttles probes and scrapes', async () => {
    for (let i = 0; i < 10; i++) {
      for (const url of ['/health', '/ready', '/metrics']) {
        expect((await gateway.app.inject({ method: 'GET', url, remoteAddress: '10.0.0.9' })).statusCode).toBe(200);
      }
    }
  });
});
