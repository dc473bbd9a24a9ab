/**
 * Rough throughput of the PostgreSQL adapter. The targets (5,000 appends/s from 16 writers of one event
 * each, 50,000 events/s read from the global log) are for an otherwise idle 2-core machine. The suite runs
 * test files side by side on the same cores, so the assertions only catch an order-of-magnitude
 * regression (a tenth of the targets); the measured rates are printed for the record.
 */
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { comparePositions, type GlobalPosition, PostgresEventStore } from '../../src/eventstore/index.js';
import { createTestDatabase, type TestDatabase } from '../../src/testing/index.js';
import { waitUntilReadable } from './contract.js';

const FLOOR = 0.1;

describe('PostgreSQL event store throughput', () => {
  let db: TestDatabase;
  let pool: pg.Pool;
  let store: PostgresEventStore;
  beforeAll(async () => {
    db = await createTestDatabase();
    pool = db.pool({ max: 18 });
    store = new PostgresEventStore(pool, 'speed');
    await store.init();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('appends one event per call from 16 concurrent writers', async () => {
    const writers = 16;
    const perWriter = 250;
    // Warm the connections and prepared statements first.
    await Promise.all(
      Array.from({ length: writers }, (_, w) =>
        store.appendToStream(`warm-${w}`, [{ type: 'Warm', data: {} }], { expectedVersion: 'any' }),
      ),
    );
    const started = performance.now();
    await Promise.all(
      Array.from({ length: writers }, async (_, w) => {
        let version = (await store.readStream(`writer-${w}`)).version;
        for (let i = 0; i < perWriter; i++) {
          const result = await store.appendToStream(
            `writer-${w}`,
            [{ type: 'Measured', data: { w, i, note: 'a small payload like a real event' } }],
            { expectedVersion: version ?? 'no_stream' },
          );
          version = result.nextExpectedVersion;
        }
      }),
    );
    const perSecond = (writers * perWriter) / ((performance.now() - started) / 1000);
    console.info(`append: ${Math.round(perSecond)} events/s (16 writers, 1 event per append)`);
    expect(perSecond).toBeGreaterThan(5_000 * FLOOR);
  });

  it('reads the global log page by page', async () => {
    const batches = 200;
    const perBatch = 100;
    let last: GlobalPosition = { commit: 0n, prepare: 0n };
    for (let b = 0; b < batches; b += 10) {
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, k) =>
          store.appendToStream(
            `bulk-${b + k}`,
            Array.from({ length: perBatch }, (_, i) => ({ type: 'Bulk', data: { b: b + k, i, text: 'x'.repeat(64) } })),
            { expectedVersion: 'no_stream' },
          ),
        ),
      );
      for (const r of results) if (comparePositions(r.position, last) > 0) last = r.position;
    }
    await waitUntilReadable(store, last);
    const started = performance.now();
    let read = 0;
    let after: GlobalPosition | undefined;
    for (;;) {
      const page = await store.readAll({ after, limit: 1000 });
      if (!page.lastPosition) break;
      read += page.events.length;
      after = page.lastPosition;
    }
    const perSecond = read / ((performance.now() - started) / 1000);
    console.info(`readAll: ${Math.round(perSecond)} events/s (pages of 1000)`);
    expect(read).toBeGreaterThanOrEqual(batches * perBatch);
    expect(perSecond).toBeGreaterThan(50_000 * FLOOR);
  });
});
