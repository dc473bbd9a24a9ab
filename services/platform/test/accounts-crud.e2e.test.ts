/**
 * Accounts v2 through the gateway with the real accounts service, in both modes (CONTRACT.md
 * "Accounts v2", seed 003 §9.1 and §13.1): create (own ids, defaults, idempotency), read (ETag,
 * credentials for the owner only), PUT and PATCH with versions (body or If-Match; missing or malformed
 * → 400 INVALID_VERSION, stale → 409 VERSION_CONFLICT with the current copy), soft delete and restore,
 * listing with filters, pages and `fields`, the reactions to deleted groups and tags, and permanent
 * delete, which shreds the credentials.
 * Another user's account is 404 everywhere.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from './support/accounts.js';
import { type Client, client, eventually, expectError, expectOk, register } from './support/client.js';
import { MODES, startTestPlatform, type TestPlatform } from './support/platform.js';

interface Account {
  readonly id: string;
  readonly email: string;
  readonly nickname: string;
  readonly provider: string;
  readonly status: string;
  readonly groupId: string | null;
  readonly tagIds: string[];
  readonly usage: { used: number; limit: number | null };
  readonly notes: string;
  readonly hasCredentials: boolean;
  readonly credentials?: Record<string, unknown> | null;
  readonly version: number;
  readonly deletedAt: string | null;
}
const SECRET = { accessToken: 'at-e2e-secret-41', refreshToken: 'rt-e2e-secret-42', expiresAt: null };

describe.each(MODES)('accounts through the gateway, %s', (_label, mode) => {
  let platform: TestPlatform;
  let api: Client;
  let token: string;
  let otherToken: string;

  beforeAll(async () => {
    platform = await startTestPlatform(mode);
    api = client(platform.url);
    token = (await register(api, `owner-${mode}`)).accessToken;
    otherToken = (await register(api, `other-${mode}`)).accessToken;
  });
  afterAll(async () => {
    await platform?.stop();
  });

  const create = async (body: Record<string, unknown>, as = token): Promise<Account> =>
    expectOk<Account>(await api.post('/api/v2/accounts', body, { token: as }), 201);
  const get = async (id: string): Promise<Account> =>
    expectOk<Account>(await api.get(`/api/v2/accounts/${id}`, { token }));
  const list = async (query = ''): Promise<Page<Account>> =>
    expectOk<Page<Account>>(await api.get(`/api/v2/accounts${query}`, { token }));

  it('seed 9.1: PUT at version 1 answers version 2; at version 999, 409 VERSION_CONFLICT', async () => {
    await create({ id: 'test-account', email: 'test@example.com' });
    const updated = await api.put(
      '/api/v2/accounts/test-account',
      { version: 1, email: 'newemail@example.com' },
      { token },
    );
    expect(expectOk<Account>(updated)).toMatchObject({ email: 'newemail@example.com', version: 2 });
    expect(updated.headers.get('etag')).toBe('W/"2"');

    const stale = await api.put(
      '/api/v2/accounts/test-account',
      { version: 999, email: 'newemail@example.com' },
      { token },
    );
    const conflict = expectError(stale, 409, 'VERSION_CONFLICT');
    expect(conflict.details).toMatchObject({
      currentVersion: 2,
      current: { id: 'test-account', email: 'newemail@example.com', version: 2 },
    });
  });

  it('creates with defaults and a server id, or the client its own id; a taken id is 409 CONFLICT', async () => {
    const answer = await api.post('/api/v2/accounts', { email: 'plain@example.com' }, { token });
    const plain = expectOk<Account>(answer, 201);
    expect(answer.headers.get('etag')).toBe('W/"1"');
    expect(plain).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      email: 'plain@example.com',
      nickname: '',
      provider: '',
      status: 'active',
      statusMessage: null,
      groupId: null,
      tagIds: [],
      usage: { used: 0, limit: null },
      notes: '',
      hasCredentials: false,
      lastCheckedAt: null,
      version: 1,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
      deletedAt: null,
    });
    await create({ id: 'mine:1', email: 'own@example.com' });
    expectError(
      await api.post('/api/v2/accounts', { id: 'mine:1', email: 'x@example.com' }, { token }),
      409,
      'CONFLICT',
    );
    // Ids are per user: someone else may use the same one.
    await create({ id: 'mine:1', email: 'theirs@example.com' }, otherToken);
  });

  it('refuses invalid accounts with VALIDATION_ERROR and the fields at fault', async () => {
    const bad = [
      {},
      { email: 'not-an-email' },
      { email: 'a@example.com', status: 'sleeping' },
      { email: 'a@example.com', id: 'has space' },
      { email: 'a@example.com', usage: { used: -1, limit: null } },
      { email: 'a@example.com', credentials: 'not-an-object' },
      { email: 'a@example.com', credentials: { blob: 'x'.repeat(17 * 1024) } },
    ];
    for (const body of bad) {
      const error = expectError(await api.post('/api/v2/accounts', body, { token }), 400, 'VALIDATION_ERROR');
      expect(error.details).toEqual(expect.arrayContaining([expect.objectContaining({ field: expect.any(String) })]));
    }
  });

  it('replays a create with the same Idempotency-Key and refuses the key with another body', async () => {
    const headers = { 'idempotency-key': `create-${mode}` };
    const body = { email: 'once@example.com', credentials: SECRET };
    const first = expectOk<Account>(await api.post('/api/v2/accounts', body, { token, headers }), 201);
    const again = expectOk<Account>(await api.post('/api/v2/accounts', body, { token, headers }), 201);
    expect(again).toEqual(first);
    expect((await list('?q=once@')).total).toBe(1);
    expectError(
      await api.post('/api/v2/accounts', { email: 'twice@example.com' }, { token, headers }),
      422,
      'IDEMPOTENCY_KEY_REUSED',
    );
  });

  it("shows credentials only to their owner's GET, never in write answers or lists", async () => {
    const created = await api.post(
      '/api/v2/accounts',
      { id: 'creds', email: 'c@example.com', credentials: SECRET },
      { token },
    );
    expect(created.text).not.toContain('e2e-secret');
    expect(expectOk<Account>(created, 201)).toMatchObject({ hasCredentials: true });
    expect(expectOk<Account>(created, 201)).not.toHaveProperty('credentials');

    const read = await api.get('/api/v2/accounts/creds', { token });
    expect(expectOk<Account>(read)).toMatchObject({ hasCredentials: true, credentials: SECRET, version: 1 });
    expect(read.headers.get('etag')).toBe('W/"1"');

    const listed = await api.get('/api/v2/accounts?includeDeleted=true', { token });
    expect(listed.status).toBe(200);
    expect(listed.text).not.toContain('e2e-secret');
    expect(listed.text).not.toContain('"credentials"');
  });

  it("answers 404 for another user's account, whatever the operation", async () => {
    await create({ id: 'private', email: 'p@example.com' });
    const as = { token: otherToken };
    const missing = [
      await api.get('/api/v2/accounts/private', as),
      await api.put('/api/v2/accounts/private', { version: 1, email: 'x@example.com' }, as),
      await api.send('PATCH', '/api/v2/accounts/private', { ...as, body: { version: 1, notes: 'x' } }),
      await api.delete('/api/v2/accounts/private', as),
      await api.post('/api/v2/accounts/private/restore', {}, as),
      await api.delete('/api/v2/accounts/private/permanent', as),
    ];
    for (const answer of missing) expectError(answer, 404, 'ACCOUNT_NOT_FOUND');
    expect((await get('private')).version).toBe(1);
    expectError(await api.get('/api/v2/accounts/private'), 401, 'UNAUTHORIZED');
  });

  it('PUT replaces every field (left out: defaults), PATCH only the given ones; If-Match counts as the version', async () => {
    await create({
      id: 'edit',
      email: 'e@example.com',
      nickname: 'Eve',
      tagIds: ['t1'],
      notes: 'keep?',
      credentials: SECRET,
    });
    const patched = await api.send('PATCH', '/api/v2/accounts/edit', {
      token,
      body: { notes: 'patched', usage: { used: 3, limit: 10 } },
      headers: { 'if-match': 'W/"1"' },
    });
    expect(expectOk<Account>(patched)).toMatchObject({
      nickname: 'Eve',
      tagIds: ['t1'],
      notes: 'patched',
      usage: { used: 3, limit: 10 },
      hasCredentials: true,
      version: 2,
    });
    expect(patched.headers.get('etag')).toBe('W/"2"');

    const replaced = expectOk<Account>(
      await api.put('/api/v2/accounts/edit', { email: 'e2@example.com' }, { token, headers: { 'if-match': '"2"' } }),
    );
    expect(replaced).toMatchObject({
      email: 'e2@example.com',
      nickname: '',
      tagIds: [],
      notes: '',
      usage: { used: 0, limit: null },
      hasCredentials: false,
      version: 3,
    });
    expect((await get('edit')).credentials).toBeNull();
    // Nothing to change: the version stays.
    const same = await api.send('PATCH', '/api/v2/accounts/edit', { token, body: { version: 3, nickname: '' } });
    expect(expectOk<Account>(same).version).toBe(3);
  });

  it('refuses writes without a well-formed version (400 INVALID_VERSION) and stale ones (409)', async () => {
    await create({ id: 'versions', email: 'v@example.com' });
    const url = '/api/v2/accounts/versions';
    const invalid = [
      await api.put(url, { email: 'v@example.com' }, { token }),
      await api.send('PATCH', url, { token, body: { notes: 'x' } }),
      await api.put(url, { email: 'v@example.com' }, { token, headers: { 'if-match': 'version 1' } }),
      await api.put(url, { email: 'v@example.com', version: 0 }, { token }),
      await api.put(url, { email: 'v@example.com', version: 'one' }, { token }),
      await api.put(url, { email: 'v@example.com', version: 1 }, { token, headers: { 'if-match': 'W/"2"' } }),
      await api.delete(url, { token, headers: { 'if-match': '*' } }),
    ];
    for (const answer of invalid) expectError(answer, 400, 'INVALID_VERSION');
    expectError(await api.put(url, { version: 1, email: 'nope' }, { token }), 400, 'VALIDATION_ERROR');
    expectError(await api.send('PATCH', url, { token, body: { version: 1, status: 'gone' } }), 400, 'VALIDATION_ERROR');
    const stale = await api.send('PATCH', url, { token, body: { notes: 'x' }, headers: { 'if-match': 'W/"7"' } });
    expect(expectError(stale, 409, 'VERSION_CONFLICT').details).toMatchObject({ currentVersion: 1 });
    expect((await get('versions')).version).toBe(1);
  });

  it('soft-deletes (hidden unless includeDeleted=true, still readable) and restores', async () => {
    await create({ id: 'bin', email: 'bin@example.com' });
    const staleDelete = await api.delete('/api/v2/accounts/bin', { token, headers: { 'if-match': 'W/"5"' } });
    expectError(staleDelete, 409, 'VERSION_CONFLICT');

    const deleted = expectOk<Account>(await api.delete('/api/v2/accounts/bin', { token }));
    expect(deleted).toMatchObject({ version: 2, deletedAt: expect.any(String) });
    expect((await list('?q=bin@')).items).toEqual([]);
    expect((await list('?q=bin@&includeDeleted=true')).items).toMatchObject([{ id: 'bin', version: 2 }]);
    expect(await get('bin')).toMatchObject({ deletedAt: deleted.deletedAt });
    // Deleting again changes nothing.
    expect(expectOk<Account>(await api.delete('/api/v2/accounts/bin', { token })).version).toBe(2);

    const restored = expectOk<Account>(
      await api.post('/api/v2/accounts/bin/restore', null, { token, headers: { 'if-match': 'W/"2"' } }),
    );
    expect(restored).toMatchObject({ version: 3, deletedAt: null });
    expectError(await api.post('/api/v2/accounts/bin/restore', { version: 2 }, { token }), 409, 'VERSION_CONFLICT');
    expect((await list('?q=bin@')).items).toMatchObject([{ id: 'bin', version: 3 }]);
  });

  it('lists in pages with filters, a text search and chosen fields', async () => {
    const tag = `lt-${mode}`;
    await create({ id: 'l1', email: 'list1@filter.test', status: 'expired', groupId: 'grp', tagIds: [tag] });
    await create({ id: 'l2', email: 'list2@filter.test', nickname: 'Needle', groupId: 'grp' });
    await create({ id: 'l3', email: 'list3@filter.test', notes: 'a needle in notes', tagIds: [tag] });

    const page1 = await list('?q=filter.test&pageSize=2');
    expect(page1).toMatchObject({ page: 1, pageSize: 2, total: 3 });
    expect(page1.items.map((a) => a.id)).toEqual(['l1', 'l2']);
    expect((await list('?q=filter.test&pageSize=2&page=2')).items.map((a) => a.id)).toEqual(['l3']);
    expect(await list('?q=filter.test&page=5')).toMatchObject({ items: [], total: 3 });

    expect((await list('?status=expired&q=filter.test')).items.map((a) => a.id)).toEqual(['l1']);
    expect((await list('?groupId=grp')).items.map((a) => a.id)).toEqual(['l1', 'l2']);
    expect((await list(`?tagId=${tag}`)).items.map((a) => a.id)).toEqual(['l1', 'l3']);
    expect((await list('?q=NEEDLE')).items.map((a) => a.id)).toEqual(['l2', 'l3']);

    const slim = await list('?q=filter.test&fields=email,status');
    expect(slim.items[0]).toEqual({ id: 'l1', email: 'list1@filter.test', status: 'expired' });

    const refused = [
      await api.get('/api/v2/accounts?pageSize=201', { token }),
      await api.get('/api/v2/accounts?fields=email,credentials', { token }),
      await api.get('/api/v2/accounts?status=sleeping', { token }),
      await api.get('/api/v2/accounts?includeDeleted=maybe', { token }),
    ];
    for (const answer of refused) expectError(answer, 400, 'VALIDATION_ERROR');
    // Another user's accounts never show.
    const theirs = expectOk<Page<Account>>(await api.get('/api/v2/accounts?q=filter.test', { token: otherToken }));
    expect(theirs.total).toBe(0);
  });

  it("deleting a group or a tag clears it from the owner's accounts, each a new version", async () => {
    expectOk(await api.post('/api/v2/groups', { id: `grp-${mode}`, name: 'Work' }, { token }), 201);
    expectOk(await api.post('/api/v2/tags', { id: `tag-${mode}`, name: 'Paid' }, { token }), 201);
    await create({ id: 'filed', email: 'filed@example.com', groupId: `grp-${mode}`, tagIds: ['keep', `tag-${mode}`] });
    await create({ id: 'unfiled', email: 'unfiled@example.com', tagIds: ['keep'] });

    expectOk(await api.delete(`/api/v2/groups/grp-${mode}`, { token, headers: { 'if-match': 'W/"1"' } }));
    expectOk(await api.delete(`/api/v2/tags/tag-${mode}`, { token, headers: { 'if-match': 'W/"1"' } }));

    // The reactions follow the deletions (asynchronously): two changes, each its own version.
    await eventually('the group and the tag are cleared from the account', async () => {
      const account = await get('filed');
      return account.groupId === null && account.tagIds.length === 1;
    });
    expect(await get('filed')).toMatchObject({ groupId: null, tagIds: ['keep'], version: 3 });
    expect(await get('unfiled')).toMatchObject({ tagIds: ['keep'], version: 1 });
    await eventually('lists show it too', async () => (await list(`?groupId=grp-${mode}`)).total === 0);
  });

  it('answers 503 to refresh-token and check-status while no provider is configured', async () => {
    await create({ id: 'no-provider', email: 'np@example.com', credentials: SECRET });
    for (const action of ['refresh-token', 'check-status']) {
      expectError(
        await api.post(`/api/v2/accounts/no-provider/${action}`, undefined, { token }),
        503,
        'SERVICE_UNAVAILABLE',
      );
    }
    expect((await get('no-provider')).version).toBe(1);
  });

  it('documents every accounts endpoint in /openapi.json', async () => {
    const answer = await api.get('/openapi.json');
    expect(answer.status).toBe(200);
    const paths = (answer.body as { paths: Record<string, Record<string, unknown>> }).paths;
    const expected: Record<string, string[]> = {
      '/api/v2/accounts': ['get', 'post'],
      '/api/v2/accounts/{id}': ['get', 'put', 'patch', 'delete'],
      '/api/v2/accounts/{id}/permanent': ['delete'],
      '/api/v2/accounts/{id}/restore': ['post'],
      '/api/v2/accounts/{id}/refresh-token': ['post'],
      '/api/v2/accounts/{id}/check-status': ['post'],
      '/api/v2/accounts/batch': ['post'],
      '/api/v2/accounts/batch-delete': ['post'],
    };
    for (const [path, methods] of Object.entries(expected)) {
      expect(Object.keys(paths[path] ?? {}), path).toEqual(expect.arrayContaining(methods));
    }
  });

  it('deletes for good: gone from every read, its credentials shredded, no plaintext in the log', async () => {
    await create({ id: 'doomed', email: 'doomed@example.com', credentials: SECRET });
    await api.delete('/api/v2/accounts/doomed', { token });
    const purged = await api.delete('/api/v2/accounts/doomed/permanent', { token });
    expect(expectOk(purged)).toEqual({ id: 'doomed', purged: true });

    expectError(await api.get('/api/v2/accounts/doomed', { token }), 404, 'ACCOUNT_NOT_FOUND');
    expectError(await api.delete('/api/v2/accounts/doomed/permanent', { token }), 404, 'ACCOUNT_NOT_FOUND');
    expect((await list('?q=doomed&includeDeleted=true')).total).toBe(0);

    const pool = platform.db.pool({ max: 1 });
    try {
      const { rows } = await pool.query<{ data: { ownerId: string; credentials?: { kid: string } } }>(
        `SELECT data FROM accounts.events WHERE type = 'AccountCreated' AND data->>'accountId' = 'doomed'`,
      );
      const kid = rows[0]!.data.credentials!.kid;
      const keys = await pool.query('SELECT 1 FROM accounts.credential_data_keys WHERE key_id = $1', [kid]);
      expect(keys.rowCount).toBe(0);
      const text = await pool.query<{ t: string }>(
        `SELECT string_agg(data::text || metadata::text, ' ') AS t FROM accounts.events`,
      );
      expect(text.rows[0]!.t).not.toContain('e2e-secret');
    } finally {
      await pool.end();
    }
  });
});
