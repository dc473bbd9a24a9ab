/**
 * Accounts v2 (CONTRACT.md "Accounts v2", seed 003 §13.1): settings routes, each one operation of the
 * accounts service, which scopes everything to the calling user.
 *
 * PUT is an upsert that cannot overwrite by accident: without a version (body or If-Match) it only
 * creates the key; with one it only replaces that version (409 VERSION_CONFLICT otherwise, with the
 * current copy). A batch answers per item, with the same rules.
 */
import {
  ACCOUNTS_SERVICE,
  batchSettingsRequestSchema,
  getSettingRequestSchema,
  listSettingsRequestSchema,
  MAX_ITEMS_PER_BATCH,
  putSettingRequestSchema,
  settingsOperations,
} from '@cairn/shared/contracts';
import { type AnyRpcRoute, rpcRoute } from '../rpc-route.js';
import { atMostOneBatch, bodyVersion, optionalVersion } from './library-helpers.js';

const service = ACCOUNTS_SERVICE;
const tags = ['settings'];

export const settingsRoutes: readonly AnyRpcRoute[] = [
  rpcRoute({
    method: 'GET',
    url: '/api/v2/settings',
    auth: 'user',
    service,
    operation: 'listSettings',
    schema: { querystring: listSettingsRequestSchema },
    result: settingsOperations.listSettings.result,
    summary: 'All your settings, by key',
    tags,
  }),
  rpcRoute({
    method: 'POST',
    url: '/api/v2/settings/batch',
    auth: 'user',
    service,
    operation: 'batchSettings',
    schema: { body: batchSettingsRequestSchema },
    payload: ({ body }) => {
      atMostOneBatch(body.settings.length);
      return body;
    },
    result: settingsOperations.batchSettings.result,
    summary: `Put up to ${MAX_ITEMS_PER_BATCH} settings {key, value, version?}; each answers on its own`,
    tags,
  }),
  rpcRoute({
    method: 'GET',
    url: '/api/v2/settings/:key',
    auth: 'user',
    service,
    operation: 'getSetting',
    schema: { params: getSettingRequestSchema },
    result: settingsOperations.getSetting.result,
    summary: 'One setting, with its version (ETag)',
    tags,
  }),
  rpcRoute({
    method: 'PUT',
    url: '/api/v2/settings/:key',
    auth: 'user',
    service,
    operation: 'putSetting',
    schema: {
      params: getSettingRequestSchema,
      body: putSettingRequestSchema.omit({ key: true }).extend({ version: bodyVersion }),
    },
    payload: ({ params, body, request }) => ({ key: params.key, value: body.value, ...optionalVersion(request) }),
    result: settingsOperations.putSetting.result,
    summary: 'Create a setting (no version) or replace the version you read (body version or If-Match)',
    tags,
  }),
];
