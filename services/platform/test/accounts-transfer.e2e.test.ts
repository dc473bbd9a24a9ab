/**
 * Export and import of Accounts v2 (CONTRACT.md "Accounts v2", contract transfer.ts) through the gateway
 * with the real services, in both modes: the export shows everything of the user as the GETs do (and
 * nothing of anyone else; credentials only when asked); importing it into another user recreates it
 * (same ids and fields, versions from 1); importing it back is all skip; a dry run reports what the
 * real run then does and changes nothing; a resource changed since the export is a conflict and kept;
 * replace deletes what the document lacks; malformed documents (400), too many resources (413), an
 * export too large for one document (413), Idempotency-Key and signing in.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from './support/accounts.js';
import { type Client, client, expectError, expectOk, register } from './support/client.js';
import { MODES, startTestPlatform, type TestPlatform } from './support/platform.js';

interface Doc {
  readonly format: string;
  readonly formatVersion: number;
  readonly exportedAt: string;
  readonly ownerId: string;
  readonly includesCredentials: boolean;
  readonly accounts: any[];
  readonly groups: any[];
  readonly tags: any[];
  readonly settings: any[];
  readonly machineIds: { config: any; bindings: any[]; history?: any[] };
}
interface Report {
  readonly mode: string;
  readonly dryRun: boolean;
  readonly summary: Record<'created' | 'updated' | 'skipped' | 'conflicts' | 'deleted' | 'failed', number>;
  readonly items: { resource: string; id: string; action: string; error?: { error: string; details?: any } }[];
}

const SECRET = { accessToken: 'at-transfer-secret-7', refreshToken: 'rt-transfer-secret-8' };
/** Small, so that one user's export can be made too large for it. */
const EXPORT_MAX_BYTES = 30_000;

/** What an import carries over: everything but versions and the times the server sets. */
function content(doc: Doc) {
  const byId = (a: { id?: string; key?: string; accountId?: string }, b: typeof a) =>
    String(a.id ?? a.key ?? a.accountId).localeCompare(String(b.id ?? b.key ?? b.accountId));
  const { version: _v, createdAt: _c, updatedAt: _u, ...config } = doc.machineIds.config;
  return {
    accounts: doc.accounts
      .map(({ version, createdAt, updatedAt, deletedAt, lastCheckedAt, statusMessage, ...a }) => ({
        ...a,
        deleted: deletedAt !== null,
      }))
      .sort(byId),
    groups: doc.groups.map(({ version, createdAt, updatedAt, ...g }) => g).sort(byId),
    tags: doc.tags.map(({ version, createdAt, updatedAt, ...t }) => t).sort(byId),
    settings: doc.settings.map(({ key, value }) => ({ key, value })).sort(byId),
    config,
    bindings: doc.machineIds.bindings.map(({ accountId, machineId }) => ({ accountId, machineId })).sort(byId),
  };
}

/** An export as it would be imported again (only the parts that change between two exports removed). */
const sameExport = (doc: Doc) => ({ ...doc, exportedAt: undefined });

describe.each(MODES)('export and import through the gateway, %s', (_label, mode) => {
  let platform: TestPlatform;
  let api: Client;
  let ada: string;
  let adaId: string;
  let bob: string;
  let cyd: string;
  /** Ada's export once seeded, without and with credentials. */
  let plain: Doc;
  let full: Doc;

  beforeAll(async () => {
    platform = await startTestPlatform(mode, { env: { CAIRN_ACCOUNTS_EXPORT_MAX_BYTES: String(EXPORT_MAX_BYTES) } });
    api = client(platform.url);
    const adaSession = await register(api, 'ada-transfer');
    ada = adaSession.accessToken;
    adaId = adaSession.user.id;
    bob = (await register(api, 'bob-transfer')).accessToken;
    cyd = (await register(api, 'cyd-transfer')).accessToken;

    const ok = async (answer: Promise<Awaited<ReturnType<Client['get']>>>, status = 200) =>
      expectOk(await answer, status);
    const as = { token: ada };
    await ok(api.post('/api/v2/groups', { id: 'work', name: 'Work', color: '#3b82f6' }, as), 201);
    await ok(api.post('/api/v2/groups', { id: 'home', name: 'Home' }, as), 201);
    await ok(api.post('/api/v2/tags', { id: 'vip', name: 'VIP', color: 'gold' }, as), 201);
    await ok(api.post('/api/v2/tags', { id: 'old-tag', name: 'Old' }, as), 201);
    await ok(api.put('/api/v2/settings/ui.theme', { value: { mode: 'dark' } }, as));
    await ok(api.put('/api/v2/settings/ui.theme', { value: { mode: 'light' }, version: 1 }, as));
    await ok(api.put('/api/v2/settings/ui.lang', { value: 'en' }, as));
    await ok(api.put('/api/v2/machine-ids/config', { autoSwitch: true, extra: { profile: 'p1' } }, as));
    const main = {
      id: 'a-main',
      email: 'main@example.com',
      nickname: 'Main',
      provider: 'openai',
      groupId: 'work',
      tagIds: ['vip'],
      usage: { used: 3, limit: 100 },
      credentials: SECRET,
    };
    await ok(api.post('/api/v2/accounts', main, as), 201);
    await ok(api.send('PATCH', '/api/v2/accounts/a-main', { ...as, body: { notes: 'daily', version: 1 } }));
    await ok(api.post('/api/v2/accounts', { id: 'a-plain', email: 'plain@example.com' }, as), 201);
    await ok(api.post('/api/v2/accounts', { id: 'a-binned', email: 'binned@example.com', groupId: 'home' }, as), 201);
    await ok(api.delete('/api/v2/accounts/a-binned', as));
    await ok(api.put('/api/v2/machine-ids/bindings/a-main', { machineId: 'machine-1' }, as));
    await ok(
      api.post('/api/v2/machine-ids/history', { accountId: 'a-main', machineId: 'machine-0', reason: 'first' }, as),
      201,
    );
  });
  afterAll(async () => {
    await platform?.stop();
  });

  const exportOf = async (token: string, query = ''): Promise<Doc> =>
    expectOk<Doc>(await api.get(`/api/v2/export${query}`, { token }));
  const importInto = async (token: string, body: object, headers: Record<string, string> = {}): Promise<Report> =>
    expectOk<Report>(await api.post('/api/v2/import', body, { token, headers }));
  const list = async <T = any>(token: string, path: string): Promise<T[]> =>
    expectOk<Page<T>>(await api.get(path, { token })).items;

  it('exports everything of the user as the GETs show it, without credentials unless asked', async () => {
    const answer = await api.get('/api/v2/export', { token: ada });
    plain = expectOk<Doc>(answer);
    expect(plain).toMatchObject({
      format: 'cairn.accounts.export',
      formatVersion: 1,
      ownerId: adaId,
      includesCredentials: false,
    });
    expect(plain.accounts).toEqual(await list(ada, '/api/v2/accounts?includeDeleted=true&pageSize=200'));
    expect(plain.accounts.map((a) => [a.id, a.version, a.deletedAt !== null])).toEqual([
      ['a-main', 2, false],
      ['a-plain', 1, false],
      ['a-binned', 2, true],
    ]);
    expect(plain.groups).toEqual(await list(ada, '/api/v2/groups'));
    expect(plain.tags).toEqual(await list(ada, '/api/v2/tags'));
    expect(plain.settings).toEqual(await list(ada, '/api/v2/settings'));
    expect(plain.machineIds.config).toEqual(expectOk(await api.get('/api/v2/machine-ids/config', { token: ada })));
    expect(plain.machineIds.bindings).toEqual(await list(ada, '/api/v2/machine-ids/bindings'));
    expect(plain.machineIds.history).toEqual(await list(ada, '/api/v2/machine-ids/history'));
    expect(plain.machineIds.history).toHaveLength(2);
    expect(answer.text).not.toContain('"credentials"');
    expect(answer.text).not.toContain(SECRET.accessToken);

    full = await exportOf(ada, '?includeCredentials=true');
    expect(full.includesCredentials).toBe(true);
    expect(full.accounts.map((a) => a.credentials)).toEqual([SECRET, null, null]);
    expect((await exportOf(ada, '?includeHistory=false')).machineIds).not.toHaveProperty('history');
  });

  it('never exports another user’s data', async () => {
    const answer = await api.get('/api/v2/export?includeCredentials=true', { token: bob });
    const theirs = expectOk<Doc>(answer);
    expect(theirs).toMatchObject({
      accounts: [],
      groups: [],
      tags: [],
      settings: [],
      machineIds: { bindings: [], history: [] },
    });
    expect(theirs.machineIds.config.version).toBe(0);
    for (const mine of ['a-main', 'main@example.com', 'Work', 'machine-1', SECRET.accessToken]) {
      expect(answer.text).not.toContain(mine);
    }
  });

  it('imported into another user: a dry run reports it all created and changes nothing, then the run does it', async () => {
    const dry = await importInto(bob, { data: full, mode: 'merge', dryRun: true });
    expect(dry).toMatchObject({ mode: 'merge', dryRun: true });
    expect(dry.summary).toEqual({ created: 11, updated: 0, skipped: 0, conflicts: 0, deleted: 0, failed: 0 });
    expect(dry.items.map((i) => `${i.resource}:${i.id}`)).toEqual([
      'group:work',
      'group:home',
      'tag:old-tag',
      'tag:vip',
      'setting:ui.lang',
      'setting:ui.theme',
      'machineIdConfig:config',
      'account:a-main',
      'account:a-plain',
      'account:a-binned',
      'machineIdBinding:a-main',
    ]);
    const untouched = await exportOf(bob);
    expect(untouched.accounts).toEqual([]);
    expect(untouched.groups).toEqual([]);

    const real = await importInto(bob, { data: full, mode: 'merge' });
    expect(real).toEqual({ ...dry, dryRun: false });
  });

  it('imported into another user: the same ids and fields (credentials too), versions from 1', async () => {
    const copy = await exportOf(bob, '?includeCredentials=true');
    expect(content(copy)).toEqual(content(full));
    expect(copy.groups.map((g) => g.version)).toEqual([1, 1]);
    expect(copy.tags.map((t) => t.version)).toEqual([1, 1]);
    expect(copy.settings.map((s) => s.version)).toEqual([1, 1]);
    expect(copy.machineIds.config.version).toBe(1);
    expect(copy.machineIds.bindings.map((b) => b.version)).toEqual([1]);
    // Created, then soft-deleted as it is in the document.
    expect(Object.fromEntries(copy.accounts.map((a) => [a.id, a.version]))).toEqual({
      'a-main': 1,
      'a-plain': 1,
      'a-binned': 2,
    });
    const main = expectOk(await api.get('/api/v2/accounts/a-main', { token: bob }));
    expect(main).toMatchObject({ credentials: SECRET, groupId: 'work', tagIds: ['vip'], notes: 'daily', version: 1 });
    // The history is not imported: the import's bind wrote its own entry.
    expect(copy.machineIds.history?.map((h) => [h.kind, h.machineId, h.reason])).toEqual([
      ['bound', 'machine-1', 'import'],
    ]);
    // Ada's own data is as it was.
    expect(sameExport(await exportOf(ada, '?includeCredentials=true'))).toEqual(sameExport(full));
  });

  it('imported back into the same user, in either mode, skips everything and changes nothing', async () => {
    for (const [data, importMode] of [
      [plain, 'merge'],
      [full, 'merge'],
      [full, 'replace'],
    ] as const) {
      const report = await importInto(ada, { data, mode: importMode });
      expect(report.summary).toEqual({ created: 0, updated: 0, skipped: 11, conflicts: 0, deleted: 0, failed: 0 });
      expect(report.items.every((item) => item.action === 'skip')).toBe(true);
    }
    expect(sameExport(await exportOf(ada, '?includeCredentials=true'))).toEqual(sameExport(full));
  });

  it('keeps a resource changed since the export and reports the conflict; a copy at least as new wins', async () => {
    const renamed = expectOk(await api.put('/api/v2/groups/home', { name: 'House', version: 1 }, { token: ada }));
    expect(renamed.version).toBe(2);

    const stale = await importInto(ada, { data: plain, mode: 'merge' });
    expect(stale.summary).toMatchObject({ conflicts: 1, skipped: 10, updated: 0 });
    expect(stale.items.find((i) => i.id === 'home')).toEqual({
      resource: 'group',
      id: 'home',
      action: 'conflict',
      error: {
        error: 'VERSION_CONFLICT',
        message: expect.any(String),
        details: { currentVersion: 2, documentVersion: 1 },
      },
    });
    expect((await list(ada, '/api/v2/groups')).find((g) => g.id === 'home')).toMatchObject({
      name: 'House',
      version: 2,
    });

    const newer = {
      ...plain,
      groups: plain.groups.map((g) => (g.id === 'home' ? { ...g, name: 'Home again', version: 2 } : g)),
    };
    const applied = await importInto(ada, { data: newer, mode: 'merge' });
    expect(applied.items.find((i) => i.id === 'home')).toEqual({ resource: 'group', id: 'home', action: 'update' });
    expect((await list(ada, '/api/v2/groups')).find((g) => g.id === 'home')).toMatchObject({
      name: 'Home again',
      version: 3,
    });
  });

  it('replace deletes what the document lacks (accounts softly); its dry run reports the same', async () => {
    const before = await exportOf(ada);
    const as = { token: ada };
    expectOk(await api.post('/api/v2/groups', { id: 'extra-group', name: 'Extra' }, as), 201);
    expectOk(await api.post('/api/v2/tags', { id: 'extra-tag', name: 'Extra' }, as), 201);
    const extra = { id: 'a-extra', email: 'extra@example.com', groupId: 'extra-group', tagIds: ['extra-tag'] };
    expectOk(await api.post('/api/v2/accounts', extra, as), 201);
    expectOk(await api.put('/api/v2/machine-ids/bindings/a-extra', { machineId: 'machine-x' }, as));
    expectOk(await api.put('/api/v2/settings/extra.key', { value: true }, as));

    const dry = await importInto(ada, { data: before, mode: 'replace', dryRun: true });
    expect(dry.items.filter((i) => i.action !== 'skip')).toEqual([
      { resource: 'group', id: 'extra-group', action: 'delete' },
      { resource: 'tag', id: 'extra-tag', action: 'delete' },
      { resource: 'account', id: 'a-extra', action: 'delete' },
      { resource: 'machineIdBinding', id: 'a-extra', action: 'delete' },
    ]);
    // Settings have no delete: the key stays, reported as skipped.
    expect(dry.items).toContainEqual({ resource: 'setting', id: 'extra.key', action: 'skip' });
    expect((await list(ada, '/api/v2/groups')).map((g) => g.id)).toContain('extra-group');

    const real = await importInto(ada, { data: before, mode: 'replace' });
    expect(real).toEqual({ ...dry, dryRun: false });
    const after = await exportOf(ada);
    expect(after.groups).toEqual(before.groups);
    expect(after.tags).toEqual(before.tags);
    expect(after.machineIds.bindings).toEqual(before.machineIds.bindings);
    expect(after.accounts.filter((a) => a.id !== 'a-extra')).toEqual(before.accounts);
    expect(after.accounts.find((a) => a.id === 'a-extra')).toMatchObject({ deletedAt: expect.any(String) });
    expect((await list(ada, '/api/v2/accounts')).map((a) => a.id)).not.toContain('a-extra');
  });

  it('refuses a malformed document whole, naming the field', async () => {
    const fields = async (body: object): Promise<string[]> => {
      const refused = expectError(await api.post('/api/v2/import', body, { token: cyd }), 400, 'VALIDATION_ERROR');
      return refused.details.map((d: { field: string }) => d.field);
    };
    expect(await fields({ data: { ...plain, format: 'other.format' }, mode: 'merge' })).toContain('data.format');
    expect(await fields({ data: { ...plain, formatVersion: 2 }, mode: 'merge' })).toContain('data.formatVersion');
    expect(await fields({ data: plain })).toContain('mode');
    const twice = { ...plain, groups: [plain.groups[0], { ...plain.groups[0], name: 'Other' }] };
    expect(await fields({ data: twice, mode: 'merge' })).toContain('data.groups.1.id');
    expect((await exportOf(cyd)).groups).toEqual([]);
  });

  it(`refuses more resources than one import may hold (413), before anything is applied`, async () => {
    const settings = Array.from({ length: 5_001 }, (_, i) => ({ key: `k${i}`, value: i, version: 1 }));
    const tooMany = {
      ...plain,
      accounts: [],
      groups: [],
      tags: [],
      settings,
      machineIds: { ...plain.machineIds, bindings: [] },
    };
    const refused = expectError(
      await api.post('/api/v2/import', { data: tooMany, mode: 'merge' }, { token: cyd }),
      413,
      'PAYLOAD_TOO_LARGE',
    );
    expect(refused.details).toMatchObject({ limit: 5_000, received: 5_001 });
    expect((await exportOf(cyd)).settings).toEqual([]);
  });

  it('replays an import sent again with the same Idempotency-Key, and refuses the key with another body', async () => {
    const headers = { 'idempotency-key': `import-${mode}` };
    const first = await importInto(cyd, { data: plain, mode: 'merge' }, headers);
    expect(first.summary.created).toBe(11);
    expect(await importInto(cyd, { data: plain, mode: 'merge' }, headers)).toEqual(first);
    expectError(
      await api.post('/api/v2/import', { data: plain, mode: 'replace' }, { token: cyd, headers }),
      422,
      'IDEMPOTENCY_KEY_REUSED',
    );
  });

  it('refuses an export larger than one document may be (413) rather than losing it on the way', async () => {
    const dan = (await register(api, 'dan-transfer')).accessToken;
    expectOk(await api.put('/api/v2/settings/big', { value: 'x'.repeat(EXPORT_MAX_BYTES) }, { token: dan }));
    const refused = expectError(await api.get('/api/v2/export', { token: dan }), 413, 'PAYLOAD_TOO_LARGE');
    expect(refused.details).toMatchObject({ limitBytes: EXPORT_MAX_BYTES, sizeBytes: expect.any(Number) });
  });

  it('documents both in /openapi.json, saying that credentials are exported only when asked', async () => {
    const answer = await api.get('/openapi.json');
    expect(answer.status).toBe(200);
    const paths = (answer.body as { paths: Record<string, Record<string, any>> }).paths;
    const exportDoc = paths['/api/v2/export']?.get;
    expect(exportDoc?.summary).toEqual(expect.any(String));
    expect(exportDoc?.description).toContain('includeCredentials=true');
    expect(exportDoc?.parameters?.map((p: { name: string }) => p.name)).toEqual(
      expect.arrayContaining(['includeCredentials', 'includeHistory']),
    );
    const importDoc = paths['/api/v2/import']?.post;
    expect(importDoc?.summary).toEqual(expect.any(String));
    expect(importDoc?.description).toContain('dryRun');
  });

  it('needs a signed-in user', async () => {
    expectError(await api.get('/api/v2/export'), 401, 'UNAUTHORIZED');
    expectError(await api.post('/api/v2/import', { data: plain, mode: 'merge' }), 401, 'UNAUTHORIZED');
  });
});
