/**
 * Recording one resource change, in the caller's transaction: skip it if its event was handled before
 * or if it is older than the stored copy, otherwise fold it into the stored copy and append it to the
 * user's log under the next number. Redelivered events therefore never produce a second change.
 */
import type { PoolClient } from 'pg';
import type { ResourceChange } from './change.js';
import { foldChange, type StoredCopy } from './fold.js';
import type { SyncTables } from './schema.js';

/**
 * A change that skips versions: an earlier change of the resource has not arrived yet (a redelivery
 * overtaken by a later event, or another replica still handling it). Updates carry only the fields
 * that changed, so applying this one first would lose the earlier one's fields; the caller retries
 * later, when the earlier change has been recorded.
 */
export class VersionGapError extends Error {
  override readonly name = 'VersionGapError';
}

export interface RecordOptions {
  /** Record even across a version gap (the missing change is given up on, e.g. after many retries). */
  readonly acceptGap?: boolean;
}

export interface Recorded {
  readonly userId: string;
  readonly seq: number;
}

export async function recordChange(
  client: PoolClient,
  tables: SyncTables,
  change: ResourceChange,
  options: RecordOptions = {},
): Promise<Recorded | undefined> {
  const first = await client.query(
    `INSERT INTO ${tables.handledEvents} (event_id) VALUES ($1) ON CONFLICT (event_id) DO NOTHING`,
    [change.eventId],
  );
  if (first.rowCount === 0) return undefined;

  // The user's log row is locked first, always: this user's changes are numbered in commit order, and
  // transactions that record several changes never wait on each other in a cycle.
  const log = await client.query<{ last_seq: string }>(
    `INSERT INTO ${tables.userLogs} AS l (user_id) VALUES ($1)
     ON CONFLICT (user_id) DO UPDATE SET last_seq = l.last_seq RETURNING last_seq`,
    [change.userId],
  );
  const { rows } = await client.query<StoredCopy>(
    `SELECT version, removed, data FROM ${tables.resources}
      WHERE user_id = $1 AND resource = $2 AND resource_id = $3`,
    [change.userId, change.resource, change.id],
  );
  const applied = foldChange(rows[0], change, options);
  if (applied.kind === 'stale') return undefined;
  if (applied.kind === 'gap') {
    throw new VersionGapError(`${change.resource} ${change.id}: version ${change.version} before ${applied.expected}`);
  }
  const copy = applied.copy;
  await client.query(
    `INSERT INTO ${tables.resources} (user_id, resource, resource_id, version, removed, data)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (user_id, resource, resource_id)
     DO UPDATE SET version = EXCLUDED.version, removed = EXCLUDED.removed, data = EXCLUDED.data`,
    [change.userId, change.resource, change.id, copy.version, copy.removed, JSON.stringify(copy.data)],
  );

  const seq = Number(log.rows[0]?.last_seq) + 1;
  // A user's change times are whole milliseconds and strictly increase with the number, even if the
  // clock goes back: "changes after time t" is then exactly "changes after the one at t".
  await client.query(
    `WITH next AS (
       UPDATE ${tables.userLogs}
          SET last_seq = $2,
              last_time = GREATEST(last_time + interval '1 millisecond', date_trunc('milliseconds', clock_timestamp()))
        WHERE user_id = $1 RETURNING last_time)
     INSERT INTO ${tables.changes}
       (user_id, seq, resource, resource_id, version, kind, data, appeared, server_time, source_subject, source_data)
     SELECT $1, $2, $3, $4, $5, $6, $7, $8, last_time, $9, $10 FROM next`,
    [
      change.userId,
      seq,
      change.resource,
      change.id,
      change.version,
      change.kind,
      JSON.stringify(copy.data),
      applied.appeared,
      change.source.subject,
      JSON.stringify(change.source.data),
    ],
  );
  return { userId: change.userId, seq };
}
