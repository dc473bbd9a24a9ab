/**
 * A projection turns events into a read model in PostgreSQL. The runner (projections/runner.ts) reads
 * the global log, calls `handle` with a batch inside a transaction, and stores the checkpoint in that
 * same transaction, so a crash between the two can neither lose nor double-apply an event.
 *
 * Tables are addressed through `ctx.table(name)` rather than by literal name: a rebuild creates the
 * tables under new names, replays into them side by side, then swaps them in.
 */
import type { PoolClient } from 'pg';
import type { RecordedEvent } from '../eventstore/port.js';

export interface ProjectionContext {
  /** A client inside the batch's transaction. */
  readonly client: PoolClient;
  /** The qualified, quoted name of one of this projection's tables (`"auth"."users"`). */
  table(name: string): string;
  /** true while rebuilding: projections must not trigger side effects they would otherwise cause. */
  readonly rebuilding: boolean;
}

export interface Projection {
  /** Unique within the service's schema; the checkpoint and the advisory lock are keyed by it. */
  readonly name: string;
  /**
   * The tables this projection owns: table name → DDL that creates it, given its qualified name.
   * Each statement must use `CREATE TABLE IF NOT EXISTS` / `CREATE INDEX IF NOT EXISTS`.
   * `physicalName` is the unquoted name the table has in this build (`users`, or `users__rebuild` during a
   * rebuild): start index names with it (`CREATE INDEX IF NOT EXISTS ${physicalName}_by_email ON …`) so a
   * rebuild's indexes do not collide with the live ones; the swap renames them back.
   * Table names: lower-case identifiers of at most 40 characters.
   */
  readonly tables: Readonly<Record<string, (qualifiedName: string, physicalName: string) => string>>;
  /** Only events of streams with these prefixes reach `handle` (all when omitted). */
  readonly streamPrefixes?: readonly string[];
  /** Only these event types reach `handle` (all when omitted). */
  readonly eventTypes?: readonly string[];
  /** Apply a batch in order. Throwing rolls back the batch and its checkpoint; it is retried. */
  handle(events: readonly RecordedEvent[], ctx: ProjectionContext): Promise<void>;
}
