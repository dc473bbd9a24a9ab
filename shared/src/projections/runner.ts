/**
 * Runs a service's projections (DESIGN.md decision 4): each one follows the global log from its
 * checkpoint, one live instance per projection across all replicas, and offers read-your-writes through
 * `waitForPosition`.
 */
import type pg from 'pg';
import type { EventStore, GlobalPosition } from '../eventstore/port.js';
import { limitIdleTransactions } from '../eventstore/postgres/session.js';
import { createLogger, type Logger } from '../logging/index.js';
import { checkpointsDdl } from './checkpoints.js';
import { type FollowerTiming, LogFollower } from './follower.js';
import type { Projection } from './port.js';
import { type RebuildResult, rebuildProjection } from './rebuild.js';
import { projectPage } from './step.js';
import { createTables, tableSet } from './tables.js';
import { initialiseSchema, waitForCheckpoint } from './wait.js';

/** The relay keeps its checkpoint in the same table under this name (relay/). */
export const RELAY_CHECKPOINT = 'relay';

export interface ProjectionRunnerOptions extends FollowerTiming {
  /** Pool of the read-model database; each active projection holds one connection (its lock). */
  readonly pool: pg.Pool;
  /** The service's schema: read-model tables and `projection_checkpoints` live here. */
  readonly schema: string;
  readonly store: EventStore;
  readonly projections: readonly Projection[];
  readonly logger?: Logger;
  /** See PostgresEventStoreOptions; default 60 s. */
  readonly idleInTransactionTimeoutMs?: number;
}

export class ProjectionRunner {
  private readonly followers = new Map<string, LogFollower>();
  private readonly logger: Logger;
  private unsubscribe: (() => void) | undefined;
  private readonly progress = new Map<string, Set<() => void>>();

  constructor(private readonly options: ProjectionRunnerOptions) {
    this.logger = options.logger ?? createLogger({ name: 'projections', level: process.env.LOG_LEVEL ?? 'info' });
    limitIdleTransactions(options.pool, options.idleInTransactionTimeoutMs ?? 60_000);
    const names = new Set<string>();
    for (const projection of options.projections) {
      if (projection.name === RELAY_CHECKPOINT || names.has(projection.name)) {
        throw new Error(`projection name ${projection.name} is reserved or used twice`);
      }
      names.add(projection.name);
      tableSet(options.schema, projection);
    }
  }

  /** Creates the tables (idempotent), then starts every projection (active or on standby). */
  async start(): Promise<void> {
    const { pool, schema, projections } = this.options;
    await initialiseSchema(pool, schema, async (client) => {
      for (const statement of checkpointsDdl(schema)) await client.query(statement);
      for (const projection of projections) await createTables(client, projection, tableSet(schema, projection));
    });
    for (const projection of projections) {
      const tables = tableSet(schema, projection);
      const follower = new LogFollower({
        ...this.options,
        name: projection.name,
        streamPrefixes: projection.streamPrefixes,
        eventTypes: projection.eventTypes,
        logger: this.logger,
        step: (page, client, previous) => projectPage(schema, projection, tables, page, client, previous),
        onProgress: () => {
          for (const notify of this.progress.get(projection.name) ?? []) notify();
        },
      });
      this.followers.set(projection.name, follower);
      follower.start();
    }
    this.unsubscribe = this.options.store.onAppended((streamName, eventTypes) => {
      for (const follower of this.followers.values()) follower.wake(streamName, eventTypes);
    });
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    await Promise.all([...this.followers.values()].map((f) => f.stop()));
    this.followers.clear();
  }

  /**
   * Rebuilds one projection side by side and swaps it in (rebuild.ts). Works whether or not this runner
   * was started, so a maintenance script can build the runner from the service's definitions and call it.
   */
  rebuild(name: string, options: { batchSize?: number } = {}): Promise<RebuildResult> {
    const projection = this.options.projections.find((p) => p.name === name);
    if (!projection) throw new Error(`no projection named ${name}`);
    const { pool, schema, store } = this.options;
    return rebuildProjection({ pool, schema, store, projection, ...options });
  }

  /** Whether this instance runs the projection now (false on standby). */
  isActive(name: string): boolean {
    return this.followers.get(name)?.active ?? false;
  }

  /**
   * Resolves true once the projection has handled everything up to `position` (an append's position),
   * false after `timeoutMs`. In-process when this instance runs it; otherwise reads the checkpoint table.
   */
  async waitForPosition(name: string, position: GlobalPosition, timeoutMs = 5_000): Promise<boolean> {
    if (!this.options.projections.some((p) => p.name === name)) throw new Error(`no projection named ${name}`);
    const follower = this.followers.get(name);
    const listeners = this.progress.get(name) ?? new Set<() => void>();
    this.progress.set(name, listeners);
    return waitForCheckpoint(this.options.pool, this.options.schema, name, position, timeoutMs, {
      local: () => follower?.position,
      subscribe: (notify) => {
        listeners.add(notify);
        return () => listeners.delete(notify);
      },
    });
  }
}
