/**
 * Starts the auth service for a test file the way the platform does: a fresh PostgreSQL database of its
 * own, a PostgreSQL event store bound to the `auth` schema, and the in-memory bus. Tests call it only
 * over the bus, as the gateway would.
 */
import type { Bus, RequestContext, RpcReply } from '@cairn/shared/bus';
import { createMemoryBus } from '@cairn/shared/bus/memory';
import { PostgresEventStore } from '@cairn/shared/eventstore';
import { createLogger, type Logger } from '@cairn/shared/logging';
import type { RunningService } from '@cairn/shared/runtime';
import { createTestDatabase, type TestDatabase } from '@cairn/shared/testing';
import type { Pool } from 'pg';
import { type AuthServiceOptions, startAuthService } from '../../src/index.js';

export interface AuthHarness {
  readonly db: TestDatabase;
  readonly pool: Pool;
  readonly bus: Bus;
  readonly service: RunningService;
  call<T = any>(operation: string, payload?: unknown, context?: Partial<RequestContext>): Promise<RpcReply<T>>;
  /** The data of a successful call; fails the test with the error otherwise. */
  ok<T = any>(operation: string, payload?: unknown, context?: Partial<RequestContext>): Promise<T>;
  /** Starts another instance on the same database and bus (a second replica). */
  replica(env?: NodeJS.ProcessEnv, options?: AuthServiceOptions): Promise<RunningService>;
  close(): Promise<void>;
}

export const TEST_ENV: NodeJS.ProcessEnv = {
  CAIRN_PASSWORD_HASH_COST: '10',
  CAIRN_ADMIN_USERNAME: 'root',
  CAIRN_ADMIN_PASSWORD: 'root-password-1',
};

export async function startHarness(
  env: NodeJS.ProcessEnv = {},
  options: AuthServiceOptions = {},
  makeBus: (logger: Logger) => Promise<Bus> | Bus = (logger) => createMemoryBus({ logger }),
): Promise<AuthHarness> {
  const db = await createTestDatabase();
  const pool = db.pool({ max: 20 });
  const logger = createLogger({ name: 'auth-test', level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const bus = await makeBus(logger);
  const stores: PostgresEventStore[] = [];
  const services: RunningService[] = [];
  const start = async (extraEnv: NodeJS.ProcessEnv, opts: AuthServiceOptions) => {
    const store = new PostgresEventStore(pool, 'auth');
    stores.push(store);
    const service = await startAuthService({ pool, store, bus, logger, env: { ...TEST_ENV, ...extraEnv } }, opts);
    services.push(service);
    return service;
  };
  const service = await start(env, options);
  let requests = 0;
  const call = <T>(operation: string, payload: unknown = {}, context: Partial<RequestContext> = {}) =>
    bus.request<T>('auth', operation, payload, {
      context: { requestId: `test-${++requests}`, ...context },
      timeoutMs: 20_000,
    });
  return {
    db,
    pool,
    bus,
    service,
    call,
    async ok<T>(operation: string, payload?: unknown, context?: Partial<RequestContext>): Promise<T> {
      const reply = await call<T>(operation, payload, context);
      if (!reply.ok) throw new Error(`${operation} failed: ${JSON.stringify(reply.error)}`);
      return reply.data;
    },
    replica: (extraEnv = {}, opts = {}) => start({ ...env, ...extraEnv }, opts),
    async close() {
      for (const s of services.reverse()) await s.stop();
      await bus.close();
      for (const s of stores) await s.close();
      await db.drop();
    },
  };
}

/** The actor the gateway would put on a request made with this session's access token. */
export function actorOf(session: { sessionId: string; user: { id: string; userType: string; orgId: string | null } }) {
  return {
    actor: {
      kind: 'user' as const,
      id: session.user.id,
      role: session.user.userType,
      sessionId: session.sessionId,
      ...(session.user.orgId ? { orgId: session.user.orgId } : {}),
    },
  };
}

export function expectError(reply: RpcReply, code: string): NonNullable<Extract<RpcReply, { ok: false }>['error']> {
  if (reply.ok) throw new Error(`expected ${code}, got success: ${JSON.stringify(reply.data)}`);
  if (reply.error.code !== code) throw new Error(`expected ${code}, got ${JSON.stringify(reply.error)}`);
  return reply.error;
}
