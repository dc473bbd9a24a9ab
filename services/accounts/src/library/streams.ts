/** Reading an aggregate's current state straight from its stream (never older than the store). */
import type { DomainEvent, EventStore } from '@cairn/shared/eventstore';

export interface Fold<S, E extends DomainEvent> {
  readonly initialState: () => S;
  readonly evolve: (state: S, event: E) => S;
}

export async function readState<S, E extends DomainEvent>(
  store: EventStore,
  streamName: string,
  fold: Fold<S, E>,
): Promise<S> {
  const stream = await store.readStream<E>(streamName);
  return stream.events.reduce(
    (state, e) => fold.evolve(state, { type: e.type, data: e.data } as E),
    fold.initialState(),
  );
}
