/** Accounts v2 (CONTRACT.md): machine-ids routes, each one operation of the accounts service. */
import type { AnyRpcRoute } from '../rpc-route.js';

export const machineIdsRoutes: readonly AnyRpcRoute[] = [];
