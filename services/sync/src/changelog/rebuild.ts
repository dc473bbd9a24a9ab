/**
 * Rebuilding the change log: every recorded change is mapped again from the integration event it came
 * from, with the current mapping code, and folded again from the compaction base, user by user; then
 * each user's current copies are replaced. Change numbers never move, so clients' cursors stay exact and
 * they notice only a pause (each user's log is locked while it is rebuilt, which holds the consumer back
 * for that user). A change that now maps to nothing stays as a `noop` that readers step over.
 *
 * It re-derives what was recorded; an event that was never recorded (an older mapping ignored it) cannot
 * be added without renumbering, and is not.
 */
import { isDeepStrictEqual } from 'node:util';
import type { Logger } from '@cairn/shared/logging';
import { withTransaction } from '@cairn/shared/postgres';
import type { Pool, PoolClient } from 'pg';
import { toResourceChange } from '../ingest/mapping.js';
import type { LoggedKind, ResourceChange } from './change.js';
import { foldChange, type StoredCopy } from './fold.js';
import type { SyncTables } from './schema.js';

export interface ChangeLogRebuildResult {
  readonly users: number;
  readonly changes: number;
  /** Changes whose stored form differed from what the current mapping makes of them. */
  readonly rewritten: number;
}

interface ChangeRow {
  seq: string;
  resource: string;
  resource_id: string;
  version: number;
  kind: LoggedKind;
  data: Record<string, unknown> | null;
  appeared: boolean;
  source_subject: string;
  source_data: unknown;
}

export async function rebuildChangeLog(
  pool: Pool,
  tables: SyncTables,
  logger: Logger,
): Promise<ChangeLogRebuildResult> {
  const { rows: users } = await pool.query<{ user_id: string }>(
    `SELECT user_id FROM ${tables.userLogs} ORDER BY user_id`,
  );
  let changes = 0;
  let rewritten = 0;
  for (const { user_id: userId } of users) {
    const result = await withTransaction(pool, (client) => rebuildUser(client, tables, userId, logger));
    changes += result.changes;
    rewritten += result.rewritten;
  }
  return { users: users.length, changes, rewritten };
}

async function rebuildUser(
  client: PoolClient,
  tables: SyncTables,
  userId: string,
  logger: Logger,
): Promise<{ changes: number; rewritten: number }> {
  // Holds this user's recording back until the rebuilt state is committed.
  await client.query(`SELECT 1 FROM ${tables.userLogs} WHERE user_id = $1 FOR UPDATE`, [userId]);
  const state = new Map<string, StoredCopy & { resource: string; id: string }>();
  const key = (resource: string, id: string) => `${resource}\u0000${id}`;
  const base = await client.query<{ resource: string; resource_id: string } & StoredCopy>(
    `SELECT resource, resource_id, version, removed, data FROM ${tables.resourcesBase} WHERE user_id = $1`,
    [userId],
  );
  for (const row of base.rows) state.set(key(row.resource, row.resource_id), { ...row, id: row.resource_id });

  const { rows } = await client.query<ChangeRow>(
    `SELECT seq, resource, resource_id, version, kind, data, appeared, source_subject, source_data
       FROM ${tables.changes} WHERE user_id = $1 ORDER BY seq`,
    [userId],
  );
  let rewritten = 0;
  for (const row of rows) {
    const change = remap(row, userId, logger);
    const stored = change ? state.get(key(change.resource, change.id)) : undefined;
    const folded = change ? foldChange(stored, change, { acceptGap: true }) : undefined;
    const next =
      change && folded?.kind === 'applied'
        ? {
            resource: change.resource,
            id: change.id,
            version: change.version,
            kind: change.kind as LoggedKind,
            data: folded.copy.data,
            appeared: folded.appeared,
          }
        : {
            resource: row.resource,
            id: row.resource_id,
            version: row.version,
            kind: 'noop' as const,
            data: null,
            appeared: false,
          };
    if (change && folded?.kind === 'applied') {
      state.set(key(change.resource, change.id), { ...folded.copy, resource: change.resource, id: change.id });
    }
    if (sameRow(row, next)) continue;
    rewritten++;
    await client.query(
      `UPDATE ${tables.changes} SET resource = $3, resource_id = $4, version = $5, kind = $6, data = $7, appeared = $8
        WHERE user_id = $1 AND seq = $2`,
      [
        userId,
        row.seq,
        next.resource,
        next.id,
        next.version,
        next.kind,
        next.data && JSON.stringify(next.data),
        next.appeared,
      ],
    );
  }

  await client.query(`DELETE FROM ${tables.resources} WHERE user_id = $1`, [userId]);
  const copies = [...state.values()].map((copy) => ({
    resource: copy.resource,
    resource_id: copy.id,
    version: copy.version,
    removed: copy.removed,
    data: copy.data,
  }));
  await client.query(
    `INSERT INTO ${tables.resources} (user_id, resource, resource_id, version, removed, data)
     SELECT $1, resource, resource_id, version, removed, data
       FROM jsonb_to_recordset($2::jsonb) AS r(resource text, resource_id text, version integer, removed boolean, data jsonb)`,
    [userId, JSON.stringify(copies)],
  );
  return { changes: rows.length, rewritten };
}

/** The change the current mapping makes of a logged change's event; undefined when it makes none. */
function remap(row: ChangeRow, userId: string, logger: Logger): ResourceChange | undefined {
  try {
    const change = toResourceChange(row.source_subject, `rebuild-${row.seq}`, row.source_data);
    return change?.userId === userId ? change : undefined;
  } catch (error) {
    logger.warn(
      { err: error, seq: row.seq, subject: row.source_subject },
      'logged event no longer maps; kept as a no-op',
    );
    return undefined;
  }
}

function sameRow(
  row: ChangeRow,
  next: { resource: string; id: string; version: number; kind: LoggedKind; data: unknown; appeared: boolean },
): boolean {
  return (
    row.resource === next.resource &&
    row.resource_id === next.id &&
    row.version === next.version &&
    row.kind === next.kind &&
    row.appeared === next.appeared &&
    // jsonb does not keep key order, so compare values, not text.
    isDeepStrictEqual(row.data, next.data)
  );
}
