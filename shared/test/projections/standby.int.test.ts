/** One live instance per projection: a second runner (another "process") stands by and takes over. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProjectionRunner } from '../../src/projections/index.js';
import { createTestDatabase, type TestDatabase } from '../../src/testing/index.js';
import { appendCounts, counterProjection, expectAppliedOnce, fastTiming, newStore, silentLogger } from './fixtures.js';

describe('two runners of one projection', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('only one applies events; when it stops, the other takes over where it left off', async () => {
    const schema = 'svc';
    // Separate pools and stores: two processes as far as PostgreSQL can tell.
    const processes = await Promise.all(
      [1, 2].map(async () => {
        const pool = db.pool({ max: 4 });
        const store = await newStore(pool, schema);
        const runner = new ProjectionRunner({
          pool,
          schema,
          store,
          projections: [counterProjection({ batchLog: [] })],
          logger: silentLogger,
          batchSize: 5,
          ...fastTiming,
        });
        return { pool, store, runner };
      }),
    );
    const [a, b] = processes as [(typeof processes)[0], (typeof processes)[0]];
    await Promise.all([a.runner.start(), b.runner.start()]);

    // Both write while both runners run.
    const [fromA, fromB] = await Promise.all([appendCounts(a.store, 30), appendCounts(b.store, 30)]);
    expect(await a.runner.waitForPosition('counter', fromA.last, 10_000)).toBe(true);
    expect(await a.runner.waitForPosition('counter', fromB.last, 10_000)).toBe(true);
    await expectAppliedOnce(a.pool, schema, [...fromA.ids, ...fromB.ids]);
    expect([a.runner.isActive('counter'), b.runner.isActive('counter')].filter(Boolean)).toHaveLength(1);

    const [active, standby] = a.runner.isActive('counter') ? [a, b] : [b, a];
    await active.runner.stop();
    const later = await appendCounts(active.store, 20);
    expect(await standby.runner.waitForPosition('counter', later.last, 10_000)).toBe(true);
    expect(standby.runner.isActive('counter')).toBe(true);
    await expectAppliedOnce(a.pool, schema, [...fromA.ids, ...fromB.ids, ...later.ids]);
    await standby.runner.stop();
  });
});
