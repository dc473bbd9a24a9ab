/**
 * Specifications of the groups, tags, settings and machine-id deciders, read as
 * `spec(decider).given(events).when(command).then(events)` or `.thenFails(code)`. The state is always
 * folded from the given events, as the command handler does.
 */
import type { DomainEvent, RecordedEvent, StreamVersion } from '@cairn/shared/eventstore';

export { deciderSpec as spec, stateAfter as fold } from '@cairn/shared/testing';

export const OWNER = '0190a000-0000-7000-8000-00000000000a';
export const T0 = '2030-01-01T00:00:00.000Z';
export const T1 = '2030-01-01T00:01:00.000Z';
export const T2 = '2030-01-01T00:02:00.000Z';

/** An event as the log gives it, for projections and integration mappings. */
export function recorded<E extends DomainEvent>(streamName: string, event: E, eventId = 'evt-1'): RecordedEvent<E> {
  return {
    type: event.type,
    data: event.data,
    schemaVersion: 1,
    streamName,
    streamVersion: 1n as StreamVersion,
    position: { commit: 1n, prepare: 1n },
    metadata: { eventId, occurredAt: T0 },
  };
}
