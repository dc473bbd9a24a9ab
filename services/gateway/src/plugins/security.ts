/**
 * Security headers and CORS, both on the hot path of every request, so both are precomputed:
 *
 * - Headers: helmet's choice of headers, computed once at start-up and copied onto each reply
 *   (@fastify/helmet rebuilds helmet's middleware on every request, which costs more than the rest
 *   of a request's hooks together). The API answers JSON only, so its CSP forbids everything; the docs
 *   UI sets its own, looser CSP on its routes (swagger-ui `staticCSP`).
 * - CORS: only origins listed in `CORS_ORIGINS` (`*`: any) get `Access-Control-Allow-Origin`;
 *   preflights are answered here, before authentication, with 204.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import helmet from 'helmet';

export interface SecurityOptions {
  readonly corsOrigins: readonly string[];
}

const ALLOWED_METHODS = 'GET, HEAD, POST, PUT, PATCH, DELETE';
const ALLOWED_HEADERS = 'Authorization, Content-Type, Idempotency-Key, If-Match, X-Request-Id, traceparent, tracestate';
const EXPOSED_HEADERS = 'X-Request-Id, ETag, Retry-After, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset';
const PREFLIGHT_MAX_AGE_SECONDS = '600';

/** Runs helmet once against a recording response and returns the headers it would set. */
export function securityHeaders(): Record<string, string> {
  const headers: Record<string, string> = {};
  const recorder = {
    setHeader(name: string, value: unknown) {
      headers[name.toLowerCase()] = String(value);
    },
    removeHeader(name: string) {
      delete headers[name.toLowerCase()];
    },
  };
  const middleware = helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"], baseUri: ["'none'"] },
    },
    // Answers are JSON, not documents: headers that only steer how a browser treats a page (opener
    // isolation, agent clusters, DNS prefetch) or only old IE/Flash are left out; each one is paid on
    // every response.
    xFrameOptions: { action: 'deny' },
    crossOriginOpenerPolicy: false,
    originAgentCluster: false,
    xDnsPrefetchControl: false,
    xDownloadOptions: false,
    xPermittedCrossDomainPolicies: false,
    xXssProtection: false,
  });
  middleware({} as IncomingMessage, recorder as unknown as ServerResponse, () => undefined);
  return headers;
}

const securityPlugin: FastifyPluginAsync<SecurityOptions> = async (app, options) => {
  const headers = securityHeaders();
  const anyOrigin = options.corsOrigins.includes('*');
  const allowed = new Set(options.corsOrigins);

  app.addHook('onRequest', (request, reply, done) => {
    reply.headers(headers);
    const origin = request.headers.origin;
    if (origin === undefined) {
      done();
      return;
    }
    // The answer depends on Origin: caches must not hand one origin's answer to another.
    reply.header('vary', 'Origin');
    if (!anyOrigin && !allowed.has(origin)) {
      done();
      return;
    }
    reply.header('access-control-allow-origin', origin);
    reply.header('access-control-expose-headers', EXPOSED_HEADERS);
    if (request.method === 'OPTIONS' && request.headers['access-control-request-method'] !== undefined) {
      reply
        .code(204)
        .header('access-control-allow-methods', ALLOWED_METHODS)
        .header('access-control-allow-headers', ALLOWED_HEADERS)
        .header('access-control-max-age', PREFLIGHT_MAX_AGE_SECONDS)
        .header('content-length', '0')
        .send();
      return;
    }
    done();
  });

  // Lets preflights for any path reach the hook above instead of the 404 handler's answer.
  app.options('/*', { schema: { hide: true } }, (request, reply) => {
    if (request.headers['access-control-request-method'] === undefined) return reply.callNotFound();
    // Reached only for a disallowed origin: no CORS headers, so the browser refuses the request.
    return reply.code(204).header('content-length', '0').send();
  });
};

export default fp(securityPlugin, { name: 'cairn-security' });
