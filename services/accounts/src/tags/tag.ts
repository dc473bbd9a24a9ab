/**
 * The tag aggregate (stream `tag-<ownerId>:<tagId>`): a named, coloured label an account may carry
 * several of. Every event names the owner and the tag and carries the tag's version after its command
 * (1 on creation) and the command's time. A deleted tag keeps its stream: its id is not reused.
 */
import type { Tag } from '@cairn/shared/contracts';
import { ownedStreamParts } from '../library/owner.js';

export const TAG_STREAM_PREFIX = 'tag-';
export const tagStream = (ownerId: string, tagId: string): string => `${TAG_STREAM_PREFIX}${ownerId}:${tagId}`;
export const tagStreamParts = (streamName: string) => ownedStreamParts(streamName, TAG_STREAM_PREFIX);

interface TagChange {
  readonly ownerId: string;
  readonly tagId: string;
  readonly version: number;
  readonly at: string;
}

export type TagEvent =
  | { readonly type: 'TagCreated'; readonly data: TagChange & { readonly name: string; readonly color: string | null } }
  | { readonly type: 'TagUpdated'; readonly data: TagChange & { readonly name: string; readonly color: string | null } }
  /** The accounts slice reacts by removing the tag from its accounts. */
  | { readonly type: 'TagDeleted'; readonly data: TagChange };

export type TagEventType = TagEvent['type'];
export const TAG_EVENT_TYPES: readonly TagEventType[] = ['TagCreated', 'TagUpdated', 'TagDeleted'];

export interface ExistingTag {
  readonly kind: 'existing';
  readonly ownerId: string;
  readonly id: string;
  readonly name: string;
  readonly color: string | null;
  readonly version: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export type TagState =
  | { readonly kind: 'absent' }
  | ExistingTag
  | { readonly kind: 'deleted'; readonly id: string; readonly version: number };

export const initialTagState = (): TagState => ({ kind: 'absent' });

export function evolveTag(state: TagState, event: TagEvent): TagState {
  switch (event.type) {
    case 'TagCreated': {
      const d = event.data;
      return {
        kind: 'existing',
        ownerId: d.ownerId,
        id: d.tagId,
        name: d.name,
        color: d.color,
        version: d.version,
        createdAt: d.at,
        updatedAt: d.at,
      };
    }
    case 'TagUpdated':
      if (state.kind !== 'existing') return state;
      return {
        ...state,
        name: event.data.name,
        color: event.data.color,
        version: event.data.version,
        updatedAt: event.data.at,
      };
    case 'TagDeleted':
      return { kind: 'deleted', id: event.data.tagId, version: event.data.version };
    default: {
      const unknown: never = event;
      return unknown;
    }
  }
}

export const toTagView = (tag: ExistingTag): Tag => ({
  id: tag.id,
  name: tag.name,
  color: tag.color,
  version: tag.version,
  createdAt: tag.createdAt,
  updatedAt: tag.updatedAt,
});
