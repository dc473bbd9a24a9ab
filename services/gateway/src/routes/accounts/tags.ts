/**
 * Accounts v2 (CONTRACT.md "Accounts v2", seed 003 §13.1): tags routes, each one operation of the
 * accounts service, which scopes everything to the calling user. PUT and DELETE need the version read
 * (body `version` or `If-Match: W/"n"`): deleting a tag removes it from its accounts.
 */
import {
  ACCOUNTS_SERVICE,
  createTagRequestSchema,
  listTagsRequestSchema,
  resourceIdSchema,
  tagsOperations,
  updateTagRequestSchema,
} from '@cairn/shared/contracts';
import { z } from 'zod';
import { type AnyRpcRoute, rpcRoute } from '../rpc-route.js';
import { bodyVersion } from './library-helpers.js';

const service = ACCOUNTS_SERVICE;
const tags = ['tags'];
const idParams = z.object({ id: resourceIdSchema });

export const tagsRoutes: readonly AnyRpcRoute[] = [
  rpcRoute({
    method: 'GET',
    url: '/api/v2/tags',
    auth: 'user',
    service,
    operation: 'listTags',
    schema: { querystring: listTagsRequestSchema },
    result: tagsOperations.listTags.result,
    summary: 'List your tags, by name',
    tags,
  }),
  rpcRoute({
    method: 'POST',
    url: '/api/v2/tags',
    auth: 'user',
    service,
    operation: 'createTag',
    schema: { body: createTagRequestSchema },
    result: tagsOperations.createTag.result,
    successStatus: 201,
    summary: 'Create a tag (your own id allowed; names are unique, ignoring case)',
    tags,
  }),
  rpcRoute({
    method: 'PUT',
    url: '/api/v2/tags/:id',
    auth: 'user',
    versioned: true,
    service,
    operation: 'updateTag',
    schema: { params: idParams, body: updateTagRequestSchema.omit({ id: true }) },
    result: tagsOperations.updateTag.result,
    summary: 'Replace a tag (omitted colour: none; version in the body or If-Match)',
    tags,
  }),
  rpcRoute({
    method: 'DELETE',
    url: '/api/v2/tags/:id',
    auth: 'user',
    versioned: true,
    service,
    operation: 'deleteTag',
    schema: { params: idParams, body: z.object({ version: bodyVersion }).nullish() },
    result: tagsOperations.deleteTag.result,
    summary: 'Delete a tag; its accounts lose it (version in the body or If-Match)',
    tags,
  }),
];
