/**
 * Specifications of the groups, tags, settings and machine-id deciders, read as
 * `spec(decider).given(events).when(command).then(events)` or `.thenFails(code)`. The state is always
 * folded from the given events, as the command handler does.
 */
import type { Decider, DomainEvent, RecordedEvent, StreamVersion } from '@cairn/shared/eventstore';
import { DomainError } from '@cairn/shared/http';
import { expect } from 'vitest';

export function spec<C, S, E extends DomainEvent>(decider: Decider<C, S, E>) {
  return {
    given(events: readonly E[]) {
      return {
        when(command: C) {
          const run = () => decider.decide(command, events.reduce(decider.evolve, decider.initialState()));
          return {
            // biome-ignore lint/suspicious/noThenProperty: given/when/then is the spec's vocabulary; never awaited.
            then(expected: readonly E[]): void {
              expect(run()).toEqual(expected);
            },
            thenFails(code: string, details?: unknown): DomainError {
              let thrown: unknown;
              try {
                run();
              } catch (error) {
                thrown = error;
              }
              expect(thrown).toBeInstanceOf(DomainError);
              expect((thrown as DomainError).code).toBe(code);
              if (details !== undefined) expect((thrown as DomainError).details).toEqual(details);
              return thrown as DomainError;
            },
          };
        },
      };
    },
  };
}

export const fold = <C, S, E extends DomainEvent>(decider: Decider<C, S, E>, events: readonly E[]): S =>
  events.reduce(decider.evolve, decider.initialState());

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
