/**
 * Specifications of the account decider, read as `given(events).when(command).then(events)` or
 * `.thenFails(code)`. The state is always folded from the given events, as the command handler does.
 */
import { DomainError } from '@cairn/shared/http';
import { expect } from 'vitest';
import type { AccountEvent, AccountFields, AccountState } from '../../src/accounts/account.js';
import { type AccountCommand, accountDecider } from '../../src/accounts/decide.js';

export const stateAfter = (events: readonly AccountEvent[]): AccountState =>
  events.reduce(accountDecider.evolve, accountDecider.initialState());

export function given(events: readonly AccountEvent[]) {
  return {
    when(command: AccountCommand) {
      const run = () => accountDecider.decide(command, stateAfter(events));
      return {
        // biome-ignore lint/suspicious/noThenProperty: given/when/then is the spec's vocabulary; never awaited.
        then(expected: readonly AccountEvent[]): void {
          expect(run()).toEqual(expected);
        },
        thenFails(code: string): DomainError {
          let thrown: unknown;
          try {
            run();
          } catch (error) {
            thrown = error;
          }
          expect(thrown).toBeInstanceOf(DomainError);
          expect((thrown as DomainError).code).toBe(code);
          return thrown as DomainError;
        },
      };
    },
  };
}

export const OWNER = '0190a000-0000-7000-8000-000000000001';
export const T0 = '2030-01-01T00:00:00.000Z';
export const T1 = '2030-01-01T00:01:00.000Z';
export const T2 = '2030-01-01T00:02:00.000Z';

export const FIELDS: AccountFields = {
  email: 'ada@example.com',
  nickname: 'Ada',
  provider: 'kiro',
  status: 'active',
  groupId: null,
  tagIds: [],
  usage: { used: 0, limit: null },
  notes: '',
};

export const created = (
  accountId = 'acc-1',
  fields: Partial<AccountFields> = {},
  credentials: Extract<AccountEvent, { type: 'AccountCreated' }>['data']['credentials'] = null,
): AccountEvent => ({
  type: 'AccountCreated',
  data: { ownerId: OWNER, accountId, ...FIELDS, ...fields, credentials, version: 1, at: T0 },
});

export const change = (version: number, at = T1, accountId = 'acc-1') => ({ ownerId: OWNER, accountId, version, at });
