/**
 * PostgreSQL for a benchmark run: the server in DATABASE_URL, else an embedded one in a temp folder.
 * Each measurement gets a fresh database, dropped afterwards, so runs never see each other's data.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@cairn/shared/logging';
import { freePort, startEmbeddedPostgres } from '@cairn/shared/runtime';
import pg from 'pg';

export interface BenchDatabase {
  readonly name: string;
  readonly url: string;
  drop(): Promise<void>;
}

export interface BenchServer {
  /** `DATABASE_URL` or `embedded PostgreSQL (…)`, for the report. */
  readonly description: string;
  createDatabase(label: string): Promise<BenchDatabase>;
  stop(): Promise<void>;
}

export async function openBenchServer(): Promise<BenchServer> {
  const fromEnv = process.env.DATABASE_URL;
  if (fromEnv) return serverAt(fromEnv, 'DATABASE_URL', async () => undefined);

  const dataDir = await mkdtemp(join(tmpdir(), 'cairn-bench-pg-'));
  const port = await freePort();
  const embedded = await startEmbeddedPostgres({
    dataDir,
    port,
    logger: createLogger({ name: 'bench-postgres', level: 'warn' }),
  });
  return serverAt(embedded.connectionString, `embedded PostgreSQL on port ${port}`, async () => {
    await embedded.stop();
    await rm(dataDir, { recursive: true, force: true });
  });
}

function serverAt(adminUrl: string, description: string, stop: () => Promise<void>): BenchServer {
  const admin = async <T>(work: (client: pg.Client) => Promise<T>): Promise<T> => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  };
  return {
    description,
    async createDatabase(label) {
      const name = `cairn_bench_${label}_${Date.now()}_${randomBytes(3).toString('hex')}`;
      await admin((client) => client.query(`CREATE DATABASE "${name}"`));
      const url = new URL(adminUrl);
      url.pathname = `/${name}`;
      return {
        name,
        url: url.toString(),
        drop: () =>
          admin((client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(() => undefined),
      };
    },
    stop,
  };
}
