/**
 * Every service the platform runs, by name. A new service is one line here: its schema and how to load
 * its starter (loaded lazily, so a process that runs one service loads only that service's code).
 */
import type { Logger } from '@cairn/shared/logging';
import type { Projection } from '@cairn/shared/projections';
import type { ServiceStarter } from '@cairn/shared/runtime';
import type { Pool } from 'pg';

export interface ServiceEntry {
  /** The PostgreSQL schema the service owns; its event store is bound to it. */
  readonly schema: string;
  readonly load: () => Promise<ServiceStarter>;
  /** The service's read-model projections, for the rebuild command. */
  readonly loadProjections: () => Promise<readonly Projection[]>;
  /** Read models kept otherwise than by a projection of the service's own log, and how to rebuild each. */
  readonly loadRebuilds?: () => Promise<readonly CustomRebuild[]>;
}

export interface CustomRebuild {
  readonly name: string;
  /** Rebuilds in place while the service runs; resolves with a summary to log. */
  run(pool: Pool, logger: Logger): Promise<Readonly<Record<string, number>>>;
}

export const SERVICES = {
  auth: {
    schema: 'auth',
    load: async () => (await import('@cairn/auth')).startAuthService,
    loadProjections: async () => (await import('@cairn/auth')).AUTH_PROJECTIONS,
  },
  accounts: {
    schema: 'accounts',
    load: async () => (await import('@cairn/accounts')).startAccountsService,
    loadProjections: async () => (await import('@cairn/accounts')).ACCOUNTS_PROJECTIONS,
  },
  sync: {
    schema: 'sync',
    load: async () => (await import('@cairn/sync')).startSyncService,
    // The change log is built by a durable consumer, not a projection of the service's own log.
    loadProjections: async () => [],
    loadRebuilds: async () => {
      const { rebuildChangeLog, syncTables, SYNC_SCHEMA } = await import('@cairn/sync');
      return [
        {
          name: 'sync-changelog',
          run: async (pool, logger) => ({ ...(await rebuildChangeLog(pool, syncTables(SYNC_SCHEMA), logger)) }),
        },
      ];
    },
  },
} as const satisfies Readonly<Record<string, ServiceEntry>>;

export type ServiceName = keyof typeof SERVICES;

export const SERVICE_NAMES = Object.keys(SERVICES) as ServiceName[];

export const isServiceName = (name: string): name is ServiceName => Object.hasOwn(SERVICES, name);
