/**
 * The durables of one in-process bus, by name: `consume` joins an existing one (updating its filters
 * and limits, as a JetStream consumer update does) or creates it at the start its deliver policy asks for.
 */
import type { Logger } from '../../logging/index.js';
import type { ResolvedConsumerOptions } from '../consumer-options.js';
import { type DurableConfig, type DurableState, MemoryDurable } from './durable.js';
import type { MemoryLog } from './log.js';

export class MemoryDurables {
  private readonly byName = new Map<string, MemoryDurable>();

  constructor(
    private readonly log: MemoryLog,
    private readonly logger: Logger,
    /** Told whenever a durable's state or config changes (the persistent bus saves it). */
    private readonly onChange?: (durable: MemoryDurable) => void,
  ) {}

  /** Brings back a durable saved before a restart. */
  restore(name: string, config: DurableConfig, state: DurableState): void {
    this.byName.set(name, new MemoryDurable(name, config, this.log, this.logger, state, this.onChange));
  }

  join(options: ResolvedConsumerOptions): { readonly durable: MemoryDurable; readonly created: boolean } {
    const config: DurableConfig = {
      filterSubjects: [...options.filterSubjects],
      ackWaitMs: options.ackWaitMs,
      maxDeliver: options.maxDeliver,
    };
    const existing = this.byName.get(options.durable);
    if (existing) {
      existing.reconfigure(config);
      return { durable: existing, created: false };
    }
    const nextSeq = options.deliverPolicy === 'new' ? this.log.lastSeq + 1 : this.log.firstSeq;
    const durable = new MemoryDurable(
      options.durable,
      config,
      this.log,
      this.logger,
      { nextSeq, pending: [] },
      this.onChange,
    );
    this.byName.set(options.durable, durable);
    return { durable, created: true };
  }

  stopAll(): void {
    for (const durable of this.byName.values()) durable.stop();
  }
}
