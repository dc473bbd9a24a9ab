/**
 * What the accounts slice keeps running beside the runtime the service gives every slice: the cache of
 * account states that serves GET by id, the log follower that keeps it current with other replicas'
 * writes, the credential data keys (under the runtime's master key) and the provider client. Built once
 * by the slice's `start`.
 */
import { AggregateCache, type LogFollower, startLogFollower } from '@cairn/shared/cache';
import { loadCheckpoint } from '@cairn/shared/projections';
import { ACCOUNTS_SCHEMA } from '../db.js';
import { type AccountProvider, accountProviderFromConfig } from '../provider/index.js';
import type { AccountsRuntime } from '../runtime.js';
import {
  ACCOUNT_STREAM_PREFIX,
  type AccountEvent,
  type AccountState,
  evolveAccount,
  initialAccountState,
  parseAccountStream,
} from './account.js';
import { DataKeys } from './crypto/data-keys.js';
import { ACCOUNTS_PROJECTION } from './readModel.js';

export interface AccountsContext {
  readonly rt: AccountsRuntime;
  /** Account states by `<ownerId>:<accountId>`; this process's writes `put` into it. */
  readonly cache: AggregateCache<AccountState, AccountEvent>;
  readonly keys: DataKeys;
  /** Undefined when no provider is configured (refresh-token and check-status then answer 503). */
  readonly provider: AccountProvider | undefined;
}

export interface RunningAccountsContext {
  readonly context: AccountsContext;
  stop(): Promise<void>;
}

export async function startAccountsContext(rt: AccountsRuntime): Promise<RunningAccountsContext> {
  const keys = new DataKeys(rt.pool, ACCOUNTS_SCHEMA, rt.masterKey);
  const cache = new AggregateCache<AccountState, AccountEvent>({
    store: rt.store,
    streamPrefix: ACCOUNT_STREAM_PREFIX,
    initialState: initialAccountState,
    evolve: evolveAccount,
  });
  // Every state the cache holds is read from its stream first; the follower only has to bring what
  // comes after. Starting where the read model is (close to the end) saves replaying the whole log.
  const after = await loadCheckpoint(rt.pool, ACCOUNTS_SCHEMA, ACCOUNTS_PROJECTION);
  const follower: LogFollower = startLogFollower({
    store: rt.store,
    streamPrefixes: [ACCOUNT_STREAM_PREFIX],
    onEvent: (event) => {
      cache.apply(event);
      if (event.type === 'AccountPurged') {
        const account = parseAccountStream(event.streamName);
        if (account) keys.forget(account.ownerId, account.accountId);
      }
    },
    logger: rt.logger.child({ component: 'account-cache' }),
    ...(after ? { after } : {}),
  });
  const provider = accountProviderFromConfig(rt.config.accountProvider, rt.logger);
  return {
    context: { rt, cache, keys, provider },
    stop: () => follower.stop(),
  };
}
