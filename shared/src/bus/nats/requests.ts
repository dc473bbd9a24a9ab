/**
 * Request/reply over one wildcard inbox subscription, the way nats.js's own `request` multiplexes, minus
 * its per-request costs: nats.js builds a throw-away `Error` (a stack capture) when every successful
 * request settles, and arms a timer per request. Here a reply is a map lookup, and timeouts share one
 * timer per timeout length. Failures are the same: no responders (the server's 503 status), a timeout,
 * a publish refused, or the connection closing under a waiting request.
 */
import { createInbox, type Msg, type MsgHdrs, type NatsConnection, NoRespondersError } from '@nats-io/nats-core';
import { type PendingTimeout, TimeoutQueue } from '../timeouts.js';
import { CHUNK_HEADER, joinChunks, parseChunk } from './chunks.js';

interface Waiting {
  readonly subject: string;
  /** The parts of a chunked reply received so far (chunks.ts). */
  chunks?: Uint8Array[];
  readonly resolve: (data: Uint8Array) => void;
  readonly reject: (error: Error) => void;
  readonly timeout: PendingTimeout;
}

/** Why a request failed, for the adapter to map onto a `BusError`. */
export class RequestFailure extends Error {
  override readonly name = 'RequestFailure';
  constructor(
    readonly reason: 'no-responders' | 'timeout' | 'failed',
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export class NatsRequester {
  private readonly inbox = createInbox();
  private readonly waiting = new Map<string, Waiting>();
  private readonly timeouts = new TimeoutQueue();
  private next = 0;
  private closed: Error | undefined;

  constructor(private readonly nc: NatsConnection) {
    const subscription = nc.subscribe(`${this.inbox}.*`, {
      callback: (error, msg) => (error ? this.failAll(error) : this.settle(msg)),
    });
    void subscription.closed.then((error) => {
      this.closed = new RequestFailure('failed', 'connection closed', error ? { cause: error } : undefined);
      this.failAll(this.closed);
    });
  }

  request(subject: string, data: Uint8Array, headers: MsgHdrs, timeoutMs: number): Promise<Uint8Array> {
    if (this.closed) return Promise.reject(this.closed);
    const reply = `${this.inbox}.${++this.next}`;
    // No closures per request beyond the promise's own: the reply, a timeout or a failure settles it.
    return new Promise<Uint8Array>((resolve, reject) => {
      const timeout = this.timeouts.start(timeoutMs, () => {
        this.waiting.delete(reply);
        reject(new RequestFailure('timeout', `no reply within ${timeoutMs} ms`));
      });
      this.waiting.set(reply, { subject, resolve, reject, timeout });
      try {
        this.nc.publish(subject, data, { reply, headers });
      } catch (error) {
        this.waiting.delete(reply);
        this.timeouts.done(timeout);
        reject(new RequestFailure('failed', (error as Error).message, { cause: error }));
      }
    });
  }

  private settle(msg: Msg): void {
    const waiting = this.waiting.get(msg.subject);
    if (waiting === undefined) return; // answered after its timeout, or a second answer
    const chunk = parseChunk(msg.headers?.get(CHUNK_HEADER));
    if (chunk) {
      const [index, count] = chunk;
      waiting.chunks ??= [];
      if (index !== waiting.chunks.length + 1) {
        this.waiting.delete(msg.subject);
        this.timeouts.done(waiting.timeout);
        waiting.reject(new RequestFailure('failed', `reply chunk ${index}/${count} arrived out of order`));
        return;
      }
      waiting.chunks.push(msg.data);
      if (index < count) return;
      this.waiting.delete(msg.subject);
      this.timeouts.done(waiting.timeout);
      waiting.resolve(joinChunks(waiting.chunks));
      return;
    }
    this.waiting.delete(msg.subject);
    this.timeouts.done(waiting.timeout);
    // The server answers a request nobody is subscribed to with an empty 503 status message.
    if (msg.data.length === 0 && msg.headers?.code === 503) {
      const cause = new NoRespondersError(waiting.subject);
      waiting.reject(new RequestFailure('no-responders', cause.message, { cause }));
    } else waiting.resolve(msg.data);
  }

  private failAll(error: Error): void {
    const failure =
      error instanceof RequestFailure ? error : new RequestFailure('failed', error.message, { cause: error });
    const waiting = [...this.waiting.values()];
    this.waiting.clear();
    for (const call of waiting) {
      this.timeouts.done(call.timeout);
      call.reject(failure);
    }
  }
}
