/**
 * The accounts service's composition root: configuration → slice tables → projections, reactors and
 * relay → the contract's operations served on the bus.
 */
import { createHmac } from 'node:crypto';
import type { RpcHandler } from '@cairn/shared/bus';
import { ACCOUNTS_SERVICE, type AccountsServiceOperation, accountsServiceOperations } from '@cairn/shared/contracts';
import type { RecordedEvent } from '@cairn/shared/eventstore';
import { IdempotencyStore } from '@cairn/shared/idempotency';
import { newId } from '@cairn/shared/ids';
import { createReadModels, ProjectionRunner } from '@cairn/shared/projections';
import { type IntegrationMessage, IntegrationRelay } from '@cairn/shared/relay';
import type { RunningService, ServiceDeps } from '@cairn/shared/runtime';
import { loadMasterKey } from './accounts/crypto/master-key.js';
import { loadAccountsConfig } from './config.js';
import { ACCOUNTS_SCHEMA } from './db.js';
import type { AccountsRuntime } from './runtime.js';
import { ACCOUNTS_SLICES } from './slices.js';

export const ACCOUNTS_PROJECTIONS = ACCOUNTS_SLICES.flatMap((slice) => slice.projections);

export interface AccountsServiceOptions {
  /** The clock (ms since epoch); tests move it. */
  readonly now?: () => number;
}

export async function startAccountsService(
  deps: ServiceDeps,
  options: AccountsServiceOptions = {},
): Promise<RunningService> {
  const config = loadAccountsConfig(deps.env);
  const { pool, store, bus, logger } = deps;
  await store.init();
  for (const slice of ACCOUNTS_SLICES) await slice.migrate?.(pool, ACCOUNTS_SCHEMA);
  // Key material before anything runs: production refuses to start without a master key.
  const masterKey = await loadMasterKey({
    pool,
    schema: ACCOUNTS_SCHEMA,
    configured: config.masterKey,
    production: config.production,
    logger,
  });

  const idempotency = new IdempotencyStore({
    pool,
    schema: ACCOUNTS_SCHEMA,
    // Account payloads may hold credentials: fingerprint them with a key derived from the master key,
    // the same in every replica and after a restart, so a retry is recognised wherever it lands.
    fingerprintKey: createHmac('sha256', masterKey.key).update('cairn.accounts.idempotency-fingerprint').digest(),
    // An import may run for up to two minutes (its route's timeout): until then a repeat waits for it
    // rather than running it a second time.
    abandonedAfterMs: 150_000,
  });
  await idempotency.init();

  const runner = new ProjectionRunner({
    pool,
    schema: ACCOUNTS_SCHEMA,
    store,
    projections: ACCOUNTS_PROJECTIONS,
    logger: logger.child({ component: 'projections' }),
  });
  await runner.start();

  const rt: AccountsRuntime = {
    store,
    pool,
    bus,
    logger,
    config,
    masterKey,
    now: options.now ?? Date.now,
    newId,
    readModels: createReadModels({
      runner,
      schema: ACCOUNTS_SCHEMA,
      logger,
      timeoutMs: config.readYourWritesTimeoutMs,
    }),
    idempotent: (operation, handler) => idempotency.wrap(operation, handler),
  };

  const started: { stop(): Promise<void> }[] = [];
  for (const slice of ACCOUNTS_SLICES) if (slice.start) started.push(await slice.start(rt));

  const reactors = new ProjectionRunner({
    pool,
    schema: ACCOUNTS_SCHEMA,
    store,
    projections: ACCOUNTS_SLICES.flatMap((slice) => slice.reactors?.(rt) ?? []),
    logger: logger.child({ component: 'reactors' }),
  });
  await reactors.start();

  const relay = new IntegrationRelay({
    service: ACCOUNTS_SERVICE,
    pool,
    schema: ACCOUNTS_SCHEMA,
    store,
    bus,
    map: toIntegrationEvent,
    streamPrefixes: ACCOUNTS_SLICES.flatMap((slice) => slice.publicStreamPrefixes),
    logger: logger.child({ component: 'relay' }),
  });
  await relay.start();

  const served = await bus.serve({
    name: ACCOUNTS_SERVICE,
    version: '1.0.0',
    description: 'Accounts v2: accounts, groups, tags, settings, machine ids, import and export',
    operations: contractOperations(rt),
  });
  const stopPurging = idempotency.startPurging(3600_000, (error) =>
    logger.warn({ err: error }, 'could not purge expired idempotency keys'),
  );
  logger.info('accounts service started');

  return {
    name: ACCOUNTS_SERVICE,
    async stop() {
      await served.close();
      stopPurging();
      await relay.stop();
      await reactors.stop();
      for (const slice of started.reverse()) await slice.stop();
      await runner.stop();
    },
  };
}

/** The slices' operations, checked to be exactly the contract's: a missing one fails at start-up. */
function contractOperations(rt: AccountsRuntime): Record<AccountsServiceOperation, RpcHandler> {
  const operations: Partial<Record<AccountsServiceOperation, RpcHandler>> = {};
  for (const slice of ACCOUNTS_SLICES) Object.assign(operations, slice.operations(rt));
  const missing = Object.keys(accountsServiceOperations).filter((name) => !(name in operations));
  if (missing.length > 0) throw new Error(`accounts operations without a handler: ${missing.join(', ')}`);
  return operations as Record<AccountsServiceOperation, RpcHandler>;
}

/** The first slice that maps an event publishes it; the others keep it private. */
export function toIntegrationEvent(event: RecordedEvent): IntegrationMessage | undefined {
  for (const slice of ACCOUNTS_SLICES) {
    if (!slice.publicStreamPrefixes.some((prefix) => event.streamName.startsWith(prefix))) continue;
    const message = slice.toIntegrationEvent(event);
    if (message) return message;
  }
  return undefined;
}
