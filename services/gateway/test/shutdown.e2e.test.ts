/**
 * Graceful shutdown over real HTTP and WebSocket, on the in-process bus with the FAKE auth service
 * (test/support/fake-auth.ts): not ready at once, in-flight requests finish, sockets get 1012, and the
 * gateway's own bus subscriptions end while the bus itself (the caller's) stays open.
 */
import { createMemoryBus } from '@cairn/shared/bus';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countingBus } from './support/counting-bus.js';
import { type FakeAuth, startFakeAuth, userFixture } from './support/fake-auth.js';
import { eventually, listen, openSocket, startGateway, testLogger } from './support/gateway.js';

const inner = createMemoryBus({ logger: testLogger });
const bus = countingBus(inner);
let auth: FakeAuth;

beforeAll(async () => {
  auth = await startFakeAuth(bus);
});

afterAll(async () => {
  await auth.close();
  await bus.close();
});

describe('graceful shutdown', () => {
  it('turns not ready at once, finishes in-flight work, closes sockets with 1012, then its subscriptions', async () => {
    const gateway = await startGateway(bus, { SHUTDOWN_DRAIN_MS: '400' });
    const url = await listen(gateway);
    const admin = { authorization: `Bearer ${await auth.token({ userId: 'admin-1', role: 'admin' })}` };
    auth.override('getUser', async (p) => {
      await new Promise((r) => setTimeout(r, 700));
      return userFixture({ id: p.id });
    });

    const socket = await openSocket(url, `/ws?token=${await auth.token({ userId: 'watcher' })}`);
    expect((await socket.next()).type).toBe('auth_ok');
    expect((await fetch(`${url}/ready`)).status).toBe(200);
    const subscriptionsWhileRunning = bus.openSubscriptions;
    expect(subscriptionsWhileRunning).toBeGreaterThanOrEqual(2);

    const inFlight = fetch(`${url}/api/users/u1`, { headers: admin });
    await eventually(() => auth.callsOf('getUser').length === 1);
    const closing = gateway.close();

    const ready = await fetch(`${url}/ready`);
    expect(ready.status).toBe(503);
    const readyBody = (await ready.json()) as { details: { failing: string[] } };
    expect(readyBody).toMatchObject({ success: false, error: 'SERVICE_UNAVAILABLE' });
    expect(readyBody.details.failing).toContain('gateway');
    expect((await fetch(`${url}/health`)).status).toBe(200);

    const answered = await inFlight;
    expect(answered.status).toBe(200);
    expect(((await answered.json()) as { data: { id: string } }).data.id).toBe('u1');
    expect((await socket.closed).code).toBe(1012);

    await closing;
    expect(bus.openSubscriptions).toBe(0);
    await expect(fetch(`${url}/health`)).rejects.toThrow();
    // The bus belongs to the caller: still usable.
    await expect(bus.ping()).resolves.toBeUndefined();
    // A second close is a no-op.
    await gateway.close();
  });
});
