import {
  type AppendResult,
  type DomainEvent,
  type EventMetadata,
  type EventStore,
  type StreamVersion,
  VersionConflictError,
} from './port.js';

/**
 * An aggregate as three pure pieces: the empty state, how an event changes the state, and what a
 * command decides given the state. `decide` throws a domain error (see http/errors) to refuse.
 */
export interface Decider<Command, State, Event extends DomainEvent> {
  readonly initialState: () => State;
  readonly evolve: (state: State, event: Event) => State;
  readonly decide: (command: Command, state: State) => readonly Event[];
}

export interface CommandResult<State, Event extends DomainEvent> {
  readonly state: State;
  readonly newEvents: readonly Event[];
  /** Undefined when the command decided no events (nothing was appended). */
  readonly append: AppendResult | undefined;
  readonly version: StreamVersion | undefined;
}

export interface HandleOptions<State = unknown> {
  /** Metadata shared by every event of this command (eventId is set per event). */
  readonly metadata: Omit<EventMetadata, 'eventId'>;
  /** Make a fresh event id (UUIDv7). Passed in so tests can be deterministic. */
  readonly newEventId: () => string;
  /** How many times to re-read and re-decide after a version conflict. */
  readonly retries?: number;
  /**
   * A state believed current (e.g. from an in-process cache) and its stream version, decided on first
   * instead of reading the stream. Safe even when stale: the append's compare-and-set refuses a stale
   * version, and only a successful append is trusted; a conflict, a refusal or a decision to do nothing
   * on it is made again on the stream as read.
   */
  readonly known?: { readonly state: State; readonly version: StreamVersion };
}

/**
 * Read the stream, fold it, decide, append at the version read. Only a version conflict is retried,
 * because it means someone else wrote in between and the decision must be made again on fresh state.
 */
export async function handleCommand<Command, State, Event extends DomainEvent>(
  store: EventStore,
  streamName: string,
  decider: Decider<Command, State, Event>,
  command: Command,
  options: HandleOptions<State>,
): Promise<CommandResult<State, Event>> {
  if (options.known) {
    const attempt = await tryOnKnownState(store, streamName, decider, command, options, options.known);
    if (attempt) return attempt;
  }
  const retries = options.retries ?? 3;
  for (let attempt = 0; ; attempt++) {
    const stream = await store.readStream<Event>(streamName);
    const state = stream.events.reduce(
      (s, e) => decider.evolve(s, { type: e.type, data: e.data } as Event),
      decider.initialState(),
    );
    const newEvents = decider.decide(command, state);
    if (newEvents.length === 0) return { state, newEvents, append: undefined, version: stream.version };
    try {
      const append = await store.appendToStream(
        streamName,
        newEvents.map((e) => ({
          type: e.type,
          data: e.data,
          metadata: { ...options.metadata, eventId: options.newEventId() },
        })),
        { expectedVersion: stream.version ?? 'no_stream' },
      );
      const nextState = newEvents.reduce(decider.evolve, state);
      return { state: nextState, newEvents, append, version: append.nextExpectedVersion };
    } catch (error) {
      if (!(error instanceof VersionConflictError) || attempt >= retries) throw error;
    }
  }
}

/** One attempt on a believed-current state; undefined when the stream must be read after all. */
async function tryOnKnownState<Command, State, Event extends DomainEvent>(
  store: EventStore,
  streamName: string,
  decider: Decider<Command, State, Event>,
  command: Command,
  options: HandleOptions<State>,
  known: { readonly state: State; readonly version: StreamVersion },
): Promise<CommandResult<State, Event> | undefined> {
  let newEvents: readonly Event[];
  try {
    newEvents = decider.decide(command, known.state);
  } catch {
    return undefined;
  }
  if (newEvents.length === 0) return undefined;
  try {
    const append = await store.appendToStream(
      streamName,
      newEvents.map((e) => ({
        type: e.type,
        data: e.data,
        metadata: { ...options.metadata, eventId: options.newEventId() },
      })),
      { expectedVersion: known.version },
    );
    const nextState = newEvents.reduce(decider.evolve, known.state);
    return { state: nextState, newEvents, append, version: append.nextExpectedVersion };
  } catch (error) {
    if (error instanceof VersionConflictError) return undefined;
    throw error;
  }
}
