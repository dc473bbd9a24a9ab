/**
 * A projection whose tables expose double application: `applied` logs every handling of every event
 * (no uniqueness, so a replayed event shows up twice), `totals` counts per stream.
 */
import type pg from 'pg';
import { expect } from 'vitest';
import {
  type EventStore,
  type GlobalPosition,
  PostgresEventStore,
  type RecordedEvent,
} from '../../src/eventstore/index.js';
import { newId } from '../../src/ids/index.js';
import { createLogger } from '../../src/logging/index.js';
import type { Projection, ProjectionContext } from '../../src/projections/index.js';

export const silentLogger = createLogger({ name: 'test', level: 'silent' });
export const fastTiming = { pollIntervalMs: 50, lockRetryMs: 100, retry: { initialMs: 20, maxMs: 200 } };

export interface CounterOptions {
  readonly name?: string;
  /** Runs after the batch's table writes, inside its transaction: the place to crash on purpose. */
  readonly afterWrite?: (events: readonly RecordedEvent[], ctx: ProjectionContext) => Promise<void>;
  /** Receives the ids of events handled live; a rebuild must not add to it. */
  readonly sideEffects?: string[];
  readonly batchLog?: number[];
}

export function counterProjection(options: CounterOptions = {}): Projection {
  return {
    name: options.name ?? 'counter',
    streamPrefixes: ['count-'],
    tables: {
      applied: (table, physical) => `
        CREATE TABLE IF NOT EXISTS ${table} (seq bigserial PRIMARY KEY, event_id text NOT NULL, stream text NOT NULL);
        CREATE INDEX IF NOT EXISTS ${physical}_by_stream ON ${table} (stream)`,
      totals: (table) =>
        `CREATE TABLE IF NOT EXISTS ${table} (stream text PRIMARY KEY, n integer NOT NULL CHECK (n > 0))`,
    },
    async handle(events, ctx) {
      for (const e of events) {
        await ctx.client.query(`INSERT INTO ${ctx.table('applied')} (event_id, stream) VALUES ($1, $2)`, [
          e.metadata.eventId,
          e.streamName,
        ]);
        await ctx.client.query(
          `INSERT INTO ${ctx.table('totals')} AS t (stream, n) VALUES ($1, 1)
           ON CONFLICT (stream) DO UPDATE SET n = t.n + 1`,
          [e.streamName],
        );
      }
      options.batchLog?.push(events.length);
      await options.afterWrite?.(events, ctx);
      if (!ctx.rebuilding) options.sideEffects?.push(...events.map((e) => e.metadata.eventId));
    },
  };
}

export interface Appended {
  readonly ids: string[];
  /** Position of the last append: a projection at or past it has seen every one of them. */
  readonly last: GlobalPosition;
}

/** Appends `count` events round-robin over `streams` streams, one append each. */
export async function appendCounts(
  store: EventStore,
  count: number,
  streams = 3,
  prefix = 'count-',
): Promise<Appended> {
  const ids: string[] = [];
  let last: GlobalPosition | undefined;
  for (let i = 0; i < count; i++) {
    const eventId = newId();
    const result = await store.appendToStream(
      `${prefix}${i % streams}`,
      [{ type: 'Counted', data: { i }, metadata: { eventId } }],
      { expectedVersion: 'any' },
    );
    ids.push(eventId);
    last = result.position;
  }
  return { ids, last: last! };
}

/** Every id applied exactly once, nothing else applied. */
export async function expectAppliedOnce(pool: pg.Pool, schema: string, ids: readonly string[]): Promise<void> {
  const { rows } = await pool.query<{ event_id: string; times: number }>(
    `SELECT event_id, count(*)::int AS times FROM "${schema}".applied GROUP BY event_id`,
  );
  expect(rows.filter((r) => r.times !== 1)).toEqual([]);
  expect(rows.map((r) => r.event_id).sort()).toEqual([...ids].sort());
  const totals = await pool.query<{ n: number }>(`SELECT coalesce(sum(n), 0)::int AS n FROM "${schema}".totals`);
  expect(totals.rows[0]!.n).toBe(ids.length);
}

export async function newStore(pool: pg.Pool, schema: string): Promise<PostgresEventStore> {
  const store = new PostgresEventStore(pool, schema);
  await store.init();
  return store;
}
