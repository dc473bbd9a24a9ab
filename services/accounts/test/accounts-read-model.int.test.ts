/**
 * The accounts read model as a projection spec on real PostgreSQL: events in, rows out. A page's
 * field changes are written as one statement per run; the rows must be exactly what applying the same
 * events one page each gives, whatever kinds of events interleave.
 */
import type { RecordedEvent } from '@cairn/shared/eventstore';
import { withTransaction } from '@cairn/shared/postgres';
import { createTestDatabase, type TestDatabase } from '@cairn/shared/testing';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccountEvent } from '../src/accounts/account.js';
import { ACCOUNT_COUNTS_TABLE, ACCOUNTS_TABLE, accountsProjection } from '../src/accounts/readModel.js';

let db: TestDatabase;
let pool: pg.Pool;
const table = (name: string) => `"rm"."${name}"`;

beforeAll(async () => {
  db = await createTestDatabase();
  pool = db.pool({ max: 4 });
  await pool.query('CREATE SCHEMA rm');
  for (const [name, ddl] of Object.entries(accountsProjection.tables)) await pool.query(ddl(table(name), name));
});
afterAll(async () => {
  await db?.drop();
});

const at = (n: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString();

/** The account events of one owner's story: creations, field changes of every kind, a deletion between. */
function story(ownerId: string): AccountEvent[] {
  return [...firstChapter(ownerId)];
}

/** More of the story: several accounts' creations, changes, deletions and restorations interleaved. */
function longStory(ownerId: string): AccountEvent[] {
  const ref = (accountId: string, version: number, second: number) => ({ ownerId, accountId, version, at: at(second) });
  const first = firstChapter(ownerId);
  const created = (accountId: string, second: number) => {
    const template = first[0] as Extract<AccountEvent, { type: 'AccountCreated' }>;
    return {
      type: 'AccountCreated',
      data: { ...template.data, ...ref(accountId, 1, second), version: 1, email: `${accountId}@example.com` },
    } as AccountEvent;
  };
  return [
    ...first,
    created('a4', 20),
    created('a5', 21),
    { type: 'AccountUpdated', data: { ...ref('a4', 2, 22), notes: 'a4 once' } },
    { type: 'AccountDeleted', data: ref('a5', 2, 23) },
    { type: 'AccountUpdated', data: { ...ref('a4', 3, 24), email: 'a4@renamed.example.com' } },
    { type: 'AccountDeleted', data: ref('a4', 4, 25) },
    { type: 'AccountRestored', data: ref('a5', 3, 26) },
    { type: 'AccountUpdated', data: { ...ref('a5', 4, 27), notes: 'a5 back' } },
    { type: 'AccountRestored', data: ref('a4', 5, 28) },
    { type: 'AccountDeleted', data: ref('a4', 6, 29) },
    { type: 'AccountDeleted', data: ref('a1', 6, 30) },
    { type: 'AccountUpdated', data: { ...ref('a1', 7, 31), notes: 'edited while deleted' } },
  ];
}

function firstChapter(ownerId: string): AccountEvent[] {
  const ref = (accountId: string, version: number, second: number) => ({ ownerId, accountId, version, at: at(second) });
  const created = (accountId: string, second: number): AccountEvent => ({
    type: 'AccountCreated',
    data: {
      ...ref(accountId, 1, second),
      version: 1,
      email: `${accountId}@example.com`,
      nickname: '',
      provider: 'openai',
      status: 'active',
      groupId: 'g-1',
      tagIds: ['t-1'],
      usage: { used: 0, limit: 100 },
      notes: '',
      credentials: null,
    },
  });
  return [
    created('a1', 1),
    created('a2', 2),
    { type: 'AccountUpdated', data: { ...ref('a1', 2, 3), email: 'renamed@example.com' } },
    { type: 'AccountUpdated', data: { ...ref('a1', 3, 4), notes: 'first note', tagIds: ['t-1', 't-2'] } },
    { type: 'AccountStatusChecked', data: { ...ref('a2', 2, 5), usage: { used: 7, limit: 100 }, status: 'active' } },
    { type: 'AccountUpdated', data: { ...ref('a1', 4, 6), groupId: null, notes: 'second note' } },
    { type: 'AccountDeleted', data: ref('a2', 3, 7) },
    { type: 'AccountUpdated', data: { ...ref('a2', 4, 8), notes: 'edited after deletion' } },
    {
      type: 'AccountProviderFailed',
      data: { ...ref('a1', 5, 9), operation: 'refresh-token', status: 'expired', reason: 'invalid_grant' },
    },
    created('a3', 10),
    { type: 'AccountUpdated', data: { ...ref('a3', 2, 11), status: 'disabled' } },
    { type: 'AccountRestored', data: ref('a2', 5, 12) },
    { type: 'AccountPurged', data: ref('a3', 3, 13) },
  ];
}

const recorded = (events: readonly AccountEvent[]) =>
  events.map((event) => ({ type: event.type, data: event.data }) as unknown as RecordedEvent);

async function project(pages: readonly (readonly AccountEvent[])[]): Promise<void> {
  for (const page of pages) {
    await withTransaction(pool, (client) =>
      accountsProjection.handle(recorded(page), { client, table: (name) => table(name), rebuilding: false }),
    );
  }
}

async function rowsOf(ownerId: string) {
  const { rows } = await pool.query(
    `SELECT id, email, status, status_message, group_id, tag_ids, usage, notes, has_credentials, last_checked_at,
            version, updated_at, deleted_at
       FROM ${table(ACCOUNTS_TABLE)} WHERE owner_id = $1 ORDER BY id`,
    [ownerId],
  );
  const counts = await pool.query(`SELECT live, deleted FROM ${table(ACCOUNT_COUNTS_TABLE)} WHERE owner_id = $1`, [
    ownerId,
  ]);
  return { rows, counts: counts.rows[0] };
}

describe('the accounts read model', () => {
  it('folds a page of changes into the rows the events describe', async () => {
    await project([story('owner-page')]);
    const { rows, counts } = await rowsOf('owner-page');
    expect(rows).toEqual([
      {
        id: 'a1',
        email: 'renamed@example.com',
        status: 'expired',
        status_message: 'invalid_grant',
        group_id: null,
        tag_ids: ['t-1', 't-2'],
        usage: { used: 0, limit: 100 },
        notes: 'second note',
        has_credentials: false,
        last_checked_at: at(9),
        version: 5,
        updated_at: at(9),
        deleted_at: null,
      },
      {
        id: 'a2',
        email: 'a2@example.com',
        status: 'active',
        status_message: null,
        group_id: 'g-1',
        tag_ids: ['t-1'],
        usage: { used: 7, limit: 100 },
        notes: 'edited after deletion',
        has_credentials: false,
        last_checked_at: at(5),
        version: 5,
        updated_at: at(12),
        deleted_at: null,
      },
    ]);
    expect(counts).toEqual({ live: 2, deleted: 0 });
  });

  it('ends the same whether the events come in one page, one each, or pages of three', async () => {
    const events = (owner: string) => longStory(owner);
    await project([events('owner-whole')]);
    await project(events('owner-single').map((event) => [event]));
    const threes = events('owner-threes');
    await project(Array.from({ length: Math.ceil(threes.length / 3) }, (_, i) => threes.slice(i * 3, i * 3 + 3)));
    const whole = await rowsOf('owner-whole');
    expect(await rowsOf('owner-single')).toEqual(whole);
    expect(await rowsOf('owner-threes')).toEqual(whole);
    // And what the story says: a4 deleted at its last move, a5 restored and edited, a1 deleted and edited.
    const byId = Object.fromEntries(whole.rows.map((row) => [row.id, row]));
    expect(byId.a4).toMatchObject({
      deleted_at: at(29),
      version: 6,
      notes: 'a4 once',
      email: 'a4@renamed.example.com',
    });
    expect(byId.a5).toMatchObject({ deleted_at: null, version: 4, notes: 'a5 back' });
    expect(byId.a1).toMatchObject({ deleted_at: at(30), version: 7, notes: 'edited while deleted' });
    expect(whole.counts).toEqual({ live: 2, deleted: 2 });
  });

  it('applies a page again without changing anything (a replay after a crash before the checkpoint)', async () => {
    const events = longStory('owner-replay');
    await project([events]);
    const once = await rowsOf('owner-replay');
    await project([events]);
    expect(await rowsOf('owner-replay')).toEqual(once);
  });
});
