import { describe, expect, it } from 'vitest';
import { userDecider } from '../../src/users/decide.js';
import type { UserEvent } from '../../src/users/user.js';
import { deciderSpec, stateAfter } from '../support/deciderSpec.js';

const spec = deciderSpec(userDecider);
const t0 = '2025-01-01T00:00:00.000Z';
const t1 = '2025-01-01T00:05:00.000Z';

const created: UserEvent = {
  type: 'UserCreated',
  data: {
    userId: 'u1',
    username: 'alice',
    displayName: 'Alice',
    passwordHash: 'scrypt$h1',
    userType: 'support',
    orgId: 'o1',
    roleIds: ['r1'],
    at: t0,
  },
};

const update = {
  type: 'UpdateUser' as const,
  expectedVersion: 1,
  displayName: 'Alice',
  userType: 'support' as const,
  orgId: 'o1',
  roleIds: ['r1'],
  status: 'active' as const,
  now: t1,
};

describe('user decider', () => {
  it('registers a customer once', () => {
    spec
      .given([])
      .when({
        type: 'RegisterUser',
        userId: 'u1',
        username: 'bob',
        displayName: 'Bob',
        passwordHash: 'h',
        via: 'password',
        now: t0,
      })
      .then([
        {
          type: 'UserRegistered',
          data: { userId: 'u1', username: 'bob', displayName: 'Bob', passwordHash: 'h', via: 'password', at: t0 },
        },
      ]);
    spec
      .given([created])
      .when({
        type: 'RegisterUser',
        userId: 'u1',
        username: 'bob',
        displayName: 'Bob',
        passwordHash: 'h',
        via: 'password',
        now: t0,
      })
      .thenFails('CONFLICT');
  });

  it('a registered user is an active customer without org at version 1', () => {
    const state = stateAfter(userDecider, [
      {
        type: 'UserRegistered',
        data: { userId: 'u2', username: 'wx_1', displayName: 'WeChat user', passwordHash: null, via: 'wechat', at: t0 },
      },
    ]);
    expect(state).toMatchObject({ kind: 'existing', userType: 'customer', orgId: null, status: 'active', version: 1 });
  });

  it('an update emits one event per changed aspect, and nothing when nothing changed', () => {
    spec.given([created]).when(update).then([]);
    spec
      .given([created])
      .when({ ...update, displayName: 'Alice L.', roleIds: ['r1', 'r2'], status: 'disabled', passwordHash: 'h2' })
      .then([
        { type: 'UserProfileUpdated', data: { displayName: 'Alice L.', userType: 'support', version: 2, at: t1 } },
        { type: 'UserPasswordChanged', data: { passwordHash: 'h2', version: 2, at: t1 } },
        { type: 'UserRolesAssigned', data: { roleIds: ['r1', 'r2'], version: 2, at: t1 } },
        { type: 'UserDisabled', data: { version: 2, at: t1 } },
      ]);
    spec
      .given([created])
      .when({ ...update, orgId: null })
      .then([{ type: 'UserOrgChanged', data: { orgId: null, version: 2, at: t1 } }]);
  });

  it('one update is one version: changing name, roles and status yields three events all at version 2', () => {
    const command = { ...update, displayName: 'Alice L.', roleIds: ['r1', 'r2'], status: 'disabled' as const };
    const expected: UserEvent[] = [
      { type: 'UserProfileUpdated', data: { displayName: 'Alice L.', userType: 'support', version: 2, at: t1 } },
      { type: 'UserRolesAssigned', data: { roleIds: ['r1', 'r2'], version: 2, at: t1 } },
      { type: 'UserDisabled', data: { version: 2, at: t1 } },
    ];
    spec.given([created]).when(command).then(expected);
    const state = stateAfter(userDecider, [created, ...expected]);
    expect(state).toMatchObject({
      version: 2,
      displayName: 'Alice L.',
      roleIds: ['r1', 'r2'],
      status: 'disabled',
      updatedAt: t1,
    });
    // The next update is decided against version 2, and its events carry 3.
    spec
      .given([created, ...expected])
      .when({ ...command, expectedVersion: 2, status: 'active' })
      .then([{ type: 'UserEnabled', data: { version: 3, at: t1 } }]);
    spec
      .given([created, ...expected])
      .when(command)
      .thenFails('VERSION_CONFLICT', { currentVersion: 2 });
  });

  it('role order alone is not a change', () => {
    spec
      .given([{ ...created, data: { ...created.data, roleIds: ['r1', 'r2'] } }])
      .when({ ...update, roleIds: ['r2', 'r1'] })
      .then([]);
  });

  it('refuses a stale version with the current one in details', () => {
    spec
      .given([created, { type: 'UserDisabled', data: { version: 2, at: t1 } }])
      .when(update)
      .thenFails('VERSION_CONFLICT', { currentVersion: 2 });
  });

  it('takes the version from the events, not their count, and tracks updatedAt', () => {
    const state = stateAfter(userDecider, [
      created,
      { type: 'UserDisabled', data: { version: 2, at: t1 } },
      { type: 'UserEnabled', data: { version: 3, at: t1 } },
    ]);
    expect(state).toMatchObject({ version: 3, status: 'active', createdAt: t0, updatedAt: t1 });
  });

  it('disables once; a second disable changes nothing', () => {
    spec
      .given([created])
      .when({ type: 'DisableUser', now: t1 })
      .then([{ type: 'UserDisabled', data: { version: 2, at: t1 } }]);
    spec
      .given([created, { type: 'UserDisabled', data: { version: 2, at: t1 } }])
      .when({ type: 'DisableUser', now: t1 })
      .then([]);
  });

  it('refuses updates and disables of a user that does not exist', () => {
    spec.given([]).when(update).thenFails('USER_NOT_FOUND');
    spec.given([]).when({ type: 'DisableUser', now: t1 }).thenFails('USER_NOT_FOUND');
  });
});
