/**
 * Shutdown and keep-alive: Node's `server.close()` closes the connections idle at that moment only, so a
 * connection whose request was in flight would stay open until its keep-alive timeout and hold the
 * shutdown back. Once shutdown has begun every answer says `Connection: close`.
 */
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';

export interface LifecycleOptions {
  readonly lifecycle: { readonly shuttingDown: boolean };
}

const lifecyclePlugin: FastifyPluginAsync<LifecycleOptions> = async (app, options) => {
  const { lifecycle } = options;
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (lifecycle.shuttingDown) reply.header('connection', 'close');
    done(null, payload);
  });
};

export default fp(lifecyclePlugin, { name: 'cairn-lifecycle' });
