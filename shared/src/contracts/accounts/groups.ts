/**
 * Accounts v2 contract: groups (CONTRACT.md "Accounts v2", seed 003 §13.1). A group is a named, coloured,
 * ordered folder for the user's accounts. Names are unique per user, ignoring case and surrounding
 * spaces (409 CONFLICT). Writes name the version they read; a delete does too (no accidental deletes).
 */
import { z } from 'zod';
import { pageQuerySchema, pageSchema, resourceIdSchema, timestampSchema, versionSchema } from './common.js';
import { batchItemsSchema, itemResultsSchema, MAX_ITEMS_PER_BATCH } from './item-results.js';

/** Text PostgreSQL can store (jsonb refuses the NUL character). */
export const storableTextSchema = z.string().refine((text) => !text.includes('\u0000'), 'must not contain NUL');
/** Group and tag names: shown to people, compared without case and surrounding spaces. */
export const labelNameSchema = storableTextSchema.trim().min(1).max(100);
/** Any colour notation the clients use (`#3b82f6`, `blue`…): stored and returned as given. */
export const labelColorSchema = storableTextSchema.trim().min(1).max(50);
export const groupOrderSchema = z.number().int().min(-1_000_000_000).max(1_000_000_000);

export const groupSchema = z.object({
  id: z.string(),
  name: z.string(),
  color: z.string().nullable(),
  /** Position among the user's groups; lists are sorted by it, then by creation. */
  order: z.number().int(),
  version: z.number().int(),
  createdAt: timestampSchema,
  updatedAt: timestampSchema,
});
export type Group = z.infer<typeof groupSchema>;

export const listGroupsRequestSchema = z.object({ ...pageQuerySchema });
export const createGroupRequestSchema = z.object({
  /** The client's own id (offline creation); a new UUIDv7 when omitted. */
  id: resourceIdSchema.optional(),
  name: labelNameSchema,
  color: labelColorSchema.nullable().optional(),
  /** Default: after the user's last group. */
  order: groupOrderSchema.optional(),
});
/** PUT replaces name and colour (omitted colour = none); an omitted order keeps the current one. */
export const updateGroupRequestSchema = z.object({
  id: resourceIdSchema,
  version: versionSchema,
  name: labelNameSchema,
  color: labelColorSchema.nullable().optional(),
  order: groupOrderSchema.optional(),
});
export const deleteGroupRequestSchema = z.object({ id: resourceIdSchema, version: versionSchema });

/** One move of a batch reorder. `version` is optional: given, it must be the group's current one. */
export const groupOrderChangeSchema = z.object({
  id: resourceIdSchema,
  order: groupOrderSchema,
  version: versionSchema.optional(),
});
export const reorderGroupsRequestSchema = z.object({
  orders: batchItemsSchema(
    `Up to ${MAX_ITEMS_PER_BATCH} moves {id, order, version?}, each applied on its own (moves of one id in the order given)`,
  ),
});
export const reorderGroupsResultSchema = itemResultsSchema(groupSchema);

export const groupsOperations = {
  listGroups: { request: listGroupsRequestSchema, result: pageSchema(groupSchema) },
  createGroup: { request: createGroupRequestSchema, result: groupSchema },
  updateGroup: { request: updateGroupRequestSchema, result: groupSchema },
  deleteGroup: { request: deleteGroupRequestSchema, result: groupSchema },
  reorderGroups: { request: reorderGroupsRequestSchema, result: reorderGroupsResultSchema },
} as const;
