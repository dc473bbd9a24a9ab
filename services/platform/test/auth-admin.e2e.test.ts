/**
 * Managing organisations, roles and users as the platform admin (CONTRACT.md "Auth and identity"),
 * through the gateway with the REAL auth service, in both modes: creation, listing with filters and
 * pages, versioned replacement (body `version` or `If-Match`, ETags, 400/409), and DELETE as disable,
 * which locks the user out and revokes the tokens they hold.
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
  type SessionUser,
} from './support/client.js';
import { MODES, startTestPlatform, type TestPlatform } from './support/platform.js';
import { openAuthenticatedSocket } from './support/socket.js';

interface Org {
  readonly id: string;
  readonly name: string;
  readonly version: number;
}
interface Role {
  readonly id: string;
  readonly name: string;
  readonly permissions: string[];
  readonly status: 'active' | 'inactive';
  readonly orgId: string | null;
  readonly version: number;
}
interface Page<T> {
  readonly items: T[];
  readonly page: number;
  readonly pageSize: number;
  readonly total: number;
}

describe.each(MODES)('users, roles and orgs as the platform admin, %s', (_label, mode) => {
  let platform: TestPlatform;
  let api: Client;
  let token: string;
  let orgA: Org;
  let orgB: Org;
  let agents: Role;

  beforeAll(async () => {
    platform = await startTestPlatform(mode);
    api = client(platform.url);
    token = (await loginAdmin(api)).accessToken;
  });
  afterAll(async () => {
    await platform?.stop();
  });

  const createUser = async (body: Record<string, unknown>): Promise<SessionUser> =>
    expectOk<SessionUser>(await api.post('/api/users', { password: PASSWORD, ...body }, { token }), 201);

  it('creates organisations and lists them in pages', async () => {
    orgA = expectOk<Org>(await api.post('/api/orgs', { name: 'Org A' }, { token }), 201);
    expect(orgA).toMatchObject({ id: expect.any(String), name: 'Org A', version: 1 });
    orgB = expectOk<Org>(await api.post('/api/orgs', { name: 'Org B' }, { token }), 201);
    const all = expectOk<Page<Org>>(await api.get('/api/orgs', { token }));
    expect(all).toMatchObject({ page: 1, pageSize: 50, total: 2 });
    expect(all.items.map((o) => o.name)).toEqual(['Org A', 'Org B']);
    const second = expectOk<Page<Org>>(await api.get('/api/orgs?page=2&pageSize=1', { token }));
    expect(second).toMatchObject({ page: 2, pageSize: 1, total: 2, items: [{ id: orgB.id }] });
    expectError(await api.post('/api/orgs', { name: '' }, { token }), 400, 'VALIDATION_ERROR');
  });

  it('creates roles with permissions, replaces one (ETag) and deletes another', async () => {
    agents = expectOk<Role>(
      await api.post('/api/roles', { name: 'Agents', permissions: ['users:read', 'chat:write'] }, { token }),
      201,
    );
    // Permissions are a set: answered in order, whatever order they were given in.
    expect(agents).toMatchObject({
      status: 'active',
      orgId: null,
      version: 1,
      permissions: ['chat:write', 'users:read'],
    });
    const temp = expectOk<Role>(await api.post('/api/roles', { name: 'Temp', permissions: [] }, { token }), 201);
    expectError(
      await api.post('/api/roles', { name: 'Bad', permissions: ['Read Everything'] }, { token }),
      400,
      'VALIDATION_ERROR',
    );

    const replaced = await api.put(
      `/api/roles/${agents.id}`,
      { name: 'Agents', permissions: ['users:read', 'users:write'], status: 'active', version: 1 },
      { token },
    );
    agents = expectOk<Role>(replaced);
    expect(agents).toMatchObject({ version: 2, permissions: ['users:read', 'users:write'] });
    expect(replaced.headers.get('etag')).toBe('W/"2"');
    // A role's version is optional, but one given (in the body or as If-Match) is enforced.
    const stale = await api.put(
      `/api/roles/${agents.id}`,
      { name: 'Agents', permissions: [], status: 'active', version: 1 },
      { token },
    );
    const conflict = expectError(stale, 409, 'VERSION_CONFLICT');
    expect(conflict.details).toMatchObject({ currentVersion: 2, current: { id: agents.id, version: 2 } });
    const staleHeader = await api.put(
      `/api/roles/${agents.id}`,
      { name: 'Agents', permissions: [], status: 'active' },
      { token, headers: { 'if-match': 'W/"1"' } },
    );
    expectError(staleHeader, 409, 'VERSION_CONFLICT');
    const [kept] = expectOk<Page<Role>>(await api.get('/api/roles', { token })).items;
    expect(kept).toMatchObject({ id: agents.id, version: 2, permissions: ['users:read', 'users:write'] });

    // Inactive: listed under ?status=inactive only. Deleted: gone from every listing.
    const paused = expectOk<Role>(
      await api.put(`/api/roles/${temp.id}`, { name: 'Temp', permissions: [], status: 'inactive' }, { token }),
    );
    expect(paused).toMatchObject({ status: 'inactive', version: 2 });
    const ids = async (query: string) =>
      expectOk<Page<Role>>(await api.get(`/api/roles${query}`, { token })).items.map((r) => r.id);
    expect(await ids('?status=active')).toEqual([agents.id]);
    expect(await ids('?status=inactive')).toEqual([temp.id]);
    expect(expectOk(await api.delete(`/api/roles/${temp.id}`, { token }))).toMatchObject({
      id: temp.id,
      status: 'inactive',
    });
    expect(await ids('')).toEqual([agents.id]);
    expectError(await api.delete(`/api/roles/${temp.id}`, { token }), 404, 'ROLE_NOT_FOUND');
  });

  it('creates users in organisations with roles, and refuses an unknown org or role', async () => {
    const ann = await createUser({ username: 'ann', userType: 'support', orgId: orgA.id, roleIds: [agents.id] });
    expect(ann).toMatchObject({ orgId: orgA.id, roleIds: [agents.id], permissions: ['users:read', 'users:write'] });
    await createUser({ username: 'amy-customer', orgId: orgA.id, displayName: 'Amy' });
    await createUser({ username: 'abe-customer', orgId: orgA.id });
    await createUser({ username: 'bea-customer', orgId: orgB.id });
    await createUser({ username: 'loner' });
    expectError(
      await api.post('/api/users', { username: 'x-user', password: PASSWORD, orgId: 'no-such-org' }, { token }),
      404,
      'ORG_NOT_FOUND',
    );
    expectError(
      await api.post('/api/users', { username: 'y-user', password: PASSWORD, roleIds: ['no-such-role'] }, { token }),
      404,
      'ROLE_NOT_FOUND',
    );
    expectError(await api.post('/api/users', { username: 'ann', password: PASSWORD }, { token }), 409, 'CONFLICT');
  });

  it('lists users by orgId, q, status and page; pageSize over 200 is refused', async () => {
    const list = async (query: string) => expectOk<Page<SessionUser>>(await api.get(`/api/users${query}`, { token }));
    const inA = await list(`?orgId=${orgA.id}`);
    expect(inA.items.map((u) => u.username).sort()).toEqual(['abe-customer', 'amy-customer', 'ann']);
    expect(inA).toMatchObject({ page: 1, pageSize: 50, total: 3 });
    expect((await list('?q=customer')).items.map((u) => u.username).sort()).toEqual([
      'abe-customer',
      'amy-customer',
      'bea-customer',
    ]);
    const everyone = await list('');
    // The first admin, and the five created above.
    expect(everyone.total).toBe(6);
    const pageTwo = await list('?page=2&pageSize=2');
    expect(pageTwo).toMatchObject({ page: 2, pageSize: 2, total: 6 });
    expect(pageTwo.items).toHaveLength(2);
    expect(pageTwo.items.map((u) => u.id)).toEqual(everyone.items.slice(2, 4).map((u) => u.id));
    expect((await list('?status=disabled')).total).toBe(0);
    const tooBig = expectError(await api.get('/api/users?pageSize=201', { token }), 400, 'VALIDATION_ERROR');
    expect(JSON.stringify(tooBig.details)).toContain('pageSize');
    expectError(await api.get('/api/users?status=sleeping', { token }), 400, 'VALIDATION_ERROR');
  });

  it('gets a user with an ETag and replaces it by version in the body or If-Match', async () => {
    const [amy] = expectOk<Page<SessionUser>>(await api.get('/api/users?q=amy', { token })).items;
    const got = await api.get(`/api/users/${amy!.id}`, { token });
    expect(expectOk(got)).toMatchObject({ id: amy!.id, displayName: 'Amy', version: 1 });
    expect(got.headers.get('etag')).toBe('W/"1"');
    const fields = { displayName: 'Amy A.', userType: 'customer', orgId: orgA.id, roleIds: [], status: 'active' };

    const byBody = await api.put(`/api/users/${amy!.id}`, { ...fields, version: 1 }, { token });
    expect(expectOk(byBody)).toMatchObject({ displayName: 'Amy A.', version: 2 });
    expect(byBody.headers.get('etag')).toBe('W/"2"');
    const byHeader = await api.put(
      `/api/users/${amy!.id}`,
      { ...fields, displayName: 'Amy Again' },
      { token, headers: { 'if-match': 'W/"2"' } },
    );
    expect(expectOk(byHeader)).toMatchObject({ displayName: 'Amy Again', version: 3 });
    expect(byHeader.headers.get('etag')).toBe('W/"3"');

    expectError(await api.put(`/api/users/${amy!.id}`, fields, { token }), 400, 'INVALID_VERSION');
    expectError(
      await api.put(`/api/users/${amy!.id}`, { ...fields, version: 'three' }, { token }),
      400,
      'INVALID_VERSION',
    );
    expectError(
      await api.put(`/api/users/${amy!.id}`, { ...fields, version: 3 }, { token, headers: { 'if-match': 'W/"2"' } }),
      400,
      'INVALID_VERSION',
    );
    expectError(
      await api.put(`/api/users/${amy!.id}`, fields, { token, headers: { 'if-match': 'yesterday' } }),
      400,
      'INVALID_VERSION',
    );
    const stale = expectError(
      await api.put(`/api/users/${amy!.id}`, { ...fields, displayName: 'Too late', version: 2 }, { token }),
      409,
      'VERSION_CONFLICT',
    );
    expect(stale.details).toMatchObject({ currentVersion: 3, current: { id: amy!.id, displayName: 'Amy Again' } });
    expectError(await api.get('/api/users/no-such-user', { token }), 404, 'USER_NOT_FOUND');
  });

  it('DELETE disables: the user cannot log in and the token they hold is refused at once', async () => {
    const abe = await login(api, 'abe-customer');
    expectOk(await api.get('/api/auth/me', { token: abe.accessToken }));
    const socket = await openAuthenticatedSocket(platform.url, abe.accessToken);
    const disabled = expectOk<SessionUser>(await api.delete(`/api/users/${abe.user.id}`, { token }));
    expect(disabled).toMatchObject({ id: abe.user.id, status: 'disabled', version: 2 });

    expectError(await api.get('/api/auth/me', { token: abe.accessToken }), 401, 'UNAUTHORIZED');
    expect((await socket.closed).code).toBe(4401);
    expectError(await api.post('/api/auth/refresh', { refreshToken: abe.refreshToken }), 401, 'UNAUTHORIZED');
    // With the right password the refusal says why (logins/handlers.ts); a wrong one stays a plain 401.
    expectError(await api.post('/api/auth/login', { username: 'abe-customer', password: PASSWORD }), 403, 'FORBIDDEN');
    const listed = expectOk<Page<SessionUser>>(await api.get('/api/users?status=disabled', { token }));
    expect(listed.items.map((u) => u.id)).toEqual([abe.user.id]);
    // The admin cannot disable themselves.
    const me = expectOk<SessionUser>(await api.get('/api/auth/me', { token }));
    expectError(await api.delete(`/api/users/${me.id}`, { token }), 403, 'FORBIDDEN');
  });
});
