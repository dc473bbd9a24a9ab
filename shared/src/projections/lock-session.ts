/**
 * One live instance per processor (projection, reactor, relay) without a connection each: every
 * processor of a process takes its session-level advisory lock on one shared connection per pool, and
 * runs its pages on ordinary pooled connections. A service with a dozen projections then keeps one
 * connection, not a dozen, while idle.
 *
 * Safety does not rest on the lock alone: every page saves its checkpoint with a compare-and-set (see
 * checkpoints.ts), so if the lock connection dies while a page is in flight and a standby takes over,
 * at most one of the two commits the page; the other gets CheckpointMovedError and rolls back.
 */
import type pg from 'pg';
import type { LockNamespace } from './lock.js';

export interface SharedLease {
  /** False once the lock connection failed: the lock went with it. */
  readonly held: boolean;
  /** Is the lock connection still alive? Marks the lease lost if not. */
  check(): Promise<boolean>;
  release(): Promise<void>;
}

class LockSession {
  private client: pg.PoolClient | undefined;
  private connecting: Promise<pg.PoolClient> | undefined;
  /** Bumped each time the connection is replaced: leases of an older generation are lost. */
  private generation = 0;
  private readonly held = new Set<string>();
  /** Statements on the lock connection, one at a time (a pg client must not be given a second one meanwhile). */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly pool: pg.Pool) {}

  private run<R extends pg.QueryResultRow>(client: pg.PoolClient, text: string, values: unknown[] = []) {
    const result = this.queue.then(() => client.query<R>(text, values));
    this.queue = result.catch(() => undefined);
    return result;
  }

  async tryLock(namespace: LockNamespace, key: string): Promise<SharedLease | undefined> {
    const name = `${namespace}\u0000${key}`;
    // Advisory locks are re-entrant within a session: a second processor of the same name in this
    // process must be refused here, or both would run.
    if (this.held.has(name)) return undefined;
    this.held.add(name);
    let locked = false;
    try {
      const client = await this.connection();
      const generation = this.generation;
      const { rows } = await this.run<{ locked: boolean }>(
        client,
        'SELECT pg_try_advisory_lock(hashtext($1), hashtext($2)) AS locked',
        [namespace, key],
      );
      locked = rows[0]?.locked === true;
      if (!locked) return undefined;
      return this.lease(name, namespace, key, generation);
    } finally {
      if (!locked) this.forget(name);
    }
  }

  private lease(name: string, namespace: LockNamespace, key: string, generation: number): SharedLease {
    let released = false;
    const current = () => !released && generation === this.generation && this.client !== undefined;
    return {
      get held() {
        return current();
      },
      check: async () => {
        if (!current()) return false;
        try {
          if (this.client) await this.run(this.client, 'SELECT 1');
          return current();
        } catch {
          this.drop();
          return false;
        }
      },
      release: async () => {
        if (released) return;
        const stillOurs = current();
        released = true;
        if (stillOurs && this.client) {
          await this.run(this.client, 'SELECT pg_advisory_unlock(hashtext($1), hashtext($2))', [namespace, key]).catch(
            () => this.drop(),
          );
        }
        this.forget(name);
      },
    };
  }

  private async connection(): Promise<pg.PoolClient> {
    if (this.client) return this.client;
    this.connecting ??= (async () => {
      const client = await this.pool.connect();
      // An idle checked-out client whose connection drops emits 'error'; unhandled it would crash the process.
      client.on('error', () => this.drop());
      this.client = client;
      return client;
    })().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  /** The connection failed: every lock on it is gone. Leases notice through `held`/`check`. */
  private drop(): void {
    const client = this.client;
    if (!client) return;
    this.client = undefined;
    this.generation++;
    client.release(true);
  }

  /** The last lease released gives the connection back to the pool. */
  private forget(name: string): void {
    this.held.delete(name);
    if (this.held.size === 0 && this.client && !this.connecting) {
      const client = this.client;
      this.client = undefined;
      this.generation++;
      client.removeAllListeners('error');
      client.release();
    }
  }
}

const sessions = new WeakMap<pg.Pool, LockSession>();

/** Takes `namespace/key` on the pool's shared lock connection; undefined when another instance holds it. */
export function tryAcquireSharedLease(
  pool: pg.Pool,
  namespace: LockNamespace,
  key: string,
): Promise<SharedLease | undefined> {
  let session = sessions.get(pool);
  if (!session) {
    session = new LockSession(pool);
    sessions.set(pool, session);
  }
  return session.tryLock(namespace, key);
}
