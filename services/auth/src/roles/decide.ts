import type { Decider } from '@cairn/shared/eventstore';
import { DomainError } from '@cairn/shared/http';
import { evolveRole, initialRoleState, type RoleEvent, type RoleState, type RoleStatus } from './role.js';

export type RoleCommand =
  | {
      readonly type: 'CreateRole';
      readonly roleId: string;
      readonly name: string;
      readonly permissions: readonly string[];
      readonly status: RoleStatus;
      readonly orgId: string | null;
      readonly now: string;
    }
  | {
      readonly type: 'UpdateRole';
      /** Optional for roles (the contract lets a PUT omit it); when given, it must be current. */
      readonly expectedVersion?: number;
      readonly name: string;
      readonly permissions: readonly string[];
      readonly status: RoleStatus;
      readonly now: string;
    }
  | { readonly type: 'DeleteRole'; readonly now: string };

export const roleNotFound = (): DomainError => new DomainError('ROLE_NOT_FOUND', 'Role not found');

const normalise = (permissions: readonly string[]): string[] => [...new Set(permissions)].sort();

export function decideRole(command: RoleCommand, state: RoleState): readonly RoleEvent[] {
  switch (command.type) {
    case 'CreateRole':
      if (state.kind !== 'absent') throw new DomainError('CONFLICT', 'Role already exists');
      return [
        {
          type: 'RoleCreated',
          data: {
            roleId: command.roleId,
            name: command.name,
            permissions: normalise(command.permissions),
            status: command.status,
            orgId: command.orgId,
            at: command.now,
          },
        },
      ];
    case 'UpdateRole': {
      if (state.kind !== 'existing') throw roleNotFound();
      if (command.expectedVersion !== undefined && command.expectedVersion !== state.version) {
        throw new DomainError('VERSION_CONFLICT', 'The role was changed by someone else', {
          currentVersion: state.version,
        });
      }
      const permissions = normalise(command.permissions);
      const unchanged =
        command.name === state.name &&
        command.status === state.status &&
        permissions.join(',') === normalise(state.permissions).join(',');
      if (unchanged) return [];
      return [
        { type: 'RoleUpdated', data: { name: command.name, permissions, status: command.status, at: command.now } },
      ];
    }
    case 'DeleteRole':
      if (state.kind !== 'existing') throw roleNotFound();
      return [{ type: 'RoleDeleted', data: { at: command.now } }];
    default: {
      const unknown: never = command;
      return unknown;
    }
  }
}

export const roleDecider: Decider<RoleCommand, RoleState, RoleEvent> = {
  initialState: initialRoleState,
  evolve: evolveRole,
  decide: decideRole,
};
