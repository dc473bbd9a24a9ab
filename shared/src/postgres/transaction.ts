import type pg from 'pg';

export interface TransactionOptions {
  /**
   * Name of a transaction-level advisory lock taken right after BEGIN, so that replicas doing the same
   * work at the same time (e.g. CREATE … IF NOT EXISTS at start-up, which is not atomic in the catalog)
   * run one after another. Released by COMMIT or ROLLBACK.
   */
  readonly advisoryLock?: string;
}

/** Runs `work` on one pooled connection inside BEGIN … COMMIT, rolling back if it throws. */
export async function withTransaction<T>(
  pool: pg.Pool,
  work: (client: pg.PoolClient) => Promise<T>,
  options: TransactionOptions = {},
): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    if (options.advisoryLock !== undefined) {
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [options.advisoryLock]);
    }
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    // The original error matters more than a failed ROLLBACK (e.g. on a dead connection).
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
