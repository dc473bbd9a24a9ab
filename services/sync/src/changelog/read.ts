/**
 * Reading a user's sync state: a snapshot (every live resource and the cursor that matches it, read in
 * one consistent view) and pages of the change log after a cursor or a time.
 */
import { DomainError } from '@cairn/shared/http';
import type { Pool } from 'pg';
import type { LoggedChange, LoggedKind, SyncResource } from './change.js';
import type { SyncTables } from './schema.js';

/**
 * Server times are those of changes (ms since epoch, strictly increasing per user; see record.ts): the
 * time of the last change included, 0 before the first. So `lastSyncTime` = an earlier `serverTime`
 * continues exactly where that answer ended, like a cursor.
 */
const epochMs = (column: string) =>
  `CASE WHEN ${column} = '-infinity' THEN 0 ELSE (extract(epoch FROM ${column}) * 1000)::bigint END`;

export interface Snapshot {
  readonly resources: ReadonlyMap<SyncResource, Record<string, unknown>[]>;
  readonly lastSeq: number;
  /** The time of the last change the snapshot includes. */
  readonly serverTime: number;
}

export async function readSnapshot(pool: Pool, tables: SyncTables, userId: string): Promise<Snapshot> {
  const client = await pool.connect();
  try {
    // One snapshot of the database for both reads: the cursor matches exactly the state returned.
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const live = await client.query<{ resource: SyncResource; data: Record<string, unknown> }>(
      `SELECT resource, data FROM ${tables.resources}
        WHERE user_id = $1 AND NOT removed ORDER BY resource, resource_id`,
      [userId],
    );
    const log = await client.query<{ last_seq: string; last_ms: string }>(
      `SELECT last_seq, ${epochMs('last_time')} AS last_ms FROM ${tables.userLogs} WHERE user_id = $1`,
      [userId],
    );
    await client.query('COMMIT');
    const resources = new Map<SyncResource, Record<string, unknown>[]>();
    for (const row of live.rows) {
      const list = resources.get(row.resource) ?? [];
      list.push(row.data);
      resources.set(row.resource, list);
    }
    return {
      resources,
      lastSeq: Number(log.rows[0]?.last_seq ?? 0),
      serverTime: Number(log.rows[0]?.last_ms ?? 0),
    };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

export type ChangesFrom = { readonly afterSeq: number } | { readonly afterTime: number };

export interface ChangePage {
  readonly changes: readonly LoggedChange[];
  /** The number of the last change in the page, or the starting point when the page is empty. */
  readonly lastSeq: number;
  readonly hasMore: boolean;
  /** The time of the page's last change (see `Snapshot.serverTime`). */
  readonly serverTime: number;
}

interface ChangeRow {
  seq: number;
  resource: SyncResource;
  resource_id: string;
  version: number;
  kind: LoggedKind;
  data: Record<string, unknown> | null;
  appeared: boolean;
  server_ms: number;
}

/**
 * Up to `limit` changes after the starting point, oldest first. A cursor behind the compacted part of
 * the log, or ahead of the log (from another database), is 409 SNAPSHOT_REQUIRED: the client must start
 * again from a snapshot.
 */
export async function readChanges(
  pool: Pool,
  tables: SyncTables,
  userId: string,
  from: ChangesFrom,
  limit: number,
  resources: readonly SyncResource[],
): Promise<ChangePage> {
  const head = await pool.query<{ last_seq: string; compacted_through: string; last_ms: string }>(
    `SELECT last_seq, compacted_through, ${epochMs('last_time')} AS last_ms FROM ${tables.userLogs} WHERE user_id = $1`,
    [userId],
  );
  const lastSeq = Number(head.rows[0]?.last_seq ?? 0);
  const compactedThrough = Number(head.rows[0]?.compacted_through ?? 0);
  const lastMs = Number(head.rows[0]?.last_ms ?? 0);

  let afterSeq: number;
  if ('afterSeq' in from) {
    if (from.afterSeq < compactedThrough || from.afterSeq > lastSeq) throw snapshotRequired();
    afterSeq = from.afterSeq;
  } else {
    // The last change at or before that time; everything after it is later than the client's time.
    const before = await pool.query<{ seq: string | null }>(
      `SELECT max(seq) AS seq FROM ${tables.changes}
        WHERE user_id = $1 AND server_time <= 'epoch'::timestamptz + $2 * interval '1 millisecond'`,
      [userId, from.afterTime],
    );
    afterSeq = Number(before.rows[0]?.seq ?? compactedThrough);
    if (afterSeq < compactedThrough) throw snapshotRequired();
  }

  // The page as one JSON text parsed once: a thousand rows of JSON decoded row by row by the driver
  // cost more than the query itself. Numbers are gapless, so the page is a closed range of them: the
  // query reads just those rows whatever plan the table's statistics (stale after a burst) suggest.
  const result = await pool.query<{ page: string | null }>(
    `SELECT json_agg(c ORDER BY c.seq)::text AS page FROM (
       SELECT seq, resource, resource_id, version, kind, data, appeared, ${epochMs('server_time')} AS server_ms
         FROM ${tables.changes}
        WHERE user_id = $1 AND seq > $2 AND seq <= $2 + $3 ORDER BY seq) c`,
    [userId, afterSeq, limit + 1],
  );
  const rows: ChangeRow[] = JSON.parse(result.rows[0]?.page ?? '[]');
  // Numbers are gapless, so a hole right after the starting point means compaction ran meanwhile.
  const first = rows[0];
  if (first ? Number(first.seq) !== afterSeq + 1 : afterSeq < lastSeq) throw snapshotRequired();
  const hasMore = rows.length > limit;
  const page = hasMore ? rows.slice(0, limit) : rows;
  const wanted = new Set(resources);
  const changes = page
    .filter((row): row is ChangeRow & { kind: 'put' | 'remove' } => wanted.has(row.resource) && row.kind !== 'noop')
    .map((row) => ({
      seq: Number(row.seq),
      resource: row.resource,
      id: row.resource_id,
      version: row.version,
      kind: row.kind,
      data: row.data,
      appeared: row.appeared,
      serverTime: Number(row.server_ms),
    }));
  const last = page.at(-1);
  return {
    changes,
    lastSeq: last ? Number(last.seq) : afterSeq,
    hasMore,
    // Where this page ends, as a time; the head's time when there was nothing new.
    serverTime: last ? Number(last.server_ms) : afterSeq === lastSeq ? lastMs : 0,
  };
}

const snapshotRequired = () =>
  new DomainError('SNAPSHOT_REQUIRED', 'This cursor can no longer be served; start again from a snapshot');
