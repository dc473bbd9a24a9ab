/**
 * Compaction: changes older than the retention period are deleted, and each user's log remembers how
 * far it was compacted, so a cursor from before that point gets 409 SNAPSHOT_REQUIRED instead of a
 * silently incomplete answer. The current copies (the snapshot) are never compacted; removed ones are
 * kept as tombstones until their last change is compacted, so `deleted` still reaches lagging clients.
 */
import type { Pool } from 'pg';
import type { SyncTables } from './schema.js';

export interface CompactionResult {
  readonly deletedChanges: number;
}

export async function compactChanges(pool: Pool, tables: SyncTables, retainMs: number): Promise<CompactionResult> {
  // The last compacted change of each resource becomes its base: a rebuild folds the remaining
  // changes onto it (rebuild.ts). Its `data` is the resource right after that change.
  const { rows } = await pool.query<{ deleted: string }>(
    `WITH doomed AS (
       DELETE FROM ${tables.changes} WHERE server_time < clock_timestamp() - $1 * interval '1 millisecond'
       RETURNING user_id, seq, resource, resource_id, version, kind, data),
     per_user AS (SELECT user_id, max(seq) AS through, count(*) AS n FROM doomed GROUP BY user_id),
     last_of_each AS (
       SELECT DISTINCT ON (user_id, resource, resource_id) user_id, resource, resource_id, version, kind, data
         FROM doomed WHERE kind <> 'noop' ORDER BY user_id, resource, resource_id, seq DESC),
     based AS (
       INSERT INTO ${tables.resourcesBase} (user_id, resource, resource_id, version, removed, data)
       SELECT user_id, resource, resource_id, version, kind = 'remove', COALESCE(data, '{}') FROM last_of_each
       ON CONFLICT (user_id, resource, resource_id)
       DO UPDATE SET version = EXCLUDED.version, removed = EXCLUDED.removed, data = EXCLUDED.data),
     marked AS (
       UPDATE ${tables.userLogs} l SET compacted_through = GREATEST(l.compacted_through, p.through)
         FROM per_user p WHERE l.user_id = p.user_id RETURNING p.n)
     SELECT COALESCE(sum(n), 0) AS deleted FROM marked`,
    [retainMs],
  );
  // Tombstones and handled event ids are only needed while a change about them can still be read
  // or redelivered.
  for (const table of [tables.resources, tables.resourcesBase]) {
    await pool.query(
      `DELETE FROM ${table} r WHERE removed AND NOT EXISTS (
         SELECT 1 FROM ${tables.changes} c
          WHERE c.user_id = r.user_id AND c.resource = r.resource AND c.resource_id = r.resource_id)`,
    );
  }
  await pool.query(
    `DELETE FROM ${tables.handledEvents} WHERE handled_at < clock_timestamp() - $1 * interval '1 millisecond'`,
    [retainMs],
  );
  return { deletedChanges: Number(rows[0]?.deleted ?? 0) };
}
