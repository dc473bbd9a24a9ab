import type { Decider } from '@cairn/shared/eventstore';
import { DomainError } from '@cairn/shared/http';
import { evolveUsername, initialUsernameState, type UsernameEvent, type UsernameState } from './username.js';

export type UsernameCommand =
  | {
      readonly type: 'ClaimUsername';
      readonly username: string;
      readonly userId: string;
      readonly now: string;
      /**
       * A claimant the handler found to have no user stream (its creator died between the claim and
       * the user). Such a claim may be taken over once it is older than `orphanAfterMs`, so a crash
       * cannot lock a username forever; a younger one may still be completing.
       */
      readonly ownerWithoutUser?: string;
      readonly orphanAfterMs: number;
    }
  | { readonly type: 'ReleaseUsername'; readonly userId: string; readonly now: string };

export const usernameTaken = (): DomainError => new DomainError('CONFLICT', 'Username is already taken');

export function decideUsername(command: UsernameCommand, state: UsernameState): readonly UsernameEvent[] {
  switch (command.type) {
    case 'ClaimUsername': {
      const claimed: UsernameEvent = {
        type: 'UsernameClaimed',
        data: { username: command.username, userId: command.userId, at: command.now },
      };
      if (state.kind === 'free') return [claimed];
      // The same user claiming again (a retried WeChat sign-up) already holds it.
      if (state.userId === command.userId) return [];
      const age = Date.parse(command.now) - Date.parse(state.claimedAt);
      if (state.userId === command.ownerWithoutUser && age > command.orphanAfterMs) {
        return [{ type: 'UsernameReleased', data: { userId: state.userId, at: command.now } }, claimed];
      }
      throw usernameTaken();
    }
    case 'ReleaseUsername':
      return state.kind === 'claimed' && state.userId === command.userId
        ? [{ type: 'UsernameReleased', data: { userId: command.userId, at: command.now } }]
        : [];
    default: {
      const unknown: never = command;
      return unknown;
    }
  }
}

export const usernameDecider: Decider<UsernameCommand, UsernameState, UsernameEvent> = {
  initialState: initialUsernameState,
  evolve: evolveUsername,
  decide: decideUsername,
};
