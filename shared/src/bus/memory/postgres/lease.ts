/**
 * One process per persisted events log. The in-process bus keeps the log in memory and only writes it
 * through to PostgreSQL, so a second process on the same tables would hand out the same sequence numbers
 * and never see the first one's messages. A session advisory lock, held on a dedicated connection for as
 * long as the bus is open, keeps the second one out with a clear error. Every write of the log goes
 * through that connection: only the lock holder writes.
 */
import type pg from 'pg';

const LOCK_NAMESPACE = 'cairn.bus';

export class BusLogInUseError extends Error {
  override readonly name = 'BusLogInUseError';
  constructor(schema: string) {
    super(
      `The in-process bus's events log in schema "${schema}" is open in another process. Embedded mode runs ` +
        'every service in one process per database: stop the other process, or set NATS_URL to run several.',
    );
  }
}

export class BusLogLease {
  private broken = false;
  private reacquiring: Promise<pg.PoolClient> | undefined;
  private released = false;
  private unwatch: () => void = () => undefined;

  private constructor(
    private readonly pool: pg.Pool,
    private readonly schema: string,
    private current: pg.PoolClient,
  ) {
    this.watch(current);
  }

  /** Takes the lock for `schema`, or fails with `BusLogInUseError` if another session holds it. */
  static async acquire(pool: pg.Pool, schema: string): Promise<BusLogLease> {
    return new BusLogLease(pool, schema, await lockedClient(pool, schema));
  }

  /** The connection that holds the lock; after it broke, a new one that took the lock again. */
  client(): Promise<pg.PoolClient> {
    if (this.released) return Promise.reject(new Error('the events log lease was released'));
    if (!this.broken) return Promise.resolve(this.current);
    this.reacquiring ??= lockedClient(this.pool, this.schema)
      .then((client) => {
        this.current = client;
        this.broken = false;
        this.watch(client);
        return client;
      })
      .finally(() => {
        this.reacquiring = undefined;
      });
    return this.reacquiring;
  }

  /** Marks the connection as failed after an error that may have been the connection's. */
  async check(): Promise<void> {
    if (this.broken) return;
    try {
      await this.current.query('SELECT 1');
    } catch {
      this.markBroken(this.current);
    }
  }

  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    await this.reacquiring?.catch(() => undefined);
    if (this.broken) return;
    let healthy = true;
    try {
      await this.current.query('SELECT pg_advisory_unlock(hashtext($1), hashtext($2))', [LOCK_NAMESPACE, this.schema]);
    } catch {
      healthy = false;
    }
    if (this.broken) return;
    this.unwatch();
    this.current.release(!healthy);
  }

  private watch(client: pg.PoolClient): void {
    // An idle checked-out client whose connection drops emits 'error'; unhandled it would crash the process.
    const onError = () => this.markBroken(client);
    client.on('error', onError);
    this.unwatch = () => client.off('error', onError);
  }

  /** The lock went with the session; the connection is discarded, and the next `client()` locks anew. */
  private markBroken(client: pg.PoolClient): void {
    if (client !== this.current || this.broken) return;
    this.broken = true;
    this.unwatch();
    client.release(true);
  }
}

async function lockedClient(pool: pg.Pool, schema: string): Promise<pg.PoolClient> {
  const client = await pool.connect();
  try {
    const { rows } = await client.query<{ locked: boolean }>(
      'SELECT pg_try_advisory_lock(hashtext($1), hashtext($2)) AS locked',
      [LOCK_NAMESPACE, schema],
    );
    if (!rows[0]?.locked) {
      client.release();
      throw new BusLogInUseError(schema);
    }
    return client;
  } catch (error) {
    if (!(error instanceof BusLogInUseError)) client.release(true);
    throw error;
  }
}
