/**
 * Accounts v2 contract: tags (CONTRACT.md "Accounts v2", seed 003 §13.1). A tag is a named, coloured label
 * an account may carry several of. Names are unique per user, ignoring case and surrounding spaces
 * (409 CONFLICT). Writes and deletes name the version they read.
 */
import { z } from 'zod';
import { pageQuerySchema, pageSchema, resourceIdSchema, timestampSchema, versionSchema } from './common.js';
import { labelColorSchema, labelNameSchema } from './groups.js';

export const tagSchema = z.object({
  id: z.string(),
  name: z.string(),
  color: z.string().nullable(),
  version: z.number().int(),
  createdAt: timestampSchema,
  updatedAt: timestampSchema,
});
export type Tag = z.infer<typeof tagSchema>;

export const listTagsRequestSchema = z.object({ ...pageQuerySchema });
export const createTagRequestSchema = z.object({
  /** The client's own id (offline creation); a new UUIDv7 when omitted. */
  id: resourceIdSchema.optional(),
  name: labelNameSchema,
  color: labelColorSchema.nullable().optional(),
});
/** PUT replaces name and colour (omitted colour = none). */
export const updateTagRequestSchema = z.object({
  id: resourceIdSchema,
  version: versionSchema,
  name: labelNameSchema,
  color: labelColorSchema.nullable().optional(),
});
export const deleteTagRequestSchema = z.object({ id: resourceIdSchema, version: versionSchema });

export const tagsOperations = {
  listTags: { request: listTagsRequestSchema, result: pageSchema(tagSchema) },
  createTag: { request: createTagRequestSchema, result: tagSchema },
  updateTag: { request: updateTagRequestSchema, result: tagSchema },
  deleteTag: { request: deleteTagRequestSchema, result: tagSchema },
} as const;
