/**
 * What a command does to an account, as a pure function of the command and the current state. The
 * owner is part of the stream name, so "someone else's account" is simply an absent one here; the
 * handlers have sealed any credentials and taken the time before calling.
 *
 * Versions: writes from clients name the version they read (PUT and PATCH always; DELETE and restore
 * when they give one) and a different current version is VERSION_CONFLICT with the current copy.
 * A command that changes nothing records nothing, so the version stays and a repeat is harmless.
 */
import type { AccountUsage } from '@cairn/shared/contracts';
import type { Decider } from '@cairn/shared/eventstore';
import { DomainError } from '@cairn/shared/http';
import {
  ACCOUNT_FIELD_NAMES,
  type AccountEvent,
  type AccountFields,
  type AccountState,
  type ExistingAccount,
  evolveAccount,
  initialAccountState,
  type ProviderOperation,
} from './account.js';
import type { SealedCredentials } from './crypto/sealed.js';
import { toAccount } from './view.js';

export type AccountCommand =
  | {
      readonly type: 'CreateAccount';
      readonly ownerId: string;
      readonly accountId: string;
      readonly fields: AccountFields;
      readonly credentials: SealedCredentials | null;
      readonly now: string;
    }
  | {
      /** PUT (every field, defaults filled in by the handler) and PATCH (the given ones). */
      readonly type: 'UpdateAccount';
      readonly expectedVersion: number;
      readonly changes: Partial<AccountFields>;
      /** Undefined: unchanged; null: removed. */
      readonly credentials?: SealedCredentials | null;
      readonly now: string;
    }
  | { readonly type: 'DeleteAccount'; readonly expectedVersion?: number; readonly now: string }
  | { readonly type: 'RestoreAccount'; readonly expectedVersion?: number; readonly now: string }
  | { readonly type: 'PurgeAccount'; readonly now: string }
  | { readonly type: 'ClearAccountGroup'; readonly groupId: string; readonly now: string }
  | { readonly type: 'RemoveAccountTag'; readonly tagId: string; readonly now: string }
  | { readonly type: 'RecordTokenRefresh'; readonly credentials: SealedCredentials; readonly now: string }
  | { readonly type: 'RecordStatusCheck'; readonly usage: AccountUsage; readonly now: string }
  | {
      readonly type: 'RecordProviderFailure';
      readonly operation: ProviderOperation;
      /** The provider refused the credentials (→ expired) rather than failing to answer (→ error). */
      readonly rejected: boolean;
      readonly reason: string;
      readonly now: string;
    };

export const accountNotFound = (): DomainError => new DomainError('ACCOUNT_NOT_FOUND', 'Account not found');

export function versionConflict(account: ExistingAccount): DomainError {
  return new DomainError('VERSION_CONFLICT', 'The account was changed by someone else', {
    currentVersion: account.version,
    current: toAccount(account),
  });
}

export function decideAccount(command: AccountCommand, state: AccountState): readonly AccountEvent[] {
  switch (command.type) {
    case 'CreateAccount':
      if (state.kind === 'existing') {
        throw new DomainError('CONFLICT', 'An account with this id already exists', { id: command.accountId });
      }
      return [
        {
          type: 'AccountCreated',
          data: {
            ownerId: command.ownerId,
            accountId: command.accountId,
            ...command.fields,
            tagIds: unique(command.fields.tagIds),
            credentials: command.credentials,
            version: 1,
            at: command.now,
          },
        },
      ];
    case 'UpdateAccount': {
      const account = existing(state);
      if (account.version !== command.expectedVersion) throw versionConflict(account);
      const changed = changedFields(account, command.changes, command.credentials);
      if (Object.keys(changed).length === 0) return [];
      return [{ type: 'AccountUpdated', data: { ...next(account, command.now), ...changed } }];
    }
    case 'DeleteAccount': {
      const account = existing(state);
      checkOptionalVersion(account, command.expectedVersion);
      if (account.deletedAt !== null) return [];
      return [{ type: 'AccountDeleted', data: next(account, command.now) }];
    }
    case 'RestoreAccount': {
      const account = existing(state);
      checkOptionalVersion(account, command.expectedVersion);
      if (account.deletedAt === null) return [];
      return [{ type: 'AccountRestored', data: next(account, command.now) }];
    }
    case 'PurgeAccount':
      return [{ type: 'AccountPurged', data: next(existing(state), command.now) }];
    case 'ClearAccountGroup':
      // A reaction: an account that is gone or already elsewhere needs nothing (re-runs decide nothing).
      if (state.kind !== 'existing' || state.groupId !== command.groupId) return [];
      return [{ type: 'AccountUpdated', data: { ...next(state, command.now), groupId: null, cause: 'group-deleted' } }];
    case 'RemoveAccountTag':
      if (state.kind !== 'existing' || !state.tagIds.includes(command.tagId)) return [];
      return [
        {
          type: 'AccountUpdated',
          data: {
            ...next(state, command.now),
            tagIds: state.tagIds.filter((id) => id !== command.tagId),
            cause: 'tag-deleted',
          },
        },
      ];
    case 'RecordTokenRefresh': {
      const account = existing(state);
      return [
        {
          type: 'AccountTokenRefreshed',
          data: { ...next(account, command.now), credentials: command.credentials, status: afterSuccess(account) },
        },
      ];
    }
    case 'RecordStatusCheck': {
      const account = existing(state);
      return [
        {
          type: 'AccountStatusChecked',
          data: { ...next(account, command.now), usage: command.usage, status: afterSuccess(account) },
        },
      ];
    }
    case 'RecordProviderFailure': {
      const account = existing(state);
      const status = account.status === 'disabled' ? 'disabled' : command.rejected ? 'expired' : 'error';
      return [
        {
          type: 'AccountProviderFailed',
          data: { ...next(account, command.now), operation: command.operation, status, reason: command.reason },
        },
      ];
    }
    default: {
      const unknown: never = command;
      return unknown;
    }
  }
}

function existing(state: AccountState): ExistingAccount {
  if (state.kind !== 'existing') throw accountNotFound();
  return state;
}

function checkOptionalVersion(account: ExistingAccount, expected: number | undefined): void {
  if (expected !== undefined && account.version !== expected) throw versionConflict(account);
}

const next = (account: ExistingAccount, at: string) => ({
  ownerId: account.ownerId,
  accountId: account.id,
  version: account.version + 1,
  at,
});

/** A disabled account stays disabled whatever the provider says; otherwise a good answer makes it active. */
const afterSuccess = (account: ExistingAccount) => (account.status === 'disabled' ? 'disabled' : 'active');

type Changes = Partial<AccountFields> & { credentials?: SealedCredentials | null };

function changedFields(
  account: ExistingAccount,
  changes: Partial<AccountFields>,
  credentials: SealedCredentials | null | undefined,
): Changes {
  const changed: Record<string, unknown> = {};
  for (const name of ACCOUNT_FIELD_NAMES) {
    const value = name === 'tagIds' && changes.tagIds !== undefined ? unique(changes.tagIds) : changes[name];
    if (value !== undefined && !sameValue(account[name], value)) changed[name] = value;
  }
  if (credentials === null && account.credentials !== null) changed.credentials = null;
  // Sealing is randomised; the digest (under the same key) tells whether the plaintext differs.
  if (credentials && (account.credentials === null || account.credentials.digest !== credentials.digest)) {
    changed.credentials = credentials;
  }
  return changed as Changes;
}

function sameValue(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => x === b[i]);
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
    const x = a as AccountUsage;
    const y = b as AccountUsage;
    return x.used === y.used && x.limit === y.limit;
  }
  return a === b;
}

const unique = (ids: readonly string[]): string[] => [...new Set(ids)];

export const accountDecider: Decider<AccountCommand, AccountState, AccountEvent> = {
  initialState: initialAccountState,
  evolve: evolveAccount,
  decide: decideAccount,
};
