/**
 * The in-process Bus for embedded mode (every service in one process). Same contract as the NATS
 * adapter, down to JSON serialisation, error mapping, deduplication and redelivery, so code that runs
 * embedded runs distributed.
 */
import { createLogger, type Logger } from '../../logging/index.js';
import { resolveConsumerOptions } from '../consumer-options.js';
import { outgoingHeaders } from '../outgoing.js';
import { type Bus, BusError } from '../port.js';
import { assertEventSubject } from '../subjects.js';
import { TrackedCloseables } from '../tracked.js';
import { startMemoryConsumer } from './consume.js';
import type { MemoryDurable } from './durable.js';
import { MemoryLog } from './log.js';
import { MemoryPubSub } from './pubsub.js';
import { MemoryRpc } from './rpc.js';

export interface MemoryBusOptions {
  /** Window in which a repeated `msgId` is dropped. Default 2 minutes, as on the NATS stream. */
  readonly duplicateWindowMs?: number;
  /** Oldest durable messages are discarded beyond this many. Default 100,000. */
  readonly maxDurableMessages?: number;
  readonly logger?: Logger;
}

export function createMemoryBus(options: MemoryBusOptions = {}): Bus {
  const logger = options.logger ?? createLogger({ name: 'bus' });
  const log = new MemoryLog({
    duplicateWindowMs: options.duplicateWindowMs ?? 120_000,
    maxMessages: options.maxDurableMessages ?? 100_000,
  });
  const rpc = new MemoryRpc(logger);
  const pubsub = new MemoryPubSub(logger);
  const durables = new Map<string, MemoryDurable>();
  const open = new TrackedCloseables();
  let closed = false;

  const ensureOpen = (): void => {
    if (closed) throw new BusError('The bus is closed', 'SERVICE_UNAVAILABLE');
  };

  return {
    async serve(service) {
      ensureOpen();
      return open.track(rpc.serve(service));
    },
    // Not async: on the hot path an extra promise per call is measurable, and rpc.request never throws.
    request(service, operation, payload, requestOptions) {
      if (closed) return Promise.reject(new BusError('The bus is closed', 'SERVICE_UNAVAILABLE'));
      return rpc.request(service, operation, payload, requestOptions);
    },
    publish(subject, data, headers) {
      ensureOpen();
      pubsub.publish(subject, data, headers);
    },
    subscribe(subject, handler) {
      ensureOpen();
      return open.track(pubsub.subscribe(subject, handler));
    },
    async publishDurable(subject, data, publishOptions) {
      ensureOpen();
      assertEventSubject(subject);
      return log.append(subject, data, outgoingHeaders(publishOptions.headers) ?? {}, publishOptions.msgId);
    },
    async consume(consumerOptions) {
      ensureOpen();
      return open.track(startMemoryConsumer(durables, log, resolveConsumerOptions(consumerOptions), logger));
    },
    async ping() {
      ensureOpen();
    },
    async close() {
      if (closed) return;
      closed = true;
      await open.closeAll();
      for (const durable of durables.values()) durable.stop();
      pubsub.closeAll();
      await rpc.closeAll();
    },
  };
}
