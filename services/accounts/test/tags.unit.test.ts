/**
 * Tags (CONTRACT.md "Accounts v2"): what each command decides given the tag's history, and how tag
 * events are published.
 */
import { describe, expect, it } from 'vitest';
import { tagDecider } from '../src/tags/decide.js';
import { tagIntegrationEvent } from '../src/tags/integration.js';
import { type TagEvent, tagStream } from '../src/tags/tag.js';
import { OWNER, recorded, spec, T0, T1, T2 } from './support/library-spec.js';

const tags = spec(tagDecider);
const created: TagEvent = {
  type: 'TagCreated',
  data: { ownerId: OWNER, tagId: 't-1', name: 'VIP', color: 'gold', version: 1, at: T0 },
};
const updated: TagEvent = {
  type: 'TagUpdated',
  data: { ownerId: OWNER, tagId: 't-1', name: 'Very important', color: null, version: 2, at: T1 },
};
const deleted: TagEvent = { type: 'TagDeleted', data: { ownerId: OWNER, tagId: 't-1', version: 2, at: T1 } };
const update = { type: 'UpdateTag', expectedVersion: 1, name: 'Very important', color: null, now: T1 } as const;

describe('tags', () => {
  it('are created at version 1; an id in use or deleted is a conflict', () => {
    const create = { type: 'CreateTag', ownerId: OWNER, tagId: 't-1', name: 'VIP', color: 'gold', now: T0 } as const;
    tags.given([]).when(create).then([created]);
    tags.given([created]).when(create).thenFails('CONFLICT');
    tags.given([created, deleted]).when(create).thenFails('CONFLICT');
  });

  it('are replaced at their current version only, the conflict carrying the current tag', () => {
    tags.given([created]).when(update).then([updated]);
    tags
      .given([created, updated])
      .when(update)
      .thenFails('VERSION_CONFLICT', {
        currentVersion: 2,
        current: { id: 't-1', name: 'Very important', color: null, version: 2, createdAt: T0, updatedAt: T1 },
      });
    tags
      .given([created, updated])
      .when({ ...update, expectedVersion: 2 })
      .then([]);
  });

  it('are deleted at their current version only; a missing or deleted tag is not found', () => {
    tags.given([created]).when({ type: 'DeleteTag', expectedVersion: 1, now: T1 }).then([deleted]);
    tags
      .given([created, updated])
      .when({ type: 'DeleteTag', expectedVersion: 1, now: T2 })
      .thenFails('VERSION_CONFLICT');
    tags.given([]).when({ type: 'DeleteTag', expectedVersion: 1, now: T2 }).thenFails('TAG_NOT_FOUND');
    tags
      .given([created, deleted])
      .when({ ...update, expectedVersion: 2 })
      .thenFails('TAG_NOT_FOUND');
  });

  it('publish every change with the owner, the tag and its version', () => {
    const stream = tagStream(OWNER, 't-1');
    expect(tagIntegrationEvent(recorded(stream, created))).toEqual({
      subject: 'cairn.accounts.tag.created.v1',
      data: { ownerId: OWNER, tagId: 't-1', name: 'VIP', color: 'gold', version: 1, occurredAt: T0 },
    });
    expect(tagIntegrationEvent(recorded(stream, updated))).toEqual({
      subject: 'cairn.accounts.tag.updated.v1',
      data: { ownerId: OWNER, tagId: 't-1', name: 'Very important', color: null, version: 2, occurredAt: T1 },
    });
    expect(tagIntegrationEvent(recorded(stream, deleted))).toEqual({
      subject: 'cairn.accounts.tag.deleted.v1',
      data: { ownerId: OWNER, tagId: 't-1', version: 2, occurredAt: T1 },
    });
  });
});
