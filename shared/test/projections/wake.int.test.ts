/**
 * Wake-ups: an append in this process wakes only the followers of its stream and its event types (the
 * others sleep on, and read nothing), and the woken one applies it at once, not after its poll interval.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventStore, ReadAllOptions } from '../../src/eventstore/index.js';
import { ProjectionRunner } from '../../src/projections/index.js';
import { createTestDatabase, type TestDatabase } from '../../src/testing/index.js';
import { appendCounts, counterProjection, newStore, silentLogger } from './fixtures.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.drop();
});

/** The store, counting the global-log reads each projection makes. */
function countingReads(store: EventStore) {
  const reads = new Map<string, number>();
  const counted = Object.create(store) as EventStore;
  counted.readAll = (options: ReadAllOptions) => {
    const key = `${(options.streamPrefixes ?? []).join(',')}|${(options.eventTypes ?? []).join(',')}`;
    reads.set(key, (reads.get(key) ?? 0) + 1);
    return store.readAll(options);
  };
  return { store: counted, reads: (key: string) => reads.get(key) ?? 0 };
}

describe('projection wake-ups', () => {
  it('wake only the followers of the appended stream and types, which apply it without waiting for a poll', async () => {
    const pool = db.pool({ max: 6 });
    const store = await newStore(pool, 'wake');
    const { store: counted, reads } = countingReads(store);
    const runner = new ProjectionRunner({
      pool,
      schema: 'wake',
      store: counted,
      projections: [
        counterProjection({ name: 'counts' }),
        { ...counterProjection({ name: 'others' }), streamPrefixes: ['other-'] },
        // The same streams, but only a type these appends never have.
        { ...counterProjection({ name: 'resets' }), eventTypes: ['Reset'] },
      ],
      logger: silentLogger,
      // Far longer than the test: only wake-ups can explain a prompt read.
      pollIntervalMs: 60_000,
    });
    await runner.start();
    try {
      await expect.poll(() => reads('other-|') > 0 && reads('count-|') > 0 && reads('count-|Reset') > 0).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 200));
      const othersBefore = reads('other-|');
      const resetsBefore = reads('count-|Reset');
      const started = Date.now();
      const appended = await appendCounts(store, 20);
      expect(await runner.waitForPosition('counts', appended.last, 5_000)).toBe(true);
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(reads('other-|')).toBe(othersBefore);
      expect(reads('count-|Reset')).toBe(resetsBefore);
    } finally {
      await runner.stop();
    }
  });
});
