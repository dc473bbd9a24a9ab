/**
 * The EventStore port. Every service talks to its event store through this interface only, so the
 * PostgreSQL adapter (default) and the EventStoreDB/KurrentDB adapter are interchangeable by configuration.
 *
 * Stream versions are opaque to callers: PostgreSQL counts from 1, Kurrent revisions from 0. Callers only
 * pass back what a read or an append gave them, or one of the symbolic states.
 */

/** Who caused an event or a command: a user, a service, or the system itself. */
export interface Actor {
  readonly kind: 'user' | 'service' | 'system';
  readonly id: string;
  readonly role?: string;
  readonly orgId?: string;
  /** The session a user acted in, so a revoked session's requests can be traced. */
  readonly sessionId?: string;
}

/** Metadata recorded with every event. Ids and time come from outside `decide`, never from inside it. */
export interface EventMetadata {
  /** UUIDv7, unique per event; becomes the CloudEvents `id` and the JetStream `msgID`. */
  readonly eventId: string;
  /** ISO-8601 time at which the command that produced the event was accepted. */
  readonly occurredAt: string;
  readonly correlationId?: string;
  readonly causationId?: string;
  readonly actor?: Actor;
  /** W3C trace context of the command, so projections and relays can continue the trace. */
  readonly traceparent?: string;
  readonly tracestate?: string;
}

/** An event as a decider produces it: a tagged record with plain JSON data. */
export interface DomainEvent<Type extends string = string, Data = unknown> {
  readonly type: Type;
  readonly data: Data;
}

/** An event ready to append. `schemaVersion` defaults to 1; missing metadata fields are filled in by the store. */
export interface NewEvent<E extends DomainEvent = DomainEvent> {
  readonly type: E['type'];
  readonly data: E['data'];
  readonly schemaVersion?: number;
  readonly metadata?: Partial<EventMetadata>;
}

/**
 * A position in a store's global log. Ordered lexicographically by (commit, prepare).
 * PostgreSQL: commit = writing transaction id (xid8), prepare = global_position.
 * Kurrent: the commit and prepare positions of `$all`.
 */
export interface GlobalPosition {
  readonly commit: bigint;
  readonly prepare: bigint;
}

/** Opaque stream revision: pass back only what a read or an append returned. */
export type StreamVersion = bigint & { readonly __brand: 'StreamVersion' };

export type ExpectedVersion = 'any' | 'no_stream' | 'stream_exists' | StreamVersion;

export interface RecordedEvent<E extends DomainEvent = DomainEvent> {
  readonly type: E['type'];
  readonly data: E['data'];
  readonly schemaVersion: number;
  readonly streamName: string;
  /** The stream's version after this event (opaque, same scale as `ReadStreamResult.version`). */
  readonly streamVersion: StreamVersion;
  readonly position: GlobalPosition;
  readonly metadata: EventMetadata;
}

export interface ReadStreamResult<E extends DomainEvent = DomainEvent> {
  /** false when nothing was ever appended to the stream. */
  readonly exists: boolean;
  /** The version to pass as `expectedVersion` for the next append (undefined when the stream does not exist). */
  readonly version: StreamVersion | undefined;
  readonly events: RecordedEvent<E>[];
}

export interface AppendResult {
  readonly nextExpectedVersion: StreamVersion;
  /** Position of the last appended event; a projection at or past it has seen the write. */
  readonly position: GlobalPosition;
}

export interface AppendOptions {
  readonly expectedVersion: ExpectedVersion;
}

export interface ReadAllOptions {
  /** Exclusive lower bound; omit to read from the beginning. */
  readonly after?: GlobalPosition;
  /** Maximum number of events to return. */
  readonly limit: number;
  /** Only events whose stream name starts with one of these prefixes (e.g. `user-`). */
  readonly streamPrefixes?: readonly string[];
  /** Only events of these types. */
  readonly eventTypes?: readonly string[];
}

export interface ReadAllResult {
  readonly events: RecordedEvent[];
  /**
   * The position a reader may checkpoint after this page, even when filters left `events` empty.
   * Undefined when nothing at all was read.
   */
  readonly lastPosition: GlobalPosition | undefined;
}

export interface EventStore {
  readStream<E extends DomainEvent = DomainEvent>(streamName: string): Promise<ReadStreamResult<E>>;
  /** Appends atomically; throws `VersionConflictError` when the stream is not at `expectedVersion`. */
  appendToStream<E extends DomainEvent = DomainEvent>(
    streamName: string,
    events: readonly NewEvent<E>[],
    options: AppendOptions,
  ): Promise<AppendResult>;
  /**
   * Reads the global log in order. Never skips or repeats: an event appears only once every
   * transaction that could precede it has finished.
   */
  readAll(options: ReadAllOptions): Promise<ReadAllResult>;
  /**
   * A hint that new events may be readable: called after appends made through this instance (and,
   * where the adapter can, by others), with the stream appended to and the types of the events, so
   * that readers of other streams or types stay asleep. Readers still poll; this only wakes them early.
   */
  onAppended(listener: (streamName: string, eventTypes: readonly string[]) => void): () => void;
  /** Creates the adapter's tables or connections; idempotent. */
  init(): Promise<void>;
  close(): Promise<void>;
}

export class VersionConflictError extends Error {
  override readonly name = 'VersionConflictError';
  constructor(
    readonly streamName: string,
    readonly expected: ExpectedVersion,
    readonly actual: StreamVersion | undefined,
  ) {
    super(`stream ${streamName} is at ${String(actual ?? 'no stream')}, expected ${String(expected)}`);
  }
}

export function comparePositions(a: GlobalPosition, b: GlobalPosition): number {
  if (a.commit !== b.commit) return a.commit < b.commit ? -1 : 1;
  if (a.prepare !== b.prepare) return a.prepare < b.prepare ? -1 : 1;
  return 0;
}

export const positionToString = (p: GlobalPosition): string => `${p.commit}/${p.prepare}`;

export function positionFromString(text: string): GlobalPosition {
  const match = /^(\d+)\/(\d+)$/.exec(text);
  if (!match) throw new Error(`not a global position: ${text}`);
  return { commit: BigInt(match[1]!), prepare: BigInt(match[2]!) };
}
