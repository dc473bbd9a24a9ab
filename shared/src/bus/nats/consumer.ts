/**
 * Durable pull consumers on the events stream (v3 consumer API): explicit ack, ack wait, max deliver,
 * subject filters; one message at a time per instance; closing hands unstarted messages straight back.
 */
import {
  AckPolicy,
  type ConsumerConfig,
  DeliverPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  type JetStreamClient,
  type JetStreamManager,
} from '@nats-io/jetstream';
import { type NatsConnection, nanos } from '@nats-io/nats-core';
import type { Logger } from '../../logging/index.js';
import { type ResolvedConsumerOptions, settleWithin } from '../consumer-options.js';
import { runDurableHandler } from '../durable-run.js';
import type { Closeable } from '../port.js';
import { matchesAny } from '../subjects.js';
import { serverAtLeast } from './connection.js';
import { headersToRecord } from './headers.js';
import { NATS_SYSTEM, type WireSubject } from './rpc.js';

export interface StreamRef {
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  readonly stream: string;
  readonly wire: WireSubject;
  readonly unwire: WireSubject;
}

export async function consumeFromStream(
  ref: StreamRef,
  options: ResolvedConsumerOptions,
  logger: Logger,
): Promise<Closeable> {
  const filtersOnClient = await ensureConsumer(ref, options);
  // Before 2.10 the server does not parse `+TERM <reason>` and takes it for no ack at all.
  const termTakesReason = serverAtLeast(ref.nc, 2, 10);
  const consumer = await ref.js.consumers.get(ref.stream, options.durable);
  const messages = await consumer.consume({ max_messages: Math.max(1, options.prefetch ?? 1) });
  let closing = false;
  const loop = (async () => {
    for await (const m of messages) {
      // Pulled but not started when we began closing: give it back now rather than after its ack wait.
      if (closing) {
        m.nak();
        continue;
      }
      const subject = ref.unwire(m.subject);
      if (filtersOnClient && !matchesAny(options.filterSubjects, subject)) {
        m.ack();
        continue;
      }
      const delivered = {
        subject,
        data: m.data,
        headers: headersToRecord(m.headers),
        seq: m.seq,
        deliveryCount: m.info.deliveryCount,
      };
      const settlement = {
        ack: () => m.ack(),
        nak: (delayMs?: number) => m.nak(delayMs),
        term: (reason?: string) => (termTakesReason ? m.term(reason) : m.term()),
      };
      await runDurableHandler(NATS_SYSTEM, options, delivered, settlement, logger);
    }
  })();
  loop.catch((error: unknown) =>
    logger.error({ err: error, durable: options.durable }, 'Consumer stopped on an error'),
  );
  return {
    async close() {
      closing = true;
      void messages.close();
      await settleWithin(loop, options.ackWaitMs);
    },
  };
}

/**
 * Creates the durable or brings its settings up to date. Returns true when the server cannot filter on
 * several subjects (before 2.10): the consumer then reads the whole stream and the client skips the rest.
 */
async function ensureConsumer(ref: StreamRef, options: ResolvedConsumerOptions): Promise<boolean> {
  const filters = options.filterSubjects.map(ref.wire);
  const filtersOnClient = filters.length > 1 && !serverAtLeast(ref.nc, 2, 10);
  // Exactly one of the two filter fields (or neither): an update merges into the stored config, and the
  // server refuses a consumer that has both.
  const filter: Partial<ConsumerConfig> =
    filters.length === 1
      ? { filter_subject: filters[0]!, filter_subjects: undefined }
      : filtersOnClient
        ? { filter_subject: undefined, filter_subjects: undefined }
        : { filter_subject: undefined, filter_subjects: filters };
  const settings: Partial<ConsumerConfig> = {
    ack_wait: nanos(options.ackWaitMs),
    max_deliver: options.maxDeliver,
    ...filter,
  };
  try {
    await ref.jsm.consumers.update(ref.stream, options.durable, settings);
  } catch (error) {
    if (!(error instanceof JetStreamApiError && error.code === JetStreamApiCodes.ConsumerNotFound)) throw error;
    // Instances starting together may race here; adding an identical durable twice is accepted.
    await ref.jsm.consumers.add(ref.stream, {
      ...settings,
      durable_name: options.durable,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: options.deliverPolicy === 'new' ? DeliverPolicy.New : DeliverPolicy.All,
    });
  }
  return filtersOnClient;
}
