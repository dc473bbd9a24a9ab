/**
 * Request/reply over NATS. A served service is a NATS micro service (`$SRV` discovery and stats)
 * named `cairn-<name>`, one endpoint per operation on `cairn.rpc.<name>.<op>` in queue group
 * `cairn-<name>`, so replicas share the load.
 */
import { type MsgHdrs, type NatsConnection, headers as newHeaders } from '@nats-io/nats-core';
import { Svcm } from '@nats-io/services';
import type { Logger } from '../../logging/index.js';
import type { CallTransport } from '../call.js';
import { createDispatch, servedOperations } from '../dispatch.js';
import { BusError, type Closeable, rpcSubject, type ServiceDefinition } from '../port.js';
import { CHUNK_HEADER, chunkSize, splitReply } from './chunks.js';
import { natsHeaderGetter, natsHeaderSetter } from './headers.js';
import { NatsRequester, RequestFailure } from './requests.js';

export const NATS_SYSTEM = 'nats';

/** Maps a logical subject to the one on the wire (a per-test namespace prefix, or none). */
export type WireSubject = (subject: string) => string;

/**
 * @nats-io/services 3.0.0-25 is typed against an older nats-core than the 3.3 connection we hold; it uses
 * only the connection's stable surface (subscribe, publish, request), so the structural cast is sound.
 */
type SvcmConnection = ConstructorParameters<typeof Svcm>[0];

export async function serveOverNats(
  nc: NatsConnection,
  service: ServiceDefinition,
  wire: WireSubject,
  logger: Logger,
): Promise<Closeable> {
  const operations = servedOperations(service);
  const dispatch = createDispatch(service, operations, NATS_SYSTEM, logger);
  const group = `cairn-${service.name}`;
  const micro = await new Svcm(nc as unknown as SvcmConnection).add({
    name: group,
    version: service.version,
    description: service.description ?? '',
    queue: group,
  });
  void micro.stopped.then((error) => {
    if (error) logger.error({ err: error, rpcService: service.name }, 'NATS service stopped on an error');
  });
  const inFlight = new Set<Promise<void>>();
  const maxChunk = chunkSize(nc.info?.max_payload);
  for (const operation of operations.keys()) {
    micro.addEndpoint(operation, {
      subject: wire(rpcSubject(service.name, operation)),
      // Not awaited: requests run concurrently; the reply goes out when each one finishes.
      handler: (_error, msg) => {
        const work = dispatch(operation, msg.data, msg.headers as MsgHdrs | undefined, natsHeaderGetter).then(
          (reply) => {
            if (reply.length <= maxChunk) msg.respond(reply);
            else respondInChunks(nc, msg.reply, reply, maxChunk);
          },
          (error: unknown) =>
            logger.error({ err: error, rpcService: service.name, rpcOperation: operation }, 'RPC dispatch failed'),
        );
        inFlight.add(work);
        void work.finally(() => inFlight.delete(work));
      },
    });
  }
  // Subscriptions reach the server asynchronously: once served, a request from another connection must
  // find the endpoints (not "no responders"), so wait until the server has taken them.
  await nc.flush();
  return {
    async close() {
      await micro.stop();
      await Promise.allSettled([...inFlight]);
    },
  };
}

/** A reply too large for one message, as ordered chunks (see chunks.ts). */
function respondInChunks(nc: NatsConnection, replyTo: string | undefined, reply: Uint8Array, size: number): void {
  if (!replyTo) return;
  const parts = splitReply(reply, size);
  parts.forEach((part, index) => {
    const headers = newHeaders();
    headers.set(CHUNK_HEADER, `${index + 1}/${parts.length}`);
    nc.publish(replyTo, part, { headers });
  });
}

export function natsCallTransport(nc: NatsConnection, wire: WireSubject): CallTransport<MsgHdrs> {
  const requester = new NatsRequester(nc);
  return {
    system: NATS_SYSTEM,
    newCarrier: () => newHeaders(),
    setter: natsHeaderSetter,
    async send(service, operation, data, headers, timeoutMs) {
      const subject = rpcSubject(service, operation);
      try {
        return await requester.request(wire(subject), data, headers, timeoutMs);
      } catch (error) {
        throw toBusError(error, subject, timeoutMs);
      }
    },
  };
}

function toBusError(error: unknown, subject: string, timeoutMs: number): BusError {
  const reason = error instanceof RequestFailure ? error.reason : 'failed';
  let busError: BusError;
  if (reason === 'no-responders') busError = new BusError(`No service answers ${subject}`, 'SERVICE_UNAVAILABLE');
  else if (reason === 'timeout') busError = new BusError(`No reply from ${subject} within ${timeoutMs} ms`, 'TIMEOUT');
  else busError = new BusError(`Request to ${subject} failed: ${(error as Error).message}`, 'SERVICE_UNAVAILABLE');
  busError.cause = error;
  return busError;
}
