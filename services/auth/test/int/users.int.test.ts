/**
 * Users, roles and organisations with org isolation (seed 000), called over the bus as the gateway does,
 * against a real PostgreSQL database.
 */
import { type Org, type Role, SESSION_REVOKED_SUBJECT, type SessionResult, type User } from '@cairn/shared/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuthHarness, actorOf, expectError, startHarness } from '../support/harness.js';

type Page<T> = { items: T[]; page: number; pageSize: number; total: number };
type As = ReturnType<typeof actorOf>;

let h: AuthHarness;
let root: As;
let acme: Org;
let globex: Org;
let userAdminRole: Role;
let orgAdmin: As;
let acmeSupport: User;
let globexUser: User;

const login = async (username: string, password = 'password-123') =>
  actorOf(await h.ok<SessionResult>('login', { username, password }));

beforeAll(async () => {
  h = await startHarness();
  root = actorOf(await h.ok<SessionResult>('adminLogin', { username: 'root', password: 'root-password-1' }));
  acme = await h.ok<Org>('createOrg', { name: 'Acme' }, root);
  globex = await h.ok<Org>('createOrg', { name: 'Globex' }, root);
  userAdminRole = await h.ok<Role>(
    'createRole',
    { name: 'User admins', permissions: ['users:write', 'users:read'] },
    root,
  );
  await h.ok<User>(
    'createUser',
    {
      username: 'acme-admin',
      password: 'password-123',
      userType: 'support',
      orgId: acme.id,
      roleIds: [userAdminRole.id],
    },
    root,
  );
  acmeSupport = await h.ok<User>(
    'createUser',
    { username: 'acme-agent', password: 'password-123', displayName: 'Agent A', userType: 'support', orgId: acme.id },
    root,
  );
  globexUser = await h.ok<User>(
    'createUser',
    { username: 'globex-user', password: 'password-123', orgId: globex.id },
    root,
  );
  orgAdmin = await login('acme-admin');
});
afterAll(async () => {
  await h?.close();
});

describe('organisations', () => {
  it('a platform admin creates and lists them; others see only their own, and cannot create', async () => {
    expect(acme).toMatchObject({ name: 'Acme', version: 1 });
    const all = await h.ok<Page<Org>>('listOrgs', {}, root);
    expect(all.items.map((o) => o.name)).toEqual(['Acme', 'Globex']);
    const mine = await h.ok<Page<Org>>('listOrgs', {}, orgAdmin);
    expect(mine).toMatchObject({ total: 1, items: [{ id: acme.id }] });
    expectError(await h.call('createOrg', { name: 'Initech' }, orgAdmin), 'FORBIDDEN');
    expectError(await h.call('createOrg', { name: 'Initech' }), 'UNAUTHORIZED');
  });

  it('users cannot be placed in an org that does not exist', async () => {
    expectError(
      await h.call('createUser', { username: 'lost', password: 'password-123', orgId: 'no-such-org' }, root),
      'ORG_NOT_FOUND',
    );
  });
});

describe('users and org isolation', () => {
  it('the user list is ordered, paged, searchable, and shows writes at once', async () => {
    const all = await h.ok<Page<User>>('listUsers', { pageSize: 2 }, root);
    expect(all.total).toBe(4); // root, acme-admin, acme-agent, globex-user
    expect(all.items.map((u) => u.username)).toEqual(['root', 'acme-admin']);
    const page2 = await h.ok<Page<User>>('listUsers', { pageSize: 2, page: 2 }, root);
    expect(page2.items.map((u) => u.username)).toEqual(['acme-agent', 'globex-user']);
    const found = await h.ok<Page<User>>('listUsers', { q: 'AGENT a' }, root);
    expect(found.items.map((u) => u.username)).toEqual(['acme-agent']);
    const byOrg = await h.ok<Page<User>>('listUsers', { orgId: globex.id }, root);
    expect(byOrg.items.map((u) => u.id)).toEqual([globexUser.id]);
  });

  it('an org admin lists only their own org, whatever orgId they ask for', async () => {
    const mine = await h.ok<Page<User>>('listUsers', {}, orgAdmin);
    expect(mine.items.map((u) => u.username).sort()).toEqual(['acme-admin', 'acme-agent']);
    const other = await h.ok<Page<User>>('listUsers', { orgId: globex.id }, orgAdmin);
    expect(other).toMatchObject({ items: [], total: 0 });
  });

  it('another org’s user is 404 USER_NOT_FOUND to an org admin, not 403', async () => {
    expectError(await h.call('getUser', { id: globexUser.id }, orgAdmin), 'USER_NOT_FOUND');
    expectError(await h.call('disableUser', { id: globexUser.id }, orgAdmin), 'USER_NOT_FOUND');
    expectError(
      await h.call(
        'updateUser',
        {
          id: globexUser.id,
          version: 1,
          displayName: 'x',
          userType: 'customer',
          orgId: acme.id,
          roleIds: [],
          status: 'active',
        },
        orgAdmin,
      ),
      'USER_NOT_FOUND',
    );
    expectError(await h.call('getUser', { id: 'does-not-exist' }, orgAdmin), 'USER_NOT_FOUND');
    const seen = await h.ok<User>('getUser', { id: acmeSupport.id }, orgAdmin);
    expect(seen.username).toBe('acme-agent');
  });

  it('an org admin creates users in their own org only, and never admins', async () => {
    const created = await h.ok<User>('createUser', { username: 'acme-new', password: 'password-123' }, orgAdmin);
    expect(created).toMatchObject({ orgId: acme.id, userType: 'customer', version: 1 });
    expectError(
      await h.call('createUser', { username: 'sneaky', password: 'password-123', orgId: globex.id }, orgAdmin),
      'FORBIDDEN',
    );
    expectError(
      await h.call('createUser', { username: 'sneaky2', password: 'password-123', userType: 'admin' }, orgAdmin),
      'FORBIDDEN',
    );
    const mine = await h.ok<Page<User>>('listUsers', {}, orgAdmin);
    expect(mine.items.map((u) => u.username)).toContain('acme-new');
  });

  it('customers and support without user permissions get 403; anyone may read themselves', async () => {
    const customer = actorOf(await h.ok<SessionResult>('register', { username: 'plain', password: 'password-123' }));
    expectError(await h.call('listUsers', {}, customer), 'FORBIDDEN');
    expectError(await h.call('getUser', { id: acmeSupport.id }, customer), 'FORBIDDEN');
    expectError(await h.call('createUser', { username: 'x-user', password: 'password-123' }, customer), 'FORBIDDEN');
    const agent = await login('acme-agent');
    expectError(await h.call('listUsers', {}, agent), 'FORBIDDEN');
    const self = await h.ok<User>('getUser', { id: customer.actor.id }, customer);
    expect(self.username).toBe('plain');
  });

  it('updates are versioned: a stale version is 409 with the current user', async () => {
    const updated = await h.ok<User>(
      'updateUser',
      {
        id: acmeSupport.id,
        version: 1,
        displayName: 'Agent Alpha',
        userType: 'support',
        orgId: acme.id,
        roleIds: [],
        status: 'active',
      },
      root,
    );
    expect(updated).toMatchObject({ displayName: 'Agent Alpha', version: 2 });
    const stale = expectError(
      await h.call(
        'updateUser',
        {
          id: acmeSupport.id,
          version: 1,
          displayName: 'Agent B',
          userType: 'support',
          orgId: acme.id,
          roleIds: [],
          status: 'active',
        },
        orgAdmin,
      ),
      'VERSION_CONFLICT',
    );
    expect(stale.details).toMatchObject({
      currentVersion: 2,
      current: { id: acmeSupport.id, displayName: 'Agent Alpha', version: 2 },
    });
    const listed = await h.ok<Page<User>>('listUsers', { q: 'alpha' }, root);
    expect(listed.items[0]).toMatchObject({ displayName: 'Agent Alpha', version: 2 });
  });

  it('one PUT that changes several fields is one version, however many events it records', async () => {
    const target = await h.ok<User>(
      'createUser',
      { username: 'multi', password: 'password-123', userType: 'support', orgId: acme.id },
      root,
    );
    expect(target.version).toBe(1);
    const put = {
      id: target.id,
      version: 1,
      displayName: 'Multi Changed',
      userType: 'support',
      orgId: globex.id,
      roleIds: [userAdminRole.id],
      status: 'disabled',
      password: 'other-password-7',
    };
    // Profile, password, roles, org and status: five events, one change.
    const updated = await h.ok<User>('updateUser', put, root);
    expect(updated).toMatchObject({
      displayName: 'Multi Changed',
      orgId: globex.id,
      roleIds: [userAdminRole.id],
      status: 'disabled',
      version: 2,
    });
    const { rows } = await h.pool.query<{ type: string; version: number }>(
      `SELECT type, (data->>'version')::int AS version FROM auth.events WHERE stream_name = $1 ORDER BY stream_version`,
      [`user-${target.id}`],
    );
    expect(rows.map((r) => r.type)).toEqual([
      'UserCreated',
      'UserProfileUpdated',
      'UserPasswordChanged',
      'UserRolesAssigned',
      'UserOrgChanged',
      'UserDisabled',
    ]);
    expect(rows.slice(1).map((r) => r.version)).toEqual([2, 2, 2, 2, 2]);
    expect(await h.ok<User>('getUser', { id: target.id }, root)).toMatchObject({ version: 2 });
    const listed = await h.ok<Page<User>>('listUsers', { q: 'multi changed' }, root);
    expect(listed.items).toMatchObject([{ id: target.id, version: 2 }]);

    const stale = expectError(
      await h.call('updateUser', { ...put, displayName: 'Again', status: 'active' }, root),
      'VERSION_CONFLICT',
    );
    expect(stale.details).toMatchObject({ currentVersion: 2, current: { id: target.id, version: 2 } });
    // The next PUT at the version it was given is accepted and moves it by one again.
    expect(
      await h.ok<User>('updateUser', { ...put, version: 2, displayName: 'Again', status: 'active' }, root),
    ).toMatchObject({ displayName: 'Again', status: 'active', version: 3 });
  });

  it('a password change through update works for the next login', async () => {
    const current = await h.ok<User>('getUser', { id: acmeSupport.id }, root);
    await h.ok<User>('updateUser', { ...pick(current), password: 'new-password-9' }, orgAdmin);
    expectError(await h.call('login', { username: 'acme-agent', password: 'password-123' }), 'UNAUTHORIZED');
    await h.ok('login', { username: 'acme-agent', password: 'new-password-9' });
  });

  it('org admins cannot move users out of their org or make admins', async () => {
    const current = await h.ok<User>('getUser', { id: acmeSupport.id }, root);
    expectError(await h.call('updateUser', { ...pick(current), orgId: globex.id }, orgAdmin), 'FORBIDDEN');
    expectError(await h.call('updateUser', { ...pick(current), userType: 'admin' }, orgAdmin), 'FORBIDDEN');
  });

  it('disabling a user revokes their sessions, tells the gateways, and blocks logins', async () => {
    const victim = await h.ok<User>(
      'createUser',
      { username: 'leaving', password: 'password-123', orgId: acme.id },
      root,
    );
    const one = await h.ok<SessionResult>('login', { username: 'leaving', password: 'password-123' });
    const two = await h.ok<SessionResult>('login', { username: 'leaving', password: 'password-123' });
    const notices: { sessionId: string }[] = [];
    const sub = h.bus.subscribe(SESSION_REVOKED_SUBJECT, (n) =>
      notices.push(JSON.parse(new TextDecoder().decode(n.data))),
    );
    const disabled = await h.ok<User>('disableUser', { id: victim.id }, orgAdmin);
    sub.close();
    expect(disabled).toMatchObject({ status: 'disabled', version: 2 });
    expect(notices.map((n) => n.sessionId).sort()).toEqual([one.sessionId, two.sessionId].sort());
    const revoked = await h.ok<{ sessions: { sessionId: string }[] }>('revokedSessions');
    expect(revoked.sessions.map((s) => s.sessionId)).toEqual(expect.arrayContaining([one.sessionId, two.sessionId]));
    expectError(await h.call('login', { username: 'leaving', password: 'password-123' }), 'FORBIDDEN');
    expectError(await h.call('refresh', { refreshToken: one.refreshToken }), 'UNAUTHORIZED');
    expectError(await h.call('me', {}, actorOf(one)), 'UNAUTHORIZED');
    // Disabling again changes nothing; nobody may disable themselves.
    expect(await h.ok<User>('disableUser', { id: victim.id }, root)).toMatchObject({ version: 2 });
    expectError(await h.call('disableUser', { id: orgAdmin.actor.id }, orgAdmin), 'FORBIDDEN');
  });
});

describe('roles', () => {
  it('assigning a role grants its permissions; deactivating or deleting it takes them away', async () => {
    const role = await h.ok<Role>('createRole', { name: 'Readers', permissions: ['users:read', 'users:read'] }, root);
    expect(role).toMatchObject({ permissions: ['users:read'], status: 'active', orgId: null, version: 1 });
    const reader = await h.ok<User>(
      'createUser',
      { username: 'reader', password: 'password-123', orgId: acme.id, roleIds: [role.id] },
      root,
    );
    expect(reader.permissions).toEqual(['users:read']);
    const readerActor = await login('reader');
    await h.ok('listUsers', {}, readerActor);
    expectError(await h.call('createUser', { username: 'nope', password: 'password-123' }, readerActor), 'FORBIDDEN');

    const inactive = await h.ok<Role>(
      'updateRole',
      { id: role.id, version: 1, name: 'Readers', permissions: ['users:read'], status: 'inactive' },
      root,
    );
    expect(inactive).toMatchObject({ status: 'inactive', version: 2 });
    expect((await h.ok<User>('me', {}, readerActor)).permissions).toEqual([]);
    expectError(await h.call('listUsers', {}, readerActor), 'FORBIDDEN');

    const active = await h.ok<Page<Role>>('listRoles', { status: 'active' }, root);
    expect(active.items.map((r) => r.id)).not.toContain(role.id);
    const inactiveList = await h.ok<Page<Role>>('listRoles', { status: 'inactive' }, root);
    expect(inactiveList.items.map((r) => r.id)).toContain(role.id);

    expectError(
      await h.call('updateRole', { id: role.id, version: 1, name: 'X', permissions: [], status: 'active' }, root),
      'VERSION_CONFLICT',
    );
    const deleted = await h.ok<Role>('deleteRole', { id: role.id }, root);
    expect(deleted.status).toBe('inactive');
    const all = await h.ok<Page<Role>>('listRoles', {}, root);
    expect(all.items.map((r) => r.id)).not.toContain(role.id);
    expectError(await h.call('deleteRole', { id: role.id }, root), 'ROLE_NOT_FOUND');
  });

  it('holders of roles:write manage their org’s roles only; global roles are read-only to them', async () => {
    const roleAdmins = await h.ok<Role>('createRole', { name: 'Role admins', permissions: ['roles:write'] }, root);
    await h.ok<User>(
      'createUser',
      { username: 'acme-roles', password: 'password-123', orgId: acme.id, roleIds: [roleAdmins.id] },
      root,
    );
    const globexRoleAdmin = await h.ok<User>(
      'createUser',
      { username: 'globex-roles', password: 'password-123', orgId: globex.id, roleIds: [roleAdmins.id] },
      root,
    );
    const acmeRoles = await login('acme-roles');
    const own = await h.ok<Role>('createRole', { name: 'Acme helpers', permissions: ['chat:reply'] }, acmeRoles);
    expect(own.orgId).toBe(acme.id);
    const visible = await h.ok<Page<Role>>('listRoles', {}, acmeRoles);
    expect(visible.items.map((r) => r.id)).toEqual(expect.arrayContaining([own.id, roleAdmins.id]));
    expectError(
      await h.call(
        'updateRole',
        { id: roleAdmins.id, name: 'Mine now', permissions: ['users:write'], status: 'active' },
        acmeRoles,
      ),
      'FORBIDDEN',
    );
    const globexRoles = actorOf(
      await h.ok<SessionResult>('login', { username: 'globex-roles', password: 'password-123' }),
    );
    expect(globexRoles.actor.id).toBe(globexRoleAdmin.id);
    const theirs = await h.ok<Page<Role>>('listRoles', {}, globexRoles);
    expect(theirs.items.map((r) => r.id)).not.toContain(own.id);
    expectError(await h.call('deleteRole', { id: own.id }, globexRoles), 'ROLE_NOT_FOUND');
    // Another org's role cannot be assigned either.
    expectError(
      await h.call(
        'createUser',
        { username: 'mixed', password: 'password-123', orgId: globex.id, roleIds: [own.id] },
        root,
      ),
      'ROLE_NOT_FOUND',
    );
    const customer = actorOf(await h.ok<SessionResult>('register', { username: 'curious', password: 'password-123' }));
    expectError(await h.call('listRoles', {}, customer), 'FORBIDDEN');
    expectError(await h.call('createRole', { name: 'x', permissions: [] }, customer), 'FORBIDDEN');
  });
});

describe('idempotency keys', () => {
  it('a repeated create with the same key and body returns the first result; another body is 422', async () => {
    const first = await h.ok<Org>('createOrg', { name: 'Umbrella' }, { ...root, idempotencyKey: 'org-1' });
    const again = await h.ok<Org>('createOrg', { name: 'Umbrella' }, { ...root, idempotencyKey: 'org-1' });
    expect(again).toEqual(first);
    expectError(
      await h.call('createOrg', { name: 'Umbrella 2' }, { ...root, idempotencyKey: 'org-1' }),
      'IDEMPOTENCY_KEY_REUSED',
    );
    const orgs = await h.ok<Page<Org>>('listOrgs', {}, root);
    expect(orgs.items.filter((o) => o.name === 'Umbrella')).toHaveLength(1);
  });

  it('register replays its session; a refused call replays its refusal', async () => {
    const body = { username: 'once-only', password: 'password-123' };
    const first = await h.ok<SessionResult>('register', body, { idempotencyKey: 'reg-1' });
    const again = await h.ok<SessionResult>('register', body, { idempotencyKey: 'reg-1' });
    expect(again.sessionId).toBe(first.sessionId);
    expectError(await h.call('register', body, { idempotencyKey: 'reg-2' }), 'CONFLICT');
    expectError(await h.call('register', body, { idempotencyKey: 'reg-2' }), 'CONFLICT');
    expectError(
      await h.call('register', { ...body, password: 'other-pass-1' }, { idempotencyKey: 'reg-1' }),
      'IDEMPOTENCY_KEY_REUSED',
    );
    // The stored fingerprint is keyed: it cannot be used to test password guesses offline.
    const { rows } = await h.pool.query(
      `SELECT request_hash FROM auth.idempotency_keys WHERE idempotency_key = 'reg-1'`,
    );
    const { createHash } = await import('node:crypto');
    const bare = createHash('sha256')
      .update(JSON.stringify({ password: body.password, username: body.username }))
      .digest('hex');
    expect(rows[0].request_hash).not.toBe(bare);
  });
});

function pick(user: User) {
  return {
    id: user.id,
    version: user.version,
    displayName: user.displayName,
    userType: user.userType,
    orgId: user.orgId,
    roleIds: user.roleIds,
    status: user.status,
  };
}
