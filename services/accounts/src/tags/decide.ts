/**
 * What a command does to a tag, as a pure function of the command and the current state. Name
 * uniqueness spans tags, so the handlers claim names first (library/names). A write that changes
 * nothing records nothing, and the version stays.
 */
import type { Decider } from '@cairn/shared/eventstore';
import { DomainError } from '@cairn/shared/http';
import { versionConflict } from '../library/conflicts.js';
import { type ExistingTag, evolveTag, initialTagState, type TagEvent, type TagState, toTagView } from './tag.js';

export type TagCommand =
  | {
      readonly type: 'CreateTag';
      readonly ownerId: string;
      readonly tagId: string;
      readonly name: string;
      readonly color: string | null;
      readonly now: string;
    }
  | {
      readonly type: 'UpdateTag';
      readonly expectedVersion: number;
      readonly name: string;
      readonly color: string | null;
      readonly now: string;
    }
  | { readonly type: 'DeleteTag'; readonly expectedVersion: number; readonly now: string };

export const tagNotFound = (): DomainError => new DomainError('TAG_NOT_FOUND', 'Tag not found');

export function decideTag(command: TagCommand, state: TagState): readonly TagEvent[] {
  if (command.type === 'CreateTag') {
    if (state.kind === 'existing') throw new DomainError('CONFLICT', 'A tag with this id already exists');
    if (state.kind === 'deleted') {
      throw new DomainError('CONFLICT', 'A tag with this id existed and was deleted; ids are not reused');
    }
    const { ownerId, tagId, name, color, now } = command;
    return [{ type: 'TagCreated', data: { ownerId, tagId, name, color, version: 1, at: now } }];
  }
  const tag = existing(state, command.expectedVersion);
  const change = { ownerId: tag.ownerId, tagId: tag.id, version: tag.version + 1, at: command.now };
  switch (command.type) {
    case 'UpdateTag':
      if (command.name === tag.name && command.color === tag.color) return [];
      return [{ type: 'TagUpdated', data: { ...change, name: command.name, color: command.color } }];
    case 'DeleteTag':
      return [{ type: 'TagDeleted', data: change }];
    default: {
      const unknown: never = command;
      return unknown;
    }
  }
}

function existing(state: TagState, expectedVersion: number): ExistingTag {
  if (state.kind !== 'existing') throw tagNotFound();
  if (expectedVersion !== state.version) throw versionConflict('tag', state.version, toTagView(state));
  return state;
}

export const tagDecider: Decider<TagCommand, TagState, TagEvent> = {
  initialState: initialTagState,
  evolve: evolveTag,
  decide: decideTag,
};
