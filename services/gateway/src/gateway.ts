/**
 * `createGateway`: builds the gateway on a bus the caller owns, ready to `listen`, and closes it in the
 * order a rolling deploy needs: not ready at once, in-flight requests finish, sockets told to
 * reconnect (1012), then the gateway's own bus subscriptions end (the bus itself stays open).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Bus } from '@cairn/shared/bus';
import type { Logger } from '@cairn/shared/logging';
import Fastify, { type FastifyInstance } from 'fastify';
import { gatewayApp, serverOptions } from './app.js';
import { RevokedSessions } from './auth/revoked-sessions.js';
import { TokenVerifier } from './auth/token-verifier.js';
import { type GatewayConfig, loadGatewayConfig } from './config.js';
import type { GatewayContext } from './context.js';
import type { AnyRpcRoute } from './routes/rpc-route.js';
import { WsHub, type WsMessageHandler } from './ws/hub.js';

export interface GatewayOptions {
  readonly bus: Bus;
  readonly logger: Logger;
  /** Parsed configuration; when absent, `env` (default `process.env`) is parsed. */
  readonly config?: GatewayConfig;
  readonly env?: NodeJS.ProcessEnv;
  /** Services whose `health` op /ready checks. Default `['auth']`. */
  readonly services?: readonly string[];
  /** REST routes of further services, declared with `rpcRoute`. */
  readonly routes?: readonly AnyRpcRoute[];
  /** WebSocket message types beyond `auth` and `ping` (e.g. `chat`, `resume`), by type. */
  readonly wsHandlers?: Readonly<Record<string, WsMessageHandler<any>>>;
  /** Shown in the OpenAPI document. */
  readonly version?: string;
}

export interface Gateway {
  readonly app: FastifyInstance;
  /** The WebSocket hub, where later features register message types. */
  readonly hub: WsHub;
  readonly context: GatewayContext;
  /** Starts listening; resolves with the address. Defaults: PORT and HOST from the configuration. */
  listen(port?: number, host?: string): Promise<string>;
  /** Graceful shutdown; idempotent. */
  close(): Promise<void>;
}

export async function createGateway(options: GatewayOptions): Promise<Gateway> {
  const { bus, logger } = options;
  const config = options.config ?? loadGatewayConfig(options.env ?? process.env);
  const revocations = new RevokedSessions({
    bus,
    logger,
    refreshMs: config.REVOCATION_REFRESH_MS,
    timeoutMs: config.RPC_TIMEOUT_MS,
  });
  const verifier = new TokenVerifier({
    bus,
    logger,
    revocations,
    refetchMinMs: config.JWKS_REFETCH_MIN_MS,
    cacheSize: config.TOKEN_CACHE_SIZE,
    timeoutMs: config.RPC_TIMEOUT_MS,
  });
  const context: GatewayContext = {
    bus,
    config,
    logger,
    verifier,
    revocations,
    services: options.services ?? ['auth'],
    lifecycle: { shuttingDown: false },
  };
  const hub = new WsHub({
    bus,
    logger,
    verifier,
    revocations,
    heartbeatMs: config.WS_HEARTBEAT_MS,
    idleTimeoutMs: config.WS_IDLE_TIMEOUT_MS,
    authTimeoutMs: config.WS_AUTH_TIMEOUT_MS,
    rpcTimeoutMs: config.RPC_TIMEOUT_MS,
  });
  for (const [type, handler] of Object.entries(options.wsHandlers ?? {})) hub.register(type, handler);

  const app = Fastify(serverOptions(config, logger));
  await app.register(gatewayApp, { context, hub, routes: options.routes ?? [], version: options.version ?? '0.1.0' });
  await app.ready();
  revocations.start();
  hub.start();

  let closing: Promise<void> | undefined;
  const shutdown = async () => {
    context.lifecycle.shuttingDown = true;
    if (config.SHUTDOWN_DRAIN_MS > 0) await sleep(config.SHUTDOWN_DRAIN_MS);
    // A request that never finishes must not hold the process: past the timeout, cut what is left.
    const cutOff = setTimeout(() => app.server.closeAllConnections(), config.SHUTDOWN_TIMEOUT_MS);
    try {
      await app.close();
    } finally {
      clearTimeout(cutOff);
    }
    await hub.stop();
    await revocations.stop();
  };

  return {
    app,
    hub,
    context,
    listen: (port = config.PORT, host = config.HOST) => app.listen({ port, host }),
    close: () => {
      closing ??= shutdown();
      return closing;
    },
  };
}
