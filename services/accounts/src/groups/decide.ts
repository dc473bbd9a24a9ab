/**
 * What a command does to a group, as a pure function of the command and the current state. Name
 * uniqueness is not decided here (it spans groups): the handlers claim names first (library/names).
 * A write that changes nothing records nothing, and the version stays.
 */
import type { Decider } from '@cairn/shared/eventstore';
import { DomainError } from '@cairn/shared/http';
import { versionConflict } from '../library/conflicts.js';
import {
  type ExistingGroup,
  evolveGroup,
  type GroupEvent,
  type GroupState,
  initialGroupState,
  toGroupView,
} from './group.js';

export type GroupCommand =
  | {
      readonly type: 'CreateGroup';
      readonly ownerId: string;
      readonly groupId: string;
      readonly name: string;
      readonly color: string | null;
      readonly order: number;
      readonly now: string;
    }
  | {
      readonly type: 'UpdateGroup';
      readonly expectedVersion: number;
      readonly name: string;
      readonly color: string | null;
      /** Undefined keeps the current order. */
      readonly order: number | undefined;
      readonly now: string;
    }
  | {
      readonly type: 'ReorderGroup';
      /** Undefined: move whatever the version (a reorder touches nothing but the order). */
      readonly expectedVersion: number | undefined;
      readonly order: number;
      readonly now: string;
    }
  | { readonly type: 'DeleteGroup'; readonly expectedVersion: number; readonly now: string };

export const groupNotFound = (): DomainError => new DomainError('GROUP_NOT_FOUND', 'Group not found');

export function decideGroup(command: GroupCommand, state: GroupState): readonly GroupEvent[] {
  if (command.type === 'CreateGroup') {
    if (state.kind === 'existing') throw new DomainError('CONFLICT', 'A group with this id already exists');
    if (state.kind === 'deleted') {
      throw new DomainError('CONFLICT', 'A group with this id existed and was deleted; ids are not reused');
    }
    const { ownerId, groupId, name, color, order, now } = command;
    return [{ type: 'GroupCreated', data: { ownerId, groupId, name, color, order, version: 1, at: now } }];
  }
  const group = existing(state, command.expectedVersion);
  const change = { ownerId: group.ownerId, groupId: group.id, version: group.version + 1, at: command.now };
  switch (command.type) {
    case 'UpdateGroup': {
      const order = command.order ?? group.order;
      if (command.name === group.name && command.color === group.color && order === group.order) return [];
      return [{ type: 'GroupUpdated', data: { ...change, name: command.name, color: command.color, order } }];
    }
    case 'ReorderGroup':
      return command.order === group.order
        ? []
        : [{ type: 'GroupReordered', data: { ...change, order: command.order } }];
    case 'DeleteGroup':
      return [{ type: 'GroupDeleted', data: change }];
    default: {
      const unknown: never = command;
      return unknown;
    }
  }
}

/** The group, if there is one and the caller's version (when given) is its current one. */
function existing(state: GroupState, expectedVersion: number | undefined): ExistingGroup {
  if (state.kind !== 'existing') throw groupNotFound();
  if (expectedVersion !== undefined && expectedVersion !== state.version) {
    throw versionConflict('group', state.version, toGroupView(state));
  }
  return state;
}

export const groupDecider: Decider<GroupCommand, GroupState, GroupEvent> = {
  initialState: initialGroupState,
  evolve: evolveGroup,
  decide: decideGroup,
};
