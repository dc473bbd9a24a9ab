/**
 * The auth service's composition root: configuration → tables and keys → projections, cache and relay
 * → the first admin → operations served on the bus.
 */
import { createHmac } from 'node:crypto';
import { startLogFollower } from '@cairn/shared/cache';
import { AUTH_SERVICE } from '@cairn/shared/contracts';
import { comparePositions, type GlobalPosition } from '@cairn/shared/eventstore';
import { IdempotencyStore } from '@cairn/shared/idempotency';
import { newId } from '@cairn/shared/ids';
import { createReadModels, loadCheckpoint, ProjectionRunner } from '@cairn/shared/projections';
import { IntegrationRelay } from '@cairn/shared/relay';
import type { RunningService, ServiceDeps } from '@cairn/shared/runtime';
import type { Pool } from 'pg';
import { bootstrapAdmin } from './bootstrap/admin.js';
import { loadAuthConfig } from './config.js';
import { AUTH_SCHEMA } from './db.js';
import { toIntegrationEvent } from './integration/mapping.js';
import { createLoginThrottle } from './logins/throttle.js';
import { authOperations } from './operations.js';
import { ORG_STREAM_PREFIX } from './orgs/org.js';
import { orgsProjection } from './orgs/readModel.js';
import { createPasswordHasher } from './passwords/scrypt.js';
import { ROLES_PROJECTION, rolesProjection } from './roles/readModel.js';
import { ROLE_STREAM_PREFIX } from './roles/role.js';
import type { AuthRuntime } from './runtime.js';
import { migrateAuthTables } from './schema.js';
import { sessionsProjection } from './sessions/readModel.js';
import { SESSION_STREAM_PREFIX } from './sessions/session.js';
import { createAccessTokenIssuer } from './tokens/accessTokens.js';
import { loadOrCreateKeys } from './tokens/keyStore.js';
import { USERS_PROJECTION, usersProjection } from './users/readModel.js';
import { USER_STREAM_PREFIX } from './users/user.js';
import { UserDirectory } from './users/view.js';
import { createWechatClient } from './wechat/client.js';
import { createWechatSessionKeys } from './wechat/sessionKeys.js';

export const AUTH_PROJECTIONS = [usersProjection, sessionsProjection, rolesProjection, orgsProjection];

/** Streams whose events may become integration events (the mapper decides which do). */
const PUBLIC_STREAM_PREFIXES = [USER_STREAM_PREFIX, SESSION_STREAM_PREFIX, ROLE_STREAM_PREFIX, ORG_STREAM_PREFIX];

export interface AuthServiceOptions {
  /** The clock (ms since epoch); tests move it to cross expiry and grace periods. */
  readonly now?: () => number;
  /** How long a write waits for its read model before answering anyway. Default 2 s. */
  readonly readYourWritesTimeoutMs?: number;
}

export async function startAuthService(deps: ServiceDeps, options: AuthServiceOptions = {}): Promise<RunningService> {
  const config = loadAuthConfig(deps.env);
  const { pool, store, bus } = deps;
  const logger = deps.logger;
  await store.init();
  await migrateAuthTables(pool);
  const keys = await loadOrCreateKeys(pool, AUTH_SCHEMA);

  const idempotency = new IdempotencyStore({
    pool,
    schema: AUTH_SCHEMA,
    // Login and register payloads hold passwords: fingerprint them with a server key, not a bare hash.
    fingerprintKey: createHmac('sha256', keys.refreshTokenKey).update('idempotency-fingerprint').digest(),
  });
  await idempotency.init();

  const runner = new ProjectionRunner({
    pool,
    schema: AUTH_SCHEMA,
    store,
    projections: AUTH_PROJECTIONS,
    logger: logger.child({ component: 'projections' }),
  });
  await runner.start();

  const relay = new IntegrationRelay({
    service: AUTH_SERVICE,
    pool,
    schema: AUTH_SCHEMA,
    store,
    bus,
    map: toIntegrationEvent,
    streamPrefixes: PUBLIC_STREAM_PREFIXES,
    logger: logger.child({ component: 'relay' }),
  });
  await relay.start();

  const directory = new UserDirectory(store);
  const cacheFollower = startLogFollower({
    store,
    streamPrefixes: UserDirectory.streamPrefixes,
    onEvent: (event) => directory.apply(event),
    logger: logger.child({ component: 'user-cache' }),
    ...optionalAfter(await cacheStartPosition(pool)),
  });

  const readModels = createReadModels({
    runner,
    schema: AUTH_SCHEMA,
    logger,
    ...(options.readYourWritesTimeoutMs !== undefined ? { timeoutMs: options.readYourWritesTimeoutMs } : {}),
  });

  const rt: AuthRuntime = {
    store,
    pool,
    bus,
    logger,
    config,
    now: options.now ?? Date.now,
    newId,
    passwords: createPasswordHasher(config.passwordHashCost),
    accessTokens: createAccessTokenIssuer(keys.signing, config.accessTokenTtlSeconds),
    keys,
    directory,
    throttle: createLoginThrottle(pool, AUTH_SCHEMA, config.loginMaxFailures, config.loginFailureWindowSeconds),
    wechat:
      config.wechat.appId && config.wechat.appSecret
        ? createWechatClient({
            apiBase: config.wechat.apiBase,
            appId: config.wechat.appId,
            appSecret: config.wechat.appSecret,
            timeoutMs: config.wechat.timeoutMs,
          })
        : undefined,
    wechatKeys: createWechatSessionKeys(pool, AUTH_SCHEMA),
    readModels,
  };

  try {
    await bootstrapAdmin(rt, async () => {
      const { rows } = await pool.query(
        `SELECT 1 FROM ${readModels.table(USERS_PROJECTION, 'users')} WHERE user_type = 'admin' LIMIT 1`,
      );
      return rows.length > 0;
    });
  } catch (error) {
    await Promise.allSettled([cacheFollower.stop(), relay.stop(), runner.stop()]);
    throw error;
  }

  const served = await bus.serve({
    name: AUTH_SERVICE,
    version: '1.0.0',
    description: 'Users, sessions, roles and organisations',
    operations: authOperations(rt, idempotency),
  });
  const stopPurging = idempotency.startPurging(3600_000, (error) =>
    logger.warn({ err: error }, 'could not purge expired idempotency keys'),
  );
  logger.info({ wechat: rt.wechat !== undefined }, 'auth service started');

  return {
    name: AUTH_SERVICE,
    async stop() {
      await served.close();
      stopPurging();
      await cacheFollower.stop();
      await relay.stop();
      await runner.stop();
    },
  };
}

/**
 * Where the in-process cache starts following the log: where the users and roles projections are,
 * which is close to the end (every state the cache holds is read fresh from its stream anyway; the
 * follower only needs to cover what happens after that). The log's start when they have not run yet.
 */
async function cacheStartPosition(pool: Pool): Promise<GlobalPosition | undefined> {
  const positions = await Promise.all(
    [USERS_PROJECTION, ROLES_PROJECTION].map((name) => loadCheckpoint(pool, AUTH_SCHEMA, name)),
  );
  if (positions.some((p) => p === undefined)) return undefined;
  return (positions as GlobalPosition[]).sort(comparePositions)[0];
}

const optionalAfter = (after: GlobalPosition | undefined) => (after ? { after } : {});
