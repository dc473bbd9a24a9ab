/**
 * Decider specifications read as `given(events).when(command).then(events)` or `.thenFails(code)`.
 * The state is always built by folding the given events, as the command handler does.
 */

import { expect } from 'vitest';
import type { Decider } from '../eventstore/decider.js';
import type { DomainEvent } from '../eventstore/port.js';
import { DomainError } from '../http/errors.js';

export function deciderSpec<C, S, E extends DomainEvent>(decider: Decider<C, S, E>) {
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

/** Fold events into a state, for assertions about `evolve`. */
export const stateAfter = <C, S, E extends DomainEvent>(decider: Decider<C, S, E>, events: readonly NoInfer<E>[]): S =>
  events.reduce(decider.evolve, decider.initialState());
