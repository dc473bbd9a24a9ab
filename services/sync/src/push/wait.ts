/**
 * Waiting for a push's own changes to reach the change log (they travel accounts → relay → bus →
 * this service's consumer). Wakes when this process records something and polls otherwise (the
 * consumer may run in another replica). Bounded: after `pushWaitMs` it answers with the cursor it has,
 * which is still exact, only possibly before the client's writes (they then come back as changes).
 */
import type { SyncRuntime } from '../runtime.js';

export interface AppliedChange {
  readonly resource: 'groups' | 'tags' | 'accounts' | 'settings';
  readonly id: string;
  /** The version the write produced; absent for a delete of something already gone. */
  readonly version: number | undefined;
  readonly kind: 'write' | 'delete';
}

const POLL_MS = 25;

/** Resolves with the user's last change number once every applied change is in their log. */
export async function waitUntilRecorded(
  rt: SyncRuntime,
  userId: string,
  applied: readonly AppliedChange[],
): Promise<number> {
  const deadline = Date.now() + rt.config.pushWaitMs;
  let waiting = applied.filter((change) => change.version !== undefined);
  for (;;) {
    const { lastSeq, missing } = await check(rt, userId, waiting);
    waiting = missing;
    if (waiting.length === 0) return lastSeq;
    if (Date.now() >= deadline) {
      rt.logger.warn({ userId, missing: waiting.length }, 'push answered before its changes reached the log');
      return lastSeq;
    }
    await rt.recorded.next(POLL_MS);
  }
}

async function check(
  rt: SyncRuntime,
  userId: string,
  waiting: readonly AppliedChange[],
): Promise<{ lastSeq: number; missing: AppliedChange[] }> {
  const { rows } = await rt.pool.query<{ last_seq: string | null; found: Array<[string, string, number]> | null }>(
    `SELECT (SELECT last_seq FROM ${rt.tables.userLogs} WHERE user_id = $1) AS last_seq,
            (SELECT json_agg(json_build_array(r.resource, r.resource_id, r.version))
               FROM unnest($2::text[], $3::text[]) AS w(resource, resource_id)
               JOIN ${rt.tables.resources} r
                 ON r.user_id = $1 AND r.resource = w.resource AND r.resource_id = w.resource_id) AS found`,
    // Whole primary keys: a lookup each, however many resources the user has.
    [userId, waiting.map((change) => change.resource), waiting.map((change) => change.id)],
  );
  const versions = new Map<string, number>();
  for (const [resource, id, version] of rows[0]?.found ?? []) versions.set(`${resource}\u0000${id}`, version);
  const missing = waiting.filter(
    (change) => (versions.get(`${change.resource}\u0000${change.id}`) ?? 0) < (change.version ?? 0),
  );
  return { lastSeq: Number(rows[0]?.last_seq ?? 0), missing };
}
