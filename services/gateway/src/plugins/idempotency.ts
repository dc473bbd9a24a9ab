/**
 * `Idempotency-Key` is checked at the edge (at most 255 printable characters) and then only forwarded
 * in the RPC context: the services store and replay results, so the gateway keeps no cache of its own.
 */
import { DomainError } from '@cairn/shared/http';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';

const VALID_KEY = /^[\x20-\x7E]{1,255}$/;

export function idempotencyKeyOf(request: FastifyRequest): string | undefined {
  const key = request.headers['idempotency-key'];
  return typeof key === 'string' ? key : undefined;
}

const idempotencyPlugin: FastifyPluginAsync = async (app) => {
  app.addHook('onRequest', (request, _reply, done) => {
    const key = request.headers['idempotency-key'];
    if (key === undefined || (typeof key === 'string' && VALID_KEY.test(key) && key.trim() !== '')) {
      done();
      return;
    }
    done(
      new DomainError('VALIDATION_ERROR', 'Invalid Idempotency-Key header', [
        { field: 'Idempotency-Key', location: 'headers', message: 'one to 255 printable ASCII characters' },
      ]),
    );
  });
};

export default fp(idempotencyPlugin, { name: 'cairn-idempotency' });
