import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresEventStore } from '../../src/eventstore/index.js';
import { createTestDatabase, type TestDatabase } from '../../src/testing/index.js';
import { type EventStoreHarness, event, eventStoreContract, waitUntilReadable } from './contract.js';

let db: TestDatabase;
let pool: pg.Pool;
let schemas = 0;

beforeAll(async () => {
  db = await createTestDatabase();
  pool = db.pool({ max: 24 });
});
afterAll(async () => {
  await db?.drop();
});

/** Every harness gets its own schema: an empty log, in the file's database. */
async function postgresHarness(): Promise<EventStoreHarness> {
  const schema = `es_${++schemas}`;
  const store = new PostgresEventStore(pool, schema);
  await store.init();
  return {
    store,
    async beginHeldAppend(streamName, events, expectedVersion) {
      const client = await pool.connect();
      await client.query('BEGIN');
      // The adapter's own statements, run on one client inside a transaction we commit when told to.
      const inTransaction = new PostgresEventStore(client as unknown as pg.Pool, schema, {
        idleInTransactionTimeoutMs: 0,
      });
      try {
        const result = await inTransaction.appendToStream(streamName, events, { expectedVersion });
        return {
          result,
          async commit() {
            await client.query('COMMIT');
            client.release();
          },
        };
      } catch (error) {
        await client.query('ROLLBACK');
        client.release();
        throw error;
      }
    },
    close: () => store.close(),
  };
}

eventStoreContract('PostgreSQL', postgresHarness, { heldAppends: true });

describe('PostgreSQL event store specifics', () => {
  it('starts stream versions at 1 and returns them as bigint', async () => {
    const { store } = await postgresHarness();
    const result = await store.appendToStream('v-1', [event('A'), event('B')], { expectedVersion: 'no_stream' });
    expect(result.nextExpectedVersion).toBe(2n);
    const read = await store.readStream('v-1');
    expect(read.events.map((e) => e.streamVersion)).toEqual([1n, 2n]);
    expect(typeof read.events[0]!.position.commit).toBe('bigint');
    expect(typeof read.events[0]!.position.prepare).toBe('bigint');
  });

  it('hides every event behind a transaction that is still open, then shows them in transaction order', async () => {
    const h = await postgresHarness();
    const slow = await h.beginHeldAppend!('slow-1', [event('Slow')], 'no_stream');
    const fast = await h.store.appendToStream('fast-1', [event('Fast')], { expectedVersion: 'no_stream' });
    // The fast write committed, yet it is ordered after the open one, so nobody may read it yet.
    expect(await h.store.readAll({ limit: 10 })).toEqual({ events: [], lastPosition: undefined });
    await slow.commit();
    await waitUntilReadable(h.store, fast.position);
    const page = await h.store.readAll({ limit: 10 });
    expect(page.events.map((e) => e.type)).toEqual(['Slow', 'Fast']);
    expect(page.lastPosition).toEqual(fast.position);
    expect(slow.result.position.commit < fast.position.commit).toBe(true);
  });

  it('records the writing transaction id with every event of one append', async () => {
    const { store } = await postgresHarness();
    const result = await store.appendToStream('t-1', [event('A'), event('B'), event('C')], { expectedVersion: 'any' });
    await waitUntilReadable(store, result.position);
    const page = await store.readAll({ limit: 10 });
    expect(new Set(page.events.map((e) => e.position.commit))).toEqual(new Set([result.position.commit]));
    expect(page.events.map((e) => e.position.prepare)).toEqual([
      result.position.prepare - 2n,
      result.position.prepare - 1n,
      result.position.prepare,
    ]);
  });

  it('sets idle_in_transaction_session_timeout on its connections', async () => {
    const own = db.pool({ max: 1 });
    const store = new PostgresEventStore(own, 'es_timeout', { idleInTransactionTimeoutMs: 12_000 });
    await store.init();
    const { rows } = await own.query('SHOW idle_in_transaction_session_timeout');
    expect(rows[0].idle_in_transaction_session_timeout).toBe('12s');
  });

  it('creates its tables once even when replicas start together', async () => {
    const stores = Array.from({ length: 4 }, () => new PostgresEventStore(pool, 'es_replicas'));
    await Promise.all(stores.map((s) => s.init()));
    await stores[0]!.init();
    await stores[1]!.appendToStream('r-1', [event('A')], { expectedVersion: 'no_stream' });
    expect((await stores[2]!.readStream('r-1')).version).toBe(1n);
  });

  it('keeps services apart: one schema does not see another schema’s streams', async () => {
    const a = new PostgresEventStore(pool, 'svc_a');
    const b = new PostgresEventStore(pool, 'svc_b');
    await Promise.all([a.init(), b.init()]);
    await a.appendToStream('same-1', [event('A')], { expectedVersion: 'no_stream' });
    const appended = await b.appendToStream('same-1', [event('B')], { expectedVersion: 'no_stream' });
    await waitUntilReadable(b, appended.position);
    expect((await a.readStream('same-1')).events.map((e) => e.type)).toEqual(['A']);
    expect((await b.readAll({ limit: 10 })).events.map((e) => e.type)).toEqual(['B']);
  });

  it('refuses an empty append and a schema name that is not a plain identifier', async () => {
    const { store } = await postgresHarness();
    await expect(store.appendToStream('e-1', [], { expectedVersion: 'any' })).rejects.toThrow(/at least one event/);
    expect(() => new PostgresEventStore(pool, 'bad"; drop')).toThrow(/identifier/);
  });
});
