/** Accounts v2 (CONTRACT.md): groups routes, each one operation of the accounts service. */
import type { AnyRpcRoute } from '../rpc-route.js';

export const groupsRoutes: readonly AnyRpcRoute[] = [];
