/**
 * Who may see and manage whom (CONTRACT.md "A user sees only their own org's users"), through the
 * gateway with the REAL auth service, in both modes: an org admin (a support user of org A whose role
 * grants users:read and users:write) is confined to org A, another org's users answer 404 exactly as
 * missing ones do, and customers or staff without permissions are refused on the admin routes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Client,
  client,
  expectError,
  expectOk,
  login,
  loginAdmin,
  PASSWORD,
  register,
  type SessionUser,
} from './support/client.js';
import { MODES, startTestPlatform, type TestPlatform } from './support/platform.js';

interface Page<T> {
  readonly items: T[];
  readonly total: number;
}

describe.each(MODES)('org isolation through the gateway, %s', (_label, mode) => {
  let platform: TestPlatform;
  let api: Client;
  let admin: string;
  let orgA: string;
  let orgB: string;
  let managerRole: string;
  let ownUser: SessionUser;
  let otherUser: SessionUser;
  let orgAdmin: string;

  beforeAll(async () => {
    platform = await startTestPlatform(mode);
    api = client(platform.url);
    admin = (await loginAdmin(api)).accessToken;
    const post = async (path: string, body: object) => expectOk(await api.post(path, body, { token: admin }), 201);
    orgA = (await post('/api/orgs', { name: 'Org A' })).id;
    orgB = (await post('/api/orgs', { name: 'Org B' })).id;
    managerRole = (await post('/api/roles', { name: 'User managers', permissions: ['users:read', 'users:write'] })).id;
    const user = (body: object) => post('/api/users', { password: PASSWORD, ...body });
    await user({ username: 'olga-admin', userType: 'support', orgId: orgA, roleIds: [managerRole] });
    ownUser = await user({ username: 'carl-a', orgId: orgA });
    otherUser = await user({ username: 'dora-b', orgId: orgB });
    await user({ username: 'plain-support', userType: 'support', orgId: orgA });
    orgAdmin = (await login(api, 'olga-admin')).accessToken;
  });
  afterAll(async () => {
    await platform?.stop();
  });

  const fieldsOf = (user: SessionUser) => ({
    displayName: `${user.displayName} (edited)`,
    userType: user.userType,
    orgId: user.orgId,
    roleIds: user.roleIds,
    status: user.status,
    version: user.version,
  });

  it('an org admin lists only their own org’s users, whatever orgId they ask for', async () => {
    const mine = expectOk<Page<SessionUser>>(await api.get('/api/users', { token: orgAdmin }));
    expect(mine.items.map((u) => u.username).sort()).toEqual(['carl-a', 'olga-admin', 'plain-support']);
    expect(mine.items.every((u) => u.orgId === orgA)).toBe(true);
    const asked = expectOk<Page<SessionUser>>(await api.get(`/api/users?orgId=${orgB}`, { token: orgAdmin }));
    expect(asked).toMatchObject({ items: [], total: 0 });
    const searched = expectOk<Page<SessionUser>>(await api.get('/api/users?q=dora', { token: orgAdmin }));
    expect(searched.total).toBe(0);
    // The platform admin sees both orgs.
    const all = expectOk<Page<SessionUser>>(await api.get('/api/users?q=-', { token: admin }));
    expect(all.items.map((u) => u.username)).toEqual(expect.arrayContaining(['carl-a', 'dora-b']));
  });

  it('another org’s user answers 404 to an org admin, as a missing one does, and stays unchanged', async () => {
    const missing = expectError(await api.get('/api/users/no-such-user', { token: orgAdmin }), 404, 'USER_NOT_FOUND');
    const other = expectError(await api.get(`/api/users/${otherUser.id}`, { token: orgAdmin }), 404, 'USER_NOT_FOUND');
    expect(other.message).toBe(missing.message);
    expectError(
      await api.put(`/api/users/${otherUser.id}`, fieldsOf(otherUser), { token: orgAdmin }),
      404,
      'USER_NOT_FOUND',
    );
    expectError(await api.delete(`/api/users/${otherUser.id}`, { token: orgAdmin }), 404, 'USER_NOT_FOUND');
    const untouched = expectOk<SessionUser>(await api.get(`/api/users/${otherUser.id}`, { token: admin }));
    expect(untouched).toMatchObject({ displayName: otherUser.displayName, status: 'active', version: 1 });
  });

  it('an org admin reads and changes their own org’s users, and creates users only inside it', async () => {
    expect(expectOk(await api.get(`/api/users/${ownUser.id}`, { token: orgAdmin }))).toMatchObject({ id: ownUser.id });
    const edited = expectOk<SessionUser>(
      await api.put(`/api/users/${ownUser.id}`, fieldsOf(ownUser), { token: orgAdmin }),
    );
    expect(edited).toMatchObject({ displayName: 'carl-a (edited)', version: 2 });
    const created = expectOk<SessionUser>(
      await api.post('/api/users', { username: 'new-in-a', password: PASSWORD }, { token: orgAdmin }),
      201,
    );
    expect(created.orgId).toBe(orgA);
    expectError(
      await api.post('/api/users', { username: 'new-in-b', password: PASSWORD, orgId: orgB }, { token: orgAdmin }),
      403,
      'FORBIDDEN',
    );
    expectError(
      await api.put(`/api/users/${ownUser.id}`, { ...fieldsOf(edited), orgId: orgB }, { token: orgAdmin }),
      403,
      'FORBIDDEN',
    );
    // Orgs: an org admin sees their own only and may not create any.
    const orgs = expectOk<Page<{ id: string }>>(await api.get('/api/orgs', { token: orgAdmin }));
    expect(orgs.items.map((o) => o.id)).toEqual([orgA]);
    expectError(await api.post('/api/orgs', { name: 'Org C' }, { token: orgAdmin }), 403, 'FORBIDDEN');
  });

  it('refuses customers on /api/users, /api/roles and /api/orgs with 403', async () => {
    const customer = (await register(api, 'curious-customer')).accessToken;
    for (const path of ['/api/users', `/api/users/${ownUser.id}`, '/api/roles', '/api/orgs']) {
      expectError(await api.get(path, { token: customer }), 403, 'FORBIDDEN');
    }
    expectError(
      await api.post('/api/users', { username: 'by-customer', password: PASSWORD }, { token: customer }),
      403,
      'FORBIDDEN',
    );
    expectError(await api.post('/api/roles', { name: 'Mine', permissions: [] }, { token: customer }), 403, 'FORBIDDEN');
    expectError(await api.post('/api/orgs', { name: 'Mine' }, { token: customer }), 403, 'FORBIDDEN');
    expectError(await api.put(`/api/users/${ownUser.id}`, fieldsOf(ownUser), { token: customer }), 403, 'FORBIDDEN');
    expectError(await api.delete(`/api/users/${ownUser.id}`, { token: customer }), 403, 'FORBIDDEN');
    // Without a token at all it is 401, not 403.
    expectError(await api.get('/api/users'), 401, 'UNAUTHORIZED');
  });

  it('refuses staff without a permission, and takes access away as soon as the granting role goes', async () => {
    const plain = (await login(api, 'plain-support')).accessToken;
    expectError(await api.get('/api/users', { token: plain }), 403, 'FORBIDDEN');
    expectError(
      await api.post('/api/roles', { name: 'Self-made', permissions: ['users:write'] }, { token: plain }),
      403,
      'FORBIDDEN',
    );

    expectOk(await api.get('/api/users', { token: orgAdmin }));
    expectOk(await api.delete(`/api/roles/${managerRole}`, { token: admin }));
    // Permissions come from the current roles, not from the token: the same token is refused now.
    expectError(await api.get('/api/users', { token: orgAdmin }), 403, 'FORBIDDEN');
  });
});
