/**
 * The whole platform in this process for a scenario (every service and the gateway, the in-process
 * bus, a fresh database on the bench's PostgreSQL, rate limiting off), a signed-in user of it, and a
 * small JSON client for setting up data from the bench process (never for timed requests: those go
 * through a workload child, see workload.ts).
 */
import { randomBytes } from 'node:crypto';
import { startPlatform } from '@cairn/platform';
import { createLogger } from '@cairn/shared/logging';
import type { ScenarioContext } from '../scenario.js';
import { openBenchServer } from './database.js';

export interface BenchPlatform {
  readonly base: string;
  /** The platform's database: scenarios may read its tables (a benchmark, not a client). */
  readonly databaseUrl: string;
  stop(): Promise<void>;
}

export async function startBenchPlatform(
  label: string,
  context: ScenarioContext,
  extraEnv: NodeJS.ProcessEnv = {},
): Promise<BenchPlatform> {
  const server = await openBenchServer();
  context.log(`PostgreSQL: ${server.description}`);
  const database = await server.createDatabase(label);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: database.url,
    // Everything in one process: the in-process bus, whatever the shell says.
    NATS_URL: '',
    EVENTSTORE_URL: '',
    PORT: '0',
    HOST: '127.0.0.1',
    RATE_LIMIT_MAX: '0',
    ACCESS_LOG: 'off',
    LOG_LEVEL: 'warn',
    // Seeding and measuring can outlast the default 15 minutes of an access token.
    CAIRN_ACCESS_TOKEN_TTL_SECONDS: '7200',
    ...extraEnv,
  };
  try {
    const platform = await startPlatform({ env, logger: createLogger({ name: 'bench', level: 'warn' }) });
    context.log(`platform at ${platform.url} (${platform.infrastructure.describe()})`);
    return {
      base: platform.url,
      databaseUrl: database.url,
      async stop() {
        try {
          await platform.stop();
        } finally {
          await database.drop();
          await server.stop();
        }
      },
    };
  } catch (error) {
    await database.drop();
    await server.stop();
    throw error;
  }
}

export interface BenchUser {
  readonly id: string;
  readonly token: string;
}

/** A new customer user, signed in. */
export async function signUp(base: string, label: string): Promise<BenchUser> {
  const username = `bench-${label}-${randomBytes(4).toString('hex')}`;
  const password = randomBytes(12).toString('base64url');
  const session = await callApi<{ accessToken: string; user: { id: string } }>(base, '', 'POST', '/api/auth/register', {
    username,
    password,
    displayName: 'Bench User',
  });
  return { id: session.user.id, token: session.accessToken };
}

/** One request from the bench process; the envelope's `data`, or an error naming the code. */
export async function callApi<T>(
  base: string,
  token: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<T> {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${base}${path}`, {
    method,
    headers,
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    // A setup request that never answers is a finding, not a reason to hang the whole run.
    signal: AbortSignal.timeout(120_000),
  });
  const envelope = (await response.json()) as { success: boolean; data: T; error?: string; message?: string };
  if (!response.ok || !envelope.success) {
    throw new Error(`${method} ${path} → ${response.status} ${envelope.error}: ${envelope.message}`);
  }
  return envelope.data;
}

/** `count` account bodies for creates, with ids `<prefix>-<n>` (clients may bring their own ids). */
export function accountDrafts(prefix: string, count: number, from = 0): { id: string; email: string }[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `${prefix}-${from + i}`,
    email: `${prefix}-${from + i}@bench.example.com`,
  }));
}

/** Creates accounts in batches of up to 500; each starts at version 1. */
export async function createAccounts(
  base: string,
  token: string,
  drafts: readonly { id: string; email: string }[],
): Promise<void> {
  for (let i = 0; i < drafts.length; i += 500) {
    const operations = drafts.slice(i, i + 500).map((data) => ({ action: 'create', data }));
    const result = await callApi<{ summary: { failed: number } }>(base, token, 'POST', '/api/v2/accounts/batch', {
      operations,
    });
    if (result.summary.failed > 0) throw new Error(`${result.summary.failed} of ${operations.length} creates failed`);
  }
}
