/**
 * Integration events of accounts (`cairn.accounts.account.<event>.v1`): one per accepted change, with
 * the account's version after it. Credentials never appear, not even encrypted: subscribers learn only
 * that they changed (`credentialsChanged`) or that the account holds some (`hasCredentials`).
 */
import { z } from 'zod';
import { accountStatusSchema, accountUsageSchema } from './accounts.js';

const ownerId = z.string();
const accountId = z.string();
const version = z.number().int().positive();
const occurredAt = z.string();

export const accountsAccountCreatedV1 = z.object({
  ownerId,
  accountId,
  email: z.string(),
  nickname: z.string(),
  provider: z.string(),
  status: accountStatusSchema,
  groupId: z.string().nullable(),
  tagIds: z.array(z.string()),
  usage: accountUsageSchema,
  notes: z.string(),
  hasCredentials: z.boolean(),
  version: z.literal(1),
  occurredAt,
});

/** Only the fields that changed are in `changes`. */
export const accountsAccountUpdatedV1 = z.object({
  ownerId,
  accountId,
  changes: z.object({
    email: z.string().optional(),
    nickname: z.string().optional(),
    provider: z.string().optional(),
    status: accountStatusSchema.optional(),
    groupId: z.string().nullable().optional(),
    tagIds: z.array(z.string()).optional(),
    usage: accountUsageSchema.optional(),
    notes: z.string().optional(),
  }),
  credentialsChanged: z.boolean(),
  /** Why the server changed it: `group-deleted` / `tag-deleted` for cleanups; absent for a client's edit. */
  cause: z.enum(['group-deleted', 'tag-deleted']).optional(),
  version,
  occurredAt,
});

export const accountsAccountDeletedV1 = z.object({ ownerId, accountId, version, occurredAt });
export const accountsAccountRestoredV1 = z.object({ ownerId, accountId, version, occurredAt });
/** Permanent: the account and its credentials are gone for good. */
export const accountsAccountPurgedV1 = z.object({ ownerId, accountId, version, occurredAt });

export const accountsAccountTokenRefreshedV1 = z.object({
  ownerId,
  accountId,
  status: accountStatusSchema,
  version,
  occurredAt,
});
export const accountsAccountStatusCheckedV1 = z.object({
  ownerId,
  accountId,
  status: accountStatusSchema,
  usage: accountUsageSchema,
  version,
  occurredAt,
});
/** A provider call that failed: `status` is what the account became (expired, error, or still disabled). */
export const accountsAccountProviderFailedV1 = z.object({
  ownerId,
  accountId,
  operation: z.enum(['refresh-token', 'check-status']),
  status: accountStatusSchema,
  reason: z.string(),
  version,
  occurredAt,
});

export const accountsAccountIntegrationEvents = {
  'cairn.accounts.account.created.v1': accountsAccountCreatedV1,
  'cairn.accounts.account.updated.v1': accountsAccountUpdatedV1,
  'cairn.accounts.account.deleted.v1': accountsAccountDeletedV1,
  'cairn.accounts.account.restored.v1': accountsAccountRestoredV1,
  'cairn.accounts.account.purged.v1': accountsAccountPurgedV1,
  'cairn.accounts.account.token-refreshed.v1': accountsAccountTokenRefreshedV1,
  'cairn.accounts.account.status-checked.v1': accountsAccountStatusCheckedV1,
  'cairn.accounts.account.provider-failed.v1': accountsAccountProviderFailedV1,
} as const;
