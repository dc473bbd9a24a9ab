/**
 * What every part of the Accounts v2 contract shares (CONTRACT.md "Accounts v2", seed 003): the service
 * name, resource ids (clients may bring their own, so offline clients can create), versions and pages.
 */
import { z } from 'zod';

export const ACCOUNTS_SERVICE = 'accounts';

/** A client-supplied or server-made (UUIDv7) id: safe in URLs, stream names and logs. */
export const resourceIdSchema = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9_.:-]+$/, 'letters, digits and _ . : - only');

/** 1 on create, +1 per change. Writes name the version they read (body or If-Match). */
export const versionSchema = z.number().int().positive();

export const pageQuerySchema = {
  page: z.coerce.number().int().min(1).default(1),
  pageSize: z.coerce.number().int().min(1).max(200).default(50),
};

/**
 * `?includeDeleted=true`: query strings carry text, so only the words true/false (and 1/0) count. A
 * boolean passes too: the gateway sends the value it parsed, and the service parses it again.
 */
export const booleanQuerySchema = z.union([
  z.boolean(),
  z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1'),
]);

export const pageSchema = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), page: z.number().int(), pageSize: z.number().int(), total: z.number().int() });

/** Milliseconds-free ISO-8601 timestamps as the API shows them. */
export const timestampSchema = z.string();

/** A batch item's failure, shaped like the envelope's error (without timestamp and request id). */
export const itemErrorSchema = z.object({
  error: z.string(),
  message: z.string(),
  details: z.unknown().optional(),
});
export type ItemError = z.infer<typeof itemErrorSchema>;
