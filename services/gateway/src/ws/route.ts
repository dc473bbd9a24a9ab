/**
 * `GET /ws`: the upgrade is public at the HTTP level (browsers cannot set headers on a WebSocket);
 * the token comes as `?token=` or in the first message, and the hub decides.
 */
import websocket from '@fastify/websocket';
import type { GatewayApp } from '../context.js';
import type { WsHub } from './hub.js';
import { CloseCode } from './protocol.js';

export interface WebSocketRouteOptions {
  readonly hub: WsHub;
  readonly maxPayloadBytes: number;
}

export async function websocketRoute(app: GatewayApp, options: WebSocketRouteOptions): Promise<void> {
  const { hub } = options;
  // In its own scope: the plugin's hooks then run for /ws only, not on every HTTP request.
  await app.register(async (scope) => {
    await scope.register(websocket, {
      options: { maxPayload: options.maxPayloadBytes },
      // Runs when Fastify starts closing: sockets learn it is a restart (1012) and may reconnect elsewhere.
      preClose: async () => {
        await hub.closeAll(CloseCode.SERVICE_RESTART, 'service restart', 2_000);
        scope.websocketServer.close();
      },
    });
    scope.get('/ws', { websocket: true, schema: { hide: true } }, (socket, request) => {
      const token = (request.query as Record<string, unknown> | undefined)?.token;
      hub.accept(socket, typeof token === 'string' && token.length > 0 ? token : undefined, request.log);
    });
  });
}
