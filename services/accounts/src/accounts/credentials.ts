/**
 * Sealing and opening an account's credentials with its data key (crypto/). Sealing happens in the
 * handler, before the decider runs (the decider is pure; encryption needs randomness and a key).
 */
import type { AccountCredentials } from '@cairn/shared/contracts';
import type { ExistingAccount } from './account.js';
import type { AccountsContext } from './context.js';
import { openCredentials, type SealedCredentials, sealCredentials } from './crypto/sealed.js';

export async function seal(
  ax: AccountsContext,
  ownerId: string,
  accountId: string,
  credentials: AccountCredentials,
  nowMs: number,
): Promise<SealedCredentials> {
  const { key } = await ax.keys.keyFor(ownerId, accountId, nowMs);
  return sealCredentials(credentials, key, ownerId, accountId);
}

/**
 * The account's credentials in clear, for its owner; null when it has none, or when its key is gone
 * (shredded by a purge that is racing this read). A key that does not open them is a fault, not "none".
 */
export async function open(ax: AccountsContext, account: ExistingAccount): Promise<AccountCredentials | null> {
  const sealed = account.credentials;
  if (sealed === null) return null;
  const key = await ax.keys.find(account.ownerId, account.id);
  if (!key || key.kid !== sealed.kid) return null;
  return openCredentials(sealed, key, account.ownerId, account.id);
}
