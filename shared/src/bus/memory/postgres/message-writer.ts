/**
 * Durable publishes of the persistent in-process bus: a publish resolves only once its message is in
 * PostgreSQL, and only then do consumers see it, so nothing a publisher was told is stored can be lost
 * by a restart (a relay moves its checkpoint on that promise).
 *
 * Group commit: publishes made while a batch is in flight wait and go together as one INSERT (one
 * implicit transaction), so concurrent publishers pay one round trip and one commit between them. One
 * batch at a time, on the lease's connection: sequence numbers are given out in commit order, without gaps.
 *
 * A batch that fails may still have committed (the connection dropped after COMMIT went out). The next
 * batch first reads back whatever was stored past the last known seq, so its messages are neither lost
 * nor given a second number, and a retried publish of one of them comes back as a duplicate.
 */
import type { Logger } from '../../../logging/index.js';
import type { DurablePublishResult } from '../../port.js';
import { type MemoryLog, type StoredMessage, withMsgId } from '../log.js';
import type { BusLogLease } from './lease.js';
import type { BusLogSql, MessageRow } from './schema.js';

interface Queued {
  readonly subject: string;
  readonly data: Uint8Array;
  readonly headers: Readonly<Record<string, string>>;
  readonly msgId: string;
  readonly resolve: (result: DurablePublishResult) => void;
  readonly reject: (reason: unknown) => void;
}

export interface MessageWriterOptions {
  readonly lease: BusLogLease;
  readonly sql: BusLogSql;
  readonly log: MemoryLog;
  readonly logger: Logger;
  /** At most this many messages per INSERT. Default 500. */
  readonly maxBatch?: number;
}

export class MessageWriter {
  private queue: Queued[] = [];
  /** msgIds waiting or in flight: a repeat waits for the first and is its duplicate. */
  private readonly queuedIds = new Map<string, Promise<DurablePublishResult>>();
  private active = false;
  private readonly idleWaiters: Array<() => void> = [];
  private uncertain = false;
  /** Everything up to here is deleted from the table (or never was there). */
  private prunedThrough = 0;
  private readonly pruneEvery: number;
  private readonly maxBatch: number;

  constructor(private readonly options: MessageWriterOptions) {
    const { maxMessages } = options.log.options;
    // Deleting row by row would cost a statement per publish: the cap is kept within a tenth (at most 1,000).
    this.pruneEvery = Math.max(1, Math.min(1_000, Math.floor(maxMessages / 10)));
    this.maxBatch = options.maxBatch ?? 500;
  }

  publish(
    subject: string,
    data: Uint8Array,
    headers: Readonly<Record<string, string>>,
    msgId: string,
  ): Promise<DurablePublishResult> {
    const known = this.options.log.duplicateOf(msgId, Date.now());
    if (known !== undefined) return Promise.resolve({ seq: known, duplicate: true });
    const queued = this.queuedIds.get(msgId);
    if (queued) return queued.then(({ seq }) => ({ seq, duplicate: true }));
    const stored = new Promise<DurablePublishResult>((resolve, reject) => {
      // A copy: the publisher may reuse its buffer once this returns.
      this.queue.push({
        subject,
        data: new Uint8Array(data),
        headers: withMsgId(headers, msgId),
        msgId,
        resolve,
        reject,
      });
    });
    this.queuedIds.set(msgId, stored);
    this.schedule();
    return stored;
  }

  /** Resolves once every publish queued so far is stored or has failed. */
  drain(): Promise<void> {
    if (!this.active) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Deletes the oldest messages beyond the cap, but none whose msgId is still inside the duplicate window:
   * after a restart the window must still hold (the log reads those ids back, see load.ts).
   */
  async prune(force = false): Promise<void> {
    const { log, lease, sql, logger } = this.options;
    const overCap = log.lastSeq - log.options.maxMessages;
    const remembered = log.oldestRememberedSeq(Date.now());
    const through = remembered === undefined ? overCap : Math.min(overCap, remembered - 1);
    if (through <= this.prunedThrough || (!force && through - this.prunedThrough < this.pruneEvery)) return;
    try {
      const client = await lease.client();
      await client.query(sql.deleteThrough, [through]);
      this.prunedThrough = through;
    } catch (error) {
      logger.warn({ err: error }, 'could not delete old messages of the events log; trying again later');
    }
  }

  /** Starts storing on the next microtask, so publishes made together go together. */
  private schedule(): void {
    if (this.active) return;
    this.active = true;
    queueMicrotask(() => void this.run());
  }

  private async run(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        if (await this.store(this.queue.splice(0, this.maxBatch))) await this.prune();
      }
    } finally {
      this.active = false;
      for (const wake of this.idleWaiters.splice(0)) wake();
    }
  }

  /** Stores one batch and settles its publishes; true if it was stored. Never throws. */
  private async store(batch: readonly Queued[]): Promise<boolean> {
    const { log, lease, sql } = this.options;
    try {
      const client = await lease.client();
      if (this.uncertain) {
        await this.readBack();
        this.uncertain = false;
      }
      const now = Date.now();
      const fresh: Queued[] = [];
      for (const queued of batch) {
        // The read-back may have brought in an earlier attempt of this very message.
        const known = log.duplicateOf(queued.msgId, now);
        if (known === undefined) fresh.push(queued);
        else queued.resolve({ seq: known, duplicate: true });
      }
      if (fresh.length === 0) return true;
      const first = log.lastSeq + 1;
      await client.query(sql.insertMessages, [
        fresh.map((_, i) => first + i),
        fresh.map((q) => q.subject),
        fresh.map((q) => q.data),
        fresh.map((q) => JSON.stringify(q.headers)),
        fresh.map((q) => q.msgId),
        new Date(now),
      ]);
      fresh.forEach((q, i) => {
        log.add({ seq: first + i, subject: q.subject, data: q.data, headers: q.headers }, q.msgId, now);
      });
      log.notify();
      fresh.forEach((q, i) => {
        q.resolve({ seq: first + i, duplicate: false });
      });
      return true;
    } catch (error) {
      this.uncertain = true;
      await lease.check();
      for (const queued of batch) queued.reject(error);
      return false;
    } finally {
      for (const queued of batch) this.queuedIds.delete(queued.msgId);
    }
  }

  /** Takes in whatever the table holds past the log's last seq (a batch that committed after all). */
  private async readBack(): Promise<void> {
    const { log, lease, sql, logger } = this.options;
    const client = await lease.client();
    const { rows } = await client.query<MessageRow>(sql.messagesAfter, [log.lastSeq]);
    for (const row of rows) log.add(messageFromRow(row), row.msg_id, row.stored_at.getTime());
    if (rows.length > 0) {
      logger.warn({ messages: rows.length }, 'a batch of the events log was stored although its commit failed');
      log.notify();
    }
  }
}

export function messageFromRow(row: MessageRow): StoredMessage {
  return {
    seq: Number(row.seq),
    subject: row.subject,
    // A plain Uint8Array (not a Buffer, whose slice() shares memory): consumers get copies through slice().
    data: new Uint8Array(row.data),
    headers: Object.freeze(row.headers),
  };
}
