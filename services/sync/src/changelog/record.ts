/**
 * Recording resource changes, each through the `record_change` function (schema.ts): skip it if
 * its event was handled before or if it is older than the stored copy, otherwise fold it into the stored
 * copy and append it to the user's log under the next number. Redelivered events therefore never
 * produce a second change. One statement records any number of changes: on a pool it commits by itself;
 * on a client it joins the caller's transaction.
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

/** One change, as `recordChanges` records several (the same statement, with one item). */
export async function recordChange(
  db: Pick<Pool, 'query'> | PoolClient,
  tables: SyncTables,
  change: ResourceChange,
  options: RecordOptions = {},
): Promise<Recorded | undefined> {
  const [row] = await recordChanges(db, tables, [{ change, acceptGap: options.acceptGap === true }]);
  return outcomeOf(change, row);
}

/** What `record_change` answers for one change. */
export interface RecordRow {
  readonly outcome: 'recorded' | 'duplicate' | 'stale' | 'gap';
  readonly seq: string | null;
  readonly expected: number | null;
}

/** The change's place in its user's log if it was recorded; undefined if skipped; a gap throws. */
export function outcomeOf(change: ResourceChange, row: RecordRow | undefined): Recorded | undefined {
  if (row?.outcome === 'gap') {
    throw new VersionGapError(`${change.resource} ${change.id}: version ${change.version} before ${row.expected}`);
  }
  return row?.outcome === 'recorded' ? { userId: change.userId, seq: Number(row.seq) } : undefined;
}

export interface ChangeToRecord {
  readonly change: ResourceChange;
  readonly acceptGap: boolean;
}

/**
 * Several changes in one statement, so one transaction and one round trip, recorded in the order given
 * (each sees the ones before it, as separate calls would). A gap is an answer, not a failure: it leaves
 * the others be. Any failure undoes them all; the caller may then record them one by one.
 */
export async function recordChanges(
  db: Pick<Pool, 'query'> | PoolClient,
  tables: SyncTables,
  items: readonly ChangeToRecord[],
): Promise<RecordRow[]> {
  const documents = items.map(({ change, acceptGap }) => ({
    eventId: change.eventId,
    userId: change.userId,
    resource: change.resource,
    id: change.id,
    version: change.version,
    kind: change.kind,
    fields: change.fields,
    subject: change.source.subject,
    data: change.source.data,
    acceptGap,
  }));
  const { rows } = await db.query<RecordRow>(
    `SELECT r.outcome, r.seq, r.expected
       FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS c(item, n)
       CROSS JOIN LATERAL ${tables.recordChange}(c.item->>'eventId', c.item->>'userId', c.item->>'resource',
         c.item->>'id', (c.item->>'version')::integer, c.item->>'kind', c.item->'fields', c.item->>'subject',
         c.item->'data', (c.item->>'acceptGap')::boolean) AS r
      ORDER BY c.n`,
    [JSON.stringify(documents)],
  );
  if (rows.length !== items.length) throw new Error(`recorded ${rows.length} of ${items.length} changes`);
  return rows;
}
