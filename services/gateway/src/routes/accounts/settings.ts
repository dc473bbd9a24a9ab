/** Accounts v2 (CONTRACT.md): settings routes, each one operation of the accounts service. */
import type { AnyRpcRoute } from '../rpc-route.js';

export const settingsRoutes: readonly AnyRpcRoute[] = [];
