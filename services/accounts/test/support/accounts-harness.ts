/**
 * The accounts service for an integration test file, started as the platform starts it: a fresh
 * database of its own, a PostgreSQL event store bound to the `accounts` schema, the in-memory bus.
 * Tests call it over the bus as the gateway would, as a user (the actor the gateway would send).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Bus, RequestContext, RpcReply } from '@cairn/shared/bus';
import { createMemoryBus } from '@cairn/shared/bus/memory';
import { PostgresEventStore } from '@cairn/shared/eventstore';
import { createLogger } from '@cairn/shared/logging';
import type { RunningService } from '@cairn/shared/runtime';
import { createTestDatabase, type TestDatabase } from '@cairn/shared/testing';
import type { Pool } from 'pg';
import { startAccountsService } from '../../src/index.js';

export interface AccountsHarness {
  readonly db: TestDatabase;
  readonly pool: Pool;
  readonly bus: Bus;
  readonly store: PostgresEventStore;
  /** The master key the service runs with (CAIRN_ACCOUNTS_MASTER_KEY). */
  readonly masterKey: Buffer;
  /** Every line the service logged (it logs at `trace`, everything). */
  readonly logLines: readonly string[];
  /** A reply to `operation` called by `userId`. */
  call<T = any>(
    userId: string,
    operation: string,
    payload?: unknown,
    context?: Partial<RequestContext>,
  ): Promise<RpcReply<T>>;
  /** The data of a successful call; fails the test with the error otherwise. */
  ok<T = any>(userId: string, operation: string, payload?: unknown): Promise<T>;
  /** Another instance of the service on the same database and bus (a second replica). */
  replica(env?: NodeJS.ProcessEnv): Promise<RunningService>;
  /** Stops every running instance and starts a new one (a restart). */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export const newUserId = (): string => randomUUID();

export async function startAccountsHarness(env: NodeJS.ProcessEnv = {}): Promise<AccountsHarness> {
  const db = await createTestDatabase();
  const pool = db.pool({ max: 20 });
  const logLines: string[] = [];
  const logger = createLogger(
    { name: 'accounts-test', level: 'trace' },
    { write: (line: string) => logLines.push(line) },
  );
  const bus = createMemoryBus({ logger });
  const masterKey = randomBytes(32);
  const baseEnv = { CAIRN_ACCOUNTS_MASTER_KEY: masterKey.toString('base64'), ...env };
  const stores: PostgresEventStore[] = [];
  const services: RunningService[] = [];
  const start = async (extra: NodeJS.ProcessEnv) => {
    const store = new PostgresEventStore(pool, 'accounts');
    stores.push(store);
    const service = await startAccountsService({ pool, store, bus, logger, env: { ...baseEnv, ...extra } });
    services.push(service);
    return service;
  };
  await start({});
  let requests = 0;
  const call = <T>(userId: string, operation: string, payload: unknown = {}, context: Partial<RequestContext> = {}) =>
    bus.request<T>('accounts', operation, payload, {
      context: { requestId: `test-${++requests}`, actor: { kind: 'user', id: userId, role: 'customer' }, ...context },
      timeoutMs: 20_000,
    });
  return {
    db,
    pool,
    bus,
    store: stores[0]!,
    masterKey,
    logLines,
    call,
    async ok<T>(userId: string, operation: string, payload?: unknown): Promise<T> {
      const reply = await call<T>(userId, operation, payload);
      if (!reply.ok) throw new Error(`${operation} failed: ${JSON.stringify(reply.error)}`);
      return reply.data;
    },
    replica: (extra = {}) => start(extra),
    async restart() {
      for (const service of services.splice(0).reverse()) await service.stop();
      await start({});
    },
    async close() {
      for (const service of services.reverse()) await service.stop();
      await bus.close();
      for (const store of stores) await store.close();
      await db.drop();
    },
  };
}
