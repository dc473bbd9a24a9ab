/**
 * Accounts as the contract shows them. Built from the aggregate state, so it is the same whether it
 * comes from the cache, a fresh stream read or a write's result; credentials are added only by
 * `getAccount`, after decrypting them for their owner.
 */
import type { Account } from '@cairn/shared/contracts';
import type { ExistingAccount } from './account.js';

export function toAccount(state: ExistingAccount): Account {
  return {
    id: state.id,
    email: state.email,
    nickname: state.nickname,
    provider: state.provider,
    status: state.status,
    statusMessage: state.statusMessage,
    groupId: state.groupId,
    tagIds: [...state.tagIds],
    usage: { used: state.usage.used, limit: state.usage.limit },
    notes: state.notes,
    hasCredentials: state.credentials !== null,
    lastCheckedAt: state.lastCheckedAt,
    version: state.version,
    createdAt: state.createdAt,
    updatedAt: state.updatedAt,
    deletedAt: state.deletedAt,
  };
}
