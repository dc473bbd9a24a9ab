/**
 * The in-process stand-in for the CAIRN_EVENTS stream: an append-only, sequence-numbered log with
 * msgId deduplication inside a time window and a cap on retained messages (like a limits stream).
 *
 * On its own it lives and dies with the process (`append`). With PostgreSQL behind it (see
 * postgres/message-writer.ts) the writer stores first and then `add`s what was stored, so consumers only
 * ever see messages that survive a restart; a restart rebuilds the log the same way (postgres/load.ts).
 */
import { HEADER_MSG_ID } from '../port.js';

export interface StoredMessage {
  readonly seq: number;
  readonly subject: string;
  readonly data: Uint8Array;
  readonly headers: Readonly<Record<string, string>>;
}

export interface MemoryLogOptions {
  readonly duplicateWindowMs: number;
  readonly maxMessages: number;
}

export class MemoryLog {
  /** Retained messages from `head` on; slots before it were dropped by the cap and are cleared. */
  private messages: Array<StoredMessage | undefined> = [];
  private head = 0;
  /** msgId → when it was first stored and at which seq; insertion order is time order, so pruning is from the front. */
  private readonly recentIds = new Map<string, { readonly at: number; readonly seq: number }>();
  private last = 0;
  private readonly listeners = new Set<() => void>();

  constructor(readonly options: MemoryLogOptions) {}

  get lastSeq(): number {
    return this.last;
  }

  /** Sequence of the oldest retained message (lastSeq + 1 when empty). */
  get firstSeq(): number {
    return this.messages[this.head]?.seq ?? this.last + 1;
  }

  append(
    subject: string,
    data: Uint8Array,
    headers: Readonly<Record<string, string>>,
    msgId: string,
  ): { seq: number; duplicate: boolean } {
    const now = Date.now();
    const known = this.duplicateOf(msgId, now);
    if (known !== undefined) return { seq: known, duplicate: true };
    const seq = this.last + 1;
    // A plain copy (a Buffer's slice() would share the publisher's memory).
    this.add({ seq, subject, data: new Uint8Array(data), headers: withMsgId(headers, msgId) }, msgId, now);
    this.notify();
    return { seq, duplicate: false };
  }

  /** The seq a `msgId` was stored under, while it is inside the duplicate window. */
  duplicateOf(msgId: string, now: number): number | undefined {
    this.pruneIds(now);
    return this.recentIds.get(msgId)?.seq;
  }

  /**
   * Takes a message in as the next one (its seq must be `lastSeq + 1`), stored at `at`. Listeners are
   * not told: call `notify` once the caller has added what it had.
   */
  add(message: StoredMessage, msgId: string, at: number): void {
    if (message.seq !== this.last + 1) {
      throw new Error(`events log: expected seq ${this.last + 1}, got ${message.seq}`);
    }
    this.last = message.seq;
    this.messages.push(message);
    // Deleted first so that a msgId stored again after its window goes to the back (time order).
    this.recentIds.delete(msgId);
    this.recentIds.set(msgId, { at, seq: message.seq });
    if (this.messages.length - this.head > this.options.maxMessages) this.dropOldest();
  }

  /** Array.shift would move every retained message on each append past the cap: advance a head instead. */
  private dropOldest(): void {
    this.messages[this.head] = undefined;
    this.head += 1;
    // Compact once the dropped slots outnumber the kept ones: a copy per `maxMessages` drops, O(1) per append.
    if (this.head >= 1_024 && this.head * 2 >= this.messages.length) {
      this.messages = this.messages.slice(this.head);
      this.head = 0;
    }
  }

  /** A msgId still inside its window whose message the cap dropped before a restart: a repeat stays a duplicate. */
  rememberId(msgId: string, seq: number, at: number): void {
    this.recentIds.set(msgId, { at, seq });
  }

  /** An empty log continues after `seq`, the last sequence used before a restart: numbers are never reused. */
  continueAfter(seq: number): void {
    if (this.messages.length > this.head || seq < this.last)
      throw new Error('events log: can only move an empty log forward');
    this.last = seq;
  }

  /** The oldest seq whose msgId is still inside the window: a stored copy of it must be kept until then. */
  oldestRememberedSeq(now: number): number | undefined {
    this.pruneIds(now);
    for (const entry of this.recentIds.values()) return entry.seq;
    return undefined;
  }

  get(seq: number): StoredMessage | undefined {
    const first = this.messages[this.head];
    if (!first || seq < first.seq) return undefined;
    return this.messages[this.head + seq - first.seq];
  }

  onAppend(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  notify(): void {
    for (const listener of this.listeners) listener();
  }

  private pruneIds(now: number): void {
    for (const [id, entry] of this.recentIds) {
      if (now - entry.at < this.options.duplicateWindowMs) return;
      this.recentIds.delete(id);
    }
  }
}

/** The headers as stored: frozen, with the msgId that consumers use for their own dedup. */
export function withMsgId(headers: Readonly<Record<string, string>>, msgId: string): Readonly<Record<string, string>> {
  return Object.freeze({ ...headers, [HEADER_MSG_ID]: msgId });
}
