/**
 * Groups and tags of Accounts v2 (CONTRACT.md "Accounts v2", seed 003 §13.1) through the gateway with the
 * real services, in both modes: creation (own ids, default order), listing in order and in pages,
 * names unique per user ignoring case (also under concurrent creates), versioned replacement and
 * deletion (body `version` or `If-Match`, ETags, 400 INVALID_VERSION, 409 VERSION_CONFLICT with the
 * current copy), batch reorder with per-move results, another user's groups answering 404, and a
 * deleted group or tag leaving the accounts that had it.
 */
import { accountsIntegrationEvents } from '@cairn/shared/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ItemResults, type Page, publishedAccountsEvents } from './support/accounts.js';
import { type Client, client, eventually, expectError, expectOk, register } from './support/client.js';
import { MODES, startTestPlatform, type TestPlatform } from './support/platform.js';

interface Group {
  readonly id: string;
  readonly name: string;
  readonly color: string | null;
  readonly order: number;
  readonly version: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}
interface Tag {
  readonly id: string;
  readonly name: string;
  readonly color: string | null;
  readonly version: number;
}
describe.each(MODES)('groups and tags through the gateway, %s', (_label, mode) => {
  let platform: TestPlatform;
  let api: Client;
  let ada: string;
  let adaId: string;
  let bob: string;
  let bobId: string;

  beforeAll(async () => {
    platform = await startTestPlatform(mode);
    api = client(platform.url);
    const adaSession = await register(api, 'ada-groups');
    ada = adaSession.accessToken;
    adaId = adaSession.user.id;
    const bobSession = await register(api, 'bob-groups');
    bob = bobSession.accessToken;
    bobId = bobSession.user.id;
  });
  afterAll(async () => {
    await platform?.stop();
  });

  const listGroups = async (token: string, query = ''): Promise<Page<Group>> =>
    expectOk<Page<Group>>(await api.get(`/api/v2/groups${query}`, { token }));
  const createGroup = async (token: string, body: object): Promise<Group> =>
    expectOk<Group>(await api.post('/api/v2/groups', body, { token }), 201);

  describe('groups', () => {
    let work: Group;
    let home: Group;

    it('are created at version 1, with the client’s id if it brings one, each after the last by default', async () => {
      const created = await api.post('/api/v2/groups', { name: 'Work', color: '#3b82f6' }, { token: ada });
      work = expectOk<Group>(created, 201);
      expect(work).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        name: 'Work',
        color: '#3b82f6',
        order: 0,
        version: 1,
        createdAt: expect.any(String),
        updatedAt: work.createdAt,
      });
      expect(created.headers.get('etag')).toBe('W/"1"');
      home = await createGroup(ada, { id: 'home-group', name: '  Home  ' });
      expect(home).toMatchObject({ id: 'home-group', name: 'Home', color: null, order: 1, version: 1 });
      await createGroup(ada, { id: 'first', name: 'First', order: -5 });
    });

    it('are listed by order, then creation, in pages, right after they were written', async () => {
      const all = await listGroups(ada);
      expect(all).toMatchObject({ page: 1, pageSize: 50, total: 3 });
      expect(all.items.map((g) => g.id)).toEqual(['first', work.id, 'home-group']);
      const second = await listGroups(ada, '?page=2&pageSize=2');
      expect(second).toMatchObject({ page: 2, pageSize: 2, total: 3, items: [{ id: 'home-group' }] });
      expectError(await api.get('/api/v2/groups?pageSize=201', { token: ada }), 400, 'VALIDATION_ERROR');
    });

    it('refuse a name the user already uses (ignoring case and spaces) and an id they already have', async () => {
      const taken = expectError(await api.post('/api/v2/groups', { name: ' work ' }, { token: ada }), 409, 'CONFLICT');
      expect(taken.details).toMatchObject({ id: work.id });
      expectError(
        await api.post('/api/v2/groups', { id: 'home-group', name: 'Other' }, { token: ada }),
        409,
        'CONFLICT',
      );
      // The refused id kept no claim on "Other": it is free.
      await createGroup(ada, { id: 'other', name: 'Other' });
      expect((await listGroups(ada)).total).toBe(4);
    });

    it('refuse invalid input field by field', async () => {
      const invalid = expectError(
        await api.post('/api/v2/groups', { id: 'bad id!', name: '', order: 1.5 }, { token: ada }),
        400,
        'VALIDATION_ERROR',
      );
      expect(invalid.details.map((d: { field: string }) => d.field).sort()).toEqual(['id', 'name', 'order']);
      expectError(await api.post('/api/v2/groups', { name: 'x'.repeat(101) }, { token: ada }), 400, 'VALIDATION_ERROR');
      expectError(await api.post('/api/v2/groups', { name: 'a\u0000b' }, { token: ada }), 400, 'VALIDATION_ERROR');
    });

    it('of one name created at once by many requests: exactly one is made', async () => {
      const answers = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          api.post('/api/v2/groups', { id: `race-${i}`, name: 'Race' }, { token: ada }),
        ),
      );
      expect(answers.filter((a) => a.status === 201)).toHaveLength(1);
      for (const refused of answers.filter((a) => a.status !== 201)) expectError(refused, 409, 'CONFLICT');
      expect((await listGroups(ada)).items.filter((g) => g.name === 'Race')).toHaveLength(1);
    });

    it('are replaced at the version read (body or If-Match), answering the next version and its ETag', async () => {
      const replaced = await api.put(
        `/api/v2/groups/${work.id}`,
        { name: 'Job', color: 'red', version: 1 },
        { token: ada },
      );
      work = expectOk<Group>(replaced);
      expect(work).toMatchObject({ name: 'Job', color: 'red', order: 0, version: 2 });
      expect(replaced.headers.get('etag')).toBe('W/"2"');
      expect((await listGroups(ada)).items.find((g) => g.id === work.id)).toEqual(work);

      const viaHeader = await api.put(
        `/api/v2/groups/${work.id}`,
        { name: 'Job', order: 7 },
        { token: ada, headers: { 'if-match': 'W/"2"' } },
      );
      // An omitted colour is none; the order given moves it.
      work = expectOk<Group>(viaHeader);
      expect(work).toMatchObject({ color: null, order: 7, version: 3 });
      // The old name is free again.
      await createGroup(ada, { id: 'work-again', name: 'Work' });
    });

    it('are not replaced at a stale version, without one, or with a malformed one', async () => {
      const stale = expectError(
        await api.put(`/api/v2/groups/${work.id}`, { name: 'Lost', version: 999 }, { token: ada }),
        409,
        'VERSION_CONFLICT',
      );
      expect(stale.details).toEqual({ currentVersion: 3, current: work });
      expectError(await api.put(`/api/v2/groups/${work.id}`, { name: 'Lost' }, { token: ada }), 400, 'INVALID_VERSION');
      expectError(
        await api.put(`/api/v2/groups/${work.id}`, { name: 'Lost' }, { token: ada, headers: { 'if-match': '3' } }),
        400,
        'INVALID_VERSION',
      );
      expectError(
        await api.put(`/api/v2/groups/${work.id}`, { name: 'Lost', version: 'three' }, { token: ada }),
        400,
        'INVALID_VERSION',
      );
      expectError(
        await api.put(`/api/v2/groups/${work.id}`, { name: 'Home', version: 3 }, { token: ada }),
        409,
        'CONFLICT',
      );
      expectError(
        await api.put('/api/v2/groups/nope', { name: 'X', version: 1 }, { token: ada }),
        404,
        'GROUP_NOT_FOUND',
      );
      expect((await listGroups(ada)).items.find((g) => g.id === work.id)).toEqual(work);
    });

    it('of 50 writers at one version, exactly one wins and its value is kept', async () => {
      const racer = await createGroup(ada, { id: 'contested', name: 'Contested' });
      const answers = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          api.put(
            `/api/v2/groups/contested`,
            { name: 'Contested', color: `c-${i}`, version: racer.version },
            { token: ada },
          ),
        ),
      );
      const winners = answers.filter((a) => a.status === 200);
      expect(winners).toHaveLength(1);
      for (const loser of answers.filter((a) => a.status !== 200)) expectError(loser, 409, 'VERSION_CONFLICT');
      const stored = (await listGroups(ada)).items.find((g) => g.id === 'contested');
      expect(stored).toMatchObject({ version: 2, color: winners[0]!.body.data.color });
    });

    it('are reordered in a batch, each move on its own: versioned or not, refused alone', async () => {
      const before = await listGroups(ada);
      const homeNow = before.items.find((g) => g.id === 'home-group')!;
      const answer = expectOk<ItemResults<Group>>(
        await api.post(
          '/api/v2/groups/batch-reorder',
          {
            orders: [
              { id: 'home-group', order: -10 },
              { id: 'first', order: 20, version: 1 },
              { id: work.id, order: 30, version: 1 },
              { id: 'missing', order: 1 },
              { id: 'other', order: 'last' },
            ],
          },
          { token: ada },
        ),
      );
      expect(answer.summary).toEqual({ total: 5, succeeded: 2, failed: 3 });
      expect(answer.results.map((r) => r.index)).toEqual([0, 1, 2, 3, 4]);
      expect(answer.results[0]).toMatchObject({
        success: true,
        data: { id: 'home-group', order: -10, version: homeNow.version + 1 },
      });
      expect(answer.results[1]).toMatchObject({ success: true, data: { id: 'first', order: 20, version: 2 } });
      expect(answer.results[2]).toMatchObject({
        success: false,
        error: { error: 'VERSION_CONFLICT', details: { currentVersion: 3, current: { id: work.id } } },
      });
      expect(answer.results[3]).toMatchObject({ success: false, error: { error: 'GROUP_NOT_FOUND' } });
      expect(answer.results[4]).toMatchObject({ success: false, error: { error: 'VALIDATION_ERROR' } });
      const after = await listGroups(ada);
      expect(after.items[0]).toMatchObject({ id: 'home-group', order: -10 });
      expect(after.items.at(-1)).toMatchObject({ id: 'first', order: 20 });
    });

    it('refuse a reorder of more than 500 moves whole (413) and an empty one (400)', async () => {
      const orders = Array.from({ length: 501 }, () => ({ id: 'first', order: 1 }));
      expectError(await api.post('/api/v2/groups/batch-reorder', { orders }, { token: ada }), 413, 'PAYLOAD_TOO_LARGE');
      expectError(
        await api.post('/api/v2/groups/batch-reorder', { orders: [] }, { token: ada }),
        400,
        'VALIDATION_ERROR',
      );
      expect((await listGroups(ada)).items.find((g) => g.id === 'first')).toMatchObject({ order: 20, version: 2 });
    });

    it('are deleted only at the version read; then gone, their name free and their id not reused', async () => {
      expectError(await api.delete('/api/v2/groups/other', { token: ada }), 400, 'INVALID_VERSION');
      const stale = expectError(
        await api.send('DELETE', '/api/v2/groups/other', { token: ada, body: { version: 5 } }),
        409,
        'VERSION_CONFLICT',
      );
      expect(stale.details).toMatchObject({ currentVersion: 1, current: { id: 'other', name: 'Other' } });
      const deleted = await api.delete('/api/v2/groups/other', { token: ada, headers: { 'if-match': 'W/"1"' } });
      expect(expectOk<Group>(deleted)).toMatchObject({ id: 'other', name: 'Other', version: 2 });
      expect((await listGroups(ada)).items.map((g) => g.id)).not.toContain('other');
      expectError(
        await api.delete('/api/v2/groups/other', { token: ada, headers: { 'if-match': 'W/"2"' } }),
        404,
        'GROUP_NOT_FOUND',
      );
      await createGroup(ada, { name: 'Other' });
      expectError(await api.post('/api/v2/groups', { id: 'other', name: 'Else' }, { token: ada }), 409, 'CONFLICT');
    });

    it('of another user answer 404 and stay unchanged; ids and names are per user', async () => {
      expect((await listGroups(bob)).total).toBe(0);
      expectError(
        await api.put('/api/v2/groups/home-group', { name: 'Mine', version: 1 }, { token: bob }),
        404,
        'GROUP_NOT_FOUND',
      );
      expectError(
        await api.delete('/api/v2/groups/home-group', { token: bob, headers: { 'if-match': 'W/"2"' } }),
        404,
        'GROUP_NOT_FOUND',
      );
      const reorder = expectOk<ItemResults<Group>>(
        await api.post('/api/v2/groups/batch-reorder', { orders: [{ id: 'home-group', order: 99 }] }, { token: bob }),
      );
      expect(reorder.results[0]).toMatchObject({ success: false, error: { error: 'GROUP_NOT_FOUND' } });
      await createGroup(bob, { id: 'home-group', name: 'Home' });
      expect((await listGroups(ada)).items.find((g) => g.id === 'home-group')).toMatchObject({
        name: 'Home',
        order: -10,
      });
    });

    it('need a signed-in user', async () => {
      expectError(await api.get('/api/v2/groups'), 401, 'UNAUTHORIZED');
      expectError(await api.post('/api/v2/groups', { name: 'Anon' }), 401, 'UNAUTHORIZED');
    });
  });

  describe('tags', () => {
    let vip: Tag;

    it('are created, listed by name and refused when the name is taken', async () => {
      vip = expectOk<Tag>(await api.post('/api/v2/tags', { name: 'VIP', color: 'gold' }, { token: ada }), 201);
      expect(vip).toMatchObject({ name: 'VIP', color: 'gold', version: 1 });
      expectOk(await api.post('/api/v2/tags', { id: 'tag-a', name: 'archived' }, { token: ada }), 201);
      expectError(await api.post('/api/v2/tags', { name: 'vip' }, { token: ada }), 409, 'CONFLICT');
      expectError(await api.post('/api/v2/tags', { id: 'tag-a', name: 'New' }, { token: ada }), 409, 'CONFLICT');
      expectError(await api.post('/api/v2/tags', { color: 'red' }, { token: ada }), 400, 'VALIDATION_ERROR');
      const page = expectOk<Page<Tag>>(await api.get('/api/v2/tags', { token: ada }));
      expect(page).toMatchObject({ total: 2, page: 1, pageSize: 50 });
      expect(page.items.map((t) => t.name)).toEqual(['archived', 'VIP']);
    });

    it('are replaced and deleted at the version read only', async () => {
      const replaced = await api.put(`/api/v2/tags/${vip.id}`, { name: 'V.I.P.', version: 1 }, { token: ada });
      vip = expectOk<Tag>(replaced);
      expect(vip).toMatchObject({ name: 'V.I.P.', color: null, version: 2 });
      expect(replaced.headers.get('etag')).toBe('W/"2"');
      const stale = expectError(
        await api.put(`/api/v2/tags/${vip.id}`, { name: 'Late', version: 1 }, { token: ada }),
        409,
        'VERSION_CONFLICT',
      );
      expect(stale.details).toEqual({ currentVersion: 2, current: vip });
      expectError(await api.put(`/api/v2/tags/${vip.id}`, { name: 'Late' }, { token: ada }), 400, 'INVALID_VERSION');
      expectError(
        await api.put(`/api/v2/tags/${vip.id}`, { name: 'Archived', version: 2 }, { token: ada }),
        409,
        'CONFLICT',
      );
      expectError(await api.delete('/api/v2/tags/tag-a', { token: ada }), 400, 'INVALID_VERSION');
      const gone = expectOk<Tag>(await api.send('DELETE', '/api/v2/tags/tag-a', { token: ada, body: { version: 1 } }));
      expect(gone).toMatchObject({ id: 'tag-a', version: 2 });
      expectError(
        await api.send('DELETE', '/api/v2/tags/tag-a', { token: ada, body: { version: 2 } }),
        404,
        'TAG_NOT_FOUND',
      );
      const page = expectOk<Page<Tag>>(await api.get('/api/v2/tags', { token: ada }));
      expect(page.items).toEqual([vip]);
    });

    it('of another user answer 404', async () => {
      expect(expectOk<Page<Tag>>(await api.get('/api/v2/tags', { token: bob })).total).toBe(0);
      expectError(
        await api.put(`/api/v2/tags/${vip.id}`, { name: 'Mine', version: 2 }, { token: bob }),
        404,
        'TAG_NOT_FOUND',
      );
      expectError(
        await api.delete(`/api/v2/tags/${vip.id}`, { token: bob, headers: { 'if-match': 'W/"2"' } }),
        404,
        'TAG_NOT_FOUND',
      );
    });
  });

  it('a deleted group or tag leaves the accounts that had it, each as a change of its own', async () => {
    const group = await createGroup(ada, { id: 'to-delete', name: 'To delete' });
    const tag = expectOk<Tag>(
      await api.post('/api/v2/tags', { id: 'tag-gone', name: 'Gone soon' }, { token: ada }),
      201,
    );
    const account = expectOk<{ id: string; version: number }>(
      await api.post(
        '/api/v2/accounts',
        { email: 'grouped@example.com', groupId: group.id, tagIds: [tag.id, 'kept-tag'] },
        { token: ada },
      ),
      201,
    );
    expectOk(await api.delete('/api/v2/groups/to-delete', { token: ada, headers: { 'if-match': 'W/"1"' } }));
    expectOk(await api.delete('/api/v2/tags/tag-gone', { token: ada, headers: { 'if-match': 'W/"1"' } }));
    await eventually(
      'the account loses the group and the tag',
      async () => {
        const now = expectOk<{ groupId: string | null; tagIds: string[] }>(
          await api.get(`/api/v2/accounts/${account.id}`, { token: ada }),
        );
        return now.groupId === null && now.tagIds.length === 1;
      },
      10_000,
    );
    const after = expectOk<{ tagIds: string[]; version: number }>(
      await api.get(`/api/v2/accounts/${account.id}`, { token: ada }),
    );
    expect(after.tagIds).toEqual(['kept-tag']);
    expect(after.version).toBe(account.version + 2);
  });

  it('documents every groups, tags, settings and machine-ids endpoint in /openapi.json', async () => {
    const document = (await api.get('/openapi.json')).body as { paths: Record<string, Record<string, any>> };
    const expected: Record<string, string[]> = {
      '/api/v2/groups': ['get', 'post'],
      '/api/v2/groups/{id}': ['put', 'delete'],
      '/api/v2/groups/batch-reorder': ['post'],
      '/api/v2/tags': ['get', 'post'],
      '/api/v2/tags/{id}': ['put', 'delete'],
      '/api/v2/settings': ['get'],
      '/api/v2/settings/{key}': ['get', 'put'],
      '/api/v2/settings/batch': ['post'],
      '/api/v2/machine-ids/config': ['get', 'put'],
      '/api/v2/machine-ids/bindings': ['get'],
      '/api/v2/machine-ids/bindings/{accountId}': ['put', 'delete'],
      '/api/v2/machine-ids/history': ['get', 'post'],
    };
    for (const [path, methods] of Object.entries(expected)) {
      expect(Object.keys(document.paths[path] ?? {}), path).toEqual(expect.arrayContaining(methods));
    }
    expect(JSON.stringify(document.paths['/api/v2/groups/{id}']!.delete.parameters)).toContain('if-match');
  });

  it('publishes every change as an integration event of the contract, naming the owner', async () => {
    const expected = [
      'cairn.accounts.group.created.v1',
      'cairn.accounts.group.updated.v1',
      'cairn.accounts.group.reordered.v1',
      'cairn.accounts.group.deleted.v1',
      'cairn.accounts.tag.created.v1',
      'cairn.accounts.tag.updated.v1',
      'cairn.accounts.tag.deleted.v1',
    ];
    const events = await publishedAccountsEvents(platform, expected);
    for (const event of events.filter((e) => expected.includes(e.subject))) {
      expect(event.type).toBe(event.subject);
      const schema = accountsIntegrationEvents[event.subject as keyof typeof accountsIntegrationEvents];
      expect(schema.safeParse(event.data).success, JSON.stringify(event)).toBe(true);
      expect([adaId, bobId]).toContain(event.data.ownerId);
    }
    expect(events.filter((e) => expected.includes(e.subject) && e.data.ownerId === adaId).length).toBeGreaterThan(0);
  });
});
