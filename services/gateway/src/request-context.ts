/** The context every RPC carries, built from the HTTP request (or a WebSocket connection). */
import type { RequestContext } from '@cairn/shared/bus';
import type { AuthenticatedActor } from '@cairn/shared/contracts';
import type { FastifyRequest } from 'fastify';
import { idempotencyKeyOf } from './plugins/idempotency.js';

const TRACEPARENT = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

/** The W3C `traceparent` header when well-formed; a malformed one is dropped, not forwarded. */
export function traceparentOf(request: FastifyRequest): string | undefined {
  const header = request.headers.traceparent;
  return typeof header === 'string' && TRACEPARENT.test(header) ? header : undefined;
}

/** The trace id (for logs) from a well-formed traceparent. */
export const traceIdOf = (traceparent: string | undefined): string | undefined => traceparent?.slice(3, 35);

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export function rpcContextOf(
  request: FastifyRequest,
  actor: AuthenticatedActor | undefined,
  timeoutMs: number,
): RequestContext {
  // Built field by field: this runs on every request, and absent fields must stay absent (not undefined).
  const context: Mutable<RequestContext> = { requestId: request.id, deadline: Date.now() + timeoutMs };
  if (actor !== undefined) context.actor = actor;
  const traceparent = traceparentOf(request);
  if (traceparent !== undefined) {
    context.traceparent = traceparent;
    const tracestate = request.headers.tracestate;
    if (typeof tracestate === 'string') context.tracestate = tracestate;
  }
  const idempotencyKey = idempotencyKeyOf(request);
  if (idempotencyKey !== undefined) context.idempotencyKey = idempotencyKey;
  return context;
}
