/** `GET /.well-known/jwks.json`: the auth service's public keys, as a plain JWKS (no envelope, cacheable). */
import { jwksResultSchema } from '@cairn/shared/contracts';
import { DomainError } from '@cairn/shared/http';
import type { GatewayApp } from '../context.js';
import { errorResponses } from './envelope.js';

export async function jwksRoute(app: GatewayApp): Promise<void> {
  app.get(
    '/.well-known/jwks.json',
    {
      schema: {
        summary: 'Public keys that verify access tokens',
        tags: ['auth'],
        response: { 200: jwksResultSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      try {
        const jwks = await app.cairn.verifier.jwks();
        reply.header('cache-control', 'public, max-age=300');
        return jwks as { keys: Record<string, unknown>[] };
      } catch (error) {
        request.log.warn({ err: error }, 'cannot fetch JWKS from auth');
        throw new DomainError('SERVICE_UNAVAILABLE', 'Keys are temporarily unavailable');
      }
    },
  );
}
