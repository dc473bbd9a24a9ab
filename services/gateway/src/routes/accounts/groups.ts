/**
 * Accounts v2 (CONTRACT.md "Accounts v2", seed 003 §13.1): groups routes, each one operation of the
 * accounts service, which scopes everything to the calling user.
 *
 * PUT and DELETE need the version read (body `version` or `If-Match: W/"n"`): deleting a group clears it
 * from its accounts, so it must not happen to a group the caller has not seen. A batch reorder takes an
 * optional version per move and answers per move.
 */
import {
  ACCOUNTS_SERVICE,
  createGroupRequestSchema,
  groupsOperations,
  listGroupsRequestSchema,
  MAX_ITEMS_PER_BATCH,
  reorderGroupsRequestSchema,
  resourceIdSchema,
  updateGroupRequestSchema,
} from '@cairn/shared/contracts';
import { z } from 'zod';
import { type AnyRpcRoute, rpcRoute } from '../rpc-route.js';
import { atMostOneBatch, bodyVersion } from './library-helpers.js';

const service = ACCOUNTS_SERVICE;
const tags = ['groups'];
const idParams = z.object({ id: resourceIdSchema });

export const groupsRoutes: readonly AnyRpcRoute[] = [
  rpcRoute({
    method: 'GET',
    url: '/api/v2/groups',
    auth: 'user',
    service,
    operation: 'listGroups',
    schema: { querystring: listGroupsRequestSchema },
    result: groupsOperations.listGroups.result,
    summary: 'List your groups, by order then creation',
    tags,
  }),
  rpcRoute({
    method: 'POST',
    url: '/api/v2/groups',
    auth: 'user',
    service,
    operation: 'createGroup',
    schema: { body: createGroupRequestSchema },
    result: groupsOperations.createGroup.result,
    successStatus: 201,
    summary: 'Create a group (your own id allowed; names are unique, ignoring case)',
    tags,
  }),
  rpcRoute({
    method: 'POST',
    url: '/api/v2/groups/batch-reorder',
    auth: 'user',
    service,
    operation: 'reorderGroups',
    schema: { body: reorderGroupsRequestSchema },
    payload: ({ body }) => {
      atMostOneBatch(body.orders.length);
      return body;
    },
    result: groupsOperations.reorderGroups.result,
    summary: `Move up to ${MAX_ITEMS_PER_BATCH} groups {id, order, version?}; each move answers on its own`,
    tags,
  }),
  rpcRoute({
    method: 'PUT',
    url: '/api/v2/groups/:id',
    auth: 'user',
    versioned: true,
    service,
    operation: 'updateGroup',
    schema: { params: idParams, body: updateGroupRequestSchema.omit({ id: true }) },
    result: groupsOperations.updateGroup.result,
    summary: 'Replace a group (omitted colour: none; omitted order: unchanged; version in the body or If-Match)',
    tags,
  }),
  rpcRoute({
    method: 'DELETE',
    url: '/api/v2/groups/:id',
    auth: 'user',
    versioned: true,
    service,
    operation: 'deleteGroup',
    schema: { params: idParams, body: z.object({ version: bodyVersion }).nullish() },
    result: groupsOperations.deleteGroup.result,
    summary: 'Delete a group; its accounts lose it (version in the body or If-Match)',
    tags,
  }),
];
