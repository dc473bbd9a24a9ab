/**
 * The role aggregate (stream `role-<id>`): a named set of `resource:action` permissions, active or
 * inactive, global (orgId null, made by a platform admin) or belonging to one organisation.
 * Deleting is soft: a `RoleDeleted` event keeps the history, and the role leaves every listing and
 * stops granting anything.
 */
export const roleStream = (roleId: string): string => `role-${roleId}`;
export const ROLE_STREAM_PREFIX = 'role-';

export type RoleStatus = 'active' | 'inactive';

export type RoleEvent =
  | {
      readonly type: 'RoleCreated';
      readonly data: {
        readonly roleId: string;
        readonly name: string;
        readonly permissions: readonly string[];
        readonly status: RoleStatus;
        readonly orgId: string | null;
        readonly at: string;
      };
    }
  | {
      readonly type: 'RoleUpdated';
      readonly data: {
        readonly name: string;
        readonly permissions: readonly string[];
        readonly status: RoleStatus;
        readonly at: string;
      };
    }
  | { readonly type: 'RoleDeleted'; readonly data: { readonly at: string } };

export const ROLE_EVENT_TYPES: readonly RoleEvent['type'][] = ['RoleCreated', 'RoleUpdated', 'RoleDeleted'];

export interface KnownRole {
  readonly kind: 'existing' | 'deleted';
  readonly id: string;
  readonly name: string;
  readonly permissions: readonly string[];
  readonly status: RoleStatus;
  readonly orgId: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly version: number;
}

export type RoleState = { readonly kind: 'absent' } | KnownRole;

export const initialRoleState = (): RoleState => ({ kind: 'absent' });

export function evolveRole(state: RoleState, event: RoleEvent): RoleState {
  switch (event.type) {
    case 'RoleCreated':
      return {
        kind: 'existing',
        id: event.data.roleId,
        name: event.data.name,
        permissions: event.data.permissions,
        status: event.data.status,
        orgId: event.data.orgId,
        createdAt: event.data.at,
        updatedAt: event.data.at,
        version: 1,
      };
    case 'RoleUpdated':
      if (state.kind === 'absent') return state;
      return {
        ...state,
        name: event.data.name,
        permissions: event.data.permissions,
        status: event.data.status,
        updatedAt: event.data.at,
        version: state.version + 1,
      };
    case 'RoleDeleted':
      if (state.kind === 'absent') return state;
      return { ...state, kind: 'deleted', status: 'inactive', updatedAt: event.data.at, version: state.version + 1 };
    default: {
      const unknown: never = event;
      return unknown;
    }
  }
}

/** The permissions a role grants right now: none unless it exists and is active. */
export const grantedPermissions = (role: RoleState): readonly string[] =>
  role.kind === 'existing' && role.status === 'active' ? role.permissions : [];
