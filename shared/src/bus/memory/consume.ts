/** A consumer instance on the in-process bus: joins (or creates) its durable and runs one message at a time. */
import type { Logger } from '../../logging/index.js';
import { type ResolvedConsumerOptions, settleWithin } from '../consumer-options.js';
import { runDurableHandler } from '../durable-run.js';
import type { Closeable } from '../port.js';
import { type DurableInstance, MemoryDurable } from './durable.js';
import type { MemoryLog } from './log.js';

export const MEMORY_SYSTEM = 'cairn-memory';

export function startMemoryConsumer(
  durables: Map<string, MemoryDurable>,
  log: MemoryLog,
  options: ResolvedConsumerOptions,
  logger: Logger,
): Closeable {
  const config = {
    filterSubjects: [...options.filterSubjects],
    ackWaitMs: options.ackWaitMs,
    maxDeliver: options.maxDeliver,
  };
  let durable = durables.get(options.durable);
  if (durable) durable.reconfigure(config);
  else {
    const start = options.deliverPolicy === 'new' ? log.lastSeq + 1 : log.firstSeq;
    durable = new MemoryDurable(options.durable, config, log, logger, start);
    durables.set(options.durable, durable);
  }
  const owner = durable;
  let current: Promise<void> | undefined;
  const instance: DurableInstance = {
    busy: false,
    deliver(message, deliveryCount, settle) {
      instance.busy = true;
      const delivered = {
        subject: message.subject,
        data: message.data.slice(),
        headers: message.headers,
        seq: message.seq,
        deliveryCount,
      };
      // Start on a later tick: the durable is mid-pump and must not be re-entered by a synchronous settle.
      current = Promise.resolve()
        .then(() => runDurableHandler(MEMORY_SYSTEM, options, delivered, settle, logger))
        .finally(() => {
          instance.busy = false;
          current = undefined;
          owner.pump();
        });
    },
  };
  owner.attach(instance);
  return {
    async close() {
      owner.detach(instance);
      await settleWithin(current, options.ackWaitMs);
    },
  };
}
