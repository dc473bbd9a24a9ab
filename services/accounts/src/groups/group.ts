/**
 * The group aggregate (stream `group-<ownerId>:<groupId>`): a named, coloured, ordered folder for the
 * user's accounts. Every event names the owner and the group and carries the group's version after
 * its command (1 on creation) and the command's time. A deleted group keeps its stream: its id is not
 * reused, so an old copy of it can never match a new group of the same id.
 */
import type { Group } from '@cairn/shared/contracts';
import { ownedStreamParts } from '../library/owner.js';

export const GROUP_STREAM_PREFIX = 'group-';
export const groupStream = (ownerId: string, groupId: string): string => `${GROUP_STREAM_PREFIX}${ownerId}:${groupId}`;
export const groupStreamParts = (streamName: string) => ownedStreamParts(streamName, GROUP_STREAM_PREFIX);

interface GroupChange {
  readonly ownerId: string;
  readonly groupId: string;
  readonly version: number;
  readonly at: string;
}

export type GroupEvent =
  | {
      readonly type: 'GroupCreated';
      readonly data: GroupChange & { readonly name: string; readonly color: string | null; readonly order: number };
    }
  | {
      readonly type: 'GroupUpdated';
      readonly data: GroupChange & { readonly name: string; readonly color: string | null; readonly order: number };
    }
  | { readonly type: 'GroupReordered'; readonly data: GroupChange & { readonly order: number } }
  /** The accounts slice reacts by clearing the group from its accounts. */
  | { readonly type: 'GroupDeleted'; readonly data: GroupChange };

export type GroupEventType = GroupEvent['type'];
export const GROUP_EVENT_TYPES: readonly GroupEventType[] = [
  'GroupCreated',
  'GroupUpdated',
  'GroupReordered',
  'GroupDeleted',
];

export interface ExistingGroup {
  readonly kind: 'existing';
  readonly ownerId: string;
  readonly id: string;
  readonly name: string;
  readonly color: string | null;
  readonly order: number;
  readonly version: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export type GroupState =
  | { readonly kind: 'absent' }
  | ExistingGroup
  | { readonly kind: 'deleted'; readonly id: string; readonly version: number };

export const initialGroupState = (): GroupState => ({ kind: 'absent' });

export function evolveGroup(state: GroupState, event: GroupEvent): GroupState {
  switch (event.type) {
    case 'GroupCreated': {
      const d = event.data;
      return {
        kind: 'existing',
        ownerId: d.ownerId,
        id: d.groupId,
        name: d.name,
        color: d.color,
        order: d.order,
        version: d.version,
        createdAt: d.at,
        updatedAt: d.at,
      };
    }
    case 'GroupUpdated': {
      const { name, color, order } = event.data;
      return change(state, event.data, { name, color, order });
    }
    case 'GroupReordered':
      return change(state, event.data, { order: event.data.order });
    case 'GroupDeleted':
      return { kind: 'deleted', id: event.data.groupId, version: event.data.version };
    default: {
      const unknown: never = event;
      return unknown;
    }
  }
}

function change(state: GroupState, { version, at }: GroupChange, fields: Partial<ExistingGroup>): GroupState {
  // A change to a group that is not there cannot come from our decider; ignore rather than invent one.
  if (state.kind !== 'existing') return state;
  return { ...state, ...fields, version, updatedAt: at };
}

export const toGroupView = (group: ExistingGroup): Group => ({
  id: group.id,
  name: group.name,
  color: group.color,
  order: group.order,
  version: group.version,
  createdAt: group.createdAt,
  updatedAt: group.updatedAt,
});
