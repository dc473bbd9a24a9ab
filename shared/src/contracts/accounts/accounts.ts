/**
 * Accounts v2 contract: accounts (CONTRACT.md "Accounts v2", seed 003). An account is one sign-in of
 * the user at some provider, kept in sync between their devices: who it is (email, nickname,
 * provider), how it is doing (status, usage), how the user files it (group, tags, notes) and its
 * credentials (an opaque JSON object the server stores encrypted and shows only to its owner, only on
 * `getAccount`: never in lists, write answers, errors, logs or integration events).
 *
 * Status:
 *   active    usable, as far as the server knows (the default; a successful provider call sets it);
 *   expired   the provider refused the refresh token (OAuth2 `invalid_grant`): the user must sign in again;
 *   error     the last provider call failed otherwise (unreachable, 5xx, a malformed answer);
 *   disabled  the user turned it off; provider calls record what they learn but leave it disabled.
 * Clients may set any of them themselves (an offline client syncs the status it saw).
 */
import { z } from 'zod';
import {
  booleanQuerySchema,
  pageQuerySchema,
  pageSchema,
  resourceIdSchema,
  timestampSchema,
  versionSchema,
} from './common.js';
import { batchItemsSchema, itemResultsSchema, MAX_ITEMS_PER_BATCH } from './item-results.js';

export const accountStatusSchema = z.enum(['active', 'expired', 'error', 'disabled']);
export type AccountStatus = z.infer<typeof accountStatusSchema>;

/** Credentials larger than this (as JSON, in UTF-8 bytes) are refused. */
export const ACCOUNT_CREDENTIALS_MAX_BYTES = 16 * 1024;

/** Any JSON object, e.g. `{accessToken, refreshToken, expiresAt, clientId}`; opaque to the server. */
export const accountCredentialsSchema = z
  .record(z.string(), z.unknown())
  .refine((value) => Buffer.byteLength(JSON.stringify(value)) <= ACCOUNT_CREDENTIALS_MAX_BYTES, {
    message: `at most ${ACCOUNT_CREDENTIALS_MAX_BYTES} bytes as JSON`,
  });
export type AccountCredentials = Record<string, unknown>;

/** `limit` null: unknown or unlimited. */
export const accountUsageSchema = z.object({
  used: z.number().nonnegative(),
  limit: z.number().nonnegative().nullable(),
});
export type AccountUsage = z.infer<typeof accountUsageSchema>;

const email = z.email().max(254);
const nickname = z.string().trim().max(100);
const provider = z.string().trim().max(50);
// Kept modest: lists of 200 and batches of 500 accounts must stay well inside a bus message (1 MiB).
const notes = z.string().max(2_000);
const tagIds = z.array(resourceIdSchema).max(100);

/** The fields a client edits, with the value each takes when a create or a PUT leaves it out. */
export const accountEditableFields = {
  email,
  nickname: nickname.optional(),
  provider: provider.optional(),
  status: accountStatusSchema.optional(),
  groupId: resourceIdSchema.nullable().optional(),
  tagIds: tagIds.optional(),
  usage: accountUsageSchema.optional(),
  notes: notes.optional(),
  credentials: accountCredentialsSchema.nullable().optional(),
};

export const ACCOUNT_DEFAULTS = {
  nickname: '',
  provider: '',
  status: 'active',
  groupId: null,
  tagIds: [],
  usage: { used: 0, limit: null },
  notes: '',
  credentials: null,
} as const satisfies Record<string, unknown>;

/** An account as `getAccount` shows it; every other answer leaves `credentials` out. */
export const accountSchema = z.object({
  id: z.string(),
  email: z.string(),
  nickname: z.string(),
  provider: z.string(),
  status: accountStatusSchema,
  /** Why the status is expired or error (the last provider call's failure); null otherwise. */
  statusMessage: z.string().nullable(),
  groupId: z.string().nullable(),
  tagIds: z.array(z.string()),
  usage: accountUsageSchema,
  notes: z.string(),
  /** Whether credentials are stored (lists and write answers show this instead of them). */
  hasCredentials: z.boolean(),
  /** Decrypted, on `getAccount` only. */
  credentials: z.record(z.string(), z.unknown()).nullable().optional(),
  /** When the provider was last asked (refresh-token or check-status). */
  lastCheckedAt: timestampSchema.nullable(),
  version: z.number().int(),
  createdAt: timestampSchema,
  updatedAt: timestampSchema,
  /** Set while soft-deleted. */
  deletedAt: timestampSchema.nullable(),
});
export type Account = z.infer<typeof accountSchema>;

/** What a list may return: any of these, chosen with `fields` (id always). Never credentials. */
export const LISTED_ACCOUNT_FIELDS = [
  'id',
  'email',
  'nickname',
  'provider',
  'status',
  'statusMessage',
  'groupId',
  'tagIds',
  'usage',
  'notes',
  'hasCredentials',
  'lastCheckedAt',
  'version',
  'createdAt',
  'updatedAt',
  'deletedAt',
] as const;
export type ListedAccountField = (typeof LISTED_ACCOUNT_FIELDS)[number];

export const listedAccountSchema = accountSchema.omit({ credentials: true }).partial().required({ id: true });
export type ListedAccount = z.infer<typeof listedAccountSchema>;

/** `fields=id,email,status`: a comma list of listed fields (unknown names, credentials included, are refused). */
export const accountFieldsQuerySchema = z
  .string()
  .max(500)
  .refine(
    (text) =>
      text
        .split(',')
        .map((f) => f.trim())
        .filter((f) => f !== '')
        .every((f) => (LISTED_ACCOUNT_FIELDS as readonly string[]).includes(f)),
    { message: `a comma list of: ${LISTED_ACCOUNT_FIELDS.join(', ')}` },
  );

export const listAccountsRequestSchema = z.object({
  ...pageQuerySchema,
  status: accountStatusSchema.optional(),
  groupId: resourceIdSchema.optional(),
  tagId: resourceIdSchema.optional(),
  /** Case-insensitive substring of email, nickname or notes. */
  q: z.string().max(200).optional(),
  /** Soft-deleted accounts are left out unless this is true. */
  includeDeleted: booleanQuerySchema.optional(),
  fields: accountFieldsQuerySchema.optional(),
});

const idOnly = { id: resourceIdSchema };

/** `id` is optional: offline clients bring their own; otherwise the server makes one (UUIDv7). */
export const createAccountRequestSchema = z.object({ id: resourceIdSchema.optional(), ...accountEditableFields });
/** PUT: every editable field; one left out takes its default (see ACCOUNT_DEFAULTS). */
export const replaceAccountRequestSchema = z.object({ ...idOnly, version: versionSchema, ...accountEditableFields });
/** PATCH: only the fields given change. */
export const patchAccountRequestSchema = z.object({
  ...idOnly,
  version: versionSchema,
  ...accountEditableFields,
  email: email.optional(),
});
/** DELETE and restore: `version` is optional; one given (body or If-Match) is enforced. */
export const deleteAccountRequestSchema = z.object({ ...idOnly, version: versionSchema.optional() });
export const restoreAccountRequestSchema = deleteAccountRequestSchema;
export const accountIdRequestSchema = z.object(idOnly);

/** One batch operation; each is validated on its own, so one bad item fails only itself. */
export const accountBatchOperationSchema = z.discriminatedUnion('action', [
  z.object({
    action: z.literal('create'),
    /** The new account's id (or give it as `data.id`). */
    id: resourceIdSchema.optional(),
    data: createAccountRequestSchema,
  }),
  z.object({
    action: z.literal('update'),
    ...idOnly,
    version: versionSchema,
    data: replaceAccountRequestSchema.omit({ id: true, version: true }),
  }),
  z.object({
    action: z.literal('patch'),
    ...idOnly,
    version: versionSchema,
    data: patchAccountRequestSchema.omit({ id: true, version: true }),
  }),
  z.object({ action: z.literal('delete'), ...idOnly, version: versionSchema.optional() }),
]);
export type AccountBatchOperation = z.infer<typeof accountBatchOperationSchema>;

export const batchAccountsRequestSchema = z.object({
  operations: batchItemsSchema(
    `{action: create|update|patch|delete, id?, version?, data?}; at most ${MAX_ITEMS_PER_BATCH}, each standing alone`,
  ),
});

/** Soft-deletes each id (as DELETE without a version); one result per id, in order. */
export const batchDeleteAccountsRequestSchema = z.object({
  ids: z.array(resourceIdSchema).min(1).describe(`at most ${MAX_ITEMS_PER_BATCH}`),
});

export const accountBatchResultSchema = itemResultsSchema(accountSchema);
export type AccountBatchResult = z.infer<typeof accountBatchResultSchema>;

export const accountsOperations = {
  listAccounts: { request: listAccountsRequestSchema, result: pageSchema(listedAccountSchema) },
  getAccount: { request: accountIdRequestSchema, result: accountSchema },
  createAccount: { request: createAccountRequestSchema, result: accountSchema },
  replaceAccount: { request: replaceAccountRequestSchema, result: accountSchema },
  patchAccount: { request: patchAccountRequestSchema, result: accountSchema },
  deleteAccount: { request: deleteAccountRequestSchema, result: accountSchema },
  restoreAccount: { request: restoreAccountRequestSchema, result: accountSchema },
  purgeAccount: {
    request: accountIdRequestSchema,
    result: z.object({ id: z.string(), purged: z.literal(true) }),
  },
  batchAccounts: { request: batchAccountsRequestSchema, result: accountBatchResultSchema },
  batchDeleteAccounts: { request: batchDeleteAccountsRequestSchema, result: accountBatchResultSchema },
  refreshAccountToken: { request: accountIdRequestSchema, result: accountSchema },
  checkAccountStatus: { request: accountIdRequestSchema, result: accountSchema },
} as const;
