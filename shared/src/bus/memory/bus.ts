/**
 * The in-process Bus for embedded mode (every service in one process). Same contract as the NATS
 * adapter, down to JSON serialisation, error mapping, deduplication and redelivery, so code that runs
 * embedded runs distributed.
 *
 * `createMemoryBus` keeps the events log in memory only (tests, one-off commands). The platform uses
 * `createPersistentMemoryBus` (persistent-bus.ts), which stores it in PostgreSQL, as JetStream would on
 * disk; both are this same bus with or without a `LogStorage`.
 */
import { createLogger, type Logger } from '../../logging/index.js';
import { resolveConsumerOptions } from '../consumer-options.js';
import { outgoingHeaders } from '../outgoing.js';
import { type Bus, BusError, type DurablePublishResult } from '../port.js';
import { assertEventSubject } from '../subjects.js';
import { TrackedCloseables } from '../tracked.js';
import { startMemoryConsumer } from './consume.js';
import type { MemoryDurable } from './durable.js';
import { MemoryDurables } from './durables.js';
import { MemoryLog, type MemoryLogOptions } from './log.js';
import { MemoryPubSub } from './pubsub.js';
import { MemoryRpc } from './rpc.js';

export interface MemoryBusOptions {
  /** Window in which a repeated `msgId` is dropped. Default 2 minutes, as on the NATS stream. */
  readonly duplicateWindowMs?: number;
  /** Oldest durable messages are discarded beyond this many. Default 100,000. */
  readonly maxDurableMessages?: number;
  readonly logger?: Logger;
}

/** Where the events log is kept besides memory: the bus hands it publishes and new durables. */
export interface LogStorage {
  /** Stores the message, then adds it to the log; resolves only once it is stored. */
  publish(
    subject: string,
    data: Uint8Array,
    headers: Readonly<Record<string, string>>,
    msgId: string,
  ): Promise<DurablePublishResult>;
  /** Saves a durable just created, before its first consumer starts (its start point must survive). */
  durableCreated(durable: MemoryDurable): Promise<void>;
  /** Runs last when the bus closes: stores what is queued and saves the durables' state. */
  close(): Promise<void>;
}

export function memoryLogOptions(options: MemoryBusOptions): MemoryLogOptions {
  return {
    duplicateWindowMs: options.duplicateWindowMs ?? 120_000,
    maxMessages: options.maxDurableMessages ?? 100_000,
  };
}

export function createMemoryBus(options: MemoryBusOptions = {}): Bus {
  const logger = options.logger ?? createLogger({ name: 'bus' });
  const log = new MemoryLog(memoryLogOptions(options));
  return assembleMemoryBus(log, new MemoryDurables(log, logger), logger);
}

/** The bus around a log and its durables, with `storage` when the log is kept in a database. */
export function assembleMemoryBus(log: MemoryLog, durables: MemoryDurables, logger: Logger, storage?: LogStorage): Bus {
  const rpc = new MemoryRpc(logger);
  const pubsub = new MemoryPubSub(logger);
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
      const headers = outgoingHeaders(publishOptions.headers) ?? {};
      if (storage) return storage.publish(subject, data, headers, publishOptions.msgId);
      return log.append(subject, data, headers, publishOptions.msgId);
    },
    async consume(consumerOptions) {
      ensureOpen();
      const resolved = resolveConsumerOptions(consumerOptions);
      const { durable, created } = durables.join(resolved);
      if (created && storage) {
        await storage.durableCreated(durable);
        ensureOpen();
      }
      return open.track(startMemoryConsumer(durable, resolved, logger));
    },
    async ping() {
      ensureOpen();
    },
    async close() {
      if (closed) return;
      closed = true;
      await open.closeAll();
      durables.stopAll();
      pubsub.closeAll();
      await rpc.closeAll();
      await storage?.close();
    },
  };
}
