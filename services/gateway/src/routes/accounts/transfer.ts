/** Accounts v2 (CONTRACT.md): transfer routes, each one operation of the accounts service. */
import type { AnyRpcRoute } from '../rpc-route.js';

export const transferRoutes: readonly AnyRpcRoute[] = [];
