/**
 * Everything the slices' handlers share, built once by `startAccountsService`. Commands run through
 * `execute` (read → evolve → decide → append, the request's metadata on every event).
 */
import type { Bus, RpcHandler } from '@cairn/shared/bus';
import type { EventStore } from '@cairn/shared/eventstore';
import type { Logger } from '@cairn/shared/logging';
import type { ReadModels } from '@cairn/shared/projections';
import { executeCommand } from '@cairn/shared/runtime';
import type { Pool } from 'pg';
import type { MasterKey } from './accounts/crypto/master-key.js';
import type { AccountsConfig } from './config.js';

export interface AccountsRuntime {
  readonly store: EventStore;
  readonly pool: Pool;
  readonly bus: Bus;
  readonly logger: Logger;
  readonly config: AccountsConfig;
  /** Wraps the credential data keys (accounts/crypto); also keys the idempotency fingerprints. */
  readonly masterKey: MasterKey;
  /** ms since epoch; a function so tests can move time. */
  readonly now: () => number;
  readonly newId: () => string;
  readonly readModels: ReadModels;
  /** Honour the request's Idempotency-Key for an operation that creates things. */
  readonly idempotent: <Req, Res>(operation: string, handler: RpcHandler<Req, Res>) => RpcHandler<Req, Res>;
}

/** Runs a command with the request's metadata (see `executeCommand`). */
export const execute = executeCommand;

export const isoAt = (ms: number): string => new Date(ms).toISOString();
