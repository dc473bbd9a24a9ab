/** The tags slice: the tag aggregate, its read model and public events, and the tags operations. */
import { tagsOperations as contract } from '@cairn/shared/contracts';
import { operation } from '@cairn/shared/runtime';
import type { AccountsSlice } from '../slice.js';
import { createTag, deleteTag, listTags, updateTag } from './handlers.js';
import { tagIntegrationEvent } from './integration.js';
import { tagsProjection } from './readModel.js';
import { TAG_STREAM_PREFIX } from './tag.js';

export const tagsSlice: AccountsSlice = {
  name: 'tags',
  projections: [tagsProjection],
  publicStreamPrefixes: [TAG_STREAM_PREFIX],
  toIntegrationEvent: tagIntegrationEvent,
  operations: (rt) => ({
    listTags: operation(contract.listTags.request, (input, ctx) => listTags(rt, input, ctx)),
    createTag: rt.idempotent(
      'createTag',
      operation(contract.createTag.request, (input, ctx) => createTag(rt, input, ctx)),
    ),
    updateTag: operation(contract.updateTag.request, (input, ctx) => updateTag(rt, input, ctx)),
    deleteTag: operation(contract.deleteTag.request, (input, ctx) => deleteTag(rt, input, ctx)),
  }),
};
