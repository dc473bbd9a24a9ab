/**
 * The accounts slice against real PostgreSQL, called over the bus as the gateway would:
 *
 * - credentials are encrypted before they reach an event, and a permanent delete shreds them: the
 *   ciphertext stays in the log, but the key that opened it is gone, and no plaintext is anywhere;
 * - the master key: required in production; a development one otherwise, kept and announced loudly;
 * - integration events: one per change, relayed as CloudEvents, never with credentials;
 * - reactions: a deleted group or tag is cleared from the owner's accounts, each a versioned change,
 *   and doing it again changes nothing;
 * - logs never hold credentials.
 */
import type { DurableMessage } from '@cairn/shared/bus';
import { createLogger } from '@cairn/shared/logging';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountStream } from '../src/accounts/account.js';
import { DataKeys } from '../src/accounts/crypto/data-keys.js';
import { DEV_MASTER_KEY_TABLE, loadMasterKey, masterKeyOf } from '../src/accounts/crypto/master-key.js';
import { openCredentials, type SealedCredentials } from '../src/accounts/crypto/sealed.js';
import { type AccountsHarness, newUserId, startAccountsHarness } from './support/accounts-harness.js';

let h: AccountsHarness;

beforeAll(async () => {
  h = await startAccountsHarness();
});
afterAll(async () => {
  await h?.close();
});

const SECRET = { accessToken: 'at-plaintext-7f3a', refreshToken: 'rt-plaintext-9c1e', clientId: 'desktop' };

/** Every sealed credential recorded in the account's stream. */
async function sealedInStream(ownerId: string, accountId: string): Promise<SealedCredentials[]> {
  const { rows } = await h.pool.query<{ data: { credentials?: SealedCredentials | null } }>(
    'SELECT data FROM accounts.events WHERE stream_name = $1 ORDER BY stream_version',
    [accountStream(ownerId, accountId)],
  );
  return rows.map((r) => r.data.credentials).filter((c): c is SealedCredentials => !!c);
}

async function eventsTableText(): Promise<string> {
  const { rows } = await h.pool.query<{ text: string }>(
    `SELECT coalesce(string_agg(data::text || metadata::text, ' '), '') AS text FROM accounts.events`,
  );
  return rows[0]!.text;
}

describe('credentials at rest', () => {
  it('are sealed in events, opened for their owner, and shredded for good by a permanent delete', async () => {
    const owner = newUserId();
    await h.ok(owner, 'createAccount', { id: 'shred-me', email: 'a@example.com', credentials: SECRET });
    await h.ok(owner, 'patchAccount', {
      id: 'shred-me',
      version: 1,
      credentials: { ...SECRET, accessToken: 'at-plaintext-second' },
    });
    const shown = await h.ok(owner, 'getAccount', { id: 'shred-me' });
    expect(shown.credentials).toEqual({ ...SECRET, accessToken: 'at-plaintext-second' });

    const sealed = await sealedInStream(owner, 'shred-me');
    expect(sealed).toHaveLength(2);
    expect(await eventsTableText()).not.toMatch(/plaintext/);
    // While the account lives, its data key (unwrapped with the master key) opens what the events hold.
    const keys = new DataKeys(h.pool, 'accounts', masterKeyOf(h.masterKey));
    const key = await keys.find(owner, 'shred-me');
    expect(key).toBeDefined();
    expect(openCredentials(sealed[0]!, key!, owner, 'shred-me')).toEqual(SECRET);

    await h.ok(owner, 'purgeAccount', { id: 'shred-me' });

    // The ciphertext is still in the log, but no key for it exists any more, in any form.
    expect(await sealedInStream(owner, 'shred-me')).toEqual(sealed);
    const remaining = await h.pool.query('SELECT 1 FROM accounts.credential_data_keys WHERE key_id = ANY($1)', [
      sealed.map((s) => s.kid),
    ]);
    expect(remaining.rowCount).toBe(0);
    expect(await new DataKeys(h.pool, 'accounts', masterKeyOf(h.masterKey)).find(owner, 'shred-me')).toBeUndefined();
    expect(await eventsTableText()).not.toMatch(/plaintext/);
    expect((await h.call(owner, 'getAccount', { id: 'shred-me' })).ok).toBe(false);
  });

  it('a re-created account gets a new key, which does not open the old ciphertext', async () => {
    const owner = newUserId();
    await h.ok(owner, 'createAccount', { id: 'again', email: 'a@example.com', credentials: SECRET });
    const [old] = await sealedInStream(owner, 'again');
    await h.ok(owner, 'purgeAccount', { id: 'again' });
    const reborn = await h.ok(owner, 'createAccount', { id: 'again', email: 'b@example.com', credentials: { x: 1 } });
    expect(reborn).toMatchObject({ version: 1, hasCredentials: true });
    expect((await h.ok(owner, 'getAccount', { id: 'again' })).credentials).toEqual({ x: 1 });
    const key = await new DataKeys(h.pool, 'accounts', masterKeyOf(h.masterKey)).find(owner, 'again');
    expect(key!.kid).not.toBe(old!.kid);
    expect(() => openCredentials(old!, { ...key!, kid: old!.kid }, owner, 'again')).toThrow();
  });

  it('each account of a batch gets its own key (made together), and opens with it only', async () => {
    const owner = newUserId();
    const ids = Array.from({ length: 40 }, (_, i) => `many-${i}`);
    const result = await h.ok(owner, 'batchAccounts', {
      operations: ids.map((id) => ({
        action: 'create',
        data: { id, email: `${id}@example.com`, credentials: { id } },
      })),
    });
    expect(result.summary.succeeded).toBe(40);
    for (const id of ids) expect((await h.ok(owner, 'getAccount', { id })).credentials).toEqual({ id });
    const keys = await h.pool.query('SELECT DISTINCT key_id FROM accounts.credential_data_keys WHERE owner_id = $1', [
      owner,
    ]);
    expect(keys.rowCount).toBe(40);
  });

  it('never reach the logs', async () => {
    const owner = newUserId();
    await h.ok(owner, 'createAccount', { id: 'logged', email: 'l@example.com', credentials: SECRET });
    await h.ok(owner, 'getAccount', { id: 'logged' });
    await h.ok(owner, 'batchAccounts', {
      operations: [{ action: 'patch', id: 'logged', version: 1, data: { credentials: SECRET } }, { action: 'nope' }],
    });
    expect(h.logLines.length).toBeGreaterThan(0);
    expect(h.logLines.join('\n')).not.toMatch(/plaintext/);
  });
});

describe('listing totals', () => {
  it('follow creations, soft deletes, restores and purges (with and without the deleted ones)', async () => {
    const owner = newUserId();
    const totals = async () => [
      (await h.ok(owner, 'listAccounts', {})).total,
      (await h.ok(owner, 'listAccounts', { includeDeleted: 'true' })).total,
    ];
    expect(await totals()).toEqual([0, 0]);
    await h.ok(owner, 'batchAccounts', {
      operations: ['a', 'b', 'c', 'd'].map((id) => ({ action: 'create', data: { id, email: `${id}@example.com` } })),
    });
    expect(await totals()).toEqual([4, 4]);
    await h.ok(owner, 'batchDeleteAccounts', { ids: ['a', 'b'] });
    await h.ok(owner, 'deleteAccount', { id: 'a' });
    expect(await totals()).toEqual([2, 4]);
    await h.ok(owner, 'restoreAccount', { id: 'b' });
    expect(await totals()).toEqual([3, 4]);
    await h.ok(owner, 'purgeAccount', { id: 'a' });
    await h.ok(owner, 'purgeAccount', { id: 'c' });
    expect(await totals()).toEqual([2, 2]);
    const page = await h.ok(owner, 'listAccounts', { pageSize: 1, page: 2 });
    expect(page).toMatchObject({ total: 2, items: [{ id: 'd' }] });
    expect(await h.ok(owner, 'listAccounts', { page: 9 })).toMatchObject({ total: 2, items: [] });
  });
});

describe('integration events', () => {
  it('are relayed for every change, as CloudEvents, without credentials', async () => {
    const received: { subject: string; raw: string }[] = [];
    await h.bus.consume({
      durable: 'accounts-events-test',
      filterSubjects: ['cairn.accounts.account.*.v1'],
      handler: async (message: DurableMessage) => {
        received.push({ subject: message.subject, raw: new TextDecoder().decode(message.data) });
        message.ack();
      },
    });
    const owner = newUserId();
    await h.ok(owner, 'createAccount', { id: 'relayed', email: 'r@example.com', credentials: SECRET });
    await h.ok(owner, 'patchAccount', {
      id: 'relayed',
      version: 1,
      credentials: { ...SECRET, accessToken: 'at-plaintext-x' },
    });
    await h.ok(owner, 'deleteAccount', { id: 'relayed' });
    await h.ok(owner, 'restoreAccount', { id: 'relayed' });
    await h.ok(owner, 'purgeAccount', { id: 'relayed' });

    const mine = () => received.filter((m) => m.raw.includes(`"ownerId":"${owner}"`));
    const deadline = Date.now() + 10_000;
    while (mine().length < 5 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 25));
    expect(mine().map((m) => m.subject)).toEqual([
      'cairn.accounts.account.created.v1',
      'cairn.accounts.account.updated.v1',
      'cairn.accounts.account.deleted.v1',
      'cairn.accounts.account.restored.v1',
      'cairn.accounts.account.purged.v1',
    ]);
    const updated = JSON.parse(mine()[1]!.raw);
    expect(updated).toMatchObject({
      specversion: '1.0',
      type: 'cairn.accounts.account.updated.v1',
      data: { accountId: 'relayed', changes: {}, credentialsChanged: true, version: 2 },
    });
    for (const message of mine()) {
      expect(message.raw).not.toMatch(/plaintext|"credentials"|"ct"|"digest"/);
    }
  });
});

describe('idempotent creation', () => {
  it('replays a create after a restart (its fingerprint rests on the master key, not on the process)', async () => {
    const owner = newUserId();
    const request = { email: 'once@example.com', credentials: SECRET };
    const first = await h.call(owner, 'createAccount', request, { idempotencyKey: 'create-once' });
    await h.restart();
    const again = await h.call(owner, 'createAccount', request, { idempotencyKey: 'create-once' });
    expect(again).toEqual(first);
    const reused = await h.call(
      owner,
      'createAccount',
      { email: 'other@example.com' },
      { idempotencyKey: 'create-once' },
    );
    expect(reused).toMatchObject({ ok: false, error: { code: 'IDEMPOTENCY_KEY_REUSED' } });
    expect((await h.ok(owner, 'listAccounts', {})).total).toBe(1);
  });
});

describe('the master key', () => {
  const quiet = createLogger({ name: 'master-key-test', level: 'silent' });

  it('is required in production', async () => {
    await expect(
      loadMasterKey({ pool: h.pool, schema: 'accounts', configured: undefined, production: true, logger: quiet }),
    ).rejects.toThrow(/CAIRN_ACCOUNTS_MASTER_KEY/);
  });

  it('elsewhere defaults to a development key, made once, kept in the schema and announced loudly', async () => {
    const lines: string[] = [];
    const logger = createLogger({ name: 'master-key-test', level: 'warn' }, { write: (l: string) => lines.push(l) });
    const first = await loadMasterKey({
      pool: h.pool,
      schema: 'accounts',
      configured: undefined,
      production: false,
      logger,
    });
    const second = await loadMasterKey({
      pool: h.pool,
      schema: 'accounts',
      configured: undefined,
      production: false,
      logger,
    });
    expect(second.id).toBe(first.id);
    expect((await h.pool.query(`SELECT 1 FROM accounts.${DEV_MASTER_KEY_TABLE}`)).rowCount).toBe(1);
    expect(lines).toHaveLength(2);
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 40, msg: expect.stringMatching(/DEVELOPMENT master key/) });
  });
});

describe('reactions to deleted groups and tags', () => {
  /** A deletion as the groups and tags slices record it (appended directly: this tests the reaction). */
  async function deleteLabel(kind: 'group' | 'tag', ownerId: string, id: string): Promise<void> {
    const type = kind === 'group' ? 'GroupDeleted' : 'TagDeleted';
    const data = { ownerId, [`${kind}Id`]: id, version: 2, at: new Date().toISOString() };
    await h.store.appendToStream(`${kind}-${ownerId}:${id}`, [{ type, data }], { expectedVersion: 'any' });
  }

  async function eventually(check: () => Promise<boolean>): Promise<void> {
    const deadline = Date.now() + 5_000;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error('the reaction did not happen within 5 s');
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  const eventCount = async (ownerId: string, accountId: string) =>
    Number(
      (
        await h.pool.query<{ n: string }>('SELECT count(*) AS n FROM accounts.events WHERE stream_name = $1', [
          accountStream(ownerId, accountId),
        ])
      ).rows[0]!.n,
    );

  it("clear a deleted group from the owner's accounts (soft-deleted ones too), once", async () => {
    const owner = newUserId();
    const stranger = newUserId();
    await h.ok(owner, 'createAccount', { id: 'in-1', email: 'a@example.com', groupId: 'g1' });
    await h.ok(owner, 'createAccount', { id: 'in-2', email: 'b@example.com', groupId: 'g1' });
    await h.ok(owner, 'deleteAccount', { id: 'in-2' });
    await h.ok(owner, 'createAccount', { id: 'elsewhere', email: 'c@example.com', groupId: 'g2' });
    await h.ok(stranger, 'createAccount', { id: 'in-1', email: 'd@example.com', groupId: 'g1' });

    await deleteLabel('group', owner, 'g1');
    await eventually(async () => (await h.ok(owner, 'getAccount', { id: 'in-2' })).groupId === null);
    expect(await h.ok(owner, 'getAccount', { id: 'in-1' })).toMatchObject({ groupId: null, version: 2 });
    expect(await h.ok(owner, 'getAccount', { id: 'in-2' })).toMatchObject({ groupId: null, version: 3 });
    expect(await h.ok(owner, 'getAccount', { id: 'elsewhere' })).toMatchObject({ groupId: 'g2', version: 1 });
    expect(await h.ok(stranger, 'getAccount', { id: 'in-1' })).toMatchObject({ groupId: 'g1', version: 1 });

    // The same deletion heard again (a redelivery) decides nothing new.
    const before = await eventCount(owner, 'in-1');
    await deleteLabel('group', owner, 'g1');
    await h.ok(owner, 'createAccount', { id: 'marker', email: 'm@example.com' });
    await deleteLabel('tag', owner, 'no-such-tag');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await eventCount(owner, 'in-1')).toBe(before);
  });

  it("remove a deleted tag from the owner's accounts, keeping their other tags", async () => {
    const owner = newUserId();
    await h.ok(owner, 'createAccount', { id: 'tagged', email: 'a@example.com', tagIds: ['keep', 'drop', 'also'] });
    await h.ok(owner, 'createAccount', { id: 'untagged', email: 'b@example.com', tagIds: ['keep'] });
    await deleteLabel('tag', owner, 'drop');
    await eventually(async () => (await h.ok(owner, 'getAccount', { id: 'tagged' })).version === 2);
    expect(await h.ok(owner, 'getAccount', { id: 'tagged' })).toMatchObject({ tagIds: ['keep', 'also'] });
    expect(await h.ok(owner, 'getAccount', { id: 'untagged' })).toMatchObject({ tagIds: ['keep'], version: 1 });
    // Lists follow through the read model, a moment later.
    await eventually(async () => (await h.ok(owner, 'listAccounts', { tagId: 'drop' })).total === 0);
    expect((await h.ok(owner, 'listAccounts', { tagId: 'keep' })).total).toBe(2);
  });
});
