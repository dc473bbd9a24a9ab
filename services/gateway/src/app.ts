/**
 * The gateway as a Fastify plugin: cross-cutting plugins first (their hooks must wrap every route),
 * then the routes, then the docs UI. `serverOptions` holds what only the root instance can set.
 */
import type { Logger } from '@cairn/shared/logging';
import { type FastifyPluginAsync, type FastifyServerOptions, LogController } from 'fastify';
import { validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { corsOrigins, type GatewayConfig } from './config.js';
import type { GatewayContext } from './context.js';
import { lazyChildLoggerFactory } from './lazy-logger.js';
import authentication from './plugins/authentication.js';
import errorHandler from './plugins/error-handler.js';
import idempotency from './plugins/idempotency.js';
import jsonBody from './plugins/json-body.js';
import lifecycle from './plugins/lifecycle.js';
import observability from './plugins/observability.js';
import openApi, { docsPlugin } from './plugins/openapi.js';
import rateLimit from './plugins/rate-limit.js';
import requestId, { requestIdOf } from './plugins/request-id.js';
import security from './plugins/security.js';
import { serializerCompiler } from './plugins/serializer.js';
import { accountsV2Routes } from './routes/accounts/index.js';
import { authRoutes } from './routes/auth.js';
import { jwksRoute } from './routes/jwks.js';
import { operationsRoutes } from './routes/operations.js';
import { type AnyRpcRoute, registerRpcRoutes } from './routes/rpc-route.js';
import { syncRoutes } from './routes/sync.js';
import type { WsHub } from './ws/hub.js';
import { websocketRoute } from './ws/route.js';

export interface GatewayAppOptions {
  readonly context: GatewayContext;
  readonly hub: WsHub;
  /** Routes of services beyond auth (each later service contributes its list). */
  readonly routes: readonly AnyRpcRoute[];
  readonly version: string;
}

export function serverOptions(config: GatewayConfig, logger: Logger): FastifyServerOptions {
  return {
    loggerInstance: logger,
    genReqId: requestIdOf,
    requestIdHeader: false,
    // One compact line per request comes from the observability plugin instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'requestId' }),
    childLoggerFactory: lazyChildLoggerFactory,
    bodyLimit: config.BODY_LIMIT_BYTES,
    // During shutdown, requests on open connections still get real (enveloped) answers; /ready says 503.
    return503OnClosing: false,
    // Trust exactly the configured number of proxy hops in X-Forwarded-For (0: the socket address).
    trustProxy: config.TRUST_PROXY_HOPS > 0 ? (_address: string, hop: number) => hop < config.TRUST_PROXY_HOPS : false,
    routerOptions: { maxParamLength: 200 },
  };
}

export const gatewayApp: FastifyPluginAsync<GatewayAppOptions> = async (fastify, options) => {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.decorate('cairn', options.context);
  const { config } = options.context;

  await app.register(errorHandler);
  await app.register(requestId);
  await app.register(lifecycle, { lifecycle: options.context.lifecycle });
  await app.register(jsonBody);
  await app.register(security, { corsOrigins: corsOrigins(config) });
  await app.register(authentication);
  await app.register(rateLimit, { max: config.RATE_LIMIT_MAX, windowMs: config.RATE_LIMIT_WINDOW_MS });
  await app.register(idempotency);
  await app.register(observability, { accessLog: config.ACCESS_LOG });
  await app.register(openApi, { version: options.version });

  await operationsRoutes(app);
  await jwksRoute(app);
  registerRpcRoutes(app, authRoutes);
  registerRpcRoutes(app, accountsV2Routes);
  registerRpcRoutes(app, syncRoutes);
  registerRpcRoutes(app, options.routes);
  await websocketRoute(app, { hub: options.hub, maxPayloadBytes: config.WS_MAX_MESSAGE_BYTES });

  await app.register(docsPlugin);
};
