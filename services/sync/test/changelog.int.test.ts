/**
 * The sync change log on a real PostgreSQL: exactly-once recording, gapless numbering under concurrent
 * writers with readers that never skip or repeat, snapshots whose cursor matches their state, changes
 * by time, and compaction that answers SNAPSHOT_REQUIRED rather than an incomplete page.
 */
import { randomUUID } from 'node:crypto';
import { DomainError } from '@cairn/shared/http';
import { withTransaction } from '@cairn/shared/postgres';
import { createTestDatabase, type TestDatabase } from '@cairn/shared/testing';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResourceChange } from '../src/changelog/change.js';
import { compactChanges } from '../src/changelog/compaction.js';
import { decodeCursor, encodeCursor } from '../src/changelog/cursor.js';
import { groupChanges } from '../src/changelog/group.js';
import { readChanges, readSnapshot } from '../src/changelog/read.js';
import { outcomeOf, recordChange, recordChanges, VersionGapError } from '../src/changelog/record.js';
import { migrateSyncTables, type SyncTables } from '../src/changelog/schema.js';
import { ChangeRecorder } from '../src/ingest/recorder.js';

const ALL = ['accounts', 'groups', 'tags', 'settings', 'machineIds'] as const;

let db: TestDatabase;
let pool: pg.Pool;
let tables: SyncTables;

beforeAll(async () => {
  db = await createTestDatabase();
  pool = db.pool({ max: 12 });
  tables = await migrateSyncTables(pool, 'sync');
});
afterAll(async () => {
  await db?.drop();
});

const record = (change: ResourceChange, options: { acceptGap?: boolean } = {}) =>
  withTransaction(pool, (client) => recordChange(client, tables, change, options));

function put(userId: string, id: string, version: number, fields: Record<string, unknown>): ResourceChange {
  const source = { subject: 'cairn.accounts.account.updated.v1', data: { accountId: id } };
  return { eventId: randomUUID(), userId, resource: 'accounts', id, version, kind: 'put', fields, source };
}

describe('recording', () => {
  it('numbers a user’s changes 1, 2, 3… and folds updates into the stored copy', async () => {
    const user = randomUUID();
    expect(await record(put(user, 'a', 1, { id: 'a', email: 'a@x', version: 1 }))).toEqual({ userId: user, seq: 1 });
    expect(await record(put(user, 'a', 2, { email: 'b@x', version: 2 }))).toEqual({ userId: user, seq: 2 });
    const snapshot = await readSnapshot(pool, tables, user);
    expect(snapshot.lastSeq).toBe(2);
    expect(snapshot.resources.get('accounts')).toEqual([{ id: 'a', email: 'b@x', version: 2 }]);
  });

  it('records a redelivered event once, and ignores a change older than the stored copy', async () => {
    const user = randomUUID();
    const created = put(user, 'a', 1, { id: 'a', version: 1 });
    expect(await record(created)).toBeDefined();
    expect(await record(created)).toBeUndefined();
    expect(await record(put(user, 'a', 3, { version: 3 }), { acceptGap: true })).toBeDefined();
    expect(await record(put(user, 'a', 2, { version: 2, email: 'late' }))).toBeUndefined();
    const page = await readChanges(pool, tables, user, { afterSeq: 0 }, 100, ALL);
    expect(page.changes.map((c) => c.version)).toEqual([1, 3]);
  });

  it('refuses a change that skips a version (unless told to accept the gap), recording nothing', async () => {
    const user = randomUUID();
    await record(put(user, 'a', 1, { id: 'a', version: 1 }));
    const early = put(user, 'a', 3, { notes: 'third', version: 3 });
    await expect(record(early)).rejects.toBeInstanceOf(VersionGapError);
    await record(put(user, 'a', 2, { email: 'second', version: 2 }));
    // The same event again, now in order: it was not marked handled by the refused attempt.
    expect(await record(early)).toEqual({ userId: user, seq: 3 });
    const snapshot = await readSnapshot(pool, tables, user);
    expect(snapshot.resources.get('accounts')).toEqual([{ id: 'a', email: 'second', notes: 'third', version: 3 }]);
  });

  it('keeps users apart', async () => {
    const [alice, bob] = [randomUUID(), randomUUID()];
    await record(put(alice, 'same-id', 1, { id: 'same-id', owner: 'alice', version: 1 }));
    await record(put(bob, 'same-id', 1, { id: 'same-id', owner: 'bob', version: 1 }));
    const page = await readChanges(pool, tables, bob, { afterSeq: 0 }, 100, ALL);
    expect(page.changes.map((c) => c.data)).toEqual([{ id: 'same-id', owner: 'bob', version: 1 }]);
  });
});

describe('recording in batches', () => {
  it('records several changes in one statement in the order given, as separate calls would', async () => {
    const user = randomUUID();
    const created = put(user, 'a', 1, { id: 'a', email: 'a@x', version: 1 });
    const items = [
      created,
      put(user, 'a', 2, { email: 'b@x', version: 2 }),
      created, // the same event again: a duplicate
      put(user, 'a', 4, { notes: 'too early', version: 4 }), // skips 3: a gap, which undoes nothing
      put(user, 'b', 1, { id: 'b', version: 1 }),
    ].map((change) => ({ change, acceptGap: false }));
    const rows = await recordChanges(pool, tables, items);
    expect(rows.map((row) => row.outcome)).toEqual(['recorded', 'recorded', 'duplicate', 'gap', 'recorded']);
    expect(outcomeOf(items[4]!.change, rows[4])).toEqual({ userId: user, seq: 3 });
    expect(() => outcomeOf(items[3]!.change, rows[3])).toThrow(VersionGapError);
    const snapshot = await readSnapshot(pool, tables, user);
    expect(snapshot.lastSeq).toBe(3);
    expect(snapshot.resources.get('accounts')).toEqual([
      { id: 'a', email: 'b@x', version: 2 },
      { id: 'b', version: 1 },
    ]);
  });

  it('batches what arrives together, each user in bus order, and answers each change on its own', async () => {
    const recorder = new ChangeRecorder(pool, tables);
    const [alice, bob] = [randomUUID(), randomUUID()];
    // Handed over out of bus order: the recorder puts each user's changes back in order.
    const answers = await Promise.all([
      recorder.record(put(alice, 'a', 2, { email: 'second', version: 2 }), 11, false),
      recorder.record(put(bob, 'b', 1, { id: 'b', version: 1 }), 12, false),
      recorder.record(put(alice, 'a', 1, { id: 'a', version: 1 }), 10, false),
      recorder.record(put(bob, 'b', 3, { version: 3 }), 13, false).catch((error: unknown) => error),
    ]);
    expect(answers.slice(0, 3)).toEqual([
      { userId: alice, seq: 2 },
      { userId: bob, seq: 1 },
      { userId: alice, seq: 1 },
    ]);
    expect(answers[3]).toBeInstanceOf(VersionGapError);
    const page = await readChanges(pool, tables, alice, { afterSeq: 0 }, 100, ALL);
    expect(page.changes.map((c) => c.version)).toEqual([1, 2]);
  });

  it('records the others one by one when the batch as a whole fails', async () => {
    const recorder = new ChangeRecorder(pool, tables);
    const user = randomUUID();
    // A NUL character cannot be stored in jsonb: this change fails, alone.
    const poison = put(user, 'bad', 1, { id: 'bad', notes: 'nul \u0000', version: 1 });
    const answers = await Promise.allSettled([
      recorder.record(put(user, 'a', 1, { id: 'a', version: 1 }), 1, false),
      recorder.record(poison, 2, false),
      recorder.record(put(user, 'c', 1, { id: 'c', version: 1 }), 3, false),
    ]);
    expect(answers.map((answer) => answer.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const snapshot = await readSnapshot(pool, tables, user);
    expect(snapshot.resources.get('accounts')?.map((resource) => resource.id)).toEqual(['a', 'c']);
  });
});

describe('reading', () => {
  it('pages through the log: every change exactly once, hasMore until the end', async () => {
    const user = randomUUID();
    for (let i = 1; i <= 25; i++) await record(put(user, `acc-${i}`, 1, { id: `acc-${i}`, version: 1 }));
    const seen: string[] = [];
    let after = 0;
    let more = true;
    while (more) {
      const page = await readChanges(pool, tables, user, { afterSeq: after }, 10, ALL);
      seen.push(...page.changes.map((c) => c.id));
      after = page.lastSeq;
      more = page.hasMore;
    }
    expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => `acc-${i + 1}`));
    expect(after).toBe(25);
  });

  it('never skips or repeats while many writers record for one user at once', async () => {
    const user = randomUUID();
    const writers = 8;
    const perWriter = 40;
    const seen: number[] = [];
    let after = 0;
    let writing = true;
    const reader = (async () => {
      while (writing || after < writers * perWriter) {
        const page = await readChanges(pool, tables, user, { afterSeq: after }, 7, ALL);
        seen.push(...page.changes.map((c) => c.seq));
        after = page.lastSeq;
        if (!page.hasMore) await new Promise((resolve) => setTimeout(resolve, 2));
      }
    })();
    await Promise.all(
      Array.from({ length: writers }, async (_, w) => {
        for (let i = 0; i < perWriter; i++) await record(put(user, `w${w}-${i}`, 1, { id: `w${w}-${i}`, version: 1 }));
      }),
    );
    writing = false;
    await reader;
    expect(seen).toEqual(Array.from({ length: writers * perWriter }, (_, i) => i + 1));
  });

  it('gives a snapshot whose cursor is exactly where its state ends', async () => {
    const user = randomUUID();
    await record(put(user, 'a', 1, { id: 'a', version: 1 }));
    const snapshot = await readSnapshot(pool, tables, user);
    await record(put(user, 'b', 1, { id: 'b', version: 1 }));
    await record({ ...put(user, 'a', 2, {}), kind: 'remove' });
    const page = await readChanges(pool, tables, user, { afterSeq: snapshot.lastSeq }, 100, ALL);
    expect(groupChanges(page.changes).accounts).toEqual({
      created: [{ id: 'b', version: 1 }],
      updated: [],
      deleted: ['a'],
    });
    const after = await readSnapshot(pool, tables, user);
    expect(after.resources.get('accounts')).toEqual([{ id: 'b', version: 1 }]);
  });

  it('answers changes after a server time, and nothing for a time after the last change', async () => {
    const user = randomUUID();
    await record(put(user, 'a', 1, { id: 'a', version: 1 }));
    const first = await readChanges(pool, tables, user, { afterSeq: 0 }, 100, ALL);
    const time = first.changes[0]?.serverTime ?? 0;
    await new Promise((resolve) => setTimeout(resolve, 5));
    await record(put(user, 'b', 1, { id: 'b', version: 1 }));
    const later = await readChanges(pool, tables, user, { afterTime: time }, 100, ALL);
    expect(later.changes.map((c) => c.id)).toEqual(['b']);
    const none = await readChanges(pool, tables, user, { afterTime: later.serverTime }, 100, ALL);
    expect(none.changes).toEqual([]);
  });

  it('filters by resource while the cursor still moves past the others', async () => {
    const user = randomUUID();
    await record(put(user, 'a', 1, { id: 'a', version: 1 }));
    await record({ ...put(user, 'g', 1, { id: 'g', version: 1 }), resource: 'groups' });
    const page = await readChanges(pool, tables, user, { afterSeq: 0 }, 100, ['groups']);
    expect(page.changes.map((c) => c.id)).toEqual(['g']);
    expect(page.lastSeq).toBe(2);
  });
});

describe('cursors', () => {
  it('round-trips and refuses anything else with a validation error', () => {
    expect(decodeCursor(encodeCursor(0))).toBe(0);
    expect(decodeCursor(encodeCursor(123456))).toBe(123456);
    for (const bad of [
      '',
      'abc',
      encodeCursor(1).slice(1),
      Buffer.from('c1.-1').toString('base64url'),
      'x'.repeat(80),
    ]) {
      expect(() => decodeCursor(bad)).toThrowError(DomainError);
    }
  });

  it('answers SNAPSHOT_REQUIRED for a cursor behind compaction or ahead of the log', async () => {
    const user = randomUUID();
    await record(put(user, 'a', 1, { id: 'a', version: 1 }));
    await record(put(user, 'a', 2, { version: 2 }));
    await expect(readChanges(pool, tables, user, { afterSeq: 5 }, 10, ALL)).rejects.toMatchObject({
      code: 'SNAPSHOT_REQUIRED',
    });
    await compactChanges(pool, tables, 0);
    await expect(readChanges(pool, tables, user, { afterSeq: 0 }, 10, ALL)).rejects.toMatchObject({
      code: 'SNAPSHOT_REQUIRED',
    });
    // From the head the log still works, and the snapshot is untouched.
    expect((await readChanges(pool, tables, user, { afterSeq: 2 }, 10, ALL)).changes).toEqual([]);
    expect((await readSnapshot(pool, tables, user)).resources.get('accounts')).toEqual([{ id: 'a', version: 2 }]);
  });
});
