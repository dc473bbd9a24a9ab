/**
 * Saves the durables of the persistent in-process bus: config, cursor and pending deliveries, so that a
 * restarted bus redelivers what was unsettled and never what was acked.
 *
 * Saving is batched: a change marks its durable, and after a short delay every marked durable is written
 * in one statement (a snapshot taken at write time, so it never claims an ack that did not happen). A
 * crash loses at most the acks of that delay, which come back as redeliveries: at-least-once, as allowed.
 * Closing the bus saves everything. A new durable is saved before its consumer starts (`flush`), since
 * its starting point (`deliverPolicy: 'new'`) could not be recovered.
 */
import type { Logger } from '../../../logging/index.js';
import type { DurableSnapshot, MemoryDurable } from '../durable.js';
import type { BusLogLease } from './lease.js';
import type { BusLogSql } from './schema.js';

/** After a failed save, the next try waits this long (the durables stay marked). */
const RETRY_MS = 1_000;

export class DurableStateWriter {
  private readonly dirty = new Set<MemoryDurable>();
  private timer: NodeJS.Timeout | undefined;
  private tail: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly lease: BusLogLease,
    private readonly sql: BusLogSql,
    private readonly logger: Logger,
    private readonly delayMs: number,
  ) {}

  /** Marks a durable whose state changed; it is saved with the next batch. */
  readonly changed = (durable: MemoryDurable): void => {
    this.dirty.add(durable);
    this.schedule(this.delayMs);
  };

  /** Saves every marked durable now (after any save in progress); rejects if the write fails. */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const run = this.tail.then(() => this.write());
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** The last save. A failure is logged: what it would have saved comes back as redeliveries. */
  async close(): Promise<void> {
    this.closed = true;
    try {
      await this.flush();
    } catch (error) {
      this.logger.error({ err: error }, 'could not save the durables of the events log; unsaved acks will redeliver');
    }
  }

  private schedule(delayMs: number): void {
    if (this.timer || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush().catch((error: unknown) => {
        this.logger.warn({ err: error }, 'could not save the durables of the events log; trying again');
        this.schedule(RETRY_MS);
      });
    }, delayMs);
    this.timer.unref();
  }

  private async write(): Promise<void> {
    if (this.dirty.size === 0) return;
    const durables = [...this.dirty];
    this.dirty.clear();
    const rows = durables.map((durable) => toRow(durable.snapshot()));
    try {
      const client = await this.lease.client();
      await client.query(this.sql.saveConsumers, [JSON.stringify(rows)]);
    } catch (error) {
      for (const durable of durables) this.dirty.add(durable);
      await this.lease.check();
      throw error;
    }
  }
}

function toRow(snapshot: DurableSnapshot) {
  return {
    name: snapshot.name,
    filter_subjects: snapshot.config.filterSubjects,
    ack_wait_ms: snapshot.config.ackWaitMs,
    max_deliver: snapshot.config.maxDeliver,
    next_seq: snapshot.nextSeq,
    pending: snapshot.pending,
  };
}
