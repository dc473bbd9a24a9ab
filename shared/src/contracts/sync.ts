/**
 * The sync service's RPC contract (CONTRACT.md "Sync", seed 003): a snapshot, exact incremental
 * changes after an opaque cursor (or a server time), and a push of a client's local changes. Synced
 * resources look as the accounts API shows them, without credentials.
 */
import { z } from 'zod';

export const SYNC_SERVICE = 'sync';

export const syncResourceSchema = z.enum(['accounts', 'groups', 'tags', 'settings', 'machineIds']);
export type SyncResourceName = z.infer<typeof syncResourceSchema>;

/** A synced resource as the accounts API shows it: `id`, `version`, its fields. */
const syncedItemSchema = z.record(z.string(), z.unknown());

export const MAX_CHANGES_PAGE = 1000;
export const DEFAULT_CHANGES_PAGE = 500;
/** Items of one push, over every resource. */
export const MAX_PUSH_ITEMS = 500;

export const syncSnapshotSchema = z.object({
  accounts: z.array(syncedItemSchema),
  groups: z.array(syncedItemSchema),
  tags: z.array(syncedItemSchema),
  settings: z.array(syncedItemSchema),
  machineIds: z.array(syncedItemSchema),
  /** Follow `changes` from here to get exactly what happened after this snapshot. */
  cursor: z.string(),
  /** ms since epoch: the time of the last change included (usable as `lastSyncTime`). */
  serverTime: z.number().int(),
});

const resourceDeltaSchema = z.object({
  created: z.array(syncedItemSchema),
  updated: z.array(syncedItemSchema),
  /** Ids. */
  deleted: z.array(z.string()),
});

export const syncChangesRequestSchema = z.object({
  /** From a snapshot or an earlier `changes`; takes precedence over `lastSyncTime`. */
  cursor: z.string().min(1).max(200).optional(),
  /** ms since epoch, an earlier `serverTime`: for clients that keep only a time. */
  lastSyncTime: z.number().int().nonnegative().optional(),
  /** Only these resources (the cursor still moves past the others). Default: all. */
  resources: z.array(syncResourceSchema).min(1).optional(),
  limit: z.number().int().min(1).max(MAX_CHANGES_PAGE).default(DEFAULT_CHANGES_PAGE),
});

export const syncChangesSchema = z.object({
  accounts: resourceDeltaSchema,
  groups: resourceDeltaSchema,
  tags: resourceDeltaSchema,
  settings: resourceDeltaSchema,
  machineIds: resourceDeltaSchema,
  cursor: z.string(),
  serverTime: z.number().int(),
  /** More changes wait after this page: call again with the new cursor. */
  hasMore: z.boolean(),
});

const pushedItemSchema = z.record(z.string(), z.unknown());
/** A delete names the version the client read; a bare id is accepted where the resource allows it. */
const pushedDeleteSchema = z.union([
  z.string().min(1).max(100),
  z.object({ id: z.string().min(1).max(100), version: z.number().int().positive() }),
]);
const pushedDeltaSchema = z.object({
  created: z.array(pushedItemSchema).default([]),
  updated: z.array(pushedItemSchema).default([]),
  deleted: z.array(pushedDeleteSchema).default([]),
});

export const syncPushRequestSchema = z.object({
  /** The client's own stable id, and a fresh id per push: a repeat of the pair applies nothing. */
  clientId: z.string().min(1).max(100),
  mutationId: z.string().min(1).max(100),
  changes: z.object({
    accounts: pushedDeltaSchema.optional(),
    groups: pushedDeltaSchema.optional(),
    tags: pushedDeltaSchema.optional(),
    settings: pushedDeltaSchema.optional(),
  }),
});
export type SyncPushRequest = z.infer<typeof syncPushRequestSchema>;

export const pushItemResultSchema = z.object({
  id: z.string(),
  status: z.enum(['applied', 'conflict', 'error']),
  /** The resource's version after the change (applied), or the server's (conflict). */
  version: z.number().int().optional(),
  /** The server's copy, on a conflict. */
  server: z.unknown().optional(),
  error: z.object({ error: z.string(), message: z.string(), details: z.unknown().optional() }).optional(),
});
export type PushItemResult = z.infer<typeof pushItemResultSchema>;

export const syncPushResultSchema = z.object({
  results: z.object({
    accounts: z.array(pushItemResultSchema),
    groups: z.array(pushItemResultSchema),
    tags: z.array(pushItemResultSchema),
    settings: z.array(pushItemResultSchema),
  }),
  /** At or after this push's own changes. */
  cursor: z.string(),
});

export const syncOperations = {
  snapshot: { request: z.object({}), result: syncSnapshotSchema },
  changes: { request: syncChangesRequestSchema, result: syncChangesSchema },
  push: { request: syncPushRequestSchema, result: syncPushResultSchema },
} as const;

export type SyncOperation = keyof typeof syncOperations;
