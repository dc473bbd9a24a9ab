export { gatewayApp, serverOptions } from './app.js';
export { RevokedSessions } from './auth/revoked-sessions.js';
export { TOKEN_AUDIENCE, TOKEN_ISSUER, TokenVerifier } from './auth/token-verifier.js';
export { corsOrigins, type GatewayConfig, gatewayConfigSchema, loadGatewayConfig } from './config.js';
export type { AuthOutcome, AuthRequirement, GatewayApp, GatewayContext } from './context.js';
export { createGateway, type Gateway, type GatewayOptions } from './gateway.js';
export { actorOf, authenticate, authorize } from './plugins/authentication.js';
export { sendError } from './plugins/error-handler.js';
export { ensureDefaultMetrics } from './plugins/observability.js';
export { errorEnvelopeSchema, errorResponses, successEnvelope } from './routes/envelope.js';
export {
  type AnyRpcRoute,
  type RpcCall,
  type RpcRouteDefinition,
  registerRpcRoute,
  registerRpcRoutes,
  rpcRoute,
  versionOf,
} from './routes/rpc-route.js';
export type { WsSession } from './ws/connection.js';
export { WsHub, type WsMessageHandler } from './ws/hub.js';
export { CloseCode, errorMessage, type ServerMessage } from './ws/protocol.js';
