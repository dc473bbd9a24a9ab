import { describe, expect, it } from 'vitest';
import { orgDecider } from '../../src/orgs/decide.js';
import { roleDecider } from '../../src/roles/decide.js';
import { grantedPermissions, type RoleEvent } from '../../src/roles/role.js';
import { wechatIdentityDecider } from '../../src/wechat/decide.js';
import { deciderSpec, stateAfter } from '../support/deciderSpec.js';

const t0 = '2025-01-01T00:00:00.000Z';
const t1 = '2025-01-02T00:00:00.000Z';
const roles = deciderSpec(roleDecider);
const created: RoleEvent = {
  type: 'RoleCreated',
  data: { roleId: 'r1', name: 'Editors', permissions: ['users:read'], status: 'active', orgId: 'o1', at: t0 },
};

describe('role decider', () => {
  it('creates a role with its permissions deduplicated and sorted', () => {
    roles
      .given([])
      .when({
        type: 'CreateRole',
        roleId: 'r1',
        name: 'Editors',
        permissions: ['users:write', 'users:read', 'users:write'],
        status: 'active',
        orgId: null,
        now: t0,
      })
      .then([
        {
          type: 'RoleCreated',
          data: {
            roleId: 'r1',
            name: 'Editors',
            permissions: ['users:read', 'users:write'],
            status: 'active',
            orgId: null,
            at: t0,
          },
        },
      ]);
  });

  it('updates, with an optional version check, and ignores a no-op', () => {
    const update = {
      type: 'UpdateRole' as const,
      name: 'Editors',
      permissions: ['users:read'],
      status: 'inactive' as const,
      now: t1,
    };
    roles
      .given([created])
      .when(update)
      .then([
        { type: 'RoleUpdated', data: { name: 'Editors', permissions: ['users:read'], status: 'inactive', at: t1 } },
      ]);
    roles
      .given([created])
      .when({ ...update, status: 'active' })
      .then([]);
    roles
      .given([created])
      .when({ ...update, expectedVersion: 2 })
      .thenFails('VERSION_CONFLICT', { currentVersion: 1 });
  });

  it('soft-deletes: a deleted role grants nothing and cannot be changed or deleted again', () => {
    roles
      .given([created])
      .when({ type: 'DeleteRole', now: t1 })
      .then([{ type: 'RoleDeleted', data: { at: t1 } }]);
    const deleted = [created, { type: 'RoleDeleted' as const, data: { at: t1 } }];
    expect(grantedPermissions(stateAfter(roleDecider, deleted))).toEqual([]);
    expect(grantedPermissions(stateAfter(roleDecider, [created]))).toEqual(['users:read']);
    roles.given(deleted).when({ type: 'DeleteRole', now: t1 }).thenFails('ROLE_NOT_FOUND');
    roles
      .given(deleted)
      .when({ type: 'UpdateRole', name: 'x', permissions: [], status: 'active', now: t1 })
      .thenFails('ROLE_NOT_FOUND');
  });
});

describe('org decider', () => {
  it('creates an org once', () => {
    const spec = deciderSpec(orgDecider);
    spec
      .given([])
      .when({ type: 'CreateOrg', orgId: 'o1', name: 'Acme', now: t0 })
      .then([{ type: 'OrgCreated', data: { orgId: 'o1', name: 'Acme', at: t0 } }]);
    spec
      .given([{ type: 'OrgCreated', data: { orgId: 'o1', name: 'Acme', at: t0 } }])
      .when({ type: 'CreateOrg', orgId: 'o1', name: 'Acme', now: t0 })
      .thenFails('CONFLICT');
  });
});

describe('wechat identity decider', () => {
  it('links an openid to the first user id and keeps it', () => {
    const spec = deciderSpec(wechatIdentityDecider);
    spec
      .given([])
      .when({ type: 'LinkWechatIdentity', openid: 'o-1', userId: 'u1', now: t0 })
      .then([{ type: 'WechatIdentityLinked', data: { openid: 'o-1', userId: 'u1', at: t0 } }]);
    spec
      .given([{ type: 'WechatIdentityLinked', data: { openid: 'o-1', userId: 'u1', at: t0 } }])
      .when({ type: 'LinkWechatIdentity', openid: 'o-1', userId: 'u2', now: t1 })
      .then([]);
  });
});
