/**
 * Accounts v2 (CONTRACT.md "Accounts v2", seed 003 §13.1): machine-ids routes, each one operation of the
 * accounts service, which scopes everything to the calling user.
 *
 * The configuration and a binding are upserts (as settings): without a version they only create, with
 * one they only replace that version. Unbinding needs the version. The history only grows.
 */
import {
  ACCOUNTS_SERVICE,
  bindMachineIdRequestSchema,
  listMachineIdBindingsRequestSchema,
  listMachineIdHistoryRequestSchema,
  machineIdsOperations,
  putMachineIdConfigRequestSchema,
  recordMachineIdHistoryRequestSchema,
  resourceIdSchema,
  unbindMachineIdRequestSchema,
} from '@cairn/shared/contracts';
import { z } from 'zod';
import { type AnyRpcRoute, rpcRoute } from '../rpc-route.js';
import { bodyVersion, optionalVersion } from './library-helpers.js';

const service = ACCOUNTS_SERVICE;
const tags = ['machine-ids'];
const accountParams = z.object({ accountId: resourceIdSchema });

export const machineIdsRoutes: readonly AnyRpcRoute[] = [
  rpcRoute({
    method: 'GET',
    url: '/api/v2/machine-ids/config',
    auth: 'user',
    service,
    operation: 'getMachineIdConfig',
    payload: () => ({}),
    result: machineIdsOperations.getMachineIdConfig.result,
    summary: 'Your machine-id configuration (version 0: never saved, the defaults)',
    tags,
  }),
  rpcRoute({
    method: 'PUT',
    url: '/api/v2/machine-ids/config',
    auth: 'user',
    service,
    operation: 'putMachineIdConfig',
    schema: { body: putMachineIdConfigRequestSchema.extend({ version: bodyVersion }) },
    payload: ({ body, request }) => ({ ...body, version: undefined, ...optionalVersion(request) }),
    result: machineIdsOperations.putMachineIdConfig.result,
    summary: 'Save the configuration: the first time without a version, then with the version you read',
    tags,
  }),
  rpcRoute({
    method: 'GET',
    url: '/api/v2/machine-ids/bindings',
    auth: 'user',
    service,
    operation: 'listMachineIdBindings',
    schema: { querystring: listMachineIdBindingsRequestSchema },
    result: machineIdsOperations.listMachineIdBindings.result,
    summary: 'The machine ids bound to your accounts (optionally of one account)',
    tags,
  }),
  rpcRoute({
    method: 'PUT',
    url: '/api/v2/machine-ids/bindings/:accountId',
    auth: 'user',
    service,
    operation: 'bindMachineId',
    schema: {
      params: accountParams,
      body: bindMachineIdRequestSchema.omit({ accountId: true }).extend({ version: bodyVersion }),
    },
    payload: ({ params, body, request }) => ({
      ...body,
      accountId: params.accountId,
      version: undefined,
      ...optionalVersion(request),
    }),
    result: machineIdsOperations.bindMachineId.result,
    summary: 'Bind a machine id to an account: no version to bind, the binding version to rebind',
    tags,
  }),
  rpcRoute({
    method: 'DELETE',
    url: '/api/v2/machine-ids/bindings/:accountId',
    auth: 'user',
    versioned: true,
    service,
    operation: 'unbindMachineId',
    schema: {
      params: accountParams,
      body: unbindMachineIdRequestSchema.pick({ reason: true }).extend({ version: bodyVersion }).nullish(),
    },
    result: machineIdsOperations.unbindMachineId.result,
    summary: 'Unbind the machine id of an account (version in the body or If-Match; reason optional)',
    tags,
  }),
  rpcRoute({
    method: 'GET',
    url: '/api/v2/machine-ids/history',
    auth: 'user',
    service,
    operation: 'listMachineIdHistory',
    schema: { querystring: listMachineIdHistoryRequestSchema },
    result: machineIdsOperations.listMachineIdHistory.result,
    summary: 'Machine ids used with your accounts, newest first (optionally of one account)',
    tags,
  }),
  rpcRoute({
    method: 'POST',
    url: '/api/v2/machine-ids/history',
    auth: 'user',
    service,
    operation: 'recordMachineIdHistory',
    schema: { body: recordMachineIdHistoryRequestSchema },
    result: machineIdsOperations.recordMachineIdHistory.result,
    successStatus: 201,
    summary: 'Record a machine id used with an account',
    tags,
  }),
];
