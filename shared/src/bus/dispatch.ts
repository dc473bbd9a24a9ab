/**
 * The serving side of an RPC, shared by both adapters: headers → RequestContext, deadline check,
 * JSON payload, the handler inside a SERVER span, and the reply mapping. An adapter only moves bytes.
 */
import { SpanStatusCode, type TextMapGetter } from '@opentelemetry/api';
import type { Logger } from '../logging/index.js';
import { TRACEPARENT, TRACESTATE, withRemoteParent, withRpcServerSpan } from '../telemetry/index.js';
import { copyReply, decodeJson, encodeReply, errorReply, okReply, replyFromError } from './codec.js';
import { readContextHeaders } from './context-headers.js';
import type { RequestContext, RpcHandler, RpcReply, ServiceDefinition } from './port.js';
import { assertToken } from './subjects.js';

export const HEALTH_OPERATION = 'health';

export type Dispatch = <C>(
  operation: string,
  data: Uint8Array,
  carrier: C,
  getter: TextMapGetter<C>,
) => Promise<Uint8Array>;

/**
 * The service's operations plus `health`, which every service answers so the gateway's readiness probe
 * can ask each one (a service may define its own, e.g. one that checks its database).
 */
export function servedOperations(service: ServiceDefinition): ReadonlyMap<string, RpcHandler> {
  assertToken('service name', service.name);
  const operations = new Map<string, RpcHandler>();
  for (const [name, handler] of Object.entries(service.operations)) {
    assertToken('operation name', name);
    operations.set(name, handler);
  }
  if (!operations.has(HEALTH_OPERATION)) {
    operations.set(HEALTH_OPERATION, async () => ({ status: 'ok', service: service.name, version: service.version }));
  }
  return operations;
}

/**
 * The in-process bus's way in when no span is recorded: the payload and the context already copied (see
 * `jsonCopy`, `copyContext`), the reply copied on its way out. Same checks, same reply mapping as `Dispatch`.
 */
export type DirectDispatch = (operation: string, payload: unknown, context: RequestContext) => Promise<RpcReply>;

/** Stands for a payload that is not JSON, so `run` can refuse it after its earlier checks. */
const INVALID_PAYLOAD = Symbol('invalid payload');

export function createDirectDispatch(
  service: ServiceDefinition,
  operations: ReadonlyMap<string, RpcHandler>,
  logger: Logger,
): DirectDispatch {
  return (operation, payload, context) => {
    const where = { rpcService: service.name, rpcOperation: operation };
    const handler = operations.get(operation);
    // A traced request runs inside its trace, so what the handler publishes or calls carries it on.
    return withRemoteParent(context, contextTraceGetter, () => run(handler, payload, context, logger, where)).then(
      (reply) => copyReply(reply, logger, where),
    );
  };
}

export function createDispatch(
  service: ServiceDefinition,
  operations: ReadonlyMap<string, RpcHandler>,
  system: string,
  logger: Logger,
): Dispatch {
  return (operation, data, carrier, getter) =>
    withRpcServerSpan(system, service.name, operation, carrier, getter, async (span, own) => {
      const where = { rpcService: service.name, rpcOperation: operation };
      const reply = await run(
        operations.get(operation),
        decodeBytes(data),
        readContextHeaders(carrier, getter, own),
        logger,
        where,
      );
      if (!reply.ok) {
        span.setAttribute('rpc.error_code', reply.error.code);
        if (reply.error.code === 'INTERNAL_ERROR') span.setStatus({ code: SpanStatusCode.ERROR });
      }
      return encodeReply(reply, logger, where);
    });
}

/** The request context's own trace fields as a propagation carrier (no headers to read them from). */
const contextTraceGetter: TextMapGetter<RequestContext> = {
  keys: () => [TRACEPARENT, TRACESTATE],
  get: (context, key) =>
    key === TRACEPARENT ? context.traceparent : key === TRACESTATE ? context.tracestate : undefined,
};

function decodeBytes(data: Uint8Array): unknown {
  try {
    return decodeJson(data);
  } catch {
    return INVALID_PAYLOAD;
  }
}

async function run(
  handler: RpcHandler | undefined,
  payload: unknown,
  context: RequestContext,
  logger: Logger,
  where: Record<string, unknown>,
): Promise<RpcReply> {
  // The caller has given up already: doing the work now would only waste it.
  if (context.deadline !== undefined && Date.now() > context.deadline) {
    return errorReply('SERVICE_UNAVAILABLE', 'Request deadline exceeded');
  }
  if (!handler) return errorReply('SERVICE_UNAVAILABLE', 'Unknown operation');
  if (payload === INVALID_PAYLOAD) return errorReply('VALIDATION_ERROR', 'Request payload is not valid JSON');
  try {
    return okReply(await handler(payload, context));
  } catch (error) {
    return replyFromError(error, logger, { ...where, requestId: context.requestId });
  }
}
