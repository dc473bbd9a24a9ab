/**
 * The account operations (CONTRACT.md "Accounts v2"), each scoped to the calling user: the owner is
 * part of every stream name and every read-model query, so another user's account is simply not found
 * (404, its existence never revealed).
 *
 * Writes decide on a fresh read of the stream (handleCommand), put the new state into the cache (so
 * this process's next GET shows it) and wait for the read model (so the next list shows it). GET by id
 * is served from the cache, which other replicas' writes reach through the log follower.
 *
 * Credentials are sealed before they reach an event and shown only by `getAccount`: write answers,
 * conflicts, lists and idempotency replays carry `hasCredentials` instead.
 *
 * A soft-deleted account stays readable and editable (it is still the user's, and an offline client
 * may push edits made before it heard of the deletion); only a purge ends it, and its id may then be
 * used again for a new account.
 */
import type { RequestContext } from '@cairn/shared/bus';
import {
  ACCOUNT_DEFAULTS,
  type Account,
  type createAccountRequestSchema,
  type ListedAccount,
  type ListedAccountField,
  type listAccountsRequestSchema,
  type patchAccountRequestSchema,
  type replaceAccountRequestSchema,
} from '@cairn/shared/contracts';
import { type CommandResult, type GlobalPosition, VersionConflictError } from '@cairn/shared/eventstore';
import type { Page } from '@cairn/shared/http';
import { commandMetadata } from '@cairn/shared/runtime';
import type { z } from 'zod';
import { ownerOf } from '../library/owner.js';
import { execute, isoAt } from '../runtime.js';
import {
  type AccountEvent,
  type AccountFields,
  type AccountState,
  accountKey,
  accountStream,
  type ExistingAccount,
} from './account.js';
import type { AccountsContext } from './context.js';
import { open, seal } from './credentials.js';
import { type AccountCommand, accountDecider, accountNotFound } from './decide.js';
import { ACCOUNT_COUNTS_TABLE, ACCOUNTS_PROJECTION, ACCOUNTS_TABLE, queryAccounts } from './readModel.js';
import { toAccount } from './view.js';

export type CreateAccountInput = z.output<typeof createAccountRequestSchema>;
export type ReplaceAccountInput = z.output<typeof replaceAccountRequestSchema>;
export type PatchAccountInput = z.output<typeof patchAccountRequestSchema>;
export type ListAccountsInput = z.output<typeof listAccountsRequestSchema>;

/** A write's answer and where it is in the log (to wait for the read model, once per request). */
export interface Written {
  readonly account: Account;
  readonly position: GlobalPosition | undefined;
}

export async function getAccount(ax: AccountsContext, input: { id: string }, context: RequestContext) {
  const ownerId = ownerOf(context);
  const state = await ax.cache.get(accountKey(ownerId, input.id));
  if (state.kind !== 'existing') throw accountNotFound();
  return { ...toAccount(state), credentials: await open(ax, state) };
}

export async function listAccounts(
  ax: AccountsContext,
  input: ListAccountsInput,
  context: RequestContext,
): Promise<Page<ListedAccount>> {
  const ownerId = ownerOf(context);
  const tables = {
    accounts: ax.rt.readModels.table(ACCOUNTS_PROJECTION, ACCOUNTS_TABLE),
    counts: ax.rt.readModels.table(ACCOUNTS_PROJECTION, ACCOUNT_COUNTS_TABLE),
  };
  const { rows, total } = await queryAccounts(ax.rt.pool, tables, {
    ownerId,
    status: input.status,
    groupId: input.groupId,
    tagId: input.tagId,
    q: input.q,
    includeDeleted: input.includeDeleted ?? false,
    page: input.page,
    pageSize: input.pageSize,
  });
  const fields = selectedFields(input.fields);
  const items = fields ? rows.map((row) => pick(row, fields)) : rows;
  return { items, page: input.page, pageSize: input.pageSize, total };
}

/** `fields=email,status` → ['id', 'email', 'status'] (the id always); undefined for everything. */
function selectedFields(text: string | undefined): ListedAccountField[] | undefined {
  if (text === undefined) return undefined;
  const names = text
    .split(',')
    .map((f) => f.trim())
    .filter((f) => f !== '') as ListedAccountField[];
  return names.length === 0 ? undefined : [...new Set<ListedAccountField>(['id', ...names])];
}

function pick(row: Omit<Account, 'credentials'>, fields: readonly ListedAccountField[]): ListedAccount {
  const item: Record<string, unknown> = {};
  for (const field of fields) item[field] = row[field];
  return item as ListedAccount;
}

/** Runs a command on the caller's account and records the new state in the cache. */
async function write(
  ax: AccountsContext,
  ownerId: string,
  accountId: string,
  command: AccountCommand,
  context: RequestContext | undefined,
  nowMs: number,
): Promise<CommandResult<AccountState, AccountEvent>> {
  const key = accountKey(ownerId, accountId);
  // The cached state is decided on first; the append's compare-and-set proves it current, or the
  // command is decided again on the stream as read (handleCommand's `known`).
  const known = ax.cache.peek(key);
  const result = await execute(
    ax.rt,
    accountStream(ownerId, accountId),
    accountDecider,
    command,
    context,
    nowMs,
    known,
  );
  ax.cache.put(key, result.state, result.version);
  return result;
}

const written = (result: CommandResult<AccountState, AccountEvent>): Written => ({
  account: toAccount(result.state as ExistingAccount),
  position: result.append?.position,
});

/** Answers once the read model shows the write. */
async function visible(ax: AccountsContext, outcome: Written): Promise<Account> {
  await ax.rt.readModels.waitFor(ACCOUNTS_PROJECTION, outcome.position);
  return outcome.account;
}

/** The editable fields of a create or a PUT, defaults filled in for those left out. */
function completeFields(input: Omit<CreateAccountInput, 'id'>): AccountFields {
  return {
    email: input.email,
    nickname: input.nickname ?? ACCOUNT_DEFAULTS.nickname,
    provider: input.provider ?? ACCOUNT_DEFAULTS.provider,
    status: input.status ?? ACCOUNT_DEFAULTS.status,
    groupId: input.groupId === undefined ? ACCOUNT_DEFAULTS.groupId : input.groupId,
    tagIds: input.tagIds ?? ACCOUNT_DEFAULTS.tagIds,
    usage: input.usage ?? ACCOUNT_DEFAULTS.usage,
    notes: input.notes ?? ACCOUNT_DEFAULTS.notes,
  };
}

/** Only the fields given (PATCH). */
function givenFields(input: Partial<Omit<CreateAccountInput, 'id'>>): Partial<AccountFields> {
  const fields: Record<string, unknown> = {};
  for (const name of ['email', 'nickname', 'provider', 'status', 'groupId', 'tagIds', 'usage', 'notes'] as const) {
    if (input[name] !== undefined) fields[name] = input[name];
  }
  return fields as Partial<AccountFields>;
}

export async function createAccountCore(
  ax: AccountsContext,
  ownerId: string,
  input: CreateAccountInput,
  context: RequestContext | undefined,
): Promise<Written> {
  const accountId = input.id ?? ax.rt.newId();
  const now = ax.rt.now();
  const credentials = input.credentials ? await seal(ax, ownerId, accountId, input.credentials, now) : null;
  const command: AccountCommand = {
    type: 'CreateAccount',
    ownerId,
    accountId,
    fields: completeFields(input),
    credentials,
    now: isoAt(now),
  };
  return written(
    (await createInNewStream(ax, ownerId, accountId, command, context, now)) ??
      (await write(ax, ownerId, accountId, command, context, now)),
  );
}

/**
 * Most creations are of ids never used: decided on the empty state and appended on the condition that
 * the stream does not exist, they need no read. Undefined when it does exist (the id is taken, or was
 * purged and may be used again): the caller then decides on the stream as usual.
 */
async function createInNewStream(
  ax: AccountsContext,
  ownerId: string,
  accountId: string,
  command: AccountCommand,
  context: RequestContext | undefined,
  nowMs: number,
): Promise<CommandResult<AccountState, AccountEvent> | undefined> {
  const initial = accountDecider.initialState();
  const events = accountDecider.decide(command, initial);
  const metadata = commandMetadata(context, nowMs);
  try {
    const append = await ax.rt.store.appendToStream(
      accountStream(ownerId, accountId),
      events.map((e) => ({ type: e.type, data: e.data, metadata: { ...metadata, eventId: ax.rt.newId() } })),
      { expectedVersion: 'no_stream' },
    );
    const state = events.reduce(accountDecider.evolve, initial);
    ax.cache.put(accountKey(ownerId, accountId), state, append.nextExpectedVersion);
    return { state, newEvents: events, append, version: append.nextExpectedVersion };
  } catch (error) {
    if (error instanceof VersionConflictError) return undefined;
    throw error;
  }
}

/** PUT replaces every editable field (credentials too: left out, they are removed) — PATCH only the given. */
export async function updateAccountCore(
  ax: AccountsContext,
  ownerId: string,
  input: { id: string; version: number; data: Partial<Omit<CreateAccountInput, 'id'>> },
  mode: 'replace' | 'patch',
  context: RequestContext | undefined,
): Promise<Written> {
  const now = ax.rt.now();
  const { data } = input;
  const changes = mode === 'replace' ? completeFields(data as Omit<CreateAccountInput, 'id'>) : givenFields(data);
  const given = mode === 'replace' ? (data.credentials ?? ACCOUNT_DEFAULTS.credentials) : data.credentials;
  const credentials = given ? await seal(ax, ownerId, input.id, given, now) : given;
  const result = await write(
    ax,
    ownerId,
    input.id,
    {
      type: 'UpdateAccount',
      expectedVersion: input.version,
      changes,
      ...(credentials !== undefined ? { credentials } : {}),
      now: isoAt(now),
    },
    context,
    now,
  );
  return written(result);
}

export async function deleteAccountCore(
  ax: AccountsContext,
  ownerId: string,
  input: { id: string; version?: number | undefined },
  context: RequestContext | undefined,
): Promise<Written> {
  const now = ax.rt.now();
  const result = await write(
    ax,
    ownerId,
    input.id,
    {
      type: 'DeleteAccount',
      ...(input.version !== undefined ? { expectedVersion: input.version } : {}),
      now: isoAt(now),
    },
    context,
    now,
  );
  return written(result);
}

export async function createAccount(ax: AccountsContext, input: CreateAccountInput, context: RequestContext) {
  return visible(ax, await createAccountCore(ax, ownerOf(context), input, context));
}

export async function replaceAccount(ax: AccountsContext, input: ReplaceAccountInput, context: RequestContext) {
  const { id, version, ...data } = input;
  return visible(ax, await updateAccountCore(ax, ownerOf(context), { id, version, data }, 'replace', context));
}

export async function patchAccount(ax: AccountsContext, input: PatchAccountInput, context: RequestContext) {
  const { id, version, ...data } = input;
  return visible(ax, await updateAccountCore(ax, ownerOf(context), { id, version, data }, 'patch', context));
}

export async function deleteAccount(
  ax: AccountsContext,
  input: { id: string; version?: number | undefined },
  context: RequestContext,
) {
  return visible(ax, await deleteAccountCore(ax, ownerOf(context), input, context));
}

export async function restoreAccount(
  ax: AccountsContext,
  input: { id: string; version?: number | undefined },
  context: RequestContext,
) {
  const ownerId = ownerOf(context);
  const now = ax.rt.now();
  const result = await write(
    ax,
    ownerId,
    input.id,
    {
      type: 'RestoreAccount',
      ...(input.version !== undefined ? { expectedVersion: input.version } : {}),
      now: isoAt(now),
    },
    context,
    now,
  );
  return visible(ax, written(result));
}

/**
 * Permanent delete. The data key goes first: from then on nothing can open the credentials in the
 * account's events, whatever happens next. A key a racing write makes meanwhile is shredded by the
 * purge reaction (reactors.ts), which also covers a crash between these two steps.
 */
export async function purgeAccount(ax: AccountsContext, input: { id: string }, context: RequestContext) {
  const ownerId = ownerOf(context);
  const current = await ax.cache.fresh(accountKey(ownerId, input.id));
  if (current.kind !== 'existing') throw accountNotFound();
  await ax.keys.shred(ownerId, input.id);
  const now = ax.rt.now();
  const result = await write(ax, ownerId, input.id, { type: 'PurgeAccount', now: isoAt(now) }, context, now);
  await ax.rt.readModels.waitFor(ACCOUNTS_PROJECTION, result.append?.position);
  return { id: input.id, purged: true as const };
}
