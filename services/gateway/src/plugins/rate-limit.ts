/**
 * A budget of requests per caller per window: per user when the request carries a valid token, else
 * per client IP. Operational routes opt out with `config: { rateLimit: false }` (probes and scrapes
 * must never be throttled). `max = 0` leaves the limiter out entirely.
 */

import { DomainError } from '@cairn/shared/http';
import rateLimit from '@fastify/rate-limit';
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { authenticate } from './authentication.js';

export interface RateLimitPluginOptions {
  readonly max: number;
  readonly windowMs: number;
}

const rateLimitPlugin: FastifyPluginAsync<RateLimitPluginOptions> = async (app, options) => {
  if (options.max === 0) return;
  await app.register(rateLimit, {
    global: true,
    max: options.max,
    timeWindow: options.windowMs,
    keyGenerator: async (request) => {
      const outcome = await authenticate(request);
      return outcome.kind === 'user' ? `user:${outcome.actor.id}` : `ip:${request.ip}`;
    },
    errorResponseBuilder: (_request, context) => {
      const retryAfter = Math.max(1, Math.ceil(context.ttl / 1000));
      return new DomainError('RATE_LIMIT_EXCEEDED', `Too many requests; retry in ${retryAfter} s`, { retryAfter });
    },
  });
};

export default fp(rateLimitPlugin, { name: 'cairn-rate-limit' });
