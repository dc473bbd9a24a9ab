/**
 * Checkpoints of everything that follows a service's global log (projections, reactors, the relay), in
 * one table of the read-model schema. A projection writes its checkpoint in the same transaction as its
 * read model, so the two never disagree.
 */
import type pg from 'pg';
import type { GlobalPosition } from '../eventstore/port.js';
import { quoteIdentifier } from '../eventstore/postgres/schema.js';

/** The log's beginning: every real position is after it. */
export const START: GlobalPosition = { commit: 0n, prepare: 0n };

type Queryable = Pick<pg.ClientBase, 'query'>;

/** Another instance moved the checkpoint since we read it: our batch must not count. */
export class CheckpointMovedError extends Error {
  override readonly name = 'CheckpointMovedError';
  constructor(readonly processor: string) {
    super(`checkpoint of ${processor} was moved by someone else`);
  }
}

export const checkpointsTable = (schema: string): string => `${quoteIdentifier(schema)}.projection_checkpoints`;

export function checkpointsDdl(schema: string): string[] {
  return [
    `CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(schema)}`,
    `CREATE TABLE IF NOT EXISTS ${checkpointsTable(schema)} (
      name text PRIMARY KEY,
      commit_position bigint NOT NULL,
      prepare_position bigint NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now()
    )`,
  ];
}

/** Creates the row at the log's beginning if missing, so later saves are always compare-and-set updates. */
export async function ensureCheckpoint(db: Queryable, schema: string, name: string): Promise<void> {
  await db.query(
    `INSERT INTO ${checkpointsTable(schema)} (name, commit_position, prepare_position) VALUES ($1, 0, 0)
     ON CONFLICT (name) DO NOTHING`,
    [name],
  );
}

export async function loadCheckpoint(
  db: Queryable,
  schema: string,
  name: string,
  options: { forUpdate?: boolean } = {},
): Promise<GlobalPosition | undefined> {
  const { rows } = await db.query<{ commit_position: string; prepare_position: string }>(
    `SELECT commit_position::text AS commit_position, prepare_position::text AS prepare_position
     FROM ${checkpointsTable(schema)} WHERE name = $1${options.forUpdate ? ' FOR UPDATE' : ''}`,
    [name],
  );
  const row = rows[0];
  return row ? { commit: BigInt(row.commit_position), prepare: BigInt(row.prepare_position) } : undefined;
}

/**
 * Moves the checkpoint from `previous` to `next`, only if it still is at `previous`. The advisory lock
 * already keeps one instance per name; this check makes a lost lock (a connection pooler in transaction
 * mode, a session killed mid-batch) fail the batch instead of applying it twice.
 */
export async function saveCheckpoint(
  db: Queryable,
  schema: string,
  name: string,
  previous: GlobalPosition,
  next: GlobalPosition,
): Promise<void> {
  const result = await db.query(
    `UPDATE ${checkpointsTable(schema)}
     SET commit_position = $4, prepare_position = $5, updated_at = now()
     WHERE name = $1 AND commit_position = $2 AND prepare_position = $3`,
    [name, String(previous.commit), String(previous.prepare), String(next.commit), String(next.prepare)],
  );
  if (result.rowCount !== 1) throw new CheckpointMovedError(name);
}
