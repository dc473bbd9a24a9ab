/**
 * The in-process stand-in for the CAIRN_EVENTS stream: an append-only, sequence-numbered log with
 * msgId deduplication inside a time window and a cap on retained messages (like a limits stream).
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
  private readonly messages: StoredMessage[] = [];
  /** msgId → when it was first stored and at which seq; insertion order is time order, so pruning is from the front. */
  private readonly recentIds = new Map<string, { readonly at: number; readonly seq: number }>();
  private last = 0;
  private readonly listeners = new Set<() => void>();

  constructor(private readonly options: MemoryLogOptions) {}

  get lastSeq(): number {
    return this.last;
  }

  /** Sequence of the oldest retained message (lastSeq + 1 when empty). */
  get firstSeq(): number {
    return this.messages[0]?.seq ?? this.last + 1;
  }

  append(
    subject: string,
    data: Uint8Array,
    headers: Readonly<Record<string, string>>,
    msgId: string,
  ): { seq: number; duplicate: boolean } {
    const now = Date.now();
    this.pruneIds(now);
    const known = this.recentIds.get(msgId);
    if (known) return { seq: known.seq, duplicate: true };
    const seq = ++this.last;
    this.messages.push({
      seq,
      subject,
      data: data.slice(),
      headers: Object.freeze({ ...headers, [HEADER_MSG_ID]: msgId }),
    });
    this.recentIds.set(msgId, { at: now, seq });
    if (this.messages.length > this.options.maxMessages) this.messages.shift();
    for (const listener of this.listeners) listener();
    return { seq, duplicate: false };
  }

  get(seq: number): StoredMessage | undefined {
    const first = this.messages[0];
    return first ? this.messages[seq - first.seq] : undefined;
  }

  onAppend(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private pruneIds(now: number): void {
    for (const [id, entry] of this.recentIds) {
      if (now - entry.at < this.options.duplicateWindowMs) return;
      this.recentIds.delete(id);
    }
  }
}
