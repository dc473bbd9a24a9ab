/**
 * The Bus port: request/reply between the gateway and services, ephemeral notifications, and durable
 * integration events. Adapters: NATS + JetStream (production) and in-memory (embedded, one process).
 * Both pass the same contract test suite.
 */
import type { Actor } from '../eventstore/port.js';

/** Everything that travels with a request besides its payload (NATS headers on the wire). */
export interface RequestContext {
  readonly requestId: string;
  readonly actor?: Actor;
  /** W3C trace context; `traceparent` and `tracestate`. */
  readonly traceparent?: string;
  readonly tracestate?: string;
  readonly idempotencyKey?: string;
  /** Absolute deadline, ms since epoch. A handler past it should stop early. */
  readonly deadline?: number;
}

/** A failed call as it crosses the bus. `code` is one of the contract's error codes. */
export interface RpcError {
  readonly code: string;
  readonly message: string;
  readonly details?: unknown;
}

export type RpcReply<T = unknown> =
  | { readonly ok: true; readonly data: T }
  | { readonly ok: false; readonly error: RpcError };

export type RpcHandler<Req = unknown, Res = unknown> = (payload: Req, context: RequestContext) => Promise<Res>;

export interface ServiceDefinition {
  /** Service name: `auth`, `accounts`, ... Subjects are `cairn.rpc.<name>.<operation>`. */
  readonly name: string;
  readonly version: string;
  readonly description?: string;
  /**
   * Operation name → handler. A handler throws a `DomainError` (http/errors) to answer with an error
   * code; anything else becomes INTERNAL_ERROR without leaking its message.
   */
  readonly operations: Readonly<Record<string, RpcHandler<any, any>>>;
}

export interface RequestOptions {
  readonly context: RequestContext;
  /**
   * Default 5000 ms. On expiry the call rejects with a `BusError` coded TIMEOUT; with nobody serving
   * the operation it rejects at once with SERVICE_UNAVAILABLE.
   */
  readonly timeoutMs?: number;
}

/** An ephemeral (core NATS) message. */
export interface Notification {
  readonly subject: string;
  readonly data: Uint8Array;
  readonly headers: Readonly<Record<string, string>>;
}

/** A durable (JetStream) message handed to a consumer; settle it exactly once. */
export interface DurableMessage {
  readonly subject: string;
  readonly data: Uint8Array;
  readonly headers: Readonly<Record<string, string>>;
  /** The stream sequence number. */
  readonly seq: number;
  /** 1 on first delivery. */
  readonly deliveryCount: number;
  ack(): void;
  /** Redeliver later (transient fault). */
  nak(delayMs?: number): void;
  /** Never redeliver (poison message). */
  term(reason?: string): void;
}

export interface DurablePublishOptions {
  /** Deduplication id: a second publish with the same id within the window is dropped. */
  readonly msgId: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface DurablePublishResult {
  readonly seq: number;
  readonly duplicate: boolean;
}

export interface ConsumerOptions {
  /** Durable consumer name; several processes with the same name share the work. */
  readonly durable: string;
  /** Subject filters, NATS wildcards allowed (`cairn.auth.>`). */
  readonly filterSubjects: readonly string[];
  /** Time before an un-acked message is redelivered. Default 30 s. */
  readonly ackWaitMs?: number;
  /** After this many deliveries the message is dropped (and should be logged). Default 10. */
  readonly maxDeliver?: number;
  /**
   * Where a new durable starts: all retained messages (default) or only new ones.
   */
  readonly deliverPolicy?: 'all' | 'new';
  /**
   * NATS only: messages pulled ahead of the handler (default 1). Buffered messages count against their
   * ack wait, so raise it only for fast handlers. The in-process bus hands out one message at a time.
   */
  readonly prefetch?: number;
  /**
   * Called once per message, one at a time per consumer instance. If it throws the message is nak'ed
   * with a short delay; a handler that settles the message itself is left alone; one that returns without
   * settling has its message acked.
   */
  readonly handler: (message: DurableMessage) => Promise<void>;
}

export interface Closeable {
  close(): Promise<void>;
}

export interface Bus {
  /** Answer requests on `cairn.rpc.<name>.<op>` in a queue group, so replicas share the load. */
  serve(service: ServiceDefinition): Promise<Closeable>;
  /** Call `cairn.rpc.<service>.<operation>`. Resolves with the handler's reply, success or domain error. */
  request<Res = unknown, Req = unknown>(
    service: string,
    operation: string,
    payload: Req,
    options: RequestOptions,
  ): Promise<RpcReply<Res>>;

  /** Fire-and-forget notification to whoever listens now (presence, revocations, per-user pushes). */
  publish(subject: string, data: Uint8Array, headers?: Readonly<Record<string, string>>): void;
  subscribe(subject: string, handler: (notification: Notification) => void): Closeable;

  /** Durable publish into the `CAIRN_EVENTS` stream, deduplicated by `msgId`. */
  publishDurable(subject: string, data: Uint8Array, options: DurablePublishOptions): Promise<DurablePublishResult>;
  /** Start a durable pull consumer; messages flow until closed. */
  consume(options: ConsumerOptions): Promise<Closeable>;

  /** Round trip to the bus itself (readiness). */
  ping(): Promise<void>;
  /** Drains subscriptions and closes the connection. */
  close(): Promise<void>;
}

export const EVENTS_STREAM = 'CAIRN_EVENTS';
/** Header of a durable message holding the `msgId` it was published with (the event id, for consumers' dedup). */
export const HEADER_MSG_ID = 'Nats-Msg-Id';
export const rpcSubject = (service: string, operation: string): string => `cairn.rpc.${service}.${operation}`;

/**
 * Thrown by `request`: TIMEOUT when no reply comes in time, SERVICE_UNAVAILABLE when nobody serves the
 * operation (or the bus is down).
 */
export class BusError extends Error {
  override readonly name = 'BusError';
  constructor(
    message: string,
    readonly code: 'SERVICE_UNAVAILABLE' | 'TIMEOUT',
  ) {
    super(message);
  }
}
