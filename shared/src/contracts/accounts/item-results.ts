/**
 * Batches whose items stand alone (CONTRACT.md "Accounts v2"): one result per item, in the order given,
 * each a success with its data or a failure shaped like the envelope's error, and a summary. More items
 * than the limit is refused whole with 413 PAYLOAD_TOO_LARGE.
 */
import { z } from 'zod';
import { itemErrorSchema } from './common.js';

export const MAX_ITEMS_PER_BATCH = 500;

export const itemResultsSchema = <T extends z.ZodType>(data: T) =>
  z.object({
    results: z.array(
      z.object({
        index: z.number().int(),
        success: z.boolean(),
        data: data.optional(),
        error: itemErrorSchema.optional(),
      }),
    ),
    summary: z.object({ total: z.number().int(), succeeded: z.number().int(), failed: z.number().int() }),
  });

/**
 * The items of a batch request: objects, checked one by one by the service so that a bad item fails
 * alone (VALIDATION_ERROR in its result) instead of failing the whole batch.
 */
export const batchItemsSchema = (description: string) =>
  z.array(z.record(z.string(), z.unknown())).min(1).describe(description);
