/**
 * A slice is one part of the Accounts v2 API (accounts, groups, tags, settings, machine ids, import and
 * export): its aggregates, read models, reactions and RPC operations. The composition root
 * (service.ts) runs every slice's projections in one runner, relays their public events and serves
 * the union of their operations, which must be exactly the contract's.
 */
import type { RpcHandler } from '@cairn/shared/bus';
import type { AccountsServiceOperation } from '@cairn/shared/contracts';
import type { RecordedEvent } from '@cairn/shared/eventstore';
import type { Projection } from '@cairn/shared/projections';
import type { IntegrationMessage } from '@cairn/shared/relay';
import type { Pool } from 'pg';
import type { AccountsRuntime } from './runtime.js';

export interface AccountsSlice {
  readonly name: string;
  /** Read models: rebuilt side by side by `npm run projections:rebuild -- accounts <name>`. */
  readonly projections: readonly Projection[];
  /**
   * Reactions to events that run commands (e.g. a deleted group is cleared from its accounts). They
   * run like projections (checkpointed, one live instance) but are never rebuilt: their effects are
   * events, and re-running them must decide nothing new.
   */
  readonly reactors?: (rt: AccountsRuntime) => readonly Projection[];
  /**
   * What the slice keeps running beside its projections (in-process caches and their log followers,
   * key material, clients), started once the runtime exists and before its reactors and operations
   * are built; `stop` runs when the service stops.
   */
  readonly start?: (rt: AccountsRuntime) => Promise<{ stop(): Promise<void> }>;
  /** Tables of the slice besides read models (e.g. key material), created at start-up. */
  readonly migrate?: (pool: Pool, schema: string) => Promise<void>;
  /** Streams whose events may become integration events (`toIntegrationEvent` decides which do). */
  readonly publicStreamPrefixes: readonly string[];
  readonly toIntegrationEvent: (event: RecordedEvent) => IntegrationMessage | undefined;
  readonly operations: (rt: AccountsRuntime) => Partial<Record<AccountsServiceOperation, RpcHandler>>;
}
