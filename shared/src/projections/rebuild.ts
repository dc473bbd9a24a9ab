/**
 * Rebuild a projection side by side (DESIGN.md decision 4): create its tables under new names, replay the
 * log into them with `rebuilding = true` (no side effects) while the live projection keeps serving, then
 * swap them in within one transaction. The rebuild stops exactly at the live checkpoint, so the live
 * projection carries on from there and every side effect still happens once.
 *
 * Callable from a script: `await rebuildProjection({ pool, schema, store, projection })`.
 */
import type pg from 'pg';
import { comparePositions, type EventStore, type GlobalPosition } from '../eventstore/port.js';
import { quoteIdentifier } from '../eventstore/postgres/schema.js';
import { checkpointsDdl, ensureCheckpoint, loadCheckpoint, START, saveCheckpoint } from './checkpoints.js';
import { tryAcquireLease } from './lock.js';
import type { Projection } from './port.js';
import { swapTables } from './swap.js';
import { createTables, REBUILD_SUFFIX, type TableSet, tableSet } from './tables.js';
import { initialiseSchema } from './wait.js';

export interface RebuildOptions {
  readonly pool: pg.Pool;
  readonly schema: string;
  readonly store: EventStore;
  readonly projection: Projection;
  /** Events per replayed page. Default 1000. */
  readonly batchSize?: number;
  /** Attempts at the swap transaction (a deadlock with the live projection is retried). Default 5. */
  readonly swapAttempts?: number;
}

export interface RebuildResult {
  /** Events handed to the projection while rebuilding. */
  readonly events: number;
  /** The checkpoint the rebuilt tables are at (the live projection's, at the moment of the swap). */
  readonly position: GlobalPosition;
}

const RETRYABLE = new Set(['40P01', '55P03', '40001']);
const isStart = (p: GlobalPosition) => comparePositions(p, START) === 0;

export async function rebuildProjection(options: RebuildOptions): Promise<RebuildResult> {
  const { pool, schema, projection } = options;
  const live = tableSet(schema, projection);
  const rebuilt = tableSet(schema, projection, REBUILD_SUFFIX);
  const lease = await tryAcquireLease(pool, 'cairn.rebuild', `${schema}.${projection.name}`);
  if (!lease) throw new Error(`a rebuild of projection ${projection.name} is already running`);
  try {
    await initialiseSchema(pool, schema, async (client) => {
      for (const statement of checkpointsDdl(schema)) await client.query(statement);
      await createTables(client, projection, live);
      await ensureCheckpoint(client, schema, projection.name);
      // Leftovers of an interrupted rebuild are discarded: a rebuild always starts from the beginning.
      for (const table of rebuilt.physical.values()) {
        await client.query(`DROP TABLE IF EXISTS ${quoteIdentifier(schema)}.${quoteIdentifier(table)}`);
      }
      await createTables(client, projection, rebuilt);
    });

    const client = lease.client;
    let position = START;
    let events = 0;
    // Side by side, one transaction per page, towards the live checkpoint (which keeps moving).
    for (;;) {
      const target = (await loadCheckpoint(pool, schema, projection.name)) ?? START;
      if (!isStart(target) && comparePositions(position, target) >= 0) break;
      const step = await inTransaction(client, () => replayPage(options, rebuilt, client, position, target));
      if (!step) break;
      position = step.position;
      events += step.events;
    }

    for (let attempt = 1; ; attempt++) {
      try {
        const swapped = await inTransaction(client, async () => {
          await client.query("SET LOCAL lock_timeout = '10s'");
          // Tables first, then the checkpoint row: the live projection takes them in that order too.
          const liveTables = [...live.physical.keys()].map((name) => live.table(name));
          if (liveTables.length > 0) await client.query(`LOCK TABLE ${liveTables.join(', ')} IN ACCESS EXCLUSIVE MODE`);
          const target = (await loadCheckpoint(client, schema, projection.name, { forUpdate: true })) ?? START;
          let at = position;
          let count = 0;
          while (isStart(target) || comparePositions(at, target) < 0) {
            const step = await replayPage(options, rebuilt, client, at, target);
            if (!step) break;
            at = step.position;
            count += step.events;
          }
          // A projection that never ran starts live from where the rebuild got to.
          if (isStart(target) && !isStart(at)) await saveCheckpoint(client, schema, projection.name, START, at);
          await swapTables(client, schema, live, rebuilt);
          return { at, count };
        });
        return { events: events + swapped.count, position: swapped.at };
      } catch (error) {
        const code = (error as { code?: string }).code;
        if (!code || !RETRYABLE.has(code) || attempt >= (options.swapAttempts ?? 5)) throw error;
      }
    }
  } finally {
    await lease.release();
  }
}

/** Applies the page after `after` to the rebuilt tables, stopping at `target` unless it is START. */
async function replayPage(
  options: RebuildOptions,
  rebuilt: TableSet,
  client: pg.PoolClient,
  after: GlobalPosition,
  target: GlobalPosition,
): Promise<{ position: GlobalPosition; events: number } | undefined> {
  const { projection } = options;
  const page = await options.store.readAll({
    after,
    limit: options.batchSize ?? 1000,
    streamPrefixes: projection.streamPrefixes,
    eventTypes: projection.eventTypes,
  });
  if (!page.lastPosition) return undefined;
  const capped = !isStart(target) && comparePositions(page.lastPosition, target) > 0;
  const events = capped ? page.events.filter((e) => comparePositions(e.position, target) <= 0) : page.events;
  if (events.length > 0) await projection.handle(events, { client, table: rebuilt.table, rebuilding: true });
  return { position: capped ? target : page.lastPosition, events: events.length };
}

async function inTransaction<T>(client: pg.PoolClient, work: () => Promise<T>): Promise<T> {
  await client.query('BEGIN');
  try {
    const result = await work();
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
