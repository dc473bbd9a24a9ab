/** Rebuilding a projection side by side and swapping it in: same tables, no side effects run again. */
import { describe, expect, it } from 'vitest';
import { loadCheckpoint, rebuildProjection } from '../../src/projections/index.js';
import { waitUntilReadable } from '../eventstore/contract.js';
import { appendCounts, type CounterOptions, counterProjection, expectAppliedOnce } from './fixtures.js';
import { useProjectionHarness } from './harness.js';

describe('rebuildProjection', () => {
  const harness = useProjectionHarness();

  async function setup(options: CounterOptions = {}) {
    const { schema, store } = await harness.newStore();
    const sideEffects: string[] = [];
    const projection = counterProjection({ ...options, sideEffects });
    const startRunner = () => harness.startRunner({ schema, store, projections: [projection] });
    const rebuild = () => rebuildProjection({ pool: harness.pool, schema, store, projection, batchSize: 9 });
    const snapshot = async () => ({
      applied: (await harness.pool.query(`SELECT seq::int, event_id, stream FROM ${schema}.applied ORDER BY seq`)).rows,
      totals: (await harness.pool.query(`SELECT stream, n FROM ${schema}.totals ORDER BY stream`)).rows,
    });
    return { schema, store, sideEffects, startRunner, rebuild, snapshot };
  }

  it('produces the same tables, keeps the live names of indexes and sequences, and the live projection carries on', async () => {
    const { schema, store, sideEffects, startRunner, snapshot } = await setup();
    const runner = await startRunner();
    const first = await appendCounts(store, 50);
    await appendCounts(store, 5, 1, 'other-');
    expect(await runner.waitForPosition('counter', first.last, 10_000)).toBe(true);
    const before = await snapshot();

    // Through the runner, as a maintenance script would call it by name.
    const result = await runner.rebuild('counter', { batchSize: 9 });
    expect(result.events).toBe(50);
    expect(await snapshot()).toEqual(before);
    expect(sideEffects).toHaveLength(50);

    const { rows } = await harness.pool.query<{ relname: string }>(
      `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 ORDER BY 1`,
      [schema],
    );
    const names = rows.map((r) => r.relname);
    expect(names).toEqual(
      expect.arrayContaining(['applied', 'applied_pkey', 'applied_by_stream', 'applied_seq_seq', 'totals_pkey']),
    );
    expect(names.filter((n) => n.includes('__rebuild'))).toEqual([]);

    const second = await appendCounts(store, 10);
    expect(await runner.waitForPosition('counter', second.last, 10_000)).toBe(true);
    await expectAppliedOnce(harness.pool, schema, [...first.ids, ...second.ids]);
    expect(new Set(sideEffects).size).toBe(60);
  });

  it('gives the rebuilt tables’ triggers their live names back, so the next start adds none twice', async () => {
    const { schema, store } = await harness.newStore();
    const counter = counterProjection();
    // A trigger kept with the table, as the accounts read model keeps its list items.
    const projection = {
      ...counter,
      tables: {
        ...counter.tables,
        totals: (table: string, physical: string) => `${counter.tables.totals!(table, physical)};
          CREATE OR REPLACE FUNCTION "${schema}".touch() RETURNS trigger LANGUAGE plpgsql AS $fn$
            BEGIN NEW.n := NEW.n; RETURN NEW; END $fn$;
          CREATE OR REPLACE TRIGGER ${physical}_touched BEFORE INSERT OR UPDATE ON ${table}
            FOR EACH ROW EXECUTE FUNCTION "${schema}".touch()`,
      },
    };
    const triggers = async () =>
      (
        await harness.pool.query<{ tgname: string }>(
          `SELECT tgname FROM pg_trigger WHERE tgrelid = $1::regclass AND NOT tgisinternal ORDER BY 1`,
          [`"${schema}".totals`],
        )
      ).rows.map((r) => r.tgname);
    const runner = await harness.startRunner({ schema, store, projections: [projection] });
    const appended = await appendCounts(store, 10);
    expect(await runner.waitForPosition('counter', appended.last, 10_000)).toBe(true);
    await runner.rebuild('counter', { batchSize: 4 });
    expect(await triggers()).toEqual(['totals_touched']);
    await runner.stop();
    // Starting again runs the tables' DDL again: it must find the trigger by its live name.
    await harness.startRunner({ schema, store, projections: [projection] });
    expect(await triggers()).toEqual(['totals_touched']);
  });

  it('swaps in cleanly while events keep coming and the live projection runs', async () => {
    const { schema, store, sideEffects, startRunner, rebuild } = await setup();
    const runner = await startRunner();
    const early = await appendCounts(store, 60);
    const writing = appendCounts(store, 120);
    await rebuild();
    const late = await writing;
    expect(await runner.waitForPosition('counter', late.last, 15_000)).toBe(true);
    await expectAppliedOnce(harness.pool, schema, [...early.ids, ...late.ids]);
    expect(sideEffects.length).toBe(180);
    expect(new Set(sideEffects).size).toBe(180);
  });

  it('stops at the live checkpoint when the live projection lags, so side effects still happen once', async () => {
    const { schema, store, sideEffects, startRunner, rebuild } = await setup();
    const runner = await startRunner();
    const handled = await appendCounts(store, 20);
    expect(await runner.waitForPosition('counter', handled.last, 10_000)).toBe(true);
    await runner.stop();
    const pending = await appendCounts(store, 15);

    const result = await rebuild();
    expect(result.events).toBe(20);
    expect(result.position).toEqual(await loadCheckpoint(harness.pool, schema, 'counter'));
    await expectAppliedOnce(harness.pool, schema, handled.ids);

    const resumed = await startRunner();
    expect(await resumed.waitForPosition('counter', pending.last, 10_000)).toBe(true);
    await expectAppliedOnce(harness.pool, schema, [...handled.ids, ...pending.ids]);
    expect(sideEffects.sort()).toEqual([...handled.ids, ...pending.ids].sort());
  });

  it('builds a projection that never ran up to the head and starts it live from there', async () => {
    const { schema, store, sideEffects, startRunner, rebuild } = await setup();
    const appended = await appendCounts(store, 12);
    // "The head" is what is readable: wait out any write in flight elsewhere on the server.
    await waitUntilReadable(store, appended.last);
    const result = await rebuild();
    expect(result.events).toBe(12);
    await expectAppliedOnce(harness.pool, schema, appended.ids);
    const runner = await startRunner();
    const more = await appendCounts(store, 3);
    expect(await runner.waitForPosition('counter', more.last, 10_000)).toBe(true);
    await expectAppliedOnce(harness.pool, schema, [...appended.ids, ...more.ids]);
    expect(sideEffects.sort()).toEqual([...more.ids].sort());
  });

  it('runs one rebuild of a projection at a time', async () => {
    const slow: CounterOptions = {
      afterWrite: async (_events, ctx) => {
        if (ctx.rebuilding) await new Promise((resolve) => setTimeout(resolve, 30));
      },
    };
    const { store, rebuild } = await setup(slow);
    await appendCounts(store, 40);
    const outcomes = await Promise.allSettled([rebuild(), rebuild()]);
    expect(outcomes.map((o) => o.status).sort()).toEqual(['fulfilled', 'rejected']);
    const failed = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult;
    expect(String(failed.reason)).toMatch(/already running/);
  });
});
