/** The groups slice: the group aggregate, its read model and public events, and the groups operations. */
import { groupsOperations as contract } from '@cairn/shared/contracts';
import { operation } from '@cairn/shared/runtime';
import type { AccountsSlice } from '../slice.js';
import { GROUP_STREAM_PREFIX } from './group.js';
import { createGroup, deleteGroup, listGroups, reorderGroups, updateGroup } from './handlers.js';
import { groupIntegrationEvent } from './integration.js';
import { groupsProjection } from './readModel.js';

export const groupsSlice: AccountsSlice = {
  name: 'groups',
  projections: [groupsProjection],
  publicStreamPrefixes: [GROUP_STREAM_PREFIX],
  toIntegrationEvent: groupIntegrationEvent,
  operations: (rt) => ({
    listGroups: operation(contract.listGroups.request, (input, ctx) => listGroups(rt, input, ctx)),
    createGroup: rt.idempotent(
      'createGroup',
      operation(contract.createGroup.request, (input, ctx) => createGroup(rt, input, ctx)),
    ),
    updateGroup: operation(contract.updateGroup.request, (input, ctx) => updateGroup(rt, input, ctx)),
    deleteGroup: operation(contract.deleteGroup.request, (input, ctx) => deleteGroup(rt, input, ctx)),
    reorderGroups: rt.idempotent(
      'reorderGroups',
      operation(contract.reorderGroups.request, (input, ctx) => reorderGroups(rt, input, ctx)),
    ),
  }),
};
