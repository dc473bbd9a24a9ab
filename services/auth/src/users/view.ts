/**
 * Users as the contract shows them, with `permissions` = the union of their active roles' permissions.
 * Views are memoised per user and forgotten whenever the user or any role changes, so `me` is a map
 * lookup in the common case.
 */

import { AggregateCache } from '@cairn/shared/cache';
import type { User } from '@cairn/shared/contracts';
import type { EventStore, RecordedEvent } from '@cairn/shared/eventstore';
import {
  evolveRole,
  grantedPermissions,
  initialRoleState,
  ROLE_STREAM_PREFIX,
  type RoleEvent,
  type RoleState,
} from '../roles/role.js';
import {
  type ExistingUser,
  evolveUser,
  initialUserState,
  USER_STREAM_PREFIX,
  type UserEvent,
  type UserState,
} from './user.js';

export class UserDirectory {
  readonly users: AggregateCache<UserState, UserEvent>;
  readonly roles: AggregateCache<RoleState, RoleEvent>;
  private readonly views = new Map<string, User>();
  /** Bumped on every change that can make a memoised view wrong; a view computed across a bump is not kept. */
  private generation = 0;

  constructor(store: EventStore, maxEntries?: number) {
    this.users = new AggregateCache({
      store,
      streamPrefix: USER_STREAM_PREFIX,
      initialState: initialUserState,
      evolve: evolveUser,
      ...(maxEntries ? { maxEntries } : {}),
      onChange: (id) => {
        this.generation++;
        this.views.delete(id);
      },
    });
    this.roles = new AggregateCache({
      store,
      streamPrefix: ROLE_STREAM_PREFIX,
      initialState: initialRoleState,
      evolve: evolveRole,
      onChange: () => {
        this.generation++;
        this.views.clear();
      },
    });
  }

  static readonly streamPrefixes = [USER_STREAM_PREFIX, ROLE_STREAM_PREFIX];

  /** Feed from the log follower. */
  apply(event: RecordedEvent): void {
    this.users.apply(event);
    this.roles.apply(event);
  }

  /** The user's view, or undefined when no such user exists. */
  async view(userId: string): Promise<User | undefined> {
    const memo = this.views.get(userId);
    if (memo) return memo;
    const generation = this.generation;
    const state = await this.users.get(userId);
    if (state.kind === 'absent') return undefined;
    const view = await this.toView(state);
    if (generation === this.generation) this.views.set(userId, view);
    return view;
  }

  async toView(user: ExistingUser): Promise<User> {
    return {
      id: user.id,
      username: user.username,
      displayName: user.displayName,
      userType: user.userType,
      orgId: user.orgId,
      roleIds: [...user.roleIds],
      permissions: await this.permissionsOf(user.roleIds),
      status: user.status,
      version: user.version,
      createdAt: user.createdAt,
      updatedAt: user.updatedAt,
    };
  }

  async permissionsOf(roleIds: readonly string[]): Promise<string[]> {
    const roles = await Promise.all(roleIds.map((id) => this.roles.get(id)));
    return [...new Set(roles.flatMap(grantedPermissions))].sort();
  }
}
