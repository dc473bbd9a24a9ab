/** A consumer instance on the in-process bus: attached to its durable, it runs one message at a time. */
import type { Logger } from '../../logging/index.js';
import { type ResolvedConsumerOptions, settleWithin } from '../consumer-options.js';
import { runDurableHandler } from '../durable-run.js';
import type { Closeable } from '../port.js';
import type { DurableInstance, MemoryDurable } from './durable.js';

export const MEMORY_SYSTEM = 'cairn-memory';

export function startMemoryConsumer(owner: MemoryDurable, options: ResolvedConsumerOptions, logger: Logger): Closeable {
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
