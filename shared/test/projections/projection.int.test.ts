import { register } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { PostgresEventStore } from '../../src/eventstore/index.js';
import { type Projection, ProjectionRunner } from '../../src/projections/index.js';
import { silentLogger } from './fixtures.js';
import { useProjectionHarness } from './harness.js';

/** A read model as a service would write one: users by id, with a name index. */
const directory: Projection = {
  name: 'user_directory',
  streamPrefixes: ['user-'],
  tables: {
    users: (table, physical) => `
      CREATE TABLE IF NOT EXISTS ${table} (id text PRIMARY KEY, name text NOT NULL, renames integer NOT NULL DEFAULT 0);
      CREATE INDEX IF NOT EXISTS ${physical}_by_name ON ${table} (name)`,
  },
  async handle(events, { client, table }) {
    for (const e of events) {
      const data = e.data as { name: string };
      const id = e.streamName.slice('user-'.length);
      if (e.type === 'Registered') {
        await client.query(`INSERT INTO ${table('users')} (id, name) VALUES ($1, $2)`, [id, data.name]);
      } else if (e.type === 'Renamed') {
        await client.query(`UPDATE ${table('users')} SET name = $2, renames = renames + 1 WHERE id = $1`, [
          id,
          data.name,
        ]);
      }
    }
  },
};

describe('projection runner', () => {
  const harness = useProjectionHarness();

  async function savedCheckpoint(schema: string) {
    const { rows } = await harness.pool.query(
      `SELECT commit_position::text AS c, prepare_position::text AS p FROM ${schema}.projection_checkpoints WHERE name = $1`,
      ['user_directory'],
    );
    return rows[0];
  }

  /** given(events in streams) → the runner projects them → then(query the table). */
  async function given(streams: Record<string, { type: string; data: unknown }[]>) {
    const { schema, store } = await harness.newStore();
    const runner = await harness.startRunner({ schema, store, projections: [directory] });
    let last: Awaited<ReturnType<PostgresEventStore['appendToStream']>> | undefined;
    for (const [stream, events] of Object.entries(streams)) {
      last = await store.appendToStream(stream, events, { expectedVersion: 'any' });
    }
    return { schema, store, runner, last: last! };
  }

  it('projects events into its table, and handlers can wait to read their own writes', async () => {
    const { schema, runner, last } = await given({
      'user-1': [
        { type: 'Registered', data: { name: 'Ada' } },
        { type: 'Renamed', data: { name: 'Ada L.' } },
      ],
      'user-2': [{ type: 'Registered', data: { name: 'Grace' } }],
    });
    expect(await runner.waitForPosition('user_directory', last.position, 5_000)).toBe(true);
    const { rows } = await harness.pool.query(`SELECT id, name, renames FROM ${schema}.users ORDER BY id`);
    expect(rows).toEqual([
      { id: '1', name: 'Ada L.', renames: 1 },
      { id: '2', name: 'Grace', renames: 0 },
    ]);
  });

  it('moves its checkpoint past events it filters out', async () => {
    const { schema, runner, last } = await given({
      'user-1': [{ type: 'Registered', data: { name: 'Ada' } }],
      'org-1': [{ type: 'Founded', data: { name: 'Cairn' } }],
    });
    // The last append is an org event the projection never sees; waiting for it must still succeed.
    expect(await runner.waitForPosition('user_directory', last.position, 5_000)).toBe(true);
    // A page with none of its events is saved once the follower falls idle, not necessarily at once.
    await expect
      .poll(() => savedCheckpoint(schema), { timeout: 5_000 })
      .toEqual({
        c: String(last.position.commit),
        p: String(last.position.prepare),
      });
  });

  it('does not commit a checkpoint for every page of events it filters out', async () => {
    const { schema, store, last } = await given({ 'user-1': [{ type: 'Registered', data: { name: 'Ada' } }] });
    await expect
      .poll(() => savedCheckpoint(schema), { timeout: 5_000 })
      .toEqual({
        c: String(last.position.commit),
        p: String(last.position.prepare),
      });
    await harness.pool.query(`CREATE TABLE ${schema}.checkpoint_saves (n integer NOT NULL);
      CREATE FUNCTION ${schema}.count_save() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN INSERT INTO ${schema}.checkpoint_saves VALUES (1); RETURN NEW; END $$;
      CREATE TRIGGER counted AFTER UPDATE ON ${schema}.projection_checkpoints
        FOR EACH ROW EXECUTE FUNCTION ${schema}.count_save()`);
    // Appends of another kind, one at a time, each waking the follower for a page of nothing of its own.
    let final = last;
    for (let i = 0; i < 40; i++) {
      final = await store.appendToStream(`org-${i}`, [{ type: 'Founded', data: { name: `org ${i}` } }], {
        expectedVersion: 'any',
      });
    }
    await expect
      .poll(() => savedCheckpoint(schema), { timeout: 5_000 })
      .toEqual({
        c: String(final.position.commit),
        p: String(final.position.prepare),
      });
    const { rows } = await harness.pool.query(`SELECT count(*)::int AS saves FROM ${schema}.checkpoint_saves`);
    expect(rows[0].saves).toBeGreaterThan(0);
    expect(rows[0].saves).toBeLessThan(10);
  });

  it('gives up waiting at the timeout for a position not reached', async () => {
    const { runner, last } = await given({ 'user-1': [{ type: 'Registered', data: { name: 'Ada' } }] });
    const future = { commit: last.position.commit + 1_000_000n, prepare: 0n };
    const started = Date.now();
    expect(await runner.waitForPosition('user_directory', future, 300)).toBe(false);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    await expect(runner.waitForPosition('nope', future, 10)).rejects.toThrow(/no projection/);
  });

  it('lets another process wait by reading the checkpoint table', async () => {
    const { schema, store, last } = await given({ 'user-1': [{ type: 'Registered', data: { name: 'Ada' } }] });
    // A second runner that never starts stands for a process without the projection: it polls the table.
    const observer = new ProjectionRunner({
      pool: harness.pool,
      schema,
      store,
      projections: [directory],
      logger: silentLogger,
    });
    expect(observer.isActive('user_directory')).toBe(false);
    expect(await observer.waitForPosition('user_directory', last.position, 5_000)).toBe(true);
  });

  it('exports handled-event and lag metrics', async () => {
    const { schema, runner, last } = await given({
      'user-7': [
        { type: 'Registered', data: { name: 'Lin' } },
        { type: 'Renamed', data: { name: 'Lin Y.' } },
      ],
    });
    expect(await runner.waitForPosition('user_directory', last.position, 5_000)).toBe(true);
    const labels = { schema, projection: 'user_directory' };
    const handled = await register.getSingleMetric('cairn_projection_events_handled_total')!.get();
    expect(handled.values.find((v) => v.labels.schema === labels.schema)?.value).toBe(2);
    const active = await register.getSingleMetric('cairn_projection_active')!.get();
    expect(active.values.find((v) => v.labels.schema === labels.schema)?.value).toBe(1);
    const text = await register.metrics();
    expect(text).toContain(`cairn_projection_lag_seconds{schema="${schema}",projection="user_directory"}`);
  });

  it('rejects a projection named like the relay or declared twice', () => {
    const store = {} as PostgresEventStore;
    expect(
      () =>
        new ProjectionRunner({
          pool: harness.pool,
          schema: 'x',
          store,
          projections: [{ ...directory, name: 'relay' }],
        }),
    ).toThrow(/reserved/);
    expect(
      () => new ProjectionRunner({ pool: harness.pool, schema: 'x', store, projections: [directory, directory] }),
    ).toThrow(/twice/);
  });
});
