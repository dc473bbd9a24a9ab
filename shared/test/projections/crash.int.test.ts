/**
 * A projection killed between handling a batch and committing its checkpoint loses nothing and applies
 * nothing twice, because the read model and the checkpoint share one transaction.
 */
import { describe, expect, it } from 'vitest';
import { saveCheckpoint } from '../../src/projections/checkpoints.js';
import { CheckpointMovedError, checkpointsDdl, loadCheckpoint, START } from '../../src/projections/index.js';
import { appendCounts, type CounterOptions, counterProjection, expectAppliedOnce } from './fixtures.js';
import { useProjectionHarness } from './harness.js';

describe('projection crash safety', () => {
  const harness = useProjectionHarness();

  async function setup(counter: CounterOptions) {
    const { schema, store } = await harness.newStore();
    const start = () =>
      harness.startRunner({
        schema,
        store,
        projections: [counterProjection(counter)],
        batchSize: 7,
      });
    return { schema, store, start };
  }

  it('a batch that fails after writing its rows is rolled back and retried, never skipped', async () => {
    let failures = 0;
    const { schema, store, start } = await setup({
      afterWrite: async (events) => {
        if (events.some((e) => (e.data as { i: number }).i === 10) && failures < 3) {
          failures++;
          throw new Error('crash after the table write, before the checkpoint');
        }
      },
    });
    const { ids, last } = await appendCounts(store, 40);
    const runner = await start();
    expect(await runner.waitForPosition('counter', last, 10_000)).toBe(true);
    expect(failures).toBe(3);
    await expectAppliedOnce(harness.pool, schema, ids);
  });

  it('a session that dies mid-transaction (pg_terminate_backend) loses nothing and doubles nothing', async () => {
    let batches = 0;
    const { schema, store, start } = await setup({
      afterWrite: async (_events, ctx) => {
        if (++batches === 3) await ctx.client.query('SELECT pg_terminate_backend(pg_backend_pid())');
      },
    });
    const { ids, last } = await appendCounts(store, 30);
    const runner = await start();
    expect(await runner.waitForPosition('counter', last, 10_000)).toBe(true);
    expect(batches).toBeGreaterThan(3);
    await expectAppliedOnce(harness.pool, schema, ids);
  });

  it('a runner whose connection is killed from outside while its transaction is open recovers', async () => {
    let pid: number | undefined;
    let reached!: () => void;
    const atTheCrashPoint = new Promise<void>((resolve) => {
      reached = resolve;
    });
    let proceed!: () => void;
    const released = new Promise<void>((resolve) => {
      proceed = resolve;
    });
    const { schema, store, start } = await setup({
      afterWrite: async (_events, ctx) => {
        if (pid !== undefined) return;
        pid = (await ctx.client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
        reached();
        await released;
      },
    });
    const { ids } = await appendCounts(store, 20);
    const runner = await start();
    await atTheCrashPoint;
    // The rows of the first batch are written but not committed; now the "process" dies.
    const killed = await harness.pool.query<{ ok: boolean }>('SELECT pg_terminate_backend($1) AS ok', [pid]);
    expect(killed.rows[0]!.ok).toBe(true);
    proceed();
    const more = await appendCounts(store, 10);
    expect(await runner.waitForPosition('counter', more.last, 10_000)).toBe(true);
    await expectAppliedOnce(harness.pool, schema, [...ids, ...more.ids]);
  });

  it('a restarted runner continues from its checkpoint', async () => {
    const { schema, store, start } = await setup({});
    const first = await appendCounts(store, 25);
    const before = await start();
    expect(await before.waitForPosition('counter', first.last, 10_000)).toBe(true);
    await before.stop();
    const second = await appendCounts(store, 25);
    const after = await start();
    expect(await after.waitForPosition('counter', second.last, 10_000)).toBe(true);
    await expectAppliedOnce(harness.pool, schema, [...first.ids, ...second.ids]);
  });

  it('refuses to save a checkpoint someone else moved', async () => {
    const schema = harness.newSchema();
    for (const statement of checkpointsDdl(schema)) await harness.pool.query(statement);
    await harness.pool.query(
      `INSERT INTO ${schema}.projection_checkpoints (name, commit_position, prepare_position) VALUES ('p', 5, 9)`,
    );
    await expect(saveCheckpoint(harness.pool, schema, 'p', START, { commit: 6n, prepare: 1n })).rejects.toBeInstanceOf(
      CheckpointMovedError,
    );
    await saveCheckpoint(harness.pool, schema, 'p', { commit: 5n, prepare: 9n }, { commit: 6n, prepare: 1n });
    expect(await loadCheckpoint(harness.pool, schema, 'p')).toEqual({ commit: 6n, prepare: 1n });
  });
});
