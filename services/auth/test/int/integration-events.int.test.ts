/**
 * The relay publishes auth's public events to the bus (in-memory JetStream stand-in) as CloudEvents, and
 * no secret recorded in the event store ever reaches them.
 */
import type { DurableMessage } from '@cairn/shared/bus';
import {
  AUTH_EVENTS_FILTER,
  authIntegrationEvents,
  type Role,
  type SessionResult,
  type User,
} from '@cairn/shared/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuthHarness, actorOf, startHarness } from '../support/harness.js';

let h: AuthHarness;
const received: { subject: string; body: any; raw: string }[] = [];

beforeAll(async () => {
  h = await startHarness();
  await h.bus.consume({
    durable: 'auth-events-test',
    filterSubjects: [AUTH_EVENTS_FILTER],
    handler: async (message: DurableMessage) => {
      const raw = new TextDecoder().decode(message.data);
      received.push({ subject: message.subject, body: JSON.parse(raw), raw });
      message.ack();
    },
  });
});
afterAll(async () => {
  await h?.close();
});

async function until(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for integration events');
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('integration events', () => {
  it('are published as CloudEvents and never carry secrets', async () => {
    const root = actorOf(await h.ok<SessionResult>('adminLogin', { username: 'root', password: 'root-password-1' }));
    const customer = await h.ok<SessionResult>('register', { username: 'eve', password: 'secret-password-1' });
    const refreshed = await h.ok<SessionResult>('refresh', { refreshToken: customer.refreshToken });
    await h.ok('logout', {}, actorOf(refreshed));
    const role = await h.ok<Role>('createRole', { name: 'Agents', permissions: ['chat:reply'] }, root);
    const agent = await h.ok<User>(
      'createUser',
      { username: 'agent', password: 'agent-password-1', userType: 'support', roleIds: [role.id] },
      root,
    );
    const updated = await h.ok<User>(
      'updateUser',
      {
        id: agent.id,
        version: 1,
        displayName: 'Agent',
        userType: 'support',
        orgId: null,
        roleIds: [],
        status: 'active',
        password: 'changed-password-2',
      },
      root,
    );
    expect(updated.version).toBe(2);
    expect(await h.ok<User>('disableUser', { id: agent.id }, root)).toMatchObject({ version: 3 });

    const expected = [
      'cairn.auth.user.created.v1', // root, at start-up
      'cairn.auth.session.started.v1',
      'cairn.auth.user.registered.v1',
      'cairn.auth.session.started.v1',
      'cairn.auth.session.revoked.v1',
      'cairn.auth.role.created.v1',
      'cairn.auth.user.created.v1',
      'cairn.auth.user.profile-updated.v1',
      'cairn.auth.user.password-changed.v1',
      'cairn.auth.user.roles-assigned.v1',
      'cairn.auth.user.disabled.v1',
    ];
    await until(() => received.length >= expected.length);
    expect(received.map((m) => m.subject).sort()).toEqual([...expected].sort());

    for (const message of received) {
      expect(message.body).toMatchObject({
        specversion: '1.0',
        source: 'cairn/auth',
        type: message.subject,
        datacontenttype: 'application/json',
      });
      const schema = authIntegrationEvents[message.subject as keyof typeof authIntegrationEvents];
      expect(schema.safeParse(message.body.data).success).toBe(true);
    }
    const registered = received.find((m) => m.subject === 'cairn.auth.user.registered.v1')!;
    expect(registered.body.data).toMatchObject({ userId: customer.user.id, username: 'eve', via: 'password' });
    const revoked = received.find((m) => m.subject === 'cairn.auth.session.revoked.v1')!;
    expect(revoked.body.data).toMatchObject({
      sessionId: customer.sessionId,
      userId: customer.user.id,
      reason: 'logout',
    });

    // The agent's one update published three events that all carry its resulting version; the disable is the next.
    const agentVersions = received
      .filter((m) => m.body.data.userId === agent.id && m.subject.startsWith('cairn.auth.user.'))
      .map((m) => [m.subject, m.body.data.version]);
    expect(agentVersions.sort()).toEqual(
      [
        ['cairn.auth.user.created.v1', 1],
        ['cairn.auth.user.profile-updated.v1', 2],
        ['cairn.auth.user.password-changed.v1', 2],
        ['cairn.auth.user.roles-assigned.v1', 2],
        ['cairn.auth.user.disabled.v1', 3],
      ].sort(),
    );

    // Every secret the store holds, and every secret a client was given: none may appear in what was published.
    const { rows } = await h.pool.query<{ data: Record<string, unknown> }>('SELECT data FROM auth.events');
    const secrets = new Set<string>([
      'secret-password-1',
      'agent-password-1',
      'changed-password-2',
      customer.refreshToken,
      refreshed.refreshToken,
    ]);
    for (const { data } of rows) {
      for (const key of ['passwordHash', 'refreshTokenHash', 'previousTokenHash']) {
        if (typeof data[key] === 'string') secrets.add(data[key] as string);
      }
    }
    expect(secrets.size).toBeGreaterThan(8);
    const published = received.map((m) => m.raw).join('\n');
    for (const secret of secrets) expect(published).not.toContain(secret);
    expect(published).not.toMatch(/passwordHash|TokenHash|sessionKey|session_key/);
  });
});
