/**
 * Group commit for appends. PostgreSQL spends most of an append's cost on the statement and its commit,
 * not on the rows, so appends that wait while others are in flight go together as one statement (one
 * implicit transaction) in which each append still does its own compare-and-set and wins or loses alone.
 *
 * - Nothing waits on a timer: appends go as soon as the promise callbacks running now are done (a
 *   microtask), all of them in one batch when a slot is free, else together in the next free slot.
 *   A lone append stays one round trip with no added delay.
 * - A stream is in at most one batch at a time, whether batching or in flight: a later append to the
 *   same stream waits for the earlier one's result, so appends to a stream are applied in call order and
 *   one batch never updates a stream row twice (which PostgreSQL refuses in one statement).
 * - Several batches may be in flight at once (each on its own connection): appends arriving while one
 *   is in flight need not wait for it. Waiting appends are not split over free slots on purpose: on two
 *   cores, batches of half the size cost half as much again CPU per append and were not faster.
 * - Appends marked `alone` skip the grouping (the store says which and why) but not the stream order.
 */

export interface BatchItem {
  readonly streamName: string;
  /** The number of events: what the per-batch limit counts. */
  readonly size: number;
  /** Shares no statement with other appends: goes by itself, as soon as its stream is free. */
  readonly alone: boolean;
}

export interface BatchLimits {
  /** How many batches may be in flight at once (at least 1). */
  readonly batchesInFlight: number;
  /** At most this many events per batch; a larger append still goes, alone. */
  readonly eventsPerBatch: number;
}

/** Runs one batch; the outcomes are in the order of `items`. Rejecting fails every item of the batch. */
export type SendBatch<T, R> = (items: readonly T[]) => Promise<PromiseSettledResult<R>[]>;

interface Waiting<T, R> {
  readonly item: T;
  readonly resolve: (value: R) => void;
  readonly reject: (reason: unknown) => void;
}

export class AppendBatcher<T extends BatchItem, R> {
  private waiting: Waiting<T, R>[] = [];
  private readonly streamsInFlight = new Set<string>();
  private batchesInFlight = 0;
  private dispatchScheduled = false;

  constructor(
    private readonly send: SendBatch<T, R>,
    private readonly limits: BatchLimits,
  ) {
    if (!(limits.batchesInFlight >= 1 && limits.eventsPerBatch >= 1)) {
      throw new Error(`append batch limits must be at least 1: ${JSON.stringify(limits)}`);
    }
  }

  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      this.scheduleDispatch();
    });
  }

  /** Dispatches once the current promise callbacks have run, so appends made together go together. */
  private scheduleDispatch(): void {
    if (this.dispatchScheduled) return;
    this.dispatchScheduled = true;
    queueMicrotask(() => {
      this.dispatchScheduled = false;
      this.dispatch();
    });
  }

  /**
   * Starts whatever can go now, taking waiting appends in call order: a stream that is in flight, or
   * that an earlier waiting append is still waiting for, stays waiting, so no append overtakes another
   * to the same stream.
   */
  private dispatch(): void {
    const left: Waiting<T, R>[] = [];
    const seen = new Set<string>();
    let batch: Waiting<T, R>[] = [];
    let events = 0;
    for (const waiting of this.waiting) {
      const { streamName, size, alone } = waiting.item;
      const free = !seen.has(streamName) && !this.streamsInFlight.has(streamName);
      seen.add(streamName);
      if (free && alone) {
        void this.run([waiting], false);
        continue;
      }
      if (free && batch.length > 0 && events + size > this.limits.eventsPerBatch) {
        void this.run(batch, true);
        batch = [];
        events = 0;
      }
      // The batch being filled takes a slot once it starts: fill it only while one is free.
      if (free && this.batchesInFlight < this.limits.batchesInFlight) {
        batch.push(waiting);
        events += size;
      } else {
        left.push(waiting);
      }
    }
    this.waiting = left;
    if (batch.length > 0) void this.run(batch, true);
  }

  /** `counted`: the run takes a batch slot (alone appends do not, see BatchItem). */
  private async run(batch: readonly Waiting<T, R>[], counted: boolean): Promise<void> {
    for (const waiting of batch) this.streamsInFlight.add(waiting.item.streamName);
    if (counted) this.batchesInFlight++;
    try {
      const outcomes = await this.send(batch.map((waiting) => waiting.item));
      batch.forEach((waiting, i) => {
        const outcome = outcomes[i];
        if (outcome?.status === 'fulfilled') waiting.resolve(outcome.value);
        else waiting.reject(outcome ? outcome.reason : new Error('append batch returned no outcome'));
      });
    } catch (error) {
      for (const waiting of batch) waiting.reject(error);
    } finally {
      for (const waiting of batch) this.streamsInFlight.delete(waiting.item.streamName);
      if (counted) this.batchesInFlight--;
      this.dispatch();
    }
  }
}
