/**
 * Sync (CONTRACT.md "Sync"): snapshot, incremental changes and push for a signed-in user's clients,
 * each one operation of the sync service. The `sync` WebSocket message needs no route: the sync
 * service publishes it on the user's notification subject and the hub forwards it.
 */
import { SYNC_SERVICE, syncChangesRequestSchema, syncOperations, syncPushRequestSchema } from '@cairn/shared/contracts';
import { type AnyRpcRoute, rpcRoute } from './rpc-route.js';

const service = SYNC_SERVICE;
const tags = ['sync'];

export const syncRoutes: readonly AnyRpcRoute[] = [
  rpcRoute({
    method: 'GET',
    url: '/api/v2/sync/snapshot',
    auth: 'user',
    service,
    operation: 'snapshot',
    result: syncOperations.snapshot.result,
    summary: 'Everything the user syncs, and the cursor to follow changes from',
    tags,
  }),
  rpcRoute({
    method: 'POST',
    url: '/api/v2/sync/changes',
    auth: 'user',
    service,
    operation: 'changes',
    schema: { body: syncChangesRequestSchema },
    result: syncOperations.changes.result,
    summary: 'Changes after a cursor (or a server time), oldest first, a page at a time',
    description:
      'Follow `cursor` until `hasMore` is false. A cursor the server no longer serves answers 409 SNAPSHOT_REQUIRED.',
    tags,
  }),
  rpcRoute({
    method: 'POST',
    url: '/api/v2/sync/push',
    auth: 'user',
    service,
    operation: 'push',
    schema: { body: syncPushRequestSchema },
    result: syncOperations.push.result,
    // Up to 500 items, each a command, and a wait for them to reach the change log.
    timeoutMs: 30_000,
    summary: 'Apply local changes, each with the version the client read',
    description: 'A repeated (clientId, mutationId) returns the first answer and applies nothing.',
    tags,
  }),
];
