/**
 * The sync service's composition root: configuration → tables → the durable consumer that builds each
 * user's change log from the accounts service's integration events → compaction → snapshot, changes
 * and push served on the bus.
 */
import type { RpcHandler } from '@cairn/shared/bus';
import { SYNC_SERVICE, type SyncOperation, type SyncPushRequest, syncOperations } from '@cairn/shared/contracts';
import { IdempotencyStore } from '@cairn/shared/idempotency';
import { operation, type RunningService, type ServiceDeps } from '@cairn/shared/runtime';
import { compactChanges } from './changelog/compaction.js';
import { migrateSyncTables } from './changelog/schema.js';
import { loadSyncConfig } from './config.js';
import { SYNC_SCHEMA } from './db.js';
import { startChangeConsumer } from './ingest/consumer.js';
import { createSyncNotifier } from './ingest/notifier.js';
import { RecordedChanges } from './ingest/signal.js';
import { push } from './push/handler.js';
import { changes, snapshot } from './read/handlers.js';
import type { SyncRuntime } from './runtime.js';
import { installationKey } from './secrets.js';

export async function startSyncService(deps: ServiceDeps): Promise<RunningService> {
  const config = loadSyncConfig(deps.env);
  const { pool, bus, logger } = deps;
  const tables = await migrateSyncTables(pool, SYNC_SCHEMA);
  const rt: SyncRuntime = { pool, bus, logger, config, tables, recorded: new RecordedChanges() };

  const pushes = new IdempotencyStore({
    pool,
    schema: SYNC_SCHEMA,
    ttlMs: config.pushReplayMs,
    // Pushed accounts may hold credentials: fingerprint with a key of this installation's own.
    fingerprintKey: await installationKey(pool, tables, 'push-fingerprint'),
  });
  await pushes.init();

  const notifier = createSyncNotifier(bus, config.notifyDebounceMs);
  const consumer = await startChangeConsumer({
    bus,
    pool,
    tables,
    notifier,
    concurrency: config.ingestConcurrency,
    logger: logger.child({ component: 'changelog' }),
    onRecorded: (change) => rt.recorded.notify(change),
  });

  const compaction = setInterval(() => {
    compactChanges(pool, tables, config.retentionMs).catch((error) =>
      logger.warn({ err: error }, 'change log compaction failed; retrying at the next interval'),
    );
  }, config.compactionIntervalMs);
  compaction.unref();
  const stopPurging = pushes.startPurging(3600_000, (error) =>
    logger.warn({ err: error }, 'could not purge expired push answers'),
  );

  // A repeated (clientId, mutationId) of a user gets the first answer and applies nothing.
  const pushOnce = pushes.wrap<SyncPushRequest, unknown>('push', (input, context) => push(rt, input, context));
  const operations: Record<SyncOperation, RpcHandler> = {
    snapshot: (_payload, ctx) => snapshot(rt, ctx),
    changes: operation(syncOperations.changes.request, (input, ctx) => changes(rt, input, ctx)),
    push: operation(syncOperations.push.request, (input, ctx) =>
      pushOnce(input, { ...ctx, idempotencyKey: JSON.stringify([input.clientId, input.mutationId]) }),
    ),
  };
  const served = await bus.serve({
    name: SYNC_SERVICE,
    version: '1.0.0',
    description: 'Snapshot, incremental changes and push for account-sync clients',
    operations,
  });
  logger.info('sync service started');

  return {
    name: SYNC_SERVICE,
    async stop() {
      await served.close();
      clearInterval(compaction);
      stopPurging();
      await consumer.close();
      notifier.flush();
    },
  };
}
