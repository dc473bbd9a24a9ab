/**
 * The WebSocket hub over a real listening socket and the `ws` client, on the in-process bus with the
 * FAKE auth service (test/support/fake-auth.ts).
 */
import { type Bus, createMemoryBus } from '@cairn/shared/bus';
import { userNotificationSubject } from '@cairn/shared/contracts';
import { DomainError } from '@cairn/shared/http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Gateway } from '../src/index.js';
import { type FakeAuth, startFakeAuth } from './support/fake-auth.js';
import { eventually, listen, openSocket, startGateway, type TestSocket, testLogger } from './support/gateway.js';

let bus: Bus;
let auth: FakeAuth;
let gateway: Gateway;
let baseUrl: string;

const notify = (userId: string, message: unknown) =>
  bus.publish(userNotificationSubject(userId), new TextEncoder().encode(JSON.stringify(message)));

async function authenticated(userId: string, sessionId = `s-${userId}`): Promise<TestSocket> {
  const socket = await openSocket(baseUrl, `/ws?token=${await auth.token({ userId, sessionId })}`);
  expect(await socket.next()).toEqual({ type: 'auth_ok', userId });
  return socket;
}

beforeAll(async () => {
  bus = createMemoryBus({ logger: testLogger });
  auth = await startFakeAuth(bus);
  gateway = await startGateway(
    bus,
    { WS_AUTH_TIMEOUT_MS: '300' },
    {
      wsHandlers: {
        echo: {
          schema: z.object({ type: z.literal('echo'), text: z.string().max(10) }),
          handle: (message: { text: string }, session) => {
            if (message.text === 'refuse') throw new DomainError('FORBIDDEN', 'Not for you');
            session.send({ type: 'echoed', text: message.text, userId: session.actor.id });
          },
        },
      },
    },
  );
  baseUrl = await listen(gateway);
});

afterAll(async () => {
  await gateway.close();
  await auth.close();
  await bus.close();
});

describe('authentication', () => {
  it('accepts a token in the query string', async () => {
    const socket = await authenticated('query-user');
    socket.socket.close();
  });

  it('accepts a token in the first message', async () => {
    const socket = await openSocket(baseUrl);
    socket.send({ type: 'auth', token: await auth.token({ userId: 'message-user' }) });
    expect(await socket.next()).toEqual({ type: 'auth_ok', userId: 'message-user' });
    socket.send({ type: 'ping' });
    expect(await socket.next()).toEqual({ type: 'pong' });
    socket.socket.close();
  });

  it('handles messages sent before a query token has been verified, after auth_ok', async () => {
    const socket = await openSocket(baseUrl, `/ws?token=${await auth.token({ userId: 'eager-user' })}`);
    socket.send({ type: 'ping' });
    expect(await socket.next()).toEqual({ type: 'auth_ok', userId: 'eager-user' });
    expect(await socket.next()).toEqual({ type: 'pong' });
    socket.socket.close();
  });

  it('refuses a bad token with an error and close code 4401', async () => {
    const viaQuery = await openSocket(baseUrl, '/ws?token=garbage');
    expect(await viaQuery.next()).toMatchObject({ type: 'error', error: 'UNAUTHORIZED' });
    expect((await viaQuery.closed).code).toBe(4401);

    const viaMessage = await openSocket(baseUrl);
    viaMessage.send({ type: 'auth', token: await auth.token({ expiresIn: -10 }) });
    expect(await viaMessage.next()).toMatchObject({ type: 'error', error: 'UNAUTHORIZED' });
    expect((await viaMessage.closed).code).toBe(4401);
  });

  it('closes a socket that does not authenticate in time', async () => {
    const socket = await openSocket(baseUrl);
    const closed = await socket.closed;
    expect(closed.code).toBe(4401);
    expect(closed.reason).toMatch(/timeout/);
  });

  it('refuses other messages before authentication', async () => {
    const socket = await openSocket(baseUrl);
    socket.send({ type: 'echo', text: 'hi' });
    expect(await socket.next()).toMatchObject({ type: 'error', error: 'UNAUTHORIZED' });
    expect((await socket.closed).code).toBe(4401);
  });
});

describe('messages', () => {
  it('answers ping with pong', async () => {
    const socket = await authenticated('pinger');
    socket.send({ type: 'ping' });
    expect(await socket.next()).toEqual({ type: 'pong' });
    socket.socket.close();
  });

  it('answers malformed, unknown and invalid messages with VALIDATION_ERROR and stays open', async () => {
    const socket = await authenticated('sloppy');
    socket.send('{not json');
    expect(await socket.next()).toMatchObject({ type: 'error', error: 'VALIDATION_ERROR' });
    socket.send({ kind: 'no type' });
    expect(await socket.next()).toMatchObject({ type: 'error', error: 'VALIDATION_ERROR' });
    socket.send({ type: 'teleport' });
    expect(await socket.next()).toMatchObject({ type: 'error', error: 'VALIDATION_ERROR', message: /teleport/ });
    socket.send({ type: 'echo', text: 'far too long for this' });
    expect(await socket.next()).toMatchObject({ type: 'error', error: 'VALIDATION_ERROR', message: /text/ });
    socket.socket.send(Buffer.from([1, 2, 3]), { binary: true });
    expect(await socket.next()).toMatchObject({ type: 'error', error: 'VALIDATION_ERROR' });
    socket.send({ type: 'ping' });
    expect(await socket.next()).toEqual({ type: 'pong' });
    socket.socket.close();
  });

  it('keeps built-in and registered message types unique', () => {
    const handler = { schema: z.object({ type: z.string() }), handle: () => undefined };
    for (const taken of ['auth', 'ping', 'echo']) expect(() => gateway.hub.register(taken, handler)).toThrow(/taken/);
  });

  it('runs registered handlers with the socket’s user, and reports their domain errors', async () => {
    const socket = await authenticated('handler-user');
    socket.send({ type: 'echo', text: 'hello' });
    expect(await socket.next()).toEqual({ type: 'echoed', text: 'hello', userId: 'handler-user' });
    socket.send({ type: 'echo', text: 'refuse' });
    expect(await socket.next()).toMatchObject({ type: 'error', error: 'FORBIDDEN', message: 'Not for you' });
    socket.socket.close();
  });
});

describe('per-user delivery', () => {
  it('delivers a user’s notifications to every socket of that user and to nobody else', async () => {
    const a1 = await authenticated('user-a');
    const a2 = await authenticated('user-a', 's-a-phone');
    const b = await authenticated('user-b');
    notify('user-a', { type: 'sync', cursor: 'c-1' });
    expect(await a1.next()).toEqual({ type: 'sync', cursor: 'c-1' });
    expect(await a2.next()).toEqual({ type: 'sync', cursor: 'c-1' });
    // B's next message is the pong: nothing of A's was queued before it.
    b.send({ type: 'ping' });
    expect(await b.next()).toEqual({ type: 'pong' });
    notify('user-b', { type: 'presence', userId: 'user-a', status: 'online' });
    expect(await b.next()).toEqual({ type: 'presence', userId: 'user-a', status: 'online' });
    for (const s of [a1, a2, b]) s.socket.close();
    await eventually(() => gateway.hub.socketsOf('user-a') === 0 && gateway.hub.socketsOf('user-b') === 0);
  });

  it('stops delivering once a user’s last socket is gone, and resumes for a new one', async () => {
    const first = await authenticated('user-c');
    first.socket.close();
    await eventually(() => gateway.hub.socketsOf('user-c') === 0);
    notify('user-c', { type: 'sync', cursor: 'lost' });
    const second = await authenticated('user-c');
    notify('user-c', { type: 'sync', cursor: 'c-2' });
    expect(await second.next()).toEqual({ type: 'sync', cursor: 'c-2' });
    second.socket.close();
  });
});

describe('liveness', () => {
  it('closes a socket idle for WS_IDLE_TIMEOUT_MS with 1001', async () => {
    const idle = await startGateway(bus, { WS_IDLE_TIMEOUT_MS: '300' });
    try {
      const url = await listen(idle);
      const socket = await openSocket(url, `/ws?token=${await auth.token({ userId: 'sleepy' })}`);
      expect((await socket.next()).type).toBe('auth_ok');
      const opened = Date.now();
      const closed = await socket.closed;
      expect(closed.code).toBe(1001);
      expect(Date.now() - opened).toBeGreaterThanOrEqual(250);
    } finally {
      await idle.close();
    }
  });

  it('keeps a socket that talks, and terminates one that stops answering pings', async () => {
    const beating = await startGateway(bus, { WS_HEARTBEAT_MS: '150' });
    try {
      const url = await listen(beating);
      const lively = await openSocket(url, `/ws?token=${await auth.token({ userId: 'lively' })}`);
      const deaf = await openSocket(url, `/ws?token=${await auth.token({ userId: 'deaf' })}`, { autoPong: false });
      expect((await lively.next()).type).toBe('auth_ok');
      expect((await deaf.next()).type).toBe('auth_ok');
      const closed = await deaf.closed;
      // Terminated without a close frame.
      expect(closed.code).toBe(1006);
      lively.send({ type: 'ping' });
      expect(await lively.next()).toEqual({ type: 'pong' });
      lively.socket.close();
    } finally {
      await beating.close();
    }
  });

  it('closes the sockets of a revoked session with 4401 and keeps the user’s other sessions', async () => {
    const revoked = await authenticated('user-r', 'session-to-revoke');
    const other = await authenticated('user-r', 'session-kept');
    auth.revoke('session-to-revoke', { notify: true });
    expect(await revoked.next()).toMatchObject({ type: 'error', error: 'UNAUTHORIZED' });
    expect((await revoked.closed).code).toBe(4401);
    other.send({ type: 'ping' });
    expect(await other.next()).toEqual({ type: 'pong' });
    other.socket.close();
  });

  it('closes a socket when its access token expires', async () => {
    // exp is in whole seconds: 3 leaves between 2 and 3 s (a loaded CI machine can take over a second to open a socket), so the token is still valid when the socket opens.
    const socket = await openSocket(baseUrl, `/ws?token=${await auth.token({ userId: 'short', expiresIn: 3 })}`);
    expect((await socket.next()).type).toBe('auth_ok');
    const closed = await socket.closed;
    expect(closed.code).toBe(4401);
    expect(closed.reason).toMatch(/expired/);
  });
});

describe('shutdown', () => {
  it('closes every socket with 1012 (service restart)', async () => {
    const leaving = await startGateway(bus);
    const url = await listen(leaving);
    const sockets = [
      await openSocket(url, `/ws?token=${await auth.token({ userId: 'stay-1' })}`),
      await openSocket(url, `/ws?token=${await auth.token({ userId: 'stay-2' })}`),
    ];
    for (const s of sockets) expect((await s.next()).type).toBe('auth_ok');
    await leaving.close();
    for (const s of sockets) expect((await s.closed).code).toBe(1012);
    expect(leaving.hub.size).toBe(0);
  });
});
