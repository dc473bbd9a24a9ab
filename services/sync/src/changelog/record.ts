/**
 * Recording one resource change in one statement (the `record_change` function, schema.ts): skip it if
 * its event was handled before or if it is older than the stored copy, otherwise fold it into the stored
 * copy and append it to the user's log under the next number. Redelivered events therefore never
 * produce a second change. On a pool it commits by itself; on a client it joins the caller's transaction.
 */
import type { Pool, PoolClient } from 'pg';
import type { ResourceChange } from './change.js';
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
  db: Pick<Pool, 'query'> | PoolClient,
  tables: SyncTables,
  change: ResourceChange,
  options: RecordOptions = {},
): Promise<Recorded | undefined> {
  const { rows } = await db.query<{
    outcome: 'recorded' | 'duplicate' | 'stale' | 'gap';
    seq: string;
    expected: number;
  }>(`SELECT outcome, seq, expected FROM ${tables.recordChange}($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, [
    change.eventId,
    change.userId,
    change.resource,
    change.id,
    change.version,
    change.kind,
    JSON.stringify(change.fields),
    change.source.subject,
    JSON.stringify(change.source.data),
    options.acceptGap === true,
  ]);
  const result = rows[0];
  if (result?.outcome === 'gap') {
    throw new VersionGapError(`${change.resource} ${change.id}: version ${change.version} before ${result.expected}`);
  }
  return result?.outcome === 'recorded' ? { userId: change.userId, seq: Number(result.seq) } : undefined;
}
