/**
 * The calling side of an RPC, shared by both adapters: JSON payload, context and trace headers,
 * a CLIENT span, and the JSON reply. An adapter supplies only the transport.
 */
import { injectTraceContext, type TextMapSetter, withRpcClientSpan } from '../telemetry/index.js';
import { decodeJson, encodeJson } from './codec.js';
import { writeContextHeaders } from './context-headers.js';
import type { RequestOptions, RpcReply } from './port.js';
import { assertToken } from './subjects.js';

export const DEFAULT_REQUEST_TIMEOUT_MS = 5_000;

export interface CallTransport<C> {
  readonly system: string;
  newCarrier(): C;
  readonly setter: TextMapSetter<C>;
  /** Delivers the request; rejects with a `BusError` when nobody answers. */
  send(service: string, operation: string, data: Uint8Array, headers: C, timeoutMs: number): Promise<Uint8Array>;
}

export async function callService<Res, C>(
  transport: CallTransport<C>,
  service: string,
  operation: string,
  payload: unknown,
  options: RequestOptions,
): Promise<RpcReply<Res>> {
  assertToken('service name', service);
  assertToken('operation name', operation);
  const data = encodeJson(payload);
  const { context } = options;
  const fallbackParent = context.traceparent
    ? { traceparent: context.traceparent, ...(context.tracestate ? { tracestate: context.tracestate } : {}) }
    : undefined;
  return withRpcClientSpan(transport.system, service, operation, fallbackParent, async () => {
    const headers = transport.newCarrier();
    writeContextHeaders(headers, transport.setter, context);
    // Inside the CLIENT span: with an SDK registered this overwrites the caller's traceparent with the span's.
    injectTraceContext(headers, transport.setter);
    const reply = await transport.send(
      service,
      operation,
      data,
      headers,
      options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    );
    return decodeJson<RpcReply<Res>>(reply);
  });
}
