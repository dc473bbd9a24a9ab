/**
 * Settings and machine ids of Accounts v2 (CONTRACT.md "Accounts v2", seed 003 §13.1) through the gateway
 * with the real services, in both modes. A setting, the machine-id configuration and a binding are
 * upserts that cannot overwrite by accident: without a version they only create, with one they only
 * replace that version (409 VERSION_CONFLICT with the current copy otherwise). Also: ETags on reads,
 * the batch of settings answering per item, the history of machine ids, bindings only to the user's
 * own live accounts (404 ACCOUNT_NOT_FOUND), and a purged account losing its binding.
 */
import { accountsIntegrationEvents } from '@cairn/shared/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ItemResults, type Page, publishedAccountsEvents } from './support/accounts.js';
import { type Client, client, eventually, expectError, expectOk, register } from './support/client.js';
import { MODES, startTestPlatform, type TestPlatform } from './support/platform.js';

interface Setting {
  readonly key: string;
  readonly value: unknown;
  readonly version: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}
interface Config {
  readonly autoSwitch: boolean;
  readonly useBindings: boolean;
  readonly rotateOnSwitch: boolean;
  readonly bindOnFirstUse: boolean;
  readonly extra: Record<string, unknown>;
  readonly version: number;
  readonly createdAt: string | null;
  readonly updatedAt: string | null;
}
interface Binding {
  readonly accountId: string;
  readonly machineId: string;
  readonly version: number;
  readonly boundAt: string;
  readonly updatedAt: string;
}
interface Entry {
  readonly id: string;
  readonly accountId: string;
  readonly machineId: string;
  readonly kind: 'bound' | 'unbound' | 'recorded';
  readonly reason: string | null;
  readonly at: string;
}
describe.each(MODES)('settings and machine ids through the gateway, %s', (_label, mode) => {
  let platform: TestPlatform;
  let api: Client;
  let ada: string;
  let adaId: string;
  let bob: string;
  let bobId: string;

  beforeAll(async () => {
    platform = await startTestPlatform(mode);
    api = client(platform.url);
    const adaSession = await register(api, 'ada-settings');
    ada = adaSession.accessToken;
    adaId = adaSession.user.id;
    const bobSession = await register(api, 'bob-settings');
    bob = bobSession.accessToken;
    bobId = bobSession.user.id;
  });
  afterAll(async () => {
    await platform?.stop();
  });

  describe('settings', () => {
    const put = (key: string, body: object, token = ada, headers: Record<string, string> = {}) =>
      api.put(`/api/v2/settings/${key}`, body, { token, headers });

    it('are created without a version, at version 1, and read back with their ETag', async () => {
      expectError(await api.get('/api/v2/settings/ui.theme', { token: ada }), 404, 'SETTING_NOT_FOUND');
      const created = await put('ui.theme', { value: { mode: 'dark', accent: '#f00' } });
      expect(expectOk<Setting>(created)).toEqual({
        key: 'ui.theme',
        value: { mode: 'dark', accent: '#f00' },
        version: 1,
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      });
      expect(created.headers.get('etag')).toBe('W/"1"');
      const read = await api.get('/api/v2/settings/ui.theme', { token: ada });
      expect(expectOk<Setting>(read)).toMatchObject({ value: { mode: 'dark', accent: '#f00' }, version: 1 });
      expect(read.headers.get('etag')).toBe('W/"1"');
    });

    it('that exist are not overwritten by a PUT without a version: 409 with the current copy', async () => {
      const refused = expectError(await put('ui.theme', { value: 'light' }), 409, 'VERSION_CONFLICT');
      expect(refused.details).toMatchObject({ currentVersion: 1, current: { key: 'ui.theme', version: 1 } });
      expect(expectOk<Setting>(await api.get('/api/v2/settings/ui.theme', { token: ada })).value).toEqual({
        mode: 'dark',
        accent: '#f00',
      });
    });

    it('are replaced at the version read (body or If-Match) and never at a stale one', async () => {
      expect(expectOk<Setting>(await put('ui.theme', { value: 'light', version: 1 }))).toMatchObject({
        value: 'light',
        version: 2,
      });
      const viaHeader = await put('ui.theme', { value: ['a', 1, null] }, ada, { 'if-match': 'W/"2"' });
      expect(expectOk<Setting>(viaHeader)).toMatchObject({ value: ['a', 1, null], version: 3 });
      expect(viaHeader.headers.get('etag')).toBe('W/"3"');
      const stale = expectError(await put('ui.theme', { value: 'late', version: 2 }), 409, 'VERSION_CONFLICT');
      expect(stale.details).toMatchObject({ currentVersion: 3, current: { value: ['a', 1, null] } });
      expectError(await put('ui.theme', { value: 'x', version: 'three' }), 400, 'INVALID_VERSION');
      expectError(await put('ui.theme', { value: 'x', version: 0 }), 400, 'INVALID_VERSION');
      expectError(await put('ui.theme', { value: 'x' }, ada, { 'if-match': 'three' }), 400, 'INVALID_VERSION');
      expectError(
        await put('ui.theme', { value: 'x', version: 3 }, ada, { 'if-match': 'W/"2"' }),
        400,
        'INVALID_VERSION',
      );
    });

    it('that do not exist are not created by a PUT naming a version: 409 with nothing current', async () => {
      const refused = expectError(await put('never.made', { value: 1, version: 4 }), 409, 'VERSION_CONFLICT');
      expect(refused.details).toEqual({ currentVersion: 0, current: null });
      expectError(await api.get('/api/v2/settings/never.made', { token: ada }), 404, 'SETTING_NOT_FOUND');
    });

    it('take keys of letters, digits and _ . : - and any JSON value up to 64 KiB', async () => {
      expect(expectOk<Setting>(await put('sync:interval_ms-2', { value: null })).value).toBeNull();
      expectError(await put('has%20space', { value: 1 }), 400, 'VALIDATION_ERROR');
      expectError(await put('k'.repeat(101), { value: 1 }), 400, 'VALIDATION_ERROR');
      expectError(await put('big', { value: 'x'.repeat(64 * 1024) }), 400, 'VALIDATION_ERROR');
      expectError(await put('none', {}), 400, 'VALIDATION_ERROR');
    });

    it('are listed by key, all of the user’s and only theirs', async () => {
      const mine = expectOk<Page<Setting>>(await api.get('/api/v2/settings', { token: ada }));
      expect(mine).toMatchObject({ page: 1, pageSize: 50, total: 2 });
      expect(mine.items.map((s) => [s.key, s.version])).toEqual([
        ['sync:interval_ms-2', 1],
        ['ui.theme', 3],
      ]);
      expect(expectOk<Page<Setting>>(await api.get('/api/v2/settings', { token: bob })).total).toBe(0);
      expectError(await api.get('/api/v2/settings/ui.theme', { token: bob }), 404, 'SETTING_NOT_FOUND');
      // Bob's key of the same name is his own, made at version 1.
      expect(expectOk<Setting>(await put('ui.theme', { value: 'bob' }, bob)).version).toBe(1);
      expect(expectOk<Setting>(await api.get('/api/v2/settings/ui.theme', { token: ada })).version).toBe(3);
    });

    it('are put in a batch, each item on its own, items of one key in order', async () => {
      const answer = expectOk<ItemResults<Setting>>(
        await api.post(
          '/api/v2/settings/batch',
          {
            settings: [
              { key: 'batch.a', value: 1 },
              { key: 'batch.a', value: 2, version: 1 },
              { key: 'ui.theme', value: 'stale', version: 1 },
              { key: 'bad key', value: 1 },
              { key: 'batch.b', value: { nested: true } },
              { key: 'batch.c' },
            ],
          },
          { token: ada },
        ),
      );
      expect(answer.summary).toEqual({ total: 6, succeeded: 3, failed: 3 });
      expect(answer.results.map((r) => [r.index, r.success])).toEqual([
        [0, true],
        [1, true],
        [2, false],
        [3, false],
        [4, true],
        [5, false],
      ]);
      expect(answer.results[1]!.data).toMatchObject({ key: 'batch.a', value: 2, version: 2 });
      expect(answer.results[2]!.error).toMatchObject({ error: 'VERSION_CONFLICT', details: { currentVersion: 3 } });
      expect(answer.results[3]!.error).toMatchObject({ error: 'VALIDATION_ERROR' });
      expect(answer.results[5]!.error).toMatchObject({ error: 'VALIDATION_ERROR' });
      const listed = expectOk<Page<Setting>>(await api.get('/api/v2/settings', { token: ada }));
      expect(listed.items.filter((s) => s.key.startsWith('batch.')).map((s) => [s.key, s.value])).toEqual([
        ['batch.a', 2],
        ['batch.b', { nested: true }],
      ]);
    });

    it('in a batch of more than 500 are refused whole (413)', async () => {
      const settings = Array.from({ length: 501 }, (_, i) => ({ key: `many.${i}`, value: i }));
      expectError(await api.post('/api/v2/settings/batch', { settings }, { token: ada }), 413, 'PAYLOAD_TOO_LARGE');
      expectError(await api.get('/api/v2/settings/many.0', { token: ada }), 404, 'SETTING_NOT_FOUND');
    });

    it('need a signed-in user', async () => {
      expectError(await api.get('/api/v2/settings'), 401, 'UNAUTHORIZED');
    });
  });

  describe('the machine-id configuration', () => {
    it('shows the defaults at version 0 until first saved, without a version', async () => {
      const initial = expectOk<Config>(await api.get('/api/v2/machine-ids/config', { token: ada }));
      expect(initial).toEqual({
        autoSwitch: false,
        useBindings: true,
        rotateOnSwitch: false,
        bindOnFirstUse: false,
        extra: {},
        version: 0,
        createdAt: null,
        updatedAt: null,
      });
      const saved = await api.put(
        '/api/v2/machine-ids/config',
        { autoSwitch: true, extra: { pool: 'eu' } },
        { token: ada },
      );
      expect(expectOk<Config>(saved)).toMatchObject({
        autoSwitch: true,
        useBindings: true,
        extra: { pool: 'eu' },
        version: 1,
        createdAt: expect.any(String),
      });
      expect(saved.headers.get('etag')).toBe('W/"1"');
      const read = await api.get('/api/v2/machine-ids/config', { token: ada });
      expect(expectOk<Config>(read)).toMatchObject({ autoSwitch: true, version: 1 });
      expect(read.headers.get('etag')).toBe('W/"1"');
    });

    it('is replaced only at the version read', async () => {
      const refused = expectError(
        await api.put('/api/v2/machine-ids/config', { autoSwitch: false }, { token: ada }),
        409,
        'VERSION_CONFLICT',
      );
      expect(refused.details).toMatchObject({ currentVersion: 1, current: { autoSwitch: true } });
      const replaced = expectOk<Config>(
        await api.put(
          '/api/v2/machine-ids/config',
          { rotateOnSwitch: true },
          { token: ada, headers: { 'if-match': 'W/"1"' } },
        ),
      );
      // PUT replaces: what is left out takes its default.
      expect(replaced).toMatchObject({ autoSwitch: false, rotateOnSwitch: true, extra: {}, version: 2 });
      expectError(
        await api.put('/api/v2/machine-ids/config', { autoSwitch: true, version: 1 }, { token: ada }),
        409,
        'VERSION_CONFLICT',
      );
      expectError(
        await api.put('/api/v2/machine-ids/config', { autoSwitch: 'yes', version: 2 }, { token: ada }),
        400,
        'VALIDATION_ERROR',
      );
      expectError(
        await api.put(
          '/api/v2/machine-ids/config',
          { extra: { blob: 'x'.repeat(17 * 1024) }, version: 2 },
          { token: ada },
        ),
        400,
        'VALIDATION_ERROR',
      );
      expect(expectOk<Config>(await api.get('/api/v2/machine-ids/config', { token: bob })).version).toBe(0);
    });
  });

  describe('machine-id bindings and history', () => {
    let accountId: string;
    const bindings = async (token = ada, query = ''): Promise<Page<Binding>> =>
      expectOk<Page<Binding>>(await api.get(`/api/v2/machine-ids/bindings${query}`, { token }));
    const history = async (query = '', token = ada): Promise<Page<Entry>> =>
      expectOk<Page<Entry>>(await api.get(`/api/v2/machine-ids/history${query}`, { token }));
    const newAccount = async (email: string, token = ada): Promise<string> =>
      expectOk<{ id: string }>(await api.post('/api/v2/accounts', { email }, { token }), 201).id;

    beforeAll(async () => {
      accountId = await newAccount('bound@example.com');
    });

    it('bind only to an account the user has', async () => {
      const bobsAccount = await newAccount('bobs@example.com', bob);
      const put = (id: string) => api.put(`/api/v2/machine-ids/bindings/${id}`, { machineId: 'm-1' }, { token: ada });
      expectError(await put('no-such-account'), 404, 'ACCOUNT_NOT_FOUND');
      expectError(await put(bobsAccount), 404, 'ACCOUNT_NOT_FOUND');
      expect((await bindings()).total).toBe(0);
    });

    it('are made without a version at version 1, listed, and not overwritten without one', async () => {
      const bound = await api.put(
        `/api/v2/machine-ids/bindings/${accountId}`,
        { machineId: 'machine-aaa', reason: 'first login' },
        { token: ada },
      );
      expect(expectOk<Binding>(bound)).toMatchObject({ accountId, machineId: 'machine-aaa', version: 1 });
      expect(bound.headers.get('etag')).toBe('W/"1"');
      expect((await bindings()).items).toEqual([bound.body.data]);
      const refused = expectError(
        await api.put(`/api/v2/machine-ids/bindings/${accountId}`, { machineId: 'machine-bbb' }, { token: ada }),
        409,
        'VERSION_CONFLICT',
      );
      expect(refused.details).toMatchObject({ currentVersion: 1, current: { machineId: 'machine-aaa' } });
      expectError(
        await api.put(`/api/v2/machine-ids/bindings/${accountId}`, { machineId: 'has space' }, { token: ada }),
        400,
        'VALIDATION_ERROR',
      );
    });

    it('are rebound at the version read and unbound only with it', async () => {
      const rebound = expectOk<Binding>(
        await api.put(
          `/api/v2/machine-ids/bindings/${accountId}`,
          { machineId: 'machine-bbb' },
          { token: ada, headers: { 'if-match': 'W/"1"' } },
        ),
      );
      expect(rebound).toMatchObject({ machineId: 'machine-bbb', version: 2 });
      expectError(
        await api.delete(`/api/v2/machine-ids/bindings/${accountId}`, { token: ada }),
        400,
        'INVALID_VERSION',
      );
      expectError(
        await api.send('DELETE', `/api/v2/machine-ids/bindings/${accountId}`, { token: ada, body: { version: 1 } }),
        409,
        'VERSION_CONFLICT',
      );
      expectError(
        await api.delete(`/api/v2/machine-ids/bindings/${accountId}`, { token: bob, headers: { 'if-match': 'W/"2"' } }),
        404,
        'BINDING_NOT_FOUND',
      );
      const unbound = expectOk<Binding>(
        await api.send('DELETE', `/api/v2/machine-ids/bindings/${accountId}`, {
          token: ada,
          body: { version: 2, reason: 'sold the laptop' },
        }),
      );
      expect(unbound).toMatchObject({ accountId, machineId: 'machine-bbb', version: 3, boundAt: rebound.boundAt });
      expect((await bindings()).total).toBe(0);
      expectError(
        await api.delete(`/api/v2/machine-ids/bindings/${accountId}`, { token: ada, headers: { 'if-match': 'W/"3"' } }),
        404,
        'BINDING_NOT_FOUND',
      );
      // A copy from before the unbind names version 2: it cannot rebind; a fresh bind continues at 4.
      expectError(
        await api.put(
          `/api/v2/machine-ids/bindings/${accountId}`,
          { machineId: 'machine-ccc', version: 2 },
          { token: ada },
        ),
        409,
        'VERSION_CONFLICT',
      );
      expect(
        expectOk<Binding>(
          await api.put(`/api/v2/machine-ids/bindings/${accountId}`, { machineId: 'machine-ccc' }, { token: ada }),
        ).version,
      ).toBe(4);
    });

    it('leave a history: every bind and unbind, and what clients record, newest first', async () => {
      const used = expectOk<Entry>(
        await api.post(
          '/api/v2/machine-ids/history',
          { accountId, machineId: 'machine-zzz', reason: 'rotated on switch', at: '2099-01-01T08:00:00+08:00' },
          { token: ada },
        ),
        201,
      );
      expect(used).toEqual({
        id: expect.any(String),
        accountId,
        machineId: 'machine-zzz',
        kind: 'recorded',
        reason: 'rotated on switch',
        at: '2099-01-01T00:00:00.000Z',
      });
      const all = await history();
      expect(all.total).toBe(5);
      expect(all.items.map((e) => [e.kind, e.machineId, e.reason])).toEqual([
        ['recorded', 'machine-zzz', 'rotated on switch'],
        ['bound', 'machine-ccc', null],
        ['unbound', 'machine-bbb', 'sold the laptop'],
        ['bound', 'machine-bbb', null],
        ['bound', 'machine-aaa', 'first login'],
      ]);
      const page = await history(`?accountId=${accountId}&page=2&pageSize=2`);
      expect(page).toMatchObject({ page: 2, pageSize: 2, total: 5 });
      expect(page.items.map((e) => e.kind)).toEqual(['unbound', 'bound']);
      expect((await history('?accountId=another')).total).toBe(0);
      expect((await history('', bob)).total).toBe(0);
    });

    it('are recorded only for the user’s live accounts, with valid fields', async () => {
      const post = (body: object, token = ada) => api.post('/api/v2/machine-ids/history', body, { token });
      expectError(await post({ accountId: 'nope', machineId: 'm' }), 404, 'ACCOUNT_NOT_FOUND');
      expectError(await post({ accountId, machineId: 'm' }, bob), 404, 'ACCOUNT_NOT_FOUND');
      const invalid = expectError(await post({ accountId, machineId: '', at: 'yesterday' }), 400, 'VALIDATION_ERROR');
      expect(new Set(invalid.details.map((d: { field: string }) => d.field))).toEqual(new Set(['at', 'machineId']));
    });

    it('refuse a soft-deleted account, and go when the account is purged', async () => {
      const doomed = await newAccount('doomed@example.com');
      expectOk(await api.put(`/api/v2/machine-ids/bindings/${doomed}`, { machineId: 'machine-ddd' }, { token: ada }));
      const resting = await newAccount('resting@example.com');
      expectOk(await api.delete(`/api/v2/accounts/${resting}`, { token: ada }));
      expectError(
        await api.put(`/api/v2/machine-ids/bindings/${resting}`, { machineId: 'machine-eee' }, { token: ada }),
        404,
        'ACCOUNT_NOT_FOUND',
      );

      expectOk(await api.delete(`/api/v2/accounts/${doomed}/permanent`, { token: ada }));
      await eventually(
        'the purged account’s binding is gone',
        async () => (await bindings(ada, `?accountId=${doomed}`)).total === 0,
        10_000,
      );
      const [last] = (await history(`?accountId=${doomed}`)).items;
      expect(last).toMatchObject({ kind: 'unbound', machineId: 'machine-ddd', reason: 'account-purged' });
      // The account's other binding is untouched.
      expect((await bindings()).items.map((b) => b.accountId)).toEqual([accountId]);
    });
  });

  it('publishes every change as an integration event of the contract, naming the owner', async () => {
    const expected = [
      'cairn.accounts.setting.created.v1',
      'cairn.accounts.setting.updated.v1',
      'cairn.accounts.machine-id-config.updated.v1',
      'cairn.accounts.machine-id-binding.bound.v1',
      'cairn.accounts.machine-id-binding.unbound.v1',
      'cairn.accounts.machine-id-history.recorded.v1',
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
