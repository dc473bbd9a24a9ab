/**
 * Access log and request metrics, both from one onResponse hook. Fastify's own per-request logging is
 * off (two lines per request is too dear at thousands of requests a second); this writes one compact
 * line carrying the request id (and the trace id when the caller sent a traceparent).
 */
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { collectDefaultMetrics, register } from 'prom-client';
import { traceIdOf, traceparentOf } from '../request-context.js';
import { requestDurations } from './request-durations.js';

/** Process metrics (CPU, memory, event loop lag), once per process whoever asks first. */
export function ensureDefaultMetrics(): void {
  if (register.getSingleMetric('process_cpu_user_seconds_total') === undefined) collectDefaultMetrics();
}

export interface ObservabilityOptions {
  readonly accessLog: 'all' | 'errors' | 'off';
}

const observabilityPlugin: FastifyPluginAsync<ObservabilityOptions> = async (app, options) => {
  ensureDefaultMetrics();
  const durations = requestDurations();
  // Answers below this status are not logged.
  const logFrom = options.accessLog === 'all' ? 0 : options.accessLog === 'errors' ? 400 : 500;
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.is404 ? 'unmatched' : (request.routeOptions.url ?? 'unmatched');
    const status = reply.statusCode;
    durations.of(request.method, route, status).observe(reply.elapsedTime / 1000);
    if (status >= logFrom) {
      const traceId = traceIdOf(traceparentOf(request));
      // A WebSocket's ?token= must not end up in the logs.
      const url = request.url.includes('token=')
        ? request.url.replace(/token=[^&]*/g, 'token=[redacted]')
        : request.url;
      const line = { method: request.method, url, status, ms: Math.round(reply.elapsedTime * 10) / 10 };
      if (status >= 500) request.log.warn(traceId === undefined ? line : { ...line, traceId }, 'request failed');
      else request.log.info(traceId === undefined ? line : { ...line, traceId }, 'request');
    }
    done();
  });
};

export default fp(observabilityPlugin, { name: 'cairn-observability' });
