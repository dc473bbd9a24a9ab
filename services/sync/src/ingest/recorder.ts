/**
 * Records the changes that the consumer's concurrent handlers hand it, in batches: whatever arrives
 * while a batch is being written goes into the next one, all of it in one statement (recordChanges).
 * A change costs a share of one round trip instead of a round trip of its own, which is what lets the
 * change log keep up with the accounts service and a push of 100 items wait for a few writes, not 100.
 */
import type { Pool } from 'pg';
import type { ResourceChange } from '../changelog/change.js';
import { outcomeOf, type Recorded, recordChange, recordChanges } from '../changelog/record.js';
import type { SyncTables } from '../changelog/schema.js';

interface Waiting {
  readonly change: ResourceChange;
  /** Where the change's event stands on the bus: a user's changes are recorded in this order. */
  readonly order: number;
  readonly acceptGap: boolean;
  readonly resolve: (recorded: Recorded | undefined) => void;
  readonly reject: (error: unknown) => void;
}

const MAX_BATCH = 500;

export class ChangeRecorder {
  private queue: Waiting[] = [];
  private writing = false;
  private scheduled = false;

  constructor(
    private readonly pool: Pool,
    private readonly tables: SyncTables,
  ) {}

  /** As `recordChange`: the change's place in the log, undefined if it changed nothing, a VersionGapError. */
  record(change: ResourceChange, order: number, acceptGap: boolean): Promise<Recorded | undefined> {
    return new Promise((resolve, reject) => {
      this.queue.push({ change, order, acceptGap, resolve, reject });
      if (this.writing || this.scheduled) return;
      this.scheduled = true;
      // After this turn of the event loop: messages delivered together go into the first batch together.
      setImmediate(() => {
        this.scheduled = false;
        void this.drain();
      });
    });
  }

  private async drain(): Promise<void> {
    this.writing = true;
    try {
      while (this.queue.length > 0) await this.write(this.queue.splice(0, MAX_BATCH));
    } finally {
      this.writing = false;
    }
  }

  private async write(batch: readonly Waiting[]): Promise<void> {
    // Each user's changes in bus order; users in a fixed order, so that two replicas' batches never
    // wait for each other's log locks in a cycle.
    const ordered = [...batch].sort((a, b) =>
      a.change.userId === b.change.userId ? a.order - b.order : a.change.userId < b.change.userId ? -1 : 1,
    );
    let rows: Awaited<ReturnType<typeof recordChanges>>;
    try {
      rows = await recordChanges(this.pool, this.tables, ordered);
    } catch {
      // One change that cannot be recorded must not hold back the rest: one by one, each fails alone.
      for (const item of ordered) {
        await recordChange(this.pool, this.tables, item.change, { acceptGap: item.acceptGap }).then(
          item.resolve,
          item.reject,
        );
      }
      return;
    }
    ordered.forEach((item, index) => {
      try {
        item.resolve(outcomeOf(item.change, rows[index]));
      } catch (error) {
        item.reject(error);
      }
    });
  }
}
