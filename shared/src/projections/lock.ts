/**
 * A session-level advisory lock held on a dedicated connection, which the holder then works on: what a
 * rebuild uses (one at a time per projection). Running processors share one lock connection instead
 * (lock-session.ts). When the holder's session ends (crash, kill, network loss) PostgreSQL releases the
 * lock.
 */
import type pg from 'pg';

export type LockNamespace = 'cairn.processor' | 'cairn.rebuild';

/** A held lock and the connection that holds it; the batches run on this same connection. */
export interface Lease {
  readonly client: pg.PoolClient;
  /** Set once the connection failed: the lock is gone with it. */
  readonly broken: boolean;
  /** Unlocks and returns the connection (or discards it when broken). */
  release(): Promise<void>;
}

export async function tryAcquireLease(
  pool: pg.Pool,
  namespace: LockNamespace,
  key: string,
): Promise<Lease | undefined> {
  const client = await pool.connect();
  let broken = false;
  // An idle checked-out client whose connection drops emits 'error'; unhandled it would crash the process.
  const onError = () => {
    broken = true;
  };
  client.on('error', onError);
  const done = (destroy: boolean) => {
    client.off('error', onError);
    client.release(destroy);
  };
  try {
    const { rows } = await client.query<{ locked: boolean }>(
      'SELECT pg_try_advisory_lock(hashtext($1), hashtext($2)) AS locked',
      [namespace, key],
    );
    if (!rows[0]?.locked) {
      done(false);
      return undefined;
    }
  } catch (error) {
    done(true);
    throw error;
  }
  return {
    client,
    get broken() {
      return broken;
    },
    async release() {
      if (!broken) {
        try {
          await client.query('SELECT pg_advisory_unlock(hashtext($1), hashtext($2))', [namespace, key]);
        } catch {
          broken = true;
        }
      }
      done(broken);
    },
  };
}
