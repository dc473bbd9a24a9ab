/** Accounts v2 (CONTRACT.md): accounts routes, each one operation of the accounts service. */
import type { AnyRpcRoute } from '../rpc-route.js';

export const accountsRoutes: readonly AnyRpcRoute[] = [];
