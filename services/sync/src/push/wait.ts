/**
 * Waiting for a push's own changes to reach the change log (they travel accounts → relay → bus →
 * this service's consumer). Follows what this process's consumer records as it commits, and asks the
 * database only when that falls quiet (the consumer may run in another replica). Bounded: after
 * `pushWaitMs` it answers with the cursor it has, which is still exact, only possibly before the
 * client's writes (they then come back as changes).
 */
import type { SyncRuntime } from '../runtime.js';

export interface AppliedChange {
  readonly resource: 'groups' | 'tags' | 'accounts' | 'settings';
  readonly id: string;
  /** The version the write produced; absent for a delete of something already gone. */
  readonly version: number | undefined;
  readonly kind: 'write' | 'delete';
}

/** No word from this process's consumer for this long: ask the database (another replica may be recording). */
const QUIET_MS = 25;

/** Resolves with the user's last change number once every applied change is in their log. */
export async function waitUntilRecorded(
  rt: SyncRuntime,
  userId: string,
  applied: readonly AppliedChange[],
): Promise<number> {
  const deadline = Date.now() + rt.config.pushWaitMs;
  // Highest version of each resource recorded here since the watch began, and the highest change number.
  const heard = new Map<string, number>();
  let heardSeq = 0;
  let wake: (() => void) | undefined;
  // Watching starts before the first look at the database, so nothing recorded in between is missed.
  const stopWatching = rt.recorded.watch(userId, (change) => {
    const key = keyOf(change.resource, change.id);
    heard.set(key, Math.max(heard.get(key) ?? 0, change.version));
    heardSeq = Math.max(heardSeq, change.seq);
    wake?.();
  });
  try {
    let { lastSeq, missing } = await check(
      rt,
      userId,
      applied.filter((change) => change.version !== undefined),
    );
    for (;;) {
      missing = missing.filter((change) => (heard.get(keyOf(change.resource, change.id)) ?? 0) < (change.version ?? 0));
      // Change numbers are taken under the user's lock and notified after commit: everything up to the
      // highest one heard is in the log.
      if (missing.length === 0) return Math.max(lastSeq, heardSeq);
      if (Date.now() >= deadline) {
        rt.logger.warn({ userId, missing: missing.length }, 'push answered before its changes reached the log');
        return Math.max(lastSeq, heardSeq);
      }
      const woken = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), QUIET_MS);
        wake = () => {
          clearTimeout(timer);
          resolve(true);
        };
      });
      wake = undefined;
      if (!woken) ({ lastSeq, missing } = await check(rt, userId, missing));
    }
  } finally {
    stopWatching();
  }
}

const keyOf = (resource: string, id: string): string => `${resource}\u0000${id}`;

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
  for (const [resource, id, version] of rows[0]?.found ?? []) versions.set(keyOf(resource, id), version);
  const missing = waiting.filter(
    (change) => (versions.get(keyOf(change.resource, change.id)) ?? 0) < (change.version ?? 0),
  );
  return { lastSeq: Number(rows[0]?.last_seq ?? 0), missing };
}
