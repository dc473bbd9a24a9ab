/**
 * Failed-login throttling per username, in a table so every replica counts the same failures. A fixed
 * window opens at the first failure; once `maxFailures` failures fall in it, attempts are refused with
 * 429 until it closes, whether the password is right or not (otherwise the limit would be a password
 * oracle). A success resets the count. Unknown usernames are counted too, so the answer does not reveal
 * which names exist. Concurrent guesses can overshoot the limit by the number in flight; that is bounded
 * by the request concurrency and keeps the common path (a correct login) at a single read.
 */
import { DomainError } from '@cairn/shared/http';
import type { Pool } from 'pg';

export const loginThrottleDdl = (schema: string): string[] => [
  `CREATE TABLE IF NOT EXISTS ${schema}.login_failures (
     username_key text PRIMARY KEY,
     failures integer NOT NULL,
     window_started_at timestamptz NOT NULL)`,
];

export interface LoginThrottle {
  /**
   * Throws 429 RATE_LIMIT_EXCEEDED with `details.retryAfter` (seconds) while the username is locked.
   * Otherwise tells whether failures are on record (so a success knows whether there is anything to reset).
   */
  check(usernameKey: string): Promise<boolean>;
  recordFailure(usernameKey: string): Promise<void>;
  reset(usernameKey: string): Promise<void>;
}

export function createLoginThrottle(
  pool: Pool,
  schema: string,
  maxFailures: number,
  windowSeconds: number,
): LoginThrottle {
  const table = `${schema}.login_failures`;
  return {
    async check(usernameKey) {
      const { rows } = await pool.query<{ failures: number; remaining: number }>(
        `SELECT failures, extract(epoch FROM window_started_at + make_interval(secs => $2) - now())::float8 AS remaining
           FROM ${table} WHERE username_key = $1`,
        [usernameKey, windowSeconds],
      );
      const row = rows[0];
      if (row && row.remaining > 0 && row.failures >= maxFailures) {
        const retryAfter = Math.max(1, Math.ceil(row.remaining));
        throw new DomainError('RATE_LIMIT_EXCEEDED', 'Too many failed logins; try again later', { retryAfter });
      }
      return row !== undefined;
    },
    async recordFailure(usernameKey) {
      await pool.query(
        `INSERT INTO ${table} AS f (username_key, failures, window_started_at) VALUES ($1, 1, now())
         ON CONFLICT (username_key) DO UPDATE SET
           failures = CASE WHEN f.window_started_at <= now() - make_interval(secs => $2) THEN 1 ELSE f.failures + 1 END,
           window_started_at = CASE WHEN f.window_started_at <= now() - make_interval(secs => $2)
                                    THEN now() ELSE f.window_started_at END`,
        [usernameKey, windowSeconds],
      );
    },
    async reset(usernameKey) {
      await pool.query(`DELETE FROM ${table} WHERE username_key = $1`, [usernameKey]);
    },
  };
}
