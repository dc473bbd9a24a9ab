/**
 * The setup the projection test files share: one test database per file, a fresh schema per test (so
 * tests never see each other's events or checkpoints), and every started runner stopped after its test.
 * Call `useProjectionHarness()` inside a `describe`; it registers the hooks.
 */
import type pg from 'pg';
import { afterAll, afterEach, beforeAll } from 'vitest';
import type { PostgresEventStore } from '../../src/eventstore/index.js';
import { ProjectionRunner, type ProjectionRunnerOptions } from '../../src/projections/index.js';
import { createTestDatabase, type TestDatabase } from '../../src/testing/index.js';
import { fastTiming, newStore, silentLogger } from './fixtures.js';

export interface ProjectionHarness {
  /** The file's database; available once the tests run (it is opened in `beforeAll`). */
  readonly pool: pg.Pool;
  /** A schema name no other test of this file uses. */
  newSchema(): string;
  /** A new schema with an initialised event store in it. */
  newStore(): Promise<{ schema: string; store: PostgresEventStore }>;
  /** Starts a runner (on `pool` unless told otherwise) that logs nothing and polls fast; stopped after the test. */
  startRunner(options: Omit<ProjectionRunnerOptions, 'pool'> & { readonly pool?: pg.Pool }): Promise<ProjectionRunner>;
}

export function useProjectionHarness(): ProjectionHarness {
  let db: TestDatabase | undefined;
  let pool: pg.Pool | undefined;
  let schemas = 0;
  const running: ProjectionRunner[] = [];
  beforeAll(async () => {
    db = await createTestDatabase();
    pool = db.pool({ max: 10 });
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((r) => r.stop()));
  });
  afterAll(async () => {
    await db?.drop();
  });

  const harness: ProjectionHarness = {
    get pool() {
      if (!pool) throw new Error('the projection harness pool is opened in beforeAll; use it inside a test');
      return pool;
    },
    newSchema: () => `svc_${++schemas}`,
    async newStore() {
      const schema = harness.newSchema();
      return { schema, store: await newStore(harness.pool, schema) };
    },
    async startRunner(options) {
      const runner = new ProjectionRunner({ pool: harness.pool, logger: silentLogger, ...fastTiming, ...options });
      running.push(runner);
      await runner.start();
      return runner;
    },
  };
  return harness;
}
