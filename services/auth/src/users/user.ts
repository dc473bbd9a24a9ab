/**
 * The user aggregate (stream `user-<id>`): its events, its state and how events change the state.
 * Times are in the event data because `evolve` sees only type and data, and they must come from the
 * command (the decider never reads a clock).
 *
 * The contract's `version` counts commands, not events: one update may record several fine-grained
 * events (subscribers want to hear "roles assigned" on its own), yet the client's version goes up by
 * one. So every change event carries the version the user has after its command, and `evolve`, the
 * read model and the integration events all take it from there rather than counting events.
 */
import type { UserType } from '@cairn/shared/contracts';

export const userStream = (userId: string): string => `user-${userId}`;
export const USER_STREAM_PREFIX = 'user-';

/** How a user came to be: self-service (password or WeChat) or created by an administrator. */
export type UserOrigin = 'password' | 'wechat';

export type UserEvent =
  | {
      readonly type: 'UserRegistered';
      readonly data: {
        readonly userId: string;
        readonly username: string;
        readonly displayName: string;
        /** Null for WeChat users, who cannot log in with a password. */
        readonly passwordHash: string | null;
        readonly via: UserOrigin;
        readonly at: string;
      };
    }
  | {
      readonly type: 'UserCreated';
      readonly data: {
        readonly userId: string;
        readonly username: string;
        readonly displayName: string;
        readonly passwordHash: string;
        readonly userType: UserType;
        readonly orgId: string | null;
        readonly roleIds: readonly string[];
        readonly at: string;
      };
    }
  | {
      readonly type: 'UserProfileUpdated';
      readonly data: UserChange & { readonly displayName: string; readonly userType: UserType };
    }
  | { readonly type: 'UserPasswordChanged'; readonly data: UserChange & { readonly passwordHash: string } }
  | { readonly type: 'UserRolesAssigned'; readonly data: UserChange & { readonly roleIds: readonly string[] } }
  | { readonly type: 'UserOrgChanged'; readonly data: UserChange & { readonly orgId: string | null } }
  | { readonly type: 'UserDisabled'; readonly data: UserChange }
  | { readonly type: 'UserEnabled'; readonly data: UserChange };

/** What every change event (all but the two creations, which are version 1) carries. */
export interface UserChange {
  /** The user's version after the command that recorded this event; the same on all its events. */
  readonly version: number;
  readonly at: string;
}

export type UserEventType = UserEvent['type'];

export const USER_EVENT_TYPES: readonly UserEventType[] = [
  'UserRegistered',
  'UserCreated',
  'UserProfileUpdated',
  'UserPasswordChanged',
  'UserRolesAssigned',
  'UserOrgChanged',
  'UserDisabled',
  'UserEnabled',
];

export interface ExistingUser {
  readonly kind: 'existing';
  readonly id: string;
  readonly username: string;
  readonly displayName: string;
  readonly userType: UserType;
  readonly orgId: string | null;
  readonly roleIds: readonly string[];
  readonly passwordHash: string | null;
  readonly status: 'active' | 'disabled';
  readonly createdAt: string;
  readonly updatedAt: string;
  /** The contract's `version`: 1 on create, +1 per accepted command (not per event; see above). */
  readonly version: number;
}

export type UserState = { readonly kind: 'absent' } | ExistingUser;

export const initialUserState = (): UserState => ({ kind: 'absent' });

export function evolveUser(state: UserState, event: UserEvent): UserState {
  switch (event.type) {
    case 'UserRegistered':
      return {
        kind: 'existing',
        id: event.data.userId,
        username: event.data.username,
        displayName: event.data.displayName,
        userType: 'customer',
        orgId: null,
        roleIds: [],
        passwordHash: event.data.passwordHash,
        status: 'active',
        createdAt: event.data.at,
        updatedAt: event.data.at,
        version: 1,
      };
    case 'UserCreated':
      return {
        kind: 'existing',
        id: event.data.userId,
        username: event.data.username,
        displayName: event.data.displayName,
        userType: event.data.userType,
        orgId: event.data.orgId,
        roleIds: event.data.roleIds,
        passwordHash: event.data.passwordHash,
        status: 'active',
        createdAt: event.data.at,
        updatedAt: event.data.at,
        version: 1,
      };
    case 'UserProfileUpdated':
      return change(state, event.data, { displayName: event.data.displayName, userType: event.data.userType });
    case 'UserPasswordChanged':
      return change(state, event.data, { passwordHash: event.data.passwordHash });
    case 'UserRolesAssigned':
      return change(state, event.data, { roleIds: event.data.roleIds });
    case 'UserOrgChanged':
      return change(state, event.data, { orgId: event.data.orgId });
    case 'UserDisabled':
      return change(state, event.data, { status: 'disabled' });
    case 'UserEnabled':
      return change(state, event.data, { status: 'active' });
    default: {
      const unknown: never = event;
      return unknown;
    }
  }
}

function change(state: UserState, { version, at }: UserChange, fields: Partial<ExistingUser>): UserState {
  // An event for a user that does not exist cannot come from our decider; ignore rather than invent one.
  if (state.kind === 'absent') return state;
  return { ...state, ...fields, updatedAt: at, version };
}
