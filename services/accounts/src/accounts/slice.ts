/**
 * The accounts slice: the account aggregate, its read model, reactions and public events, and the
 * account operations. Besides what every slice has, it keeps things running (`start`): the account
 * cache and its log follower, the credential keys and the provider client (context.ts). Operations
 * and reactions are built from what `start` made for the same runtime.
 */
import type { RpcHandler } from '@cairn/shared/bus';
import { type AccountsServiceOperation, accountsOperations as contract } from '@cairn/shared/contracts';
import { withTransaction } from '@cairn/shared/postgres';
import { operation } from '@cairn/shared/runtime';
import type { AccountsRuntime } from '../runtime.js';
import type { AccountsSlice } from '../slice.js';
import { ACCOUNT_STREAM_PREFIX } from './account.js';
import { batchAccounts, batchDeleteAccounts } from './batch.js';
import { type AccountsContext, startAccountsContext } from './context.js';
import { dataKeysDdl } from './crypto/data-keys.js';
import {
  createAccount,
  deleteAccount,
  getAccount,
  listAccounts,
  patchAccount,
  purgeAccount,
  replaceAccount,
  restoreAccount,
} from './handlers.js';
import { accountIntegrationEvent } from './integration.js';
import { checkAccountStatus, refreshAccountToken } from './provider-calls.js';
import { accountReactions } from './reactors.js';
import { accountsProjection } from './readModel.js';

const contexts = new WeakMap<AccountsRuntime, AccountsContext>();

function contextOf(rt: AccountsRuntime): AccountsContext {
  const context = contexts.get(rt);
  if (!context) throw new Error('the accounts slice was not started for this runtime');
  return context;
}

/** The accounts slice's context, for other slices that act on accounts (export and import). */
export const accountsContextOf = contextOf;

function accountOperations(rt: AccountsRuntime): Partial<Record<AccountsServiceOperation, RpcHandler>> {
  const ax = contextOf(rt);
  return {
    listAccounts: operation(contract.listAccounts.request, (input, ctx) => listAccounts(ax, input, ctx)),
    getAccount: operation(contract.getAccount.request, (input, ctx) => getAccount(ax, input, ctx)),
    createAccount: rt.idempotent(
      'createAccount',
      operation(contract.createAccount.request, (input, ctx) => createAccount(ax, input, ctx)),
    ),
    replaceAccount: operation(contract.replaceAccount.request, (input, ctx) => replaceAccount(ax, input, ctx)),
    patchAccount: operation(contract.patchAccount.request, (input, ctx) => patchAccount(ax, input, ctx)),
    deleteAccount: operation(contract.deleteAccount.request, (input, ctx) => deleteAccount(ax, input, ctx)),
    restoreAccount: rt.idempotent(
      'restoreAccount',
      operation(contract.restoreAccount.request, (input, ctx) => restoreAccount(ax, input, ctx)),
    ),
    purgeAccount: operation(contract.purgeAccount.request, (input, ctx) => purgeAccount(ax, input, ctx)),
    batchAccounts: rt.idempotent(
      'batchAccounts',
      operation(contract.batchAccounts.request, (input, ctx) => batchAccounts(ax, input, ctx)),
    ),
    batchDeleteAccounts: rt.idempotent(
      'batchDeleteAccounts',
      operation(contract.batchDeleteAccounts.request, (input, ctx) => batchDeleteAccounts(ax, input, ctx)),
    ),
    refreshAccountToken: rt.idempotent(
      'refreshAccountToken',
      operation(contract.refreshAccountToken.request, (input, ctx) => refreshAccountToken(ax, input, ctx)),
    ),
    checkAccountStatus: rt.idempotent(
      'checkAccountStatus',
      operation(contract.checkAccountStatus.request, (input, ctx) => checkAccountStatus(ax, input, ctx)),
    ),
  };
}

export const accountsSlice: AccountsSlice = {
  name: 'accounts',
  projections: [accountsProjection],
  reactors: (rt) => [accountReactions(contextOf(rt))],
  async migrate(pool, schema) {
    await withTransaction(
      pool,
      async (client) => {
        for (const statement of dataKeysDdl(schema)) await client.query(statement);
      },
      { advisoryLock: `cairn.accounts.migrate.${schema}` },
    );
  },
  async start(rt) {
    const running = await startAccountsContext(rt);
    contexts.set(rt, running.context);
    return {
      async stop() {
        contexts.delete(rt);
        await running.stop();
      },
    };
  },
  publicStreamPrefixes: [ACCOUNT_STREAM_PREFIX],
  toIntegrationEvent: accountIntegrationEvent,
  operations: accountOperations,
};
