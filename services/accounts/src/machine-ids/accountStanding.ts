/**
 * Whether the user has an account, read from the account's own stream (`account-<ownerId>:<accountId>`,
 * the accounts slice's), so it is never older than the last write. Only the lifecycle event types are
 * looked at: any event makes the account exist, a soft delete hides it until it is restored, and a
 * permanent delete (purge) makes it gone.
 */
import type { EventStore } from '@cairn/shared/eventstore';

export const ACCOUNT_STREAM_PREFIX = 'account-';
export const accountStream = (ownerId: string, accountId: string): string =>
  `${ACCOUNT_STREAM_PREFIX}${ownerId}:${accountId}`;

export type AccountStanding = 'active' | 'deleted' | 'missing';

export async function accountStanding(store: EventStore, ownerId: string, accountId: string): Promise<AccountStanding> {
  const { events } = await store.readStream(accountStream(ownerId, accountId));
  let standing: AccountStanding = 'missing';
  let purged = false;
  for (const { type } of events) {
    if (type === 'AccountPurged') {
      standing = 'missing';
      purged = true;
    } else if (type === 'AccountDeleted') standing = 'deleted';
    else if (type === 'AccountCreated' || type === 'AccountRestored') standing = 'active';
    // Any other change is to an account that exists, unless it was purged (only a new creation revives it).
    else if (standing === 'missing' && !purged) standing = 'active';
  }
  return standing;
}
