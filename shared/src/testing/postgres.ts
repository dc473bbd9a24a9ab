/**
 * A fresh PostgreSQL database per test file, cloned from a template that the vitest global setup
 * (setup-postgres.ts) created once. Cloning is cheap, so every file gets its own database and files run
 * in parallel without cleaning up after each other.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Admin URL of the PostgreSQL server the global setup resolved (it may create databases). */
    databaseUrl: string;
  }
}

export const TEMPLATE_DATABASE = 'cairn_test_template';
/** Test databases are named `cairn_test_<unix seconds>_<pid>_<random>`, so stale ones can be recognised. */
export const TEST_DATABASE_PREFIX = 'cairn_test_';

export interface TestDatabase {
  readonly name: string;
  /** Connection URL of this database. */
  readonly url: string;
  /** A new pool on this database; each call gives a separate pool (two pools = two "processes"). */
  pool(config?: Omit<pg.PoolConfig, 'connectionString'>): pg.Pool;
  /** Ends every pool made by `pool()` and drops the database. */
  drop(): Promise<void>;
}

/** The admin URL: what the global setup provided, else DATABASE_URL (for use outside vitest workers). */
export function testServerUrl(): string {
  let provided: string | undefined;
  try {
    provided = inject('databaseUrl');
  } catch {
    // Not inside a vitest worker (a script or a benchmark): fall back to the environment.
  }
  const url = provided ?? process.env.DATABASE_URL;
  if (!url) {
    throw new Error(
      'no PostgreSQL server for tests: run through vitest (shared/src/testing/setup-postgres.ts) or set DATABASE_URL',
    );
  }
  return url;
}

export function databaseUrl(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

export async function withAdminClient<T>(serverUrl: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

const OBJECT_IN_USE = '55006';

export async function createTestDatabase(): Promise<TestDatabase> {
  const serverUrl = testServerUrl();
  const seconds = Math.floor(Date.now() / 1000);
  const name = `${TEST_DATABASE_PREFIX}${seconds}_${process.pid}_${randomBytes(4).toString('hex')}`;
  await withAdminClient(serverUrl, async (client) => {
    // Another session touching the template (autovacuum, a concurrent run) makes CREATE fail with
    // "source database is being accessed"; that passes within moments, so retry briefly.
    for (let attempt = 0; ; attempt++) {
      try {
        await client.query(`CREATE DATABASE "${name}" TEMPLATE ${TEMPLATE_DATABASE}`);
        return;
      } catch (error) {
        if ((error as { code?: string }).code !== OBJECT_IN_USE || attempt >= 50) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  });

  const url = databaseUrl(serverUrl, name);
  const pools: pg.Pool[] = [];
  return {
    name,
    url,
    pool(config = {}) {
      const pool = new pg.Pool({ max: 10, ...config, connectionString: url });
      // A test that kills backends on purpose must not crash the worker through an idle client's error.
      pool.on('error', () => undefined);
      pools.push(pool);
      return pool;
    },
    async drop() {
      // A pool waits for clients still checked out (a failed test may never release one): wait a little,
      // then FORCE ends whatever sessions are left.
      const ended = (p: pg.Pool) =>
        Promise.race([p.end().catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 1000).unref())]);
      await Promise.all(pools.splice(0).map(ended));
      await withAdminClient(serverUrl, (client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    },
  };
}
