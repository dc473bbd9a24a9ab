/**
 * The production path: the auth service on a real NATS server with JetStream (RPC, revocation notices,
 * and integration events through the relay), with a subject prefix and stream of its own so test files
 * sharing the server do not see each other.
 */
import type { DurableMessage } from '@cairn/shared/bus';
import { AUTH_EVENTS_FILTER, SESSION_REVOKED_SUBJECT, type SessionResult } from '@cairn/shared/contracts';
import { createTestNatsBus, dropTestStream, testSubjectPrefix } from '@cairn/shared/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuthHarness, actorOf, expectError, startHarness } from '../support/harness.js';

let h: AuthHarness;

beforeAll(async () => {
  h = await startHarness({}, {}, (logger) => createTestNatsBus({ logger }));
});
afterAll(async () => {
  await h?.close();
  await dropTestStream();
});

describe('over NATS', () => {
  it('serves logins, announces logouts and relays integration events', async () => {
    const events: string[] = [];
    await h.bus.consume({
      durable: `auth-${testSubjectPrefix()}`,
      filterSubjects: [AUTH_EVENTS_FILTER],
      handler: async (message: DurableMessage) => {
        events.push(message.subject);
        message.ack();
      },
    });
    const session = await h.ok<SessionResult>('register', { username: 'natalie', password: 'password-123' });
    expectError(await h.call('login', { username: 'natalie', password: 'wrong-password' }), 'UNAUTHORIZED');
    expect((await h.ok('me', {}, actorOf(session))).username).toBe('natalie');

    const notices: string[] = [];
    const sub = h.bus.subscribe(SESSION_REVOKED_SUBJECT, (n) => notices.push(new TextDecoder().decode(n.data)));
    await h.ok('logout', {}, actorOf(session));
    const deadline = Date.now() + 5_000;
    while ((notices.length === 0 || !events.includes('cairn.auth.session.revoked.v1')) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 25));
    }
    await sub.close();
    expect(JSON.parse(notices[0]!)).toMatchObject({ sessionId: session.sessionId });
    expect(events).toEqual(
      expect.arrayContaining([
        'cairn.auth.user.registered.v1',
        'cairn.auth.session.started.v1',
        'cairn.auth.session.revoked.v1',
      ]),
    );
  });
});
