import { isEventSubject } from '@cairn/shared/bus';
import { type AuthIntegrationEvent, authIntegrationEvents } from '@cairn/shared/contracts';
import type { GlobalPosition, RecordedEvent, StreamVersion } from '@cairn/shared/eventstore';
import { describe, expect, it } from 'vitest';
import { toIntegrationEvent } from '../../src/integration/mapping.js';

const at = '2025-01-01T00:00:00.000Z';
const SECRET = 'SECRET-MATERIAL';
let position = 0n;
const recorded = (streamName: string, type: string, data: unknown): RecordedEvent => ({
  type,
  data,
  schemaVersion: 1,
  streamName,
  streamVersion: 1n as StreamVersion,
  position: { commit: 1n, prepare: ++position } as GlobalPosition,
  metadata: { eventId: `e${position}`, occurredAt: at },
});

/** One event of every internal type, with secrets wherever an internal event holds one. */
const everyEvent: RecordedEvent[] = [
  recorded('user-u1', 'UserRegistered', {
    userId: 'u1',
    username: 'bob',
    displayName: 'Bob',
    passwordHash: SECRET,
    via: 'password',
    at,
  }),
  recorded('user-u2', 'UserCreated', {
    userId: 'u2',
    username: 'amy',
    displayName: 'Amy',
    passwordHash: SECRET,
    userType: 'support',
    orgId: 'o1',
    roleIds: ['r1'],
    at,
  }),
  // One update (version 2) recorded as four events, then a disable (3) and an enable (4).
  recorded('user-u1', 'UserProfileUpdated', { displayName: 'B', userType: 'customer', version: 2, at }),
  recorded('user-u1', 'UserPasswordChanged', { passwordHash: SECRET, version: 2, at }),
  recorded('user-u1', 'UserRolesAssigned', { roleIds: ['r1'], version: 2, at }),
  recorded('user-u1', 'UserOrgChanged', { orgId: null, version: 2, at }),
  recorded('user-u1', 'UserDisabled', { version: 3, at }),
  recorded('user-u1', 'UserEnabled', { version: 4, at }),
  recorded('session-s1', 'SessionStarted', {
    sessionId: 's1',
    userId: 'u1',
    userType: 'customer',
    orgId: null,
    method: 'wechat',
    refreshTokenHash: SECRET,
    refreshExpiresAt: at,
    accessExpiresAt: at,
    at,
  }),
  recorded('session-s1', 'SessionRefreshed', {
    previousTokenHash: SECRET,
    refreshTokenHash: SECRET,
    refreshExpiresAt: at,
    accessExpiresAt: at,
    at,
  }),
  recorded('session-s1', 'SessionRefreshRepeated', { accessExpiresAt: at, at }),
  recorded('session-s1', 'SessionRevoked', { userId: 'u1', reason: 'refresh_token_reuse', at }),
  recorded('role-r1', 'RoleCreated', {
    roleId: 'r1',
    name: 'R',
    permissions: ['users:read'],
    status: 'active',
    orgId: null,
    at,
  }),
  recorded('role-r1', 'RoleUpdated', { name: 'R', permissions: [], status: 'inactive', at }),
  recorded('role-r1', 'RoleDeleted', { at }),
  recorded('org-o1', 'OrgCreated', { orgId: 'o1', name: 'Acme', at }),
  recorded('username-bob', 'UsernameClaimed', { username: 'bob', userId: 'u1', at }),
  recorded('wechat-openid-1', 'WechatIdentityLinked', { openid: 'openid-1', userId: 'u3', at }),
];

describe('integration event mapping', () => {
  const mapped = everyEvent.map(toIntegrationEvent);

  it('publishes users, session starts and revocations, roles and orgs under cairn.auth.<entity>.<event>.v1', () => {
    const subjects = mapped.filter((m) => m !== undefined).map((m) => m.subject);
    expect(subjects).toEqual([
      'cairn.auth.user.registered.v1',
      'cairn.auth.user.created.v1',
      'cairn.auth.user.profile-updated.v1',
      'cairn.auth.user.password-changed.v1',
      'cairn.auth.user.roles-assigned.v1',
      'cairn.auth.user.org-changed.v1',
      'cairn.auth.user.disabled.v1',
      'cairn.auth.user.enabled.v1',
      'cairn.auth.session.started.v1',
      'cairn.auth.session.revoked.v1',
      'cairn.auth.role.created.v1',
      'cairn.auth.role.updated.v1',
      'cairn.auth.role.deleted.v1',
      'cairn.auth.org.created.v1',
    ]);
    for (const subject of subjects) expect(isEventSubject(subject)).toBe(true);
    expect(Object.keys(authIntegrationEvents).sort()).toEqual([...subjects].sort());
  });

  it('keeps refreshes, username claims and WeChat links internal', () => {
    for (const type of ['SessionRefreshed', 'SessionRefreshRepeated', 'UsernameClaimed', 'WechatIdentityLinked']) {
      const index = everyEvent.findIndex((e) => e.type === type);
      expect(mapped[index]).toBeUndefined();
    }
  });

  it('never carries password hashes, refresh-token hashes or other secrets', () => {
    const published = JSON.stringify(mapped);
    expect(published).not.toContain(SECRET);
    expect(published).not.toMatch(/passwordHash|TokenHash|sessionKey|session_key/);
  });

  it('every payload satisfies its contract schema', () => {
    for (const event of mapped) {
      if (!event) continue;
      expect(authIntegrationEvents[event.subject].safeParse(event.data).success).toBe(true);
    }
    expect(mapped[0]?.data).toEqual({
      userId: 'u1',
      username: 'bob',
      displayName: 'Bob',
      userType: 'customer',
      via: 'password',
      version: 1,
      occurredAt: at,
    });
  });

  it('every user event carries the user’s resulting version, the same for all events of one update', () => {
    const versions = mapped
      .filter((m): m is AuthIntegrationEvent => m?.subject.startsWith('cairn.auth.user.') === true)
      .map((m) => [m.subject, (m.data as { version?: number }).version]);
    expect(versions).toEqual([
      ['cairn.auth.user.registered.v1', 1],
      ['cairn.auth.user.created.v1', 1],
      ['cairn.auth.user.profile-updated.v1', 2],
      ['cairn.auth.user.password-changed.v1', 2],
      ['cairn.auth.user.roles-assigned.v1', 2],
      ['cairn.auth.user.org-changed.v1', 2],
      ['cairn.auth.user.disabled.v1', 3],
      ['cairn.auth.user.enabled.v1', 4],
    ]);
    // A payload without its version does not satisfy the contract.
    expect(
      authIntegrationEvents['cairn.auth.user.disabled.v1'].safeParse({ userId: 'u1', occurredAt: at }).success,
    ).toBe(false);
  });
});
