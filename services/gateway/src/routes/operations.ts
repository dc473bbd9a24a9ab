/**
 * Operations endpoints (CONTRACT.md "Operations"): liveness, readiness, Prometheus metrics. None is
 * rate limited: probes and scrapes come often and from one address.
 */
import { randomUUID } from 'node:crypto';
import { failure } from '@cairn/shared/http';
import { register } from 'prom-client';
import { z } from 'zod';
import type { GatewayApp, GatewayContext } from '../context.js';
import { errorEnvelopeSchema } from './envelope.js';

const healthSchema = z.object({
  success: z.literal(true),
  message: z.literal('ok'),
  data: z.object({ status: z.literal('ok'), uptimeSeconds: z.number() }),
  requestId: z.string(),
});

const checksSchema = z.record(z.string(), z.string()).describe('part → "ok" or why it failed');
const readySchema = z.object({
  success: z.literal(true),
  data: z.object({ status: z.literal('ready'), checks: checksSchema }),
  requestId: z.string(),
});

interface Readiness {
  readonly checks: Record<string, string>;
  readonly failing: string[];
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const reason = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Bus round trip plus each configured service's `health` op, all in parallel, each bounded. */
export async function checkReadiness(context: GatewayContext): Promise<Readiness> {
  if (context.lifecycle.shuttingDown) return { checks: { gateway: 'shutting down' }, failing: ['gateway'] };
  const timeoutMs = context.config.READY_TIMEOUT_MS;
  const checks: Record<string, string> = {};
  const busCheck = withTimeout(context.bus.ping(), timeoutMs, 'bus').then(
    () => {
      checks.bus = 'ok';
    },
    (error: unknown) => {
      checks.bus = reason(error);
    },
  );
  const serviceChecks = context.services.map(async (service) => {
    const key = `service:${service}`;
    try {
      const reply = await context.bus.request(
        service,
        'health',
        {},
        { context: { requestId: randomUUID() }, timeoutMs },
      );
      checks[key] = reply.ok ? 'ok' : `${reply.error.code}: ${reply.error.message}`;
    } catch (error) {
      checks[key] = reason(error);
    }
  });
  await Promise.all([busCheck, ...serviceChecks]);
  if (context.lifecycle.shuttingDown) checks.gateway = 'shutting down';
  const failing = Object.entries(checks)
    .filter(([, state]) => state !== 'ok')
    .map(([part]) => part);
  return { checks, failing };
}

export async function operationsRoutes(app: GatewayApp): Promise<void> {
  const startedAt = Date.now();
  const tags = ['operations'];

  app.get(
    '/health',
    {
      config: { rateLimit: false },
      schema: { summary: 'Liveness', tags, response: { 200: healthSchema } },
    },
    async (request) => ({
      success: true as const,
      message: 'ok' as const,
      data: { status: 'ok' as const, uptimeSeconds: Math.round((Date.now() - startedAt) / 1000) },
      requestId: request.id,
    }),
  );

  app.get(
    '/ready',
    {
      config: { rateLimit: false },
      schema: {
        summary: 'Readiness: the bus and every service answer',
        tags,
        response: { 200: readySchema, 503: errorEnvelopeSchema },
      },
    },
    async (request, reply) => {
      const { checks, failing } = await checkReadiness(app.cairn);
      if (failing.length > 0) {
        return reply
          .code(503)
          .send(failure('SERVICE_UNAVAILABLE', `Not ready: ${failing.join(', ')}`, request.id, { failing, checks }));
      }
      return { success: true as const, data: { status: 'ready' as const, checks }, requestId: request.id };
    },
  );

  app.get(
    '/metrics',
    {
      config: { rateLimit: false },
      schema: { summary: 'Prometheus metrics (text exposition format)', tags },
    },
    async (_request, reply) => {
      const text = await register.metrics();
      return reply.header('content-type', register.contentType).send(text);
    },
  );
}
