/**
 * Accounts v2 contract: settings (CONTRACT.md "Accounts v2", seed 003 §13.1). The user's settings are
 * key → any JSON value, each key a resource of its own with its own version. PUT is an upsert that
 * cannot overwrite by accident: without a version it only creates (an existing key is a 409
 * VERSION_CONFLICT carrying the current copy); with a version it only replaces that version (a key
 * that is not there is a 409 too, with `current: null`).
 */
import { z } from 'zod';
import { pageQuerySchema, pageSchema, timestampSchema, versionSchema } from './common.js';
import { batchItemsSchema, itemResultsSchema, MAX_ITEMS_PER_BATCH } from './item-results.js';

export const SETTING_VALUE_MAX_BYTES = 64 * 1024;

export const settingKeySchema = z
  .string()
  .regex(/^[A-Za-z0-9_.:-]{1,100}$/, '1 to 100 letters, digits and _ . : - only');

const utf8Length = (text: string): number => new TextEncoder().encode(text).length;

/** Whether a JSON value holds the NUL character anywhere (PostgreSQL's jsonb cannot store it). */
export function jsonContainsNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (Array.isArray(value)) return value.some(jsonContainsNul);
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).some(([key, item]) => key.includes('\u0000') || jsonContainsNul(item));
  }
  return false;
}

/** Any JSON value (null included) of at most 64 KiB as JSON text. */
export const settingValueSchema = z
  .unknown()
  .refine((value) => value !== undefined, { message: 'value is required' })
  .refine((value) => value === undefined || utf8Length(JSON.stringify(value)) <= SETTING_VALUE_MAX_BYTES, {
    message: `value must be at most ${SETTING_VALUE_MAX_BYTES} bytes as JSON`,
  })
  .refine((value) => !jsonContainsNul(value), { message: 'value must not contain the NUL character' });

export const settingSchema = z.object({
  key: z.string(),
  value: z.unknown(),
  version: z.number().int(),
  createdAt: timestampSchema,
  updatedAt: timestampSchema,
});
export type Setting = z.infer<typeof settingSchema>;

export const listSettingsRequestSchema = z.object({ ...pageQuerySchema });
export const getSettingRequestSchema = z.object({ key: settingKeySchema });
/** Without `version`: create the key. With it: replace exactly that version. */
export const putSettingRequestSchema = z.object({
  key: settingKeySchema,
  value: settingValueSchema,
  version: versionSchema.optional(),
});
/** One item of a batch: the same rules as PUT, applied on its own. */
export const settingChangeSchema = putSettingRequestSchema;
export const batchSettingsRequestSchema = z.object({
  settings: batchItemsSchema(
    `Up to ${MAX_ITEMS_PER_BATCH} changes {key, value, version?}; each stands alone, applied in order per key`,
  ),
});
export const batchSettingsResultSchema = itemResultsSchema(settingSchema);

export const settingsOperations = {
  listSettings: { request: listSettingsRequestSchema, result: pageSchema(settingSchema) },
  getSetting: { request: getSettingRequestSchema, result: settingSchema },
  putSetting: { request: putSettingRequestSchema, result: settingSchema },
  batchSettings: { request: batchSettingsRequestSchema, result: batchSettingsResultSchema },
} as const;
