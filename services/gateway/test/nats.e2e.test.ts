/**
 * The gateway on the real NATS bus, as deployed: two gateway replicas and the FAKE auth service
 * (test/support/fake-auth.ts) each on their own NATS connection, like separate processes.
 */
import type { Bus } from '@cairn/shared/bus';
import { userNotificationSubject } from '@cairn/shared/contracts';
import { createTestNatsBus, dropTestStream } from '@cairn/shared/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type Gateway, rpcRoute } from '../src/index.js';
import { type FakeAuth, startFakeAuth } from './support/fake-auth.js';
import { eventually, listen, openSocket, startGateway, testLogger } from './support/gateway.js';

const buses: Bus[] = [];
let authBus: Bus;
let auth: FakeAuth;
let replicaA: Gateway;
let replicaB: Gateway;

const ghostRoute = rpcRoute({
  method: 'GET',
  url: '/api/ghost',
  auth: 'user',
  service: 'ghost',
  operation: 'haunt',
  result: z.object({}),
});

async function natsBus(): Promise<Bus> {
  const bus = await createTestNatsBus({ logger: testLogger });
  buses.push(bus);
  return bus;
}

beforeAll(async () => {
  authBus = await natsBus();
  auth = await startFakeAuth(authBus);
  replicaA = await startGateway(await natsBus(), {}, { routes: [ghostRoute] });
  replicaB = await startGateway(await natsBus(), {}, { routes: [ghostRoute] });
});

afterAll(async () => {
  await replicaA?.close();
  await replicaB?.close();
  await auth?.close();
  for (const bus of buses) await bus.close();
  await dropTestStream();
});

const me = (gateway: Gateway, token: string, headers: Record<string, string> = {}) =>
  gateway.app.inject({ method: 'GET', url: '/api/auth/me', headers: { authorization: `Bearer ${token}`, ...headers } });

describe('over NATS', () => {
  it('is ready when NATS and the auth service answer, and names a missing service', async () => {
    const res = await replicaA.app.inject({ method: 'GET', url: '/ready' });
    expect(res.statusCode).toBe(200);
    const partial = await startGateway(
      replicaA.context.bus,
      { READY_TIMEOUT_MS: '500' },
      { services: ['auth', 'billing'] },
    );
    try {
      const notReady = await partial.app.inject({ method: 'GET', url: '/ready' });
      expect(notReady.statusCode).toBe(503);
      expect(notReady.json().details.failing).toEqual(['service:billing']);
    } finally {
      await partial.close();
    }
  });

  it('carries the caller and the request context across the bus', async () => {
    const token = await auth.token({ userId: 'nats-user', sessionId: 'nats-session', role: 'support', orgId: 'org-n' });
    const res = await me(replicaA, token, { 'x-request-id': 'nats-req-1' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ data: { id: 'nats-user', userType: 'support' }, requestId: 'nats-req-1' });
    const call = auth.callsOf('me').at(-1)!;
    expect(call.context).toMatchObject({
      requestId: 'nats-req-1',
      actor: { kind: 'user', id: 'nats-user', role: 'support', orgId: 'org-n', sessionId: 'nats-session' },
    });
  });

  it('answers 503 when no service serves the operation', async () => {
    const res = await replicaA.app.inject({
      method: 'GET',
      url: '/api/ghost',
      headers: { authorization: `Bearer ${await auth.token()}` },
    });
    expect(res.statusCode).toBe(503);
    expect(res.json().error).toBe('SERVICE_UNAVAILABLE');
  });

  it('refuses a revoked session at every replica', async () => {
    const token = await auth.token({ sessionId: 'nats-revoked' });
    expect((await me(replicaA, token)).statusCode).toBe(200);
    expect((await me(replicaB, token)).statusCode).toBe(200);
    auth.revoke('nats-revoked', { notify: true });
    await eventually(async () => (await me(replicaA, token)).statusCode === 401);
    await eventually(async () => (await me(replicaB, token)).statusCode === 401);
  });

  it('delivers a user’s notifications to that user’s sockets on any replica, and to nobody else', async () => {
    const urlA = await listen(replicaA);
    const urlB = await listen(replicaB);
    const alice1 = await openSocket(urlA, `/ws?token=${await auth.token({ userId: 'alice' })}`);
    const alice2 = await openSocket(urlB, `/ws?token=${await auth.token({ userId: 'alice' })}`);
    const bob = await openSocket(urlA, `/ws?token=${await auth.token({ userId: 'bob' })}`);
    for (const s of [alice1, alice2, bob]) expect((await s.next()).type).toBe('auth_ok');

    // Published by another process (here the auth service's connection), as a service would.
    const message = { type: 'task', taskId: 't-1', progress: 40 };
    authBus.publish(userNotificationSubject('alice'), new TextEncoder().encode(JSON.stringify(message)));
    expect(await alice1.next()).toEqual(message);
    expect(await alice2.next()).toEqual(message);
    bob.send({ type: 'ping' });
    expect(await bob.next()).toEqual({ type: 'pong' });
    for (const s of [alice1, alice2, bob]) s.socket.close();
  });
});
