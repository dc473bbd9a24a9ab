/**
 * The account aggregate (stream `account-<ownerId>:<accountId>`): its events, its state and how events
 * change the state. Owner ids are UUIDs (no ':'), so the first ':' after the prefix splits the name;
 * account ids may contain ':' themselves (library/owner.ts).
 *
 * The contract's `version` counts accepted commands: every event carries the version the account has
 * after its command (and `at`, the command's time), and `evolve` takes it from there. Credentials are
 * only ever in events sealed (crypto/sealed.ts); after a purge their key is gone and they cannot open.
 */
import type { AccountStatus, AccountUsage } from '@cairn/shared/contracts';
import { ownedStreamParts } from '../library/owner.js';
import type { SealedCredentials } from './crypto/sealed.js';

export const ACCOUNT_STREAM_PREFIX = 'account-';
export const accountStream = (ownerId: string, accountId: string): string =>
  `${ACCOUNT_STREAM_PREFIX}${accountKey(ownerId, accountId)}`;
/** The key of an account in the cache: its stream name without the prefix. */
export const accountKey = (ownerId: string, accountId: string): string => `${ownerId}:${accountId}`;

export function parseAccountStream(streamName: string): { ownerId: string; accountId: string } | undefined {
  const parts = ownedStreamParts(streamName, ACCOUNT_STREAM_PREFIX);
  return parts ? { ownerId: parts.ownerId, accountId: parts.id } : undefined;
}

/** What a client edits (credentials aside, which travel sealed). */
export interface AccountFields {
  readonly email: string;
  readonly nickname: string;
  readonly provider: string;
  readonly status: AccountStatus;
  readonly groupId: string | null;
  readonly tagIds: readonly string[];
  readonly usage: AccountUsage;
  readonly notes: string;
}

export const ACCOUNT_FIELD_NAMES = [
  'email',
  'nickname',
  'provider',
  'status',
  'groupId',
  'tagIds',
  'usage',
  'notes',
] as const satisfies readonly (keyof AccountFields)[];

/** Every event names its account, so subscribers and reactors need not parse stream names. */
interface AccountRef {
  readonly ownerId: string;
  readonly accountId: string;
}

/** What every event after the creation carries. */
export interface AccountChange extends AccountRef {
  /** The account's version after the command that recorded this event. */
  readonly version: number;
  readonly at: string;
}

export type ProviderOperation = 'refresh-token' | 'check-status';

export type AccountEvent =
  | {
      readonly type: 'AccountCreated';
      readonly data: AccountRef &
        AccountFields & { readonly credentials: SealedCredentials | null; readonly version: 1; readonly at: string };
    }
  | {
      /** Only the fields that changed are present; `credentials` null means they were removed. */
      readonly type: 'AccountUpdated';
      readonly data: AccountChange &
        Partial<AccountFields> & {
          readonly credentials?: SealedCredentials | null;
          /** Set when the server made the change in reaction to another resource's deletion. */
          readonly cause?: 'group-deleted' | 'tag-deleted';
        };
    }
  | { readonly type: 'AccountDeleted'; readonly data: AccountChange }
  | { readonly type: 'AccountRestored'; readonly data: AccountChange }
  | { readonly type: 'AccountPurged'; readonly data: AccountChange }
  | {
      readonly type: 'AccountTokenRefreshed';
      readonly data: AccountChange & { readonly credentials: SealedCredentials; readonly status: AccountStatus };
    }
  | {
      readonly type: 'AccountStatusChecked';
      readonly data: AccountChange & { readonly usage: AccountUsage; readonly status: AccountStatus };
    }
  | {
      readonly type: 'AccountProviderFailed';
      readonly data: AccountChange & {
        readonly operation: ProviderOperation;
        /** What the account became: expired (credentials refused), error, or still disabled. */
        readonly status: AccountStatus;
        /** Short and token-free: an OAuth2 error code or what went wrong with the call. */
        readonly reason: string;
      };
    };

export type AccountEventType = AccountEvent['type'];

export const ACCOUNT_EVENT_TYPES: readonly AccountEventType[] = [
  'AccountCreated',
  'AccountUpdated',
  'AccountDeleted',
  'AccountRestored',
  'AccountPurged',
  'AccountTokenRefreshed',
  'AccountStatusChecked',
  'AccountProviderFailed',
];

export interface ExistingAccount extends AccountFields {
  readonly kind: 'existing';
  readonly ownerId: string;
  readonly id: string;
  readonly credentials: SealedCredentials | null;
  readonly statusMessage: string | null;
  readonly lastCheckedAt: string | null;
  readonly version: number;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly deletedAt: string | null;
}

/** Purged accounts are gone for every reader; their id may be used again (a new account, version 1). */
export type AccountState = { readonly kind: 'absent' } | { readonly kind: 'purged' } | ExistingAccount;

export const initialAccountState = (): AccountState => ({ kind: 'absent' });

export function evolveAccount(state: AccountState, event: AccountEvent): AccountState {
  switch (event.type) {
    case 'AccountCreated': {
      const d = event.data;
      return {
        kind: 'existing',
        ownerId: d.ownerId,
        id: d.accountId,
        email: d.email,
        nickname: d.nickname,
        provider: d.provider,
        status: d.status,
        groupId: d.groupId,
        tagIds: d.tagIds,
        usage: d.usage,
        notes: d.notes,
        credentials: d.credentials,
        statusMessage: null,
        lastCheckedAt: null,
        version: 1,
        createdAt: d.at,
        updatedAt: d.at,
        deletedAt: null,
      };
    }
    case 'AccountUpdated': {
      const { ownerId: _o, accountId: _a, version: _v, at: _at, cause: _c, ...fields } = event.data;
      // A status the client sets replaces the one a provider call explained.
      return change(state, event.data, fields.status === undefined ? fields : { ...fields, statusMessage: null });
    }
    case 'AccountDeleted':
      return change(state, event.data, { deletedAt: event.data.at });
    case 'AccountRestored':
      return change(state, event.data, { deletedAt: null });
    case 'AccountPurged':
      return { kind: 'purged' };
    case 'AccountTokenRefreshed':
      return change(state, event.data, {
        credentials: event.data.credentials,
        status: event.data.status,
        statusMessage: null,
        lastCheckedAt: event.data.at,
      });
    case 'AccountStatusChecked':
      return change(state, event.data, {
        usage: event.data.usage,
        status: event.data.status,
        statusMessage: null,
        lastCheckedAt: event.data.at,
      });
    case 'AccountProviderFailed':
      return change(state, event.data, {
        status: event.data.status,
        statusMessage: event.data.reason,
        lastCheckedAt: event.data.at,
      });
    default: {
      const unknown: never = event;
      return unknown;
    }
  }
}

function change(state: AccountState, { version, at }: AccountChange, fields: Partial<ExistingAccount>): AccountState {
  // An event for an account that does not exist cannot come from our decider; ignore rather than invent one.
  if (state.kind !== 'existing') return state;
  return { ...state, ...fields, updatedAt: at, version };
}
