/**
 * Accounts v2 (CONTRACT.md "Accounts v2", seed 003 §13.1): accounts routes, each one operation of the
 * accounts service, which scopes everything to the calling user.
 *
 * Versions: PUT and PATCH need one (body `version` or `If-Match: W/"n"`). DELETE and restore take one
 * optionally: given, it is enforced exactly like a write's; left out, the soft delete (reversible) or
 * the restore applies to whatever version is current. Batches are refused here, before the bus, when
 * they hold more than 500 operations (413); their items are validated one by one by the service.
 */
import {
  ACCOUNTS_SERVICE,
  accountIdRequestSchema,
  accountsOperations,
  batchAccountsRequestSchema,
  batchDeleteAccountsRequestSchema,
  createAccountRequestSchema,
  listAccountsRequestSchema,
  MAX_ITEMS_PER_BATCH,
  patchAccountRequestSchema,
  replaceAccountRequestSchema,
  versionSchema,
} from '@cairn/shared/contracts';
import { z } from 'zod';
import { type AnyRpcRoute, rpcRoute } from '../rpc-route.js';
import { atMostOneBatch, optionalVersion } from './library-helpers.js';

const service = ACCOUNTS_SERVICE;
const tags = ['accounts'];
const idParams = accountIdRequestSchema;
/** Restore, refresh-token and check-status: no body, an empty one, or `{version}` (restore). */
const optionalVersionBody = z.object({ version: versionSchema.optional() }).nullish();

export const accountsRoutes: readonly AnyRpcRoute[] = [
  rpcRoute({
    method: 'GET',
    url: '/api/v2/accounts',
    auth: 'user',
    service,
    operation: 'listAccounts',
    schema: { querystring: listAccountsRequestSchema },
    result: accountsOperations.listAccounts.result,
    summary: 'List your accounts (filters: status, groupId, tagId, q; includeDeleted; fields)',
    tags,
  }),
  rpcRoute({
    method: 'POST',
    url: '/api/v2/accounts',
    auth: 'user',
    service,
    operation: 'createAccount',
    schema: { body: createAccountRequestSchema },
    result: accountsOperations.createAccount.result,
    successStatus: 201,
    summary: 'Create an account (only email is required; your own id allowed)',
    tags,
  }),
  rpcRoute({
    method: 'POST',
    url: '/api/v2/accounts/batch',
    auth: 'user',
    service,
    operation: 'batchAccounts',
    schema: { body: batchAccountsRequestSchema },
    payload: ({ body }) => {
      atMostOneBatch(body.operations.length);
      return body;
    },
    result: accountsOperations.batchAccounts.result,
    summary: `Up to ${MAX_ITEMS_PER_BATCH} creates, updates, patches and deletes, each standing alone`,
    tags,
  }),
  rpcRoute({
    method: 'POST',
    url: '/api/v2/accounts/batch-delete',
    auth: 'user',
    service,
    operation: 'batchDeleteAccounts',
    schema: { body: batchDeleteAccountsRequestSchema },
    payload: ({ body }) => {
      atMostOneBatch(body.ids.length);
      return body;
    },
    result: accountsOperations.batchDeleteAccounts.result,
    summary: `Soft-delete up to ${MAX_ITEMS_PER_BATCH} accounts, each standing alone`,
    tags,
  }),
  rpcRoute({
    method: 'GET',
    url: '/api/v2/accounts/:id',
    auth: 'user',
    service,
    operation: 'getAccount',
    schema: { params: idParams },
    result: accountsOperations.getAccount.result,
    summary: 'Get an account, with its credentials decrypted (also when soft-deleted: see deletedAt)',
    tags,
  }),
  rpcRoute({
    method: 'PUT',
    url: '/api/v2/accounts/:id',
    auth: 'user',
    versioned: true,
    service,
    operation: 'replaceAccount',
    schema: { params: idParams, body: replaceAccountRequestSchema.omit({ id: true }) },
    result: accountsOperations.replaceAccount.result,
    summary: 'Replace an account: fields left out take their defaults (version in the body or If-Match)',
    tags,
  }),
  rpcRoute({
    method: 'PATCH',
    url: '/api/v2/accounts/:id',
    auth: 'user',
    versioned: true,
    service,
    operation: 'patchAccount',
    schema: { params: idParams, body: patchAccountRequestSchema.omit({ id: true }) },
    result: accountsOperations.patchAccount.result,
    summary: 'Change the given fields of an account (version in the body or If-Match)',
    tags,
  }),
  rpcRoute({
    method: 'DELETE',
    url: '/api/v2/accounts/:id',
    auth: 'user',
    service,
    operation: 'deleteAccount',
    schema: { params: idParams, body: optionalVersionBody },
    payload: ({ params, request }) => ({ ...params, ...optionalVersion(request) }),
    result: accountsOperations.deleteAccount.result,
    summary: 'Soft-delete an account (restorable; version optional, enforced when given)',
    tags,
  }),
  rpcRoute({
    method: 'DELETE',
    url: '/api/v2/accounts/:id/permanent',
    auth: 'user',
    service,
    operation: 'purgeAccount',
    schema: { params: idParams },
    result: accountsOperations.purgeAccount.result,
    summary: 'Delete an account for good; its credentials become unrecoverable',
    tags,
  }),
  rpcRoute({
    method: 'POST',
    url: '/api/v2/accounts/:id/restore',
    auth: 'user',
    service,
    operation: 'restoreAccount',
    schema: { params: idParams, body: optionalVersionBody },
    payload: ({ params, request }) => ({ ...params, ...optionalVersion(request) }),
    result: accountsOperations.restoreAccount.result,
    summary: 'Restore a soft-deleted account (version optional, enforced when given)',
    tags,
  }),
  rpcRoute({
    method: 'POST',
    url: '/api/v2/accounts/:id/refresh-token',
    auth: 'user',
    service,
    operation: 'refreshAccountToken',
    schema: { params: idParams, body: z.object({}).nullish() },
    payload: ({ params }) => params,
    result: accountsOperations.refreshAccountToken.result,
    // Up to the provider's timeouts and retries, then recording the outcome.
    timeoutMs: 15_000,
    summary: "Refresh the account's tokens at its provider (failures: status expired or error)",
    tags,
  }),
  rpcRoute({
    method: 'POST',
    url: '/api/v2/accounts/:id/check-status',
    auth: 'user',
    service,
    operation: 'checkAccountStatus',
    schema: { params: idParams, body: z.object({}).nullish() },
    payload: ({ params }) => params,
    result: accountsOperations.checkAccountStatus.result,
    timeoutMs: 15_000,
    summary: "Ask the account's provider for its usage (failures: status expired or error)",
    tags,
  }),
];
