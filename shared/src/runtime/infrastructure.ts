/**
 * What every Cairn process stands on: a PostgreSQL pool, a bus, and an event store per service schema.
 * Chosen from the environment, one code path for both ways to run (DESIGN.md decision 8):
 *
 *   DATABASE_URL   set: that server.        unset: embedded PostgreSQL under CAIRN_DATA_DIR.
 *   NATS_URL       set: NATS JetStream.     unset: the in-process bus (every service in this process),
 *                                           its events log kept in that PostgreSQL (schema `bus`).
 *   EVENTSTORE_URL set: EventStoreDB/KurrentDB for events (not in this build: a clear start-up error).
 */
import { resolve } from 'node:path';
import pg from 'pg';
import { z } from 'zod';
import { type Bus, EVENTS_STREAM } from '../bus/port.js';
import { ConfigError, loadConfig, platformConfigSchema } from '../config/index.js';
import type { EventStore } from '../eventstore/port.js';
import { PostgresEventStore } from '../eventstore/postgres/index.js';
import { createLogger, type Logger } from '../logging/index.js';
import { type EmbeddedPostgres, startEmbeddedPostgres } from './embedded-postgres.js';

export const infrastructureConfigSchema = platformConfigSchema.extend({
  /** Port of the embedded PostgreSQL server (only when DATABASE_URL is unset). */
  CAIRN_EMBEDDED_PG_PORT: z.coerce.number().int().min(1).max(65535).default(54329),
  /**
   * Several Cairn installations (staging and dev, parallel test runs) can share one NATS server: each
   * puts its own first token in front of every subject and keeps its own events stream.
   */
  NATS_SUBJECT_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, _ and - only')
    .optional(),
  /** Connections per process in the pool every service of the process shares. */
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(500).default(20),
});
export type InfrastructureConfig = z.infer<typeof infrastructureConfigSchema>;

export type DatabaseInfo =
  | { readonly kind: 'embedded'; readonly clusterDir: string; readonly port: number; readonly initialised: boolean }
  | { readonly kind: 'external'; readonly url: string };

export type BusInfo = { readonly kind: 'memory' } | { readonly kind: 'nats'; readonly url: string };

export interface Infrastructure {
  readonly pool: pg.Pool;
  readonly bus: Bus;
  /** The event store of one service, bound to its schema (`auth`, `accounts`, …); one instance per schema. */
  storeFor(schema: string): EventStore;
  /** `embedded`: everything in this process on the in-process bus. `distributed`: processes meet on NATS. */
  readonly mode: 'embedded' | 'distributed';
  readonly database: DatabaseInfo;
  readonly busInfo: BusInfo;
  /** One line for the start-up log: which database and which bus. */
  describe(): string;
  /** Closes stores, bus and pool, then stops embedded PostgreSQL. Idempotent. */
  close(): Promise<void>;
}

export interface InfrastructureOptions {
  readonly logger?: Logger;
  /** Shown by NATS monitoring as the connection's name, e.g. `cairn-auth`. */
  readonly name?: string;
  /**
   * Embedded mode only: keep the in-process bus's events log in memory, not in PostgreSQL. For a one-off
   * command beside a running platform (a projection rebuild), which must not take the platform's log.
   */
  readonly transientBus?: boolean;
}

/** Schema of the in-process bus's events log in embedded mode. */
export const EMBEDDED_BUS_SCHEMA = 'bus';

/**
 * Opens the bus the configuration asks for: NATS when `NATS_URL` is set, else the in-process bus. Given
 * a `pool`, the in-process bus keeps its events log there (as JetStream keeps its stream on disk), so
 * integration events published but not yet consumed survive a restart; without one, only in memory.
 */
export async function createBus(
  config: Pick<InfrastructureConfig, 'NATS_URL' | 'NATS_SUBJECT_PREFIX'>,
  logger: Logger,
  name?: string,
  pool?: pg.Pool,
): Promise<Bus> {
  if (config.NATS_URL) {
    // Imported only when used: the NATS client is not needed by an embedded run.
    const { createNatsBus } = await import('../bus/nats/index.js');
    // A comma-separated list names several servers of one cluster.
    const servers = config.NATS_URL.split(',').map((s) => s.trim());
    const prefix = config.NATS_SUBJECT_PREFIX;
    return createNatsBus({
      servers,
      logger,
      ...(name ? { name } : {}),
      ...(prefix
        ? { subjectPrefix: prefix, stream: `${EVENTS_STREAM}_${prefix.toUpperCase().replace(/-/g, '_')}` }
        : {}),
    });
  }
  const { createMemoryBus, createPersistentMemoryBus } = await import('../bus/memory/index.js');
  return pool ? createPersistentMemoryBus({ logger, pool, schema: EMBEDDED_BUS_SCHEMA }) : createMemoryBus({ logger });
}

/** The factory seam for event stores: PostgreSQL today, EventStoreDB/KurrentDB when EVENTSTORE_URL is set. */
type StoreFactory = (schema: string) => EventStore;

function resolveStoreFactory(config: InfrastructureConfig, pool: pg.Pool): StoreFactory {
  if (config.EVENTSTORE_URL) throw eventStoreDbUnavailable();
  return (schema) => new PostgresEventStore(pool, schema);
}

const eventStoreDbUnavailable = () =>
  new ConfigError(
    'EVENTSTORE_URL is set, but the EventStoreDB/KurrentDB adapter is not available in this build. ' +
      'Unset EVENTSTORE_URL to keep events in PostgreSQL.',
  );

export async function createInfrastructure(
  env: NodeJS.ProcessEnv = process.env,
  options: InfrastructureOptions = {},
): Promise<Infrastructure> {
  const config = loadConfig(infrastructureConfigSchema, env);
  const logger = options.logger ?? createLogger({ name: 'infrastructure', level: config.LOG_LEVEL });
  // Refuse before starting anything: a half-started process is harder to read than one clear error.
  if (config.EVENTSTORE_URL) throw eventStoreDbUnavailable();

  const cleanups: Array<() => Promise<void>> = [];
  const undo = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) {
      await cleanup().catch((error: unknown) => logger.warn({ err: error }, 'a shutdown step failed'));
    }
  };
  try {
    let embedded: EmbeddedPostgres | undefined;
    let connectionString = config.DATABASE_URL;
    if (!connectionString) {
      embedded = await startEmbeddedPostgres({
        dataDir: resolve(config.CAIRN_DATA_DIR),
        port: config.CAIRN_EMBEDDED_PG_PORT,
        logger,
      });
      cleanups.push(() => embedded!.stop());
      connectionString = embedded.connectionString;
    }
    const pool = await openPool(connectionString, config.DATABASE_POOL_SIZE, logger);
    cleanups.push(() => pool.end());

    const bus = await createBus(config, logger, options.name, options.transientBus ? undefined : pool);
    cleanups.push(() => bus.close());

    const storeFactory = resolveStoreFactory(config, pool);
    const stores = new Map<string, EventStore>();
    const database: DatabaseInfo = embedded
      ? { kind: 'embedded', clusterDir: embedded.clusterDir, port: embedded.port, initialised: embedded.initialised }
      : { kind: 'external', url: redactUrl(connectionString) };
    const busInfo: BusInfo = config.NATS_URL
      ? {
          kind: 'nats',
          url: config.NATS_URL.split(',')
            .map((url) => redactUrl(url.trim()))
            .join(','),
        }
      : { kind: 'memory' };

    let closing: Promise<void> | undefined;
    return {
      pool,
      bus,
      mode: config.NATS_URL ? 'distributed' : 'embedded',
      database,
      busInfo,
      storeFor(schema) {
        let store = stores.get(schema);
        if (!store) {
          store = storeFactory(schema);
          stores.set(schema, store);
        }
        return store;
      },
      describe: () => `${describeDatabase(database)}; ${describeBus(busInfo)}`,
      close() {
        closing ??= (async () => {
          for (const store of stores.values()) await store.close().catch(() => undefined);
          // Reverse order of opening: bus, pool, then the database server itself.
          await undo();
        })();
        return closing;
      },
    };
  } catch (error) {
    await undo();
    throw error;
  }
}

async function openPool(connectionString: string, size: number, logger: Logger): Promise<pg.Pool> {
  const pool = new pg.Pool({ connectionString, max: size, application_name: 'cairn' });
  // An idle client losing its server (restart, failover) emits here; without a listener it would crash
  // the process. The next query gets a fresh connection.
  pool.on('error', (error) => {
    // After end() the server's own shutdown may still reach a closing connection: expected, not news.
    if (pool.ending || pool.ended) return;
    logger.warn({ err: error }, 'idle PostgreSQL connection lost');
  });
  try {
    await pool.query('SELECT 1');
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw new Error(`cannot reach PostgreSQL at ${redactUrl(connectionString)}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return pool;
}

/** The URL without its password, for logs and errors. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable URL)';
  }
}

function describeDatabase(database: DatabaseInfo): string {
  return database.kind === 'embedded'
    ? `embedded PostgreSQL at ${database.clusterDir} (127.0.0.1:${database.port}${database.initialised ? ', new cluster' : ''})`
    : `external PostgreSQL at ${database.url}`;
}

const describeBus = (bus: BusInfo): string => (bus.kind === 'nats' ? `NATS at ${bus.url}` : 'in-process bus');
