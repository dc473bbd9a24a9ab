/**
 * Groups (CONTRACT.md "Accounts v2"): what each command decides given the group's history, and how
 * group events are published. Versions go 1, 2, 3… per accepted change; a stale version is a conflict
 * that carries the current copy; a change that changes nothing records nothing.
 */
import { describe, expect, it } from 'vitest';
import { groupDecider } from '../src/groups/decide.js';
import { type GroupEvent, groupStream } from '../src/groups/group.js';
import { groupIntegrationEvent } from '../src/groups/integration.js';
import { fold, OWNER, recorded, spec, T0, T1, T2 } from './support/library-spec.js';

const groups = spec(groupDecider);
const created: GroupEvent = {
  type: 'GroupCreated',
  data: { ownerId: OWNER, groupId: 'g-1', name: 'Work', color: '#3b82f6', order: 0, version: 1, at: T0 },
};
const renamed: GroupEvent = {
  type: 'GroupUpdated',
  data: { ownerId: OWNER, groupId: 'g-1', name: 'Jobs', color: null, order: 0, version: 2, at: T1 },
};
const deleted: GroupEvent = { type: 'GroupDeleted', data: { ownerId: OWNER, groupId: 'g-1', version: 2, at: T1 } };
const create = {
  type: 'CreateGroup',
  ownerId: OWNER,
  groupId: 'g-1',
  name: 'Work',
  color: '#3b82f6',
  order: 0,
  now: T0,
} as const;

describe('creating a group', () => {
  it('records it at version 1 with everything it was given', () => {
    groups.given([]).when(create).then([created]);
  });

  it('refuses an id the user already has, and one that was deleted (ids are not reused)', () => {
    groups.given([created]).when(create).thenFails('CONFLICT');
    groups.given([created, deleted]).when(create).thenFails('CONFLICT');
  });
});

describe('replacing a group', () => {
  const update = {
    type: 'UpdateGroup',
    expectedVersion: 1,
    name: 'Jobs',
    color: null,
    order: undefined,
    now: T1,
  } as const;

  it('at the current version records the new fields and the next version; an omitted order stays', () => {
    groups.given([created]).when(update).then([renamed]);
    groups
      .given([created])
      .when({ ...update, order: 5 })
      .then([{ type: 'GroupUpdated', data: { ...renamed.data, order: 5 } }]);
  });

  it('at a stale version is a conflict carrying the current group', () => {
    groups
      .given([created, renamed])
      .when({ ...update, name: 'Other' })
      .thenFails('VERSION_CONFLICT', {
        currentVersion: 2,
        current: { id: 'g-1', name: 'Jobs', color: null, order: 0, version: 2, createdAt: T0, updatedAt: T1 },
      });
  });

  it('that changes nothing records nothing (the version stays)', () => {
    groups
      .given([created, renamed])
      .when({ ...update, expectedVersion: 2 })
      .then([]);
  });

  it('that is not there, or was deleted, is not found', () => {
    groups.given([]).when(update).thenFails('GROUP_NOT_FOUND');
    groups
      .given([created, deleted])
      .when({ ...update, expectedVersion: 2 })
      .thenFails('GROUP_NOT_FOUND');
  });
});

describe('reordering a group', () => {
  const move = { type: 'ReorderGroup', expectedVersion: undefined, order: 3, now: T2 } as const;

  it('without a version moves whatever version is current', () => {
    groups
      .given([created, renamed])
      .when(move)
      .then([{ type: 'GroupReordered', data: { ownerId: OWNER, groupId: 'g-1', order: 3, version: 3, at: T2 } }]);
  });

  it('with a version moves only that version', () => {
    groups
      .given([created, renamed])
      .when({ ...move, expectedVersion: 1 })
      .thenFails('VERSION_CONFLICT');
    groups
      .given([created])
      .when({ ...move, expectedVersion: 1 })
      .then([{ type: 'GroupReordered', data: { ownerId: OWNER, groupId: 'g-1', order: 3, version: 2, at: T2 } }]);
  });

  it('to where it is records nothing; a missing group is not found', () => {
    groups
      .given([created])
      .when({ ...move, order: 0 })
      .then([]);
    groups.given([]).when(move).thenFails('GROUP_NOT_FOUND');
  });
});

describe('deleting a group', () => {
  it('needs the current version and records GroupDeleted at the next one', () => {
    groups.given([created]).when({ type: 'DeleteGroup', expectedVersion: 1, now: T1 }).then([deleted]);
    groups
      .given([created, renamed])
      .when({ type: 'DeleteGroup', expectedVersion: 1, now: T2 })
      .thenFails('VERSION_CONFLICT');
  });

  it('twice is not found the second time', () => {
    groups
      .given([created, deleted])
      .when({ type: 'DeleteGroup', expectedVersion: 2, now: T2 })
      .thenFails('GROUP_NOT_FOUND');
  });

  it('leaves a tombstone that remembers the version', () => {
    expect(fold(groupDecider, [created, deleted])).toEqual({ kind: 'deleted', id: 'g-1', version: 2 });
  });
});

describe('group integration events', () => {
  const stream = groupStream(OWNER, 'g-1');

  it('publish every change with the owner, the group and its version', () => {
    expect(groupIntegrationEvent(recorded(stream, created))).toEqual({
      subject: 'cairn.accounts.group.created.v1',
      data: { ownerId: OWNER, groupId: 'g-1', name: 'Work', color: '#3b82f6', order: 0, version: 1, occurredAt: T0 },
    });
    expect(groupIntegrationEvent(recorded(stream, renamed))?.subject).toBe('cairn.accounts.group.updated.v1');
    expect(
      groupIntegrationEvent(
        recorded(stream, {
          type: 'GroupReordered',
          data: { ownerId: OWNER, groupId: 'g-1', order: 3, version: 3, at: T2 },
        } satisfies GroupEvent),
      ),
    ).toEqual({
      subject: 'cairn.accounts.group.reordered.v1',
      data: { ownerId: OWNER, groupId: 'g-1', order: 3, version: 3, occurredAt: T2 },
    });
    expect(groupIntegrationEvent(recorded(stream, deleted))).toEqual({
      subject: 'cairn.accounts.group.deleted.v1',
      data: { ownerId: OWNER, groupId: 'g-1', version: 2, occurredAt: T1 },
    });
  });

  it('keep fields the contract does not name out of the payload', () => {
    const leaky = { type: 'GroupDeleted', data: { ...deleted.data, secret: 'x' } } as GroupEvent;
    expect(groupIntegrationEvent(recorded(stream, leaky))?.data).not.toHaveProperty('secret');
  });
});
