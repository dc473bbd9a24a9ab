/**
 * The production Bus: NATS core for RPC and notifications, JetStream for durable integration events.
 */
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { createLogger, type Logger } from '../../logging/index.js';
import { callService } from '../call.js';
import { resolveConsumerOptions } from '../consumer-options.js';
import { outgoingHeaders } from '../outgoing.js';
import { type Bus, EVENTS_STREAM } from '../port.js';
import { assertEphemeralSubject } from '../subjects.js';
import { TrackedCloseables } from '../tracked.js';
import { openConnection } from './connection.js';
import { consumeFromStream, type StreamRef } from './consumer.js';
import { headersToRecord, recordToHeaders } from './headers.js';
import { natsCallTransport, serveOverNats, type WireSubject } from './rpc.js';
import { ensureEventsStream, publishToStream } from './stream.js';

export interface NatsBusOptions {
  /** One URL or several (a cluster), e.g. `nats://127.0.0.1:4222`. */
  readonly servers: string | readonly string[];
  /** Connection name shown by the server's monitoring, e.g. the service name. */
  readonly name?: string;
  /** Events stream name. Default `CAIRN_EVENTS`; tests use one per file. */
  readonly stream?: string;
  /**
   * A first subject token put in front of every subject on the wire and taken off on the way in, so
   * test files sharing one server never see each other's traffic. Production leaves it unset.
   */
  readonly subjectPrefix?: string;
  /** Window in which a repeated `msgId` is dropped. Default 2 minutes. */
  readonly duplicateWindowMs?: number;
  /** Age after which the stream drops messages; default 0 = never. */
  readonly maxAgeMs?: number;
  readonly logger?: Logger;
}

export async function createNatsBus(options: NatsBusOptions): Promise<Bus> {
  const logger = options.logger ?? createLogger({ name: 'bus' });
  const prefix = options.subjectPrefix ? `${options.subjectPrefix}.` : '';
  const wire: WireSubject = prefix ? (subject) => prefix + subject : (subject) => subject;
  const unwire: WireSubject = prefix
    ? (subject) => (subject.startsWith(prefix) ? subject.slice(prefix.length) : subject)
    : wire;
  const stream = options.stream ?? EVENTS_STREAM;

  const nc = await openConnection({
    servers: options.servers,
    ...(options.name ? { name: options.name } : {}),
    logger,
  });
  try {
    const jsm = await jetstreamManager(nc);
    await ensureEventsStream(
      jsm,
      { name: stream, duplicateWindowMs: options.duplicateWindowMs ?? 120_000, maxAgeMs: options.maxAgeMs ?? 0 },
      wire,
    );
    const js = jetstream(nc);
    const ref: StreamRef = { nc, js, jsm, stream, wire, unwire };
    const transport = natsCallTransport(nc, wire);
    const open = new TrackedCloseables();

    return {
      async serve(service) {
        return open.track(await serveOverNats(nc, service, wire, logger));
      },
      request(service, operation, payload, requestOptions) {
        return callService(transport, service, operation, payload, requestOptions);
      },
      publish(subject, data, headers) {
        assertEphemeralSubject(subject);
        const sent = recordToHeaders(outgoingHeaders(headers));
        nc.publish(wire(subject), data, sent ? { headers: sent } : undefined);
      },
      subscribe(subject, handler) {
        const subscription = nc.subscribe(wire(subject), {
          callback: (error, msg) => {
            if (error) {
              logger.error({ err: error, subject }, 'Subscription failed');
              return;
            }
            try {
              handler({ subject: unwire(msg.subject), data: msg.data, headers: headersToRecord(msg.headers) });
            } catch (handlerError) {
              logger.error({ err: handlerError, subject: msg.subject }, 'Subscriber failed');
            }
          },
        });
        return open.track({ close: async () => subscription.unsubscribe() });
      },
      publishDurable(subject, data, publishOptions) {
        return publishToStream(js, stream, wire, subject, data, publishOptions);
      },
      async consume(consumerOptions) {
        return open.track(await consumeFromStream(ref, resolveConsumerOptions(consumerOptions), logger));
      },
      async ping() {
        await nc.flush();
      },
      async close() {
        await open.closeAll();
        if (!nc.isClosed()) await nc.drain();
      },
    };
  } catch (error) {
    await nc.close();
    throw error;
  }
}
