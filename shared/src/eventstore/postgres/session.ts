import type pg from 'pg';

const limited = new WeakSet<pg.Pool>();

/**
 * Sets `idle_in_transaction_session_timeout` on every new connection of `pool`, before its first use.
 * One transaction left open anywhere on the server holds the global log back for every reader (they
 * wait rather than skip), so PostgreSQL must end forgotten ones. Uses the pool's awaited `onConnect`
 * hook, chained after any hook the pool's owner set; call it before the pool hands out connections.
 */
export function limitIdleTransactions(pool: pg.Pool, timeoutMs: number): void {
  if (timeoutMs <= 0 || limited.has(pool) || !pool.options) return;
  limited.add(pool);
  const previous = pool.options.onConnect;
  const statement = `SET idle_in_transaction_session_timeout = ${Math.floor(timeoutMs)}`;
  // pg-pool awaits a returned promise although the type says void.
  pool.options.onConnect = (async (client: pg.ClientBase) => {
    await previous?.(client);
    await client.query(statement);
  }) as (client: pg.ClientBase) => void;
}
