/**
 * What a command does to a user, as a pure function of the command and the current state. Authorisation
 * (who may do it) is checked by the handlers before; this decides only what is true of the user itself.
 */
import type { UserType } from '@cairn/shared/contracts';
import type { Decider } from '@cairn/shared/eventstore';
import { DomainError } from '@cairn/shared/http';
import {
  type ExistingUser,
  evolveUser,
  initialUserState,
  type UserEvent,
  type UserOrigin,
  type UserState,
} from './user.js';

export type UserCommand =
  | {
      readonly type: 'RegisterUser';
      readonly userId: string;
      readonly username: string;
      readonly displayName: string;
      readonly passwordHash: string | null;
      readonly via: UserOrigin;
      readonly now: string;
    }
  | {
      readonly type: 'CreateUser';
      readonly userId: string;
      readonly username: string;
      readonly displayName: string;
      readonly passwordHash: string;
      readonly userType: UserType;
      readonly orgId: string | null;
      readonly roleIds: readonly string[];
      readonly now: string;
    }
  | {
      readonly type: 'UpdateUser';
      /** The version the caller last saw; anything else is a conflict. */
      readonly expectedVersion: number;
      readonly displayName: string;
      readonly userType: UserType;
      readonly orgId: string | null;
      readonly roleIds: readonly string[];
      readonly status: 'active' | 'disabled';
      /** Already hashed by the handler (hashing is slow and salted, so it cannot happen in here). */
      readonly passwordHash?: string;
      readonly now: string;
    }
  | { readonly type: 'DisableUser'; readonly now: string };

export const userNotFound = (): DomainError => new DomainError('USER_NOT_FOUND', 'User not found');

export function decideUser(command: UserCommand, state: UserState): readonly UserEvent[] {
  switch (command.type) {
    case 'RegisterUser':
      if (state.kind === 'existing') throw new DomainError('CONFLICT', 'User already exists');
      return [
        {
          type: 'UserRegistered',
          data: {
            userId: command.userId,
            username: command.username,
            displayName: command.displayName,
            passwordHash: command.passwordHash,
            via: command.via,
            at: command.now,
          },
        },
      ];
    case 'CreateUser':
      if (state.kind === 'existing') throw new DomainError('CONFLICT', 'User already exists');
      return [
        {
          type: 'UserCreated',
          data: {
            userId: command.userId,
            username: command.username,
            displayName: command.displayName,
            passwordHash: command.passwordHash,
            userType: command.userType,
            orgId: command.orgId,
            roleIds: [...command.roleIds],
            at: command.now,
          },
        },
      ];
    case 'UpdateUser':
      if (state.kind === 'absent') throw userNotFound();
      if (state.version !== command.expectedVersion) {
        throw new DomainError('VERSION_CONFLICT', 'The user was changed by someone else', {
          currentVersion: state.version,
        });
      }
      return updateEvents(command, state);
    case 'DisableUser':
      if (state.kind === 'absent') throw userNotFound();
      // Disabling twice changes nothing, so the version stays and a retried request is harmless.
      return state.status === 'disabled'
        ? []
        : [{ type: 'UserDisabled', data: { version: state.version + 1, at: command.now } }];
    default: {
      const unknown: never = command;
      return unknown;
    }
  }
}

/**
 * One event per aspect that actually changed; an update that changes nothing appends nothing. All of
 * them carry the same next version: one PUT is one change to the client, however many events it takes.
 */
function updateEvents(command: Extract<UserCommand, { type: 'UpdateUser' }>, user: ExistingUser): UserEvent[] {
  const change = { version: user.version + 1, at: command.now };
  const events: UserEvent[] = [];
  if (command.displayName !== user.displayName || command.userType !== user.userType) {
    events.push({
      type: 'UserProfileUpdated',
      data: { displayName: command.displayName, userType: command.userType, ...change },
    });
  }
  if (command.passwordHash !== undefined) {
    events.push({ type: 'UserPasswordChanged', data: { passwordHash: command.passwordHash, ...change } });
  }
  if (!sameSet(command.roleIds, user.roleIds)) {
    events.push({ type: 'UserRolesAssigned', data: { roleIds: [...command.roleIds], ...change } });
  }
  if (command.orgId !== user.orgId) events.push({ type: 'UserOrgChanged', data: { orgId: command.orgId, ...change } });
  if (command.status !== user.status) {
    events.push(
      command.status === 'disabled' ? { type: 'UserDisabled', data: change } : { type: 'UserEnabled', data: change },
    );
  }
  return events;
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const set = new Set(b);
  return a.every((x) => set.has(x));
}

export const userDecider: Decider<UserCommand, UserState, UserEvent> = {
  initialState: initialUserState,
  evolve: evolveUser,
  decide: decideUser,
};
