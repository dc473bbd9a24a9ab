/**
 * `refresh-token` and `check-status`: the account's provider is asked through the provider port
 * (provider/), and whatever it answers becomes an event. A success stores the new tokens (sealed) or
 * the usage and makes the account active; a refusal of its credentials makes it expired; any other
 * failure (timeouts and retries spent, a 5xx, nonsense) makes it error. The answer is the account as
 * it then is, so the caller sees the status and, on a failure, `statusMessage`.
 *
 * A refresh records the provider's new tokens even if the account changed meanwhile: the provider
 * may have rotated the refresh token, and dropping the new one would lock the account out for good.
 */
import type { RequestContext } from '@cairn/shared/bus';
import type { AccountCredentials } from '@cairn/shared/contracts';
import { DomainError } from '@cairn/shared/http';
import { ownerOf } from '../library/owner.js';
import { providerNotConfigured } from '../provider/index.js';
import { execute, isoAt } from '../runtime.js';
import { accountKey, accountStream, type ExistingAccount } from './account.js';
import type { AccountsContext } from './context.js';
import { open, seal } from './credentials.js';
import { type AccountCommand, accountDecider, accountNotFound } from './decide.js';
import { ACCOUNTS_PROJECTION } from './readModel.js';
import { toAccount } from './view.js';

/** Time kept back from the request's deadline to record the outcome and answer. */
const RECORDING_MARGIN_MS = 750;
const MAX_REASON_LENGTH = 200;

export async function refreshAccountToken(ax: AccountsContext, input: { id: string }, context: RequestContext) {
  const provider = ax.provider;
  if (!provider) throw providerNotConfigured();
  const { ownerId, account, credentials } = await withCredentials(ax, input.id, context);
  const refreshToken = tokenIn(credentials, 'refreshToken');
  const outcome = await provider.refreshToken({
    provider: account.provider,
    refreshToken,
    ...deadlineOf(context),
  });
  const now = ax.rt.now();
  let command: AccountCommand;
  if (outcome.kind === 'refreshed') {
    const renewed: AccountCredentials = {
      ...credentials,
      accessToken: outcome.accessToken,
      refreshToken: outcome.refreshToken ?? refreshToken,
      expiresAt: outcome.expiresAt,
    };
    command = {
      type: 'RecordTokenRefresh',
      credentials: await seal(ax, ownerId, input.id, renewed, now),
      now: isoAt(now),
    };
  } else {
    command = failure('refresh-token', outcome.kind === 'rejected', outcome.reason, now);
  }
  return record(ax, ownerId, input.id, command, context, now);
}

export async function checkAccountStatus(ax: AccountsContext, input: { id: string }, context: RequestContext) {
  const provider = ax.provider;
  if (!provider) throw providerNotConfigured();
  const { ownerId, account, credentials } = await withCredentials(ax, input.id, context);
  const outcome = await provider.usage({
    provider: account.provider,
    accessToken: tokenIn(credentials, 'accessToken'),
    ...deadlineOf(context),
  });
  const now = ax.rt.now();
  const command: AccountCommand =
    outcome.kind === 'usage'
      ? { type: 'RecordStatusCheck', usage: { used: outcome.used, limit: outcome.limit }, now: isoAt(now) }
      : failure('check-status', outcome.kind === 'rejected', outcome.reason, now);
  return record(ax, ownerId, input.id, command, context, now);
}

/** The account as its stream has it now (not the cache: the newest tokens matter) and its credentials. */
async function withCredentials(ax: AccountsContext, accountId: string, context: RequestContext) {
  const ownerId = ownerOf(context);
  const state = await ax.cache.fresh(accountKey(ownerId, accountId));
  if (state.kind !== 'existing') throw accountNotFound();
  const account: ExistingAccount = state;
  return { ownerId, account, credentials: (await open(ax, account)) ?? {} };
}

function tokenIn(credentials: AccountCredentials, name: 'refreshToken' | 'accessToken'): string {
  const token = credentials[name];
  if (typeof token === 'string' && token !== '') return token;
  throw new DomainError('VALIDATION_ERROR', `The account's credentials hold no ${name}`, [
    { field: `credentials.${name}`, message: 'required for this operation' },
  ]);
}

const deadlineOf = (context: RequestContext): { deadline?: number } =>
  context.deadline === undefined ? {} : { deadline: context.deadline - RECORDING_MARGIN_MS };

function failure(
  operation: 'refresh-token' | 'check-status',
  rejected: boolean,
  reason: string,
  now: number,
): AccountCommand {
  return {
    type: 'RecordProviderFailure',
    operation,
    rejected,
    reason: reason.slice(0, MAX_REASON_LENGTH),
    now: isoAt(now),
  };
}

async function record(
  ax: AccountsContext,
  ownerId: string,
  accountId: string,
  command: AccountCommand,
  context: RequestContext,
  now: number,
) {
  const result = await execute(ax.rt, accountStream(ownerId, accountId), accountDecider, command, context, now);
  ax.cache.put(accountKey(ownerId, accountId), result.state, result.version);
  await ax.rt.readModels.waitFor(ACCOUNTS_PROJECTION, result.append?.position);
  return toAccount(result.state as ExistingAccount);
}
