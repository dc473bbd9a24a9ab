/**
 * Batches whose items stand alone (settings batch, group batch-reorder): each item is validated and
 * applied on its own and gets its own result, success or the error it would have had as a single
 * request. Items of one lane (the same key or id) run one after the other in the order given; lanes
 * run side by side, a few at a time, so a batch costs about as many round trips as its longest lane.
 */
import type { ItemError } from '@cairn/shared/contracts';
import { MAX_ITEMS_PER_BATCH } from '@cairn/shared/contracts';
import { comparePositions, type GlobalPosition } from '@cairn/shared/eventstore';
import { DomainError } from '@cairn/shared/http';
import type { Logger } from '@cairn/shared/logging';
import type { z } from 'zod';

export interface ItemResult<T> {
  readonly index: number;
  readonly success: boolean;
  readonly data?: T;
  readonly error?: ItemError;
}

export interface ItemResults<T> {
  readonly results: ItemResult<T>[];
  readonly summary: { readonly total: number; readonly succeeded: number; readonly failed: number };
}

/** What applying one item gave: the data to answer, and where its events are in the log (if any). */
export interface ItemOutcome<T> {
  readonly data: T;
  readonly position: GlobalPosition | undefined;
}

export interface RunItemsOptions<I, T> {
  readonly items: readonly unknown[];
  readonly schema: z.ZodType<I>;
  /** Items with the same lane run in order, one at a time. */
  readonly lane: (item: I) => string;
  readonly run: (item: I, index: number) => Promise<ItemOutcome<T>>;
  readonly logger: Logger;
  /** Lanes running at once. */
  readonly concurrency?: number;
}

/** More than the contract's limit is refused whole (413), before anything is applied. */
export function assertBatchSize(count: number): void {
  if (count > MAX_ITEMS_PER_BATCH) {
    throw new DomainError('PAYLOAD_TOO_LARGE', `A batch holds at most ${MAX_ITEMS_PER_BATCH} items`, {
      limit: MAX_ITEMS_PER_BATCH,
      received: count,
    });
  }
}

export async function runItems<I, T>(
  options: RunItemsOptions<I, T>,
): Promise<ItemResults<T> & { readonly lastPosition: GlobalPosition | undefined }> {
  assertBatchSize(options.items.length);
  const results: ItemResult<T>[] = new Array(options.items.length);
  const lanes = new Map<string, { index: number; item: I }[]>();
  options.items.forEach((raw, index) => {
    const parsed = options.schema.safeParse(raw);
    if (!parsed.success) {
      results[index] = {
        index,
        success: false,
        error: {
          error: 'VALIDATION_ERROR',
          message: 'The item is not valid',
          details: parsed.error.issues.map((issue) => ({ field: issue.path.join('.'), message: issue.message })),
        },
      };
      return;
    }
    const lane = options.lane(parsed.data);
    const queue = lanes.get(lane) ?? [];
    queue.push({ index, item: parsed.data });
    lanes.set(lane, queue);
  });

  let lastPosition: GlobalPosition | undefined;
  const pending = [...lanes.values()];
  const worker = async (): Promise<void> => {
    for (let lane = pending.shift(); lane !== undefined; lane = pending.shift()) {
      for (const { index, item } of lane) {
        try {
          const outcome = await options.run(item, index);
          results[index] = { index, success: true, data: outcome.data };
          if (outcome.position && (!lastPosition || comparePositions(outcome.position, lastPosition) > 0)) {
            lastPosition = outcome.position;
          }
        } catch (error) {
          results[index] = { index, success: false, error: itemError(error, options.logger) };
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 8, pending.length) }, worker));

  const succeeded = results.filter((r) => r.success).length;
  return {
    results,
    summary: { total: results.length, succeeded, failed: results.length - succeeded },
    lastPosition,
  };
}

function itemError(error: unknown, logger: Logger): ItemError {
  if (error instanceof DomainError) {
    return {
      error: error.code,
      message: error.message,
      ...(error.details === undefined ? {} : { details: error.details }),
    };
  }
  logger.error({ err: error }, 'a batch item failed unexpectedly');
  return { error: 'INTERNAL_ERROR', message: 'Internal error' };
}
