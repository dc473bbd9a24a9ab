/**
 * Sync through the gateway, as desktop clients of one user use it (CONTRACT.md "Sync", seed 003 §9.2):
 * snapshot, changes after a cursor or a time, push with versions, and the WebSocket `sync` message.
 * In both run modes: the change log is built from the accounts service's integration events, over the
 * in-process bus or JetStream.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rebuildServiceProjection } from '../src/rebuild.js';
import { type Client, client, eventually, expectError, expectOk, register } from './support/client.js';
import { MODES, startTestPlatform, type TestPlatform, testLogger } from './support/platform.js';
import { openAuthenticatedSocket } from './support/socket.js';
import { type Changes, SyncClient, snapshotOf, versionsOf } from './support/sync-client.js';

describe.each(MODES)('sync, %s', (_label, mode) => {
  let platform: TestPlatform;
  let api: Client;
  beforeAll(async () => {
    platform = await startTestPlatform(mode);
    api = client(platform.url);
  });
  afterAll(async () => {
    await platform?.stop();
  });

  let users = 0;
  const newUser = async () => (await register(api, `sync-${mode}-${++users}`)).accessToken;

  /** Follows changes from `cursor` until `done` holds for what arrived (changes reach sync asynchronously). */
  async function changesUntil(token: string, body: Record<string, unknown>, done: (page: Changes) => boolean) {
    let page: Changes | undefined;
    await eventually(
      'the change reaches the change log',
      async () => {
        page = expectOk<Changes>(await api.post('/api/v2/sync/changes', body, { token }));
        return done(page);
      },
      10_000,
    );
    return page as Changes;
  }

  it('seed 003 §9.2: A creates, B sees it, B pushes an update at A’s version, A sees B’s update', async () => {
    const token = await newUser();
    const b = new SyncClient(api, token);
    await b.start();
    const a = new SyncClient(api, token);
    await a.start();

    const created = expectOk(
      await api.post('/api/v2/accounts', { id: 'test-account', email: 'test@example.com' }, { token }),
      201,
    );
    const seenByB = await changesUntil(token, { cursor: b.cursor }, (p) => p.accounts.created.length > 0);
    expect(seenByB.accounts.created).toContainEqual(expect.objectContaining({ id: 'test-account' }));
    b.apply(seenByB);

    const pushed = expectOk(
      await api.post(
        '/api/v2/sync/push',
        {
          clientId: 'client-b',
          mutationId: 'm-1',
          changes: {
            accounts: { updated: [{ id: 'test-account', version: created.version, email: 'updated@example.com' }] },
          },
        },
        { token },
      ),
    );
    expect(pushed.results.accounts).toEqual([{ id: 'test-account', status: 'applied', version: 2 }]);

    const seenByA = await changesUntil(
      token,
      { cursor: a.cursor },
      (p) =>
        p.accounts.created.some((item) => item.version === 2) || p.accounts.updated.some((item) => item.version === 2),
    );
    // A never saw the account, so in A's page it is new, already with B's change.
    expect([...seenByA.accounts.created, ...seenByA.accounts.updated]).toContainEqual(
      expect.objectContaining({ id: 'test-account', email: 'updated@example.com', version: 2 }),
    );
    // By time, as v1 clients did: changes after B's last time show the update as an update.
    const byTime = await changesUntil(
      token,
      { lastSyncTime: seenByB.serverTime },
      (p) => p.accounts.updated.length > 0,
    );
    expect(byTime.accounts.updated).toContainEqual(
      expect.objectContaining({ id: 'test-account', email: 'updated@example.com', version: 2 }),
    );
  });

  it('push: conflicts carry the server’s copy; a repeated (clientId, mutationId) applies nothing', async () => {
    const token = await newUser();
    const account = expectOk(await api.post('/api/v2/accounts', { email: 'push@example.com' }, { token }), 201);
    const body = {
      clientId: 'desk-1',
      mutationId: 'once',
      changes: {
        accounts: {
          created: [{ id: 'pushed-new', email: 'new@example.com' }],
          updated: [{ id: account.id, version: 99, nickname: 'stale' }],
          deleted: [{ id: 'never-existed', version: 1 }],
        },
        groups: { created: [{ id: 'g-1', name: 'Work' }] },
        settings: { created: [{ key: 'theme', value: 'dark' }] },
      },
    };
    const first = expectOk(await api.post('/api/v2/sync/push', body, { token }));
    expect(first.results.accounts).toEqual([
      { id: 'pushed-new', status: 'applied', version: 1 },
      expect.objectContaining({ id: account.id, status: 'conflict', version: 1 }),
      { id: 'never-existed', status: 'applied' },
    ]);
    expect(first.results.accounts[1].server).toMatchObject({ id: account.id, email: 'push@example.com', version: 1 });
    expect(first.results.groups).toEqual([{ id: 'g-1', status: 'applied', version: 1 }]);
    expect(first.results.settings).toEqual([{ id: 'theme', status: 'applied', version: 1 }]);

    // The answer's cursor is at or after the push's own writes: following it brings none of them back.
    const after = expectOk<Changes>(await api.post('/api/v2/sync/changes', { cursor: first.cursor }, { token }));
    expect(after.accounts.created.map((item) => item.id)).not.toContain('pushed-new');
    expect(after.groups.created).toEqual([]);

    const again = expectOk(await api.post('/api/v2/sync/push', body, { token }));
    expect(again).toEqual(first);
    const group = expectOk(await api.get('/api/v2/groups', { token }));
    expect(group.items).toHaveLength(1);
    const snapshot = await snapshotOf(api, token);
    expect(snapshot.accounts.find((item) => item.id === 'pushed-new')?.version).toBe(1);
  });

  it('answers a repeated push the same after the services restart', async () => {
    const token = await newUser();
    const body = {
      clientId: 'desk-restart',
      mutationId: 'm-1',
      changes: { tags: { created: [{ id: 't-1', name: 'Once' }] } },
    };
    const first = expectOk(await api.post('/api/v2/sync/push', body, { token }));
    await platform.stopServices();
    await platform.startServices();
    expect(expectOk(await api.post('/api/v2/sync/push', body, { token }))).toEqual(first);
    expect(expectOk(await api.get('/api/v2/tags', { token })).items).toHaveLength(1);
  });

  it('push refuses a malformed body and more than 500 items', async () => {
    const token = await newUser();
    expectError(
      await api.post('/api/v2/sync/push', { clientId: 'x', changes: {} }, { token }),
      400,
      'VALIDATION_ERROR',
    );
    const many = Array.from({ length: 501 }, (_, i) => ({ id: `acc-${i}`, email: `a${i}@example.com` }));
    expectError(
      await api.post(
        '/api/v2/sync/push',
        { clientId: 'x', mutationId: 'big', changes: { accounts: { created: many } } },
        { token },
      ),
      413,
      'PAYLOAD_TOO_LARGE',
    );
  });

  it('answers 400 for a malformed cursor, 409 SNAPSHOT_REQUIRED for one it cannot serve, 401 without a token', async () => {
    const token = await newUser();
    expectError(await api.post('/api/v2/sync/changes', { cursor: '%%%' }, { token }), 400, 'VALIDATION_ERROR');
    const foreign = Buffer.from('c1.1000000').toString('base64url');
    expectError(await api.post('/api/v2/sync/changes', { cursor: foreign }, { token }), 409, 'SNAPSHOT_REQUIRED');
    expectError(await api.get('/api/v2/sync/snapshot'), 401, 'UNAUTHORIZED');
  });

  it('sends a connected socket of the user {"type": "sync", cursor} after their data changes, and nothing to others', async () => {
    const token = await newUser();
    const otherToken = await newUser();
    const start = await snapshotOf(api, token);
    const socket = await openAuthenticatedSocket(platform.url, token);
    const other = await openAuthenticatedSocket(platform.url, otherToken);
    try {
      expectOk(await api.post('/api/v2/accounts', { id: 'ws-1', email: 'ws@example.com' }, { token }), 201);
      const message = await socket.next(10_000);
      expect(message).toEqual({ type: 'sync', cursor: expect.any(String) });
      // The cursor it carries already includes the change.
      const page = expectOk<Changes>(await api.post('/api/v2/sync/changes', { cursor: start.cursor }, { token }));
      expect(page.accounts.created.map((item) => item.id)).toEqual(['ws-1']);
      expect(page.cursor).toBe(message.cursor);
      other.send({ type: 'ping' });
      expect(await other.next()).toEqual({ type: 'pong' });
    } finally {
      socket.socket.close();
      other.socket.close();
    }
  });

  it('a client following changes across a rebuild of the change log notices nothing', async () => {
    const token = await newUser();
    const follower = new SyncClient(api, token);
    await follower.start();
    const writes = (async () => {
      for (let i = 0; i < 30; i++) {
        expectOk(await api.post('/api/v2/accounts', { id: `rb-${i}`, email: `rb-${i}@example.com` }, { token }), 201);
        if (i % 3 === 0) await follower.pull(4);
      }
    })();
    await eventually('some changes are logged', async () => (await snapshotOf(api, token)).accounts.length > 5, 10_000);
    const rebuilt = await rebuildServiceProjection(platform.env, 'sync', 'sync-changelog', testLogger);
    expect(rebuilt.kind).toBe('custom');
    await writes;
    let snapshot = await snapshotOf(api, token);
    await eventually(
      'every write is logged',
      async () => {
        snapshot = await snapshotOf(api, token);
        return snapshot.accounts.length === 30;
      },
      10_000,
    );
    await follower.pull();
    expect(follower.versions()).toEqual(versionsOf(snapshot));
    expect(follower.repeated).toEqual([]);
    expect(follower.cursor).toBe(snapshot.cursor);
  });

  it('never shows one user another’s changes', async () => {
    const alice = await newUser();
    const bob = await newUser();
    const bobStart = await snapshotOf(api, bob);
    expectOk(await api.post('/api/v2/accounts', { id: 'same-id', email: 'alice@example.com' }, { token: alice }), 201);
    expectOk(await api.post('/api/v2/accounts', { id: 'same-id', email: 'bob@example.com' }, { token: bob }), 201);
    const page = await changesUntil(bob, { cursor: bobStart.cursor }, (p) => p.accounts.created.length > 0);
    expect(JSON.stringify(page)).not.toContain('alice@example.com');
    expect(JSON.stringify(await snapshotOf(api, bob))).not.toContain('alice@example.com');
  });
});
