/**
 * Accounts v2 (CONTRACT.md "Accounts v2"): every resource belongs to the calling user, so every route
 * needs a signed-in user of any type; the accounts service scopes everything to that user.
 */
import type { AnyRpcRoute } from '../rpc-route.js';
import { accountsRoutes as accountRoutes } from './accounts.js';
import { groupsRoutes } from './groups.js';
import { machineIdsRoutes } from './machine-ids.js';
import { settingsRoutes } from './settings.js';
import { tagsRoutes } from './tags.js';
import { transferRoutes } from './transfer.js';

export const accountsV2Routes: readonly AnyRpcRoute[] = [
  ...accountRoutes,
  ...groupsRoutes,
  ...tagsRoutes,
  ...settingsRoutes,
  ...machineIdsRoutes,
  ...transferRoutes,
];
