/**
 * One durable consumer of the in-process log, with JetStream's delivery rules: a cursor over new
 * messages, a pending set of delivered-but-unsettled ones, redelivery after ack wait or a nak's delay,
 * a cap on deliveries, and instances that share the work one message at a time each.
 *
 * Its state (cursor and pending deliveries) can be saved and restored (`snapshot`, `DurableState`), so
 * that with PostgreSQL behind the bus a durable resumes after a restart: what was pending comes back at
 * once, what was acked never does. `onChange` tells the saver that there is something new to save.
 */
import type { Logger } from '../../logging/index.js';
import { matchesAny } from '../subjects.js';
import type { MemoryLog, StoredMessage } from './log.js';

export interface DurableConfig {
  readonly filterSubjects: readonly string[];
  readonly ackWaitMs: number;
  readonly maxDeliver: number;
}

export interface Settle {
  ack(): void;
  nak(delayMs?: number): void;
  term(): void;
}

/** A consumer instance: receives one message at a time and reports back through `Settle`. */
export interface DurableInstance {
  busy: boolean;
  deliver(message: StoredMessage, deliveryCount: number, settle: Settle): void;
}

/** A delivered message not yet acked or terminated, and how often it was delivered. */
export interface PendingDelivery {
  readonly seq: number;
  readonly deliveries: number;
}

/** What a durable must remember across a restart. */
export interface DurableState {
  /** The next sequence to look at for new messages. */
  readonly nextSeq: number;
  readonly pending: readonly PendingDelivery[];
}

export interface DurableSnapshot extends DurableState {
  readonly name: string;
  readonly config: DurableConfig;
}

interface Pending {
  deliveries: number;
  /** When this message may be delivered again: ack wait after a delivery, or a nak's delay. */
  dueAt: number;
}

export class MemoryDurable {
  private cursor: number;
  private readonly pending = new Map<number, Pending>();
  private readonly instances = new Set<DurableInstance>();
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Number.POSITIVE_INFINITY;
  private readonly stopListening: () => void;

  constructor(
    readonly name: string,
    private config: DurableConfig,
    private readonly log: MemoryLog,
    private readonly logger: Logger,
    state: DurableState,
    private readonly onChange: (durable: MemoryDurable) => void = () => undefined,
  ) {
    this.cursor = state.nextSeq;
    // Restored deliveries are due at once: their instances went with the process that held them.
    for (const { seq, deliveries } of state.pending) this.pending.set(seq, { deliveries, dueAt: 0 });
    this.stopListening = log.onAppend(this.pump);
  }

  /** Like a JetStream consumer update: later `consume` calls may change the filters and limits. */
  reconfigure(config: DurableConfig): void {
    this.config = config;
    this.onChange(this);
  }

  snapshot(): DurableSnapshot {
    const pending = [...this.pending].map(([seq, entry]) => ({ seq, deliveries: entry.deliveries }));
    return { name: this.name, config: this.config, nextSeq: this.cursor, pending };
  }

  attach(instance: DurableInstance): void {
    this.instances.add(instance);
    this.pump();
  }

  /** What the instance held stays pending: it comes back after its ack wait, as after a crash. */
  detach(instance: DurableInstance): void {
    this.instances.delete(instance);
  }

  stop(): void {
    this.stopListening();
    this.instances.clear();
    clearTimeout(this.timer);
    this.timerAt = Number.POSITIVE_INFINITY;
  }

  pump = (): void => {
    const now = Date.now();
    for (const instance of [...this.instances]) {
      if (instance.busy) continue;
      const next = this.next(now);
      if (!next) break;
      // Round robin: the instance just served goes to the back of the line.
      this.instances.delete(instance);
      this.instances.add(instance);
      this.deliver(instance, next, now);
    }
    this.schedule(now);
  };

  private deliver(instance: DurableInstance, message: StoredMessage, now: number): void {
    const entry = this.pending.get(message.seq) ?? { deliveries: 0, dueAt: 0 };
    entry.deliveries += 1;
    entry.dueAt = now + this.config.ackWaitMs;
    this.pending.set(message.seq, entry);
    const settled = () => {
      if (this.pending.delete(message.seq)) this.onChange(this);
    };
    const settle: Settle = {
      ack: settled,
      term: settled,
      nak: (delayMs = 0) => {
        if (this.pending.get(message.seq) === entry) entry.dueAt = Date.now() + delayMs;
      },
    };
    this.onChange(this);
    instance.deliver(message, entry.deliveries, settle);
  }

  /** Due redeliveries first (oldest first), then the next new message that passes the filters. */
  private next(now: number): StoredMessage | undefined {
    for (const [seq, entry] of [...this.pending].sort((a, b) => a[0] - b[0])) {
      if (entry.dueAt > now) continue;
      const message = this.log.get(seq);
      if (!message || entry.deliveries >= this.config.maxDeliver) {
        this.pending.delete(seq);
        this.onChange(this);
        if (message)
          this.logger.error(
            { durable: this.name, seq, subject: message.subject },
            'Message dropped after max deliveries',
          );
        continue;
      }
      return message;
    }
    this.cursor = Math.max(this.cursor, this.log.firstSeq);
    while (this.cursor <= this.log.lastSeq) {
      const message = this.log.get(this.cursor++);
      if (message && matchesAny(this.config.filterSubjects, message.subject)) return message;
    }
    return undefined;
  }

  /** One timer for the earliest moment a pending message becomes due again. */
  private schedule(now: number): void {
    let earliest = Number.POSITIVE_INFINITY;
    for (const entry of this.pending.values()) if (entry.dueAt > now && entry.dueAt < earliest) earliest = entry.dueAt;
    if (this.instances.size === 0) earliest = Number.POSITIVE_INFINITY;
    if (earliest === this.timerAt) return;
    clearTimeout(this.timer);
    this.timerAt = earliest;
    if (earliest === Number.POSITIVE_INFINITY) return;
    this.timer = setTimeout(() => {
      this.timerAt = Number.POSITIVE_INFINITY;
      this.pump();
    }, earliest - now);
    this.timer.unref();
  }
}
