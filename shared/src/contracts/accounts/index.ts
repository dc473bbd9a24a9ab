/**
 * The accounts service's RPC contract: every operation on `cairn.rpc.accounts.<op>`, with the zod
 * schemas of its payload and result, assembled from one file per part of the API.
 */
import { accountsOperations as accountOperations } from './accounts.js';
import { groupsOperations } from './groups.js';
import { machineIdsOperations } from './machine-ids.js';
import { settingsOperations } from './settings.js';
import { tagsOperations } from './tags.js';
import { transferOperations } from './transfer.js';

export * from './accounts.js';
export * from './common.js';
export * from './events.js';
export * from './groups.js';
export * from './item-results.js';
export * from './machine-ids.js';
export * from './settings.js';
export * from './tags.js';
export * from './transfer.js';

export const accountsServiceOperations = {
  ...accountOperations,
  ...groupsOperations,
  ...tagsOperations,
  ...settingsOperations,
  ...machineIdsOperations,
  ...transferOperations,
} as const;

export type AccountsServiceOperation = keyof typeof accountsServiceOperations;
