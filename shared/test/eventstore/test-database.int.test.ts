import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../src/testing/index.js';

// The harness every integration test stands on: one fresh database per file, isolated and droppable.
describe('createTestDatabase', () => {
  const made: TestDatabase[] = [];
  afterAll(async () => {
    await Promise.all(made.map((db) => db.drop()));
  });

  it('gives each caller its own empty database', async () => {
    const [a, b] = await Promise.all([createTestDatabase(), createTestDatabase()]);
    made.push(a, b);
    expect(a.name).not.toBe(b.name);
    await a.pool().query('CREATE TABLE only_in_a (id int)');
    const inB = await b.pool().query("SELECT to_regclass('public.only_in_a') AS t");
    expect(inB.rows[0].t).toBeNull();
    const current = await a.pool().query('SELECT current_database() AS name');
    expect(current.rows[0].name).toBe(a.name);
  });

  it('drops the database and its pools', async () => {
    const db = await createTestDatabase();
    await db.pool().query('SELECT 1');
    await db.drop();
    const admin = await createTestDatabase();
    made.push(admin);
    const { rows } = await admin
      .pool()
      .query('SELECT count(*)::int AS n FROM pg_database WHERE datname = $1', [db.name]);
    expect(rows[0].n).toBe(0);
  });
});
