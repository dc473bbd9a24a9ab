/** Accounts v2 (CONTRACT.md): tags routes, each one operation of the accounts service. */
import type { AnyRpcRoute } from '../rpc-route.js';

export const tagsRoutes: readonly AnyRpcRoute[] = [];
