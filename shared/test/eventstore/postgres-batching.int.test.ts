/**
 * Group commit in the PostgreSQL store: appends made together go as one statement, yet each keeps its own
 * compare-and-set, result, position and error. Appends started in the same tick share a batch (the
 * batcher dispatches after the current promise callbacks), which the shared transaction id proves.
 */
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AppendResult,
  comparePositions,
  type ExpectedVersion,
  type GlobalPosition,
  type NewEvent,
  PostgresEventStore,
  type PostgresEventStoreOptions,
  type RecordedEvent,
  type StreamVersion,
  VersionConflictError,
} from '../../src/eventstore/index.js';
import { createTestDatabase, type TestDatabase } from '../../src/testing/index.js';
import { event, waitUntilReadable } from './contract.js';

let db: TestDatabase;
let pool: pg.Pool;
let schemas = 0;

beforeAll(async () => {
  db = await createTestDatabase();
  pool = db.pool({ max: 12 });
});
afterAll(async () => {
  await db?.drop();
});

async function freshStore(options: PostgresEventStoreOptions = {}, on: pg.Pool = pool): Promise<PostgresEventStore> {
  const store = new PostgresEventStore(on, `batch_${++schemas}`, options);
  await store.init();
  return store;
}

/** A pool of its own that counts the append statements sent through it. */
function countingPool(): { pool: pg.Pool; appendStatements: () => number } {
  const own = db.pool({ max: 4 });
  let count = 0;
  const query = own.query.bind(own) as (...args: unknown[]) => unknown;
  (own as unknown as { query: (...args: unknown[]) => unknown }).query = (config: unknown, ...rest: unknown[]) => {
    if ((config as { name?: string } | undefined)?.name?.endsWith('_append_batch')) count++;
    return query(config, ...rest);
  };
  return { pool: own, appendStatements: () => count };
}

const v = (n: number) => BigInt(n) as StreamVersion;

const settle = (store: PostgresEventStore, appends: [string, NewEvent[], ExpectedVersion][]) =>
  Promise.allSettled(
    appends.map(([stream, events, expectedVersion]) => store.appendToStream(stream, events, { expectedVersion })),
  );

const fulfilledValue = (outcome: PromiseSettledResult<AppendResult> | undefined): AppendResult => {
  if (outcome?.status !== 'fulfilled') throw new Error(`expected a fulfilled append, got ${String(outcome?.status)}`);
  return outcome.value;
};

const conflictOf = (outcome: PromiseSettledResult<AppendResult> | undefined): VersionConflictError => {
  if (outcome?.status !== 'rejected') throw new Error(`expected a rejected append, got ${String(outcome?.status)}`);
  expect(outcome.reason).toBeInstanceOf(VersionConflictError);
  return outcome.reason as VersionConflictError;
};

describe('PostgreSQL event store: appends made together', () => {
  it('go as one statement, and a lone append as one statement too', async () => {
    const counting = countingPool();
    const store = await freshStore({}, counting.pool);
    await store.appendToStream('alone-1', [event('A')], { expectedVersion: 'no_stream' });
    expect(counting.appendStatements()).toBe(1);
    const outcomes = await settle(
      store,
      Array.from({ length: 16 }, (_, i): [string, NewEvent[], ExpectedVersion] => [
        `together-${i}`,
        [event('A')],
        'no_stream',
      ]),
    );
    expect(outcomes.every((o) => o.status === 'fulfilled')).toBe(true);
    expect(counting.appendStatements()).toBe(2);
    expect(new Set(outcomes.map((o) => fulfilledValue(o).position.commit)).size).toBe(1);
  });

  it('keep to the events-per-batch limit and to the batches-in-flight limit', async () => {
    const counting = countingPool();
    const store = await freshStore({ eventsPerAppendBatch: 4, appendBatchesInFlight: 1 }, counting.pool);
    const outcomes = await settle(
      store,
      Array.from({ length: 10 }, (_, i): [string, NewEvent[], ExpectedVersion] => [
        `cap-${i}`,
        [event('A')],
        'no_stream',
      ]),
    );
    // 4 + 4 + 2 events; one batch at a time, each a transaction of its own.
    expect(counting.appendStatements()).toBe(3);
    const commits = outcomes.map((o) => fulfilledValue(o).position.commit);
    expect(new Set(commits).size).toBe(3);
    expect(commits.slice(0, 4).every((c) => c === commits[0])).toBe(true);
    // A larger append than the limit still goes, alone.
    const big = await store.appendToStream('cap-big', [event('A'), event('B'), event('C'), event('D'), event('E')], {
      expectedVersion: 'no_stream',
    });
    expect(big.nextExpectedVersion).toBe(5n);
  });

  it('give each append its own outcome: losers write nothing and do not fail the winners', async () => {
    const store = await freshStore();
    for (const stream of ['w-1', 'w-2', 'w-3']) {
      await store.appendToStream(stream, [event('Created')], { expectedVersion: 'no_stream' });
    }
    const outcomes = await settle(store, [
      ['w-1', [event('Won', { n: 1 }), event('Won', { n: 2 })], v(1)],
      ['w-2', [event('Lost')], v(7)],
      ['w-3', [event('Lost')], 'no_stream'],
      ['w-4', [event('Lost')], v(1)],
      ['w-5', [event('Won')], 'no_stream'],
      ['w-6', [event('Lost')], 'stream_exists'],
    ]);
    expect(fulfilledValue(outcomes[0]).nextExpectedVersion).toBe(3n);
    expect(conflictOf(outcomes[1]).actual).toBe(1n);
    expect(conflictOf(outcomes[2]).actual).toBe(1n);
    expect(conflictOf(outcomes[3]).actual).toBeUndefined();
    expect(fulfilledValue(outcomes[4]).nextExpectedVersion).toBe(1n);
    expect(conflictOf(outcomes[5]).actual).toBeUndefined();
    // The winners of the one batch committed together.
    expect(fulfilledValue(outcomes[0]).position.commit).toBe(fulfilledValue(outcomes[4]).position.commit);

    const types = async (stream: string) => (await store.readStream(stream)).events.map((e) => e.type);
    expect(await types('w-1')).toEqual(['Created', 'Won', 'Won']);
    expect(await types('w-2')).toEqual(['Created']);
    expect(await types('w-3')).toEqual(['Created']);
    expect((await store.readStream('w-4')).exists).toBe(false);
    expect(await types('w-5')).toEqual(['Won']);
    expect((await store.readStream('w-6')).exists).toBe(false);
  });

  it('apply appends to one stream in call order, each seeing the one before', async () => {
    const store = await freshStore();
    const anyOutcomes = await settle(store, [
      ['o-1', [event('First')], 'any'],
      ['o-1', [event('Second')], 'any'],
      ['o-1', [event('Third'), event('Fourth')], 'any'],
    ]);
    expect(anyOutcomes.map((o) => fulfilledValue(o).nextExpectedVersion)).toEqual([1n, 2n, 4n]);
    expect((await store.readStream('o-1')).events.map((e) => e.type)).toEqual(['First', 'Second', 'Third', 'Fourth']);

    const exact = await settle(store, [
      ['o-1', [event('Fifth')], v(4)],
      ['o-1', [event('Stale')], v(4)],
      ['o-1', [event('Sixth')], v(5)],
    ]);
    expect(fulfilledValue(exact[0]).nextExpectedVersion).toBe(5n);
    // Read after the fact: the append behind it may already have landed.
    expect([5n, 6n]).toContain(conflictOf(exact[1]).actual);
    expect(fulfilledValue(exact[2]).nextExpectedVersion).toBe(6n);
    expect((await store.readStream('o-1')).events.map((e) => e.type).slice(4)).toEqual(['Fifth', 'Sixth']);
  });

  it('many racers on many streams: exactly one winner per stream', async () => {
    const store = await freshStore();
    const streams = Array.from({ length: 10 }, (_, i) => `race-${i}`);
    await Promise.all(
      streams.map((s) => store.appendToStream(s, [event('Created')], { expectedVersion: 'no_stream' })),
    );
    const racers = streams.flatMap((s) =>
      Array.from({ length: 5 }, (_, r): [string, NewEvent[], ExpectedVersion] => [s, [event('Raced', { r })], v(1)]),
    );
    const outcomes = await settle(store, racers);
    for (const s of streams) {
      const mine = outcomes.filter((_, i) => racers[i]![0] === s);
      expect(mine.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      for (const o of mine.filter((m) => m.status === 'rejected')) expect(conflictOf(o).actual).toBe(2n);
      expect((await store.readStream(s)).events).toHaveLength(2);
    }
  });

  it('no_stream races between two stores (two batchers, two transactions): one creator per stream', async () => {
    const a = await freshStore();
    const b = new PostgresEventStore(pool, a.schema);
    const streams = Array.from({ length: 6 }, (_, i) => `new-${i}`);
    const attempts = [a, b, a, b].flatMap((store, k) =>
      streams.map((s) => store.appendToStream(s, [event('Created', { k })], { expectedVersion: 'no_stream' })),
    );
    const outcomes = await Promise.allSettled(attempts);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(streams.length);
    for (const o of outcomes.filter((m) => m.status === 'rejected')) expect(conflictOf(o).actual).toBe(1n);
    for (const s of streams) expect((await a.readStream(s)).events).toHaveLength(1);
  });

  it('keep each append’s metadata, event ids and schema versions', async () => {
    const store = await freshStore();
    const metadata = (n: number) => ({
      eventId: `0190f4b8-52a4-7c3e-9d2b-3c1f7f1a2b${String(n).padStart(2, '0')}`,
      occurredAt: `2024-07-0${n}T10:00:00.000Z`,
      correlationId: `corr-${n}`,
      actor: { kind: 'user' as const, id: `u-${n}` },
    });
    await settle(store, [
      ['m-1', [{ type: 'A', data: { n: 1 }, schemaVersion: 2, metadata: metadata(1) }], 'no_stream'],
      [
        'm-2',
        [
          { type: 'B', data: { n: 2 }, metadata: metadata(2) },
          { type: 'C', data: null, schemaVersion: 3, metadata: metadata(3) },
        ],
        'no_stream',
      ],
      ['m-3', [{ type: 'D', data: [1, 'two'] }], 'no_stream'],
    ]);
    const [a] = (await store.readStream('m-1')).events;
    expect([a!.data, a!.schemaVersion, a!.metadata]).toEqual([{ n: 1 }, 2, metadata(1)]);
    const [b, c] = (await store.readStream('m-2')).events;
    expect([b!.data, b!.schemaVersion, b!.metadata]).toEqual([{ n: 2 }, 1, metadata(2)]);
    expect([c!.data, c!.schemaVersion, c!.metadata]).toEqual([null, 3, metadata(3)]);
    const [d] = (await store.readStream('m-3')).events;
    expect(d!.data).toEqual([1, 'two']);
    expect(d!.metadata.eventId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('return each append’s own last event as its position, in log order', async () => {
    const store = await freshStore();
    const appends = Array.from({ length: 12 }, (_, i): [string, NewEvent[], ExpectedVersion] => [
      `pos-${i}`,
      Array.from({ length: (i % 3) + 1 }, (_, k) => event('E', { i, k })),
      'no_stream',
    ]);
    const results = (await settle(store, appends)).map(fulfilledValue);
    const last = results.reduce((max, r) => (r.position.prepare > max.position.prepare ? r : max));
    await waitUntilReadable(store, last.position);
    const log = (await store.readAll({ limit: 100 })).events;
    expect(log).toHaveLength(appends.reduce((n, [, events]) => n + events.length, 0));
    results.forEach((result, i) => {
      const at = log.findIndex((e) => e.position.prepare === result.position.prepare);
      const own = log[at]!;
      expect(own.position).toEqual(result.position);
      expect([own.streamName, own.streamVersion, own.data]).toEqual([
        `pos-${i}`,
        result.nextExpectedVersion,
        { i, k: i % 3 },
      ]);
      // The append's events sit together in the log, right before its position.
      const count = (i % 3) + 1;
      expect(log.slice(at - count + 1, at + 1).map((e) => e.streamName)).toEqual(Array(count).fill(`pos-${i}`));
    });
  });

  it('fail only the append PostgreSQL refuses, not the others of its batch', async () => {
    const counting = countingPool();
    const store = await freshStore({}, counting.pool);
    const outcomes = await settle(store, [
      ['ok-1', [event('Fine')], 'no_stream'],
      // jsonb cannot hold a NUL character: the whole batch statement fails, then each append goes alone.
      ['bad-1', [event('Broken', { text: 'nul \u0000 here' })], 'no_stream'],
      ['ok-2', [event('Fine')], v(3)],
      ['ok-3', [event('Fine')], 'no_stream'],
    ]);
    expect(fulfilledValue(outcomes[0]).nextExpectedVersion).toBe(1n);
    expect(outcomes[1]?.status === 'rejected' && (outcomes[1].reason as { code?: string }).code).toBe('22P05');
    expect(conflictOf(outcomes[2]).actual).toBeUndefined();
    expect(fulfilledValue(outcomes[3]).nextExpectedVersion).toBe(1n);
    expect(counting.appendStatements()).toBe(5);
    expect((await store.readStream('bad-1')).exists).toBe(false);
  });

  it('batched writers racing on shared streams: a polling reader sees each event once, in version order', async () => {
    const store = await freshStore();
    // A second store on the same schema: its batches are other transactions racing for the same rows.
    const other = new PostgresEventStore(pool, store.schema);
    const streams = Array.from({ length: 8 }, (_, i) => `shared-${i}`);
    const written = new Set<string>();
    let writing = true;

    const write = async (writer: number) => {
      const on = writer % 2 === 0 ? store : other;
      const known = new Map<string, StreamVersion>();
      for (let i = 0; i < 150; i++) {
        const stream = streams[(writer * 3 + i) % streams.length]!;
        const eventId = crypto.randomUUID();
        for (;;) {
          try {
            const result = await on.appendToStream(
              stream,
              [{ type: 'Tick', data: { writer, i }, metadata: { eventId } }],
              {
                expectedVersion: known.get(stream) ?? 'no_stream',
              },
            );
            known.set(stream, result.nextExpectedVersion);
            written.add(eventId);
            break;
          } catch (error) {
            if (!(error instanceof VersionConflictError)) throw error;
            if (error.actual === undefined) known.delete(stream);
            else known.set(stream, error.actual);
          }
        }
      }
    };

    const seen: RecordedEvent[] = [];
    const read = async () => {
      let after: GlobalPosition | undefined;
      const deadline = Date.now() + 60_000;
      while (writing || (seen.length < written.size && Date.now() < deadline)) {
        const page = await store.readAll({ after, limit: 97 });
        seen.push(...page.events);
        if (page.lastPosition) after = page.lastPosition;
        else await new Promise((resolve) => setTimeout(resolve, 2));
      }
    };

    const reading = read();
    await Promise.all(Array.from({ length: 8 }, (_, w) => write(w)));
    writing = false;
    await reading;

    expect(written.size).toBe(8 * 150);
    expect(seen.map((e) => e.metadata.eventId).sort()).toEqual([...written].sort());
    for (let i = 1; i < seen.length; i++) expect(comparePositions(seen[i - 1]!.position, seen[i]!.position)).toBe(-1);
    const versions = new Map<string, bigint>();
    for (const e of seen) {
      expect(e.streamVersion).toBe((versions.get(e.streamName) ?? 0n) + 1n);
      versions.set(e.streamName, e.streamVersion);
    }
  }, 90_000);
});
