/**
 * Accounts v2 under load and in bulk, through the gateway, in both modes: seed 003 §9.3 (1,000
 * concurrent list requests all answered; a batch of 100 creates all succeeded), 50 writers racing at
 * one version (exactly one wins and the stored value is the winner's), batches whose operations each
 * stand alone, their limit (more than 500 → 413 before anything runs) and batch delete.
 * No timing assertions: the machine is shared.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Client, client, expectError, expectOk, register } from './support/client.js';
import { MODES, startTestPlatform, type TestPlatform } from './support/platform.js';

interface Account {
  readonly id: string;
  readonly email: string;
  readonly nickname: string;
  readonly version: number;
  readonly deletedAt: string | null;
}
interface ItemResult {
  readonly index: number;
  readonly success: boolean;
  readonly data?: Account;
  readonly error?: { error: string; message: string; details?: any };
}
interface BatchResult {
  readonly results: ItemResult[];
  readonly summary: { total: number; succeeded: number; failed: number };
}

describe.each(MODES)('accounts in bulk and under concurrency, %s', (_label, mode) => {
  let platform: TestPlatform;
  let api: Client;
  let token: string;

  beforeAll(async () => {
    // One user sends well over the default 1,000 requests a minute here.
    platform = await startTestPlatform(mode, { env: { RATE_LIMIT_MAX: '0' } });
    api = client(platform.url);
    token = (await register(api, `bulk-${mode}`)).accessToken;
  });
  afterAll(async () => {
    await platform?.stop();
  });

  const batch = async (operations: unknown[], headers?: Record<string, string>): Promise<BatchResult> =>
    expectOk<BatchResult>(
      await api.post('/api/v2/accounts/batch', { operations }, { token, ...(headers ? { headers } : {}) }),
    );

  it('seed 9.3: a batch of 100 creates reports 100 succeeded, and the list shows them at once', async () => {
    const operations = Array.from({ length: 100 }, (_, i) => ({
      action: 'create',
      data: { id: `account-${i}`, email: `user${i}@example.com` },
    }));
    const result = await batch(operations);
    expect(result.summary).toEqual({ total: 100, succeeded: 100, failed: 0 });
    expect(result.results.map((r) => r.data?.id)).toEqual(operations.map((o) => o.data.id));
    const listed = expectOk(await api.get('/api/v2/accounts?q=@example.com&pageSize=200', { token }));
    expect(listed.total).toBe(100);
  });

  it('seed 9.3: 1,000 concurrent list requests are all answered 200', async () => {
    const answers = await Promise.all(
      Array.from({ length: 1000 }, () =>
        fetch(`${platform.url}/api/v2/accounts`, { headers: { authorization: `Bearer ${token}` } }).then(async (r) => {
          await r.arrayBuffer();
          return r.status;
        }),
      ),
    );
    expect(answers.filter((status) => status !== 200)).toEqual([]);
  });

  it('50 concurrent PUTs at one version: exactly one 200, 49 × 409, and the stored value is the winner', async () => {
    expectOk(await api.post('/api/v2/accounts', { id: 'contested', email: 'c@example.com' }, { token }), 201);
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        api.put(
          '/api/v2/accounts/contested',
          { version: 1, email: 'c@example.com', nickname: `writer-${i}` },
          { token },
        ),
      ),
    );
    const won = answers.filter((a) => a.status === 200);
    const lost = answers.filter((a) => a.status === 409);
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(49);
    for (const answer of lost) expectError(answer, 409, 'VERSION_CONFLICT');
    const winner = expectOk<Account>(won[0]!);
    expect(winner.version).toBe(2);
    const stored = expectOk<Account>(await api.get('/api/v2/accounts/contested', { token }));
    expect(stored).toMatchObject({ version: 2, nickname: winner.nickname });
  });

  it('runs every operation of a batch on its own, each with its result', async () => {
    const seed = await batch([
      { action: 'create', id: 'b-1', data: { email: 'b1@example.com' } },
      { action: 'create', data: { id: 'b-2', email: 'b2@example.com' } },
      { action: 'create', data: { id: 'b-3', email: 'b3@example.com' } },
    ]);
    expect(seed.summary.succeeded).toBe(3);

    const mixed = await batch([
      { action: 'update', id: 'b-1', version: 1, data: { email: 'b1-new@example.com', nickname: 'One' } },
      { action: 'patch', id: 'b-2', version: 1, data: { notes: 'patched' } },
      { action: 'patch', id: 'b-3', version: 7, data: { notes: 'stale' } },
      { action: 'delete', id: 'b-3' },
      { action: 'create', data: { id: 'b-1', email: 'dup@example.com' } },
      { action: 'update', id: 'b-2', data: { email: 'x@example.com' } },
      { action: 'explode', id: 'b-2' },
      { action: 'create', data: { email: 'not-an-email' } },
      { action: 'patch', id: 'nobody', version: 1, data: { notes: 'x' } },
    ]);
    expect(mixed.summary).toEqual({ total: 9, succeeded: 3, failed: 6 });
    expect(mixed.results.map((r) => r.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(mixed.results.map((r) => (r.success ? 'ok' : r.error?.error))).toEqual([
      'ok',
      'ok',
      'VERSION_CONFLICT',
      'ok',
      'CONFLICT',
      'INVALID_VERSION',
      'VALIDATION_ERROR',
      'VALIDATION_ERROR',
      'ACCOUNT_NOT_FOUND',
    ]);
    expect(mixed.results[0]?.data).toMatchObject({ email: 'b1-new@example.com', nickname: 'One', version: 2 });
    expect(mixed.results[2]?.error?.details).toMatchObject({ currentVersion: 1, current: { id: 'b-3' } });
    expect(mixed.results[3]?.data).toMatchObject({ id: 'b-3', deletedAt: expect.any(String) });
    // What succeeded is visible at once.
    expect(expectOk<Account>(await api.get('/api/v2/accounts/b-2', { token }))).toMatchObject({ version: 2 });
    const listed = expectOk(await api.get('/api/v2/accounts?q=b1-new', { token }));
    expect(listed.items).toMatchObject([{ id: 'b-1', version: 2 }]);
  });

  it('runs the operations on one account in the order given', async () => {
    const result = await batch([
      { action: 'create', data: { id: 'seq', email: 'seq@example.com' } },
      { action: 'patch', id: 'seq', version: 1, data: { notes: 'first' } },
      { action: 'create', data: { email: 'other@example.com' } },
      { action: 'update', id: 'seq', version: 2, data: { email: 'seq@example.com', notes: 'second' } },
      { action: 'delete', id: 'seq', version: 3 },
    ]);
    expect(result.summary).toEqual({ total: 5, succeeded: 5, failed: 0 });
    expect(result.results.map((r) => r.data?.version)).toEqual([1, 2, 1, 3, 4]);
    expect(expectOk(await api.get('/api/v2/accounts/seq', { token }))).toMatchObject({
      notes: 'second',
      version: 4,
      deletedAt: expect.any(String),
    });
  });

  it('replays a batch sent again with the same Idempotency-Key', async () => {
    const headers = { 'idempotency-key': `batch-${mode}` };
    const operations = [{ action: 'create', data: { id: 'idem-1', email: 'i1@example.com' } }];
    const first = await batch(operations, headers);
    const again = await batch(operations, headers);
    expect(again).toEqual(first);
    expect(first.summary.succeeded).toBe(1);
  });

  it('refuses more than 500 operations (or ids) whole, with 413, before running any', async () => {
    const operations = Array.from({ length: 501 }, (_, i) => ({
      action: 'create',
      data: { id: `too-many-${i}`, email: `t${i}@example.com` },
    }));
    const tooMany = await api.post('/api/v2/accounts/batch', { operations }, { token });
    expect(expectError(tooMany, 413, 'PAYLOAD_TOO_LARGE').details).toMatchObject({ limit: 500, received: 501 });
    expectError(await api.get('/api/v2/accounts/too-many-0', { token }), 404, 'ACCOUNT_NOT_FOUND');
    const ids = Array.from({ length: 501 }, (_, i) => `x-${i}`);
    expectError(await api.post('/api/v2/accounts/batch-delete', { ids }, { token }), 413, 'PAYLOAD_TOO_LARGE');
    expectError(await api.post('/api/v2/accounts/batch', { operations: 'all' }, { token }), 400, 'VALIDATION_ERROR');
    expectError(await api.post('/api/v2/accounts/batch-delete', { ids: [] }, { token }), 400, 'VALIDATION_ERROR');
  });

  it('batch-deletes (soft) each id on its own', async () => {
    await batch([
      { action: 'create', data: { id: 'bd-1', email: 'bd1@example.com' } },
      { action: 'create', data: { id: 'bd-2', email: 'bd2@example.com' } },
    ]);
    const answer = await api.post('/api/v2/accounts/batch-delete', { ids: ['bd-1', 'nope', 'bd-2'] }, { token });
    const result = expectOk<BatchResult>(answer);
    expect(result.summary).toEqual({ total: 3, succeeded: 2, failed: 1 });
    expect(result.results.map((r) => (r.success ? r.data?.id : r.error?.error))).toEqual([
      'bd-1',
      'ACCOUNT_NOT_FOUND',
      'bd-2',
    ]);
    const listed = expectOk(await api.get('/api/v2/accounts?q=bd&includeDeleted=true', { token }));
    expect(listed.items.map((a: Account) => [a.id, a.deletedAt !== null])).toEqual([
      ['bd-1', true],
      ['bd-2', true],
    ]);
    expect(expectOk(await api.get('/api/v2/accounts?q=bd', { token })).total).toBe(0);
  });
});
