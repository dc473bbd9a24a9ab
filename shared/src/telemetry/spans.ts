/**
 * Spans around bus traffic: CLIENT on the caller of an RPC, SERVER around its handler (child of the
 * caller's span through the propagated headers), CONSUMER around a durable message handler.
 * The tracer is the API's proxy: it follows whatever SDK is registered, now or later.
 */
import {
  type Context,
  context,
  INVALID_SPAN_CONTEXT,
  ProxyTracerProvider,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type TextMapGetter,
  trace,
} from '@opentelemetry/api';
import { extractTraceContext, formatTraceparent, recordGetter } from './propagation.js';

export type { Span } from '@opentelemetry/api';

const tracer = trace.getTracer('@cairn/shared/bus');

/** The API's no-op provider: what an unconfigured proxy delegates to. */
const NOOP_PROVIDER = new ProxyTracerProvider().getDelegate();

/**
 * Whether spans can be recorded: some tracer provider (an SDK, a test's) is registered. Without one every
 * span is a no-op, and the bus skips making them on its hot path; the trace context still travels in the
 * request context. Asked per call (a few property reads), so a provider registered later is honoured.
 */
export function tracingEnabled(): boolean {
  const provider = trace.getTracerProvider();
  return !(provider instanceof ProxyTracerProvider) || provider.getDelegate() !== NOOP_PROVIDER;
}

/** The trace context a handler should pass on (to events, further calls): its own span if recorded. */
export interface TraceHeaders {
  readonly traceparent?: string;
  readonly tracestate?: string;
}

/** Handed to code that marks its span when no span is recorded: every call on it does nothing. */
const NOOP_SPAN: Span = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);
const NO_TRACE_HEADERS: TraceHeaders = Object.freeze({});

/**
 * Runs `fn` in the remote parent's context (the trace named by `carrier`), so what it publishes or calls
 * carries the trace on; with no trace in the carrier, in a clean context rather than whatever happened
 * to be active. Costs nothing when there is neither (no context manager registered, or no trace at all).
 */
export function withRemoteParent<C, T>(carrier: C, getter: TextMapGetter<C>, fn: () => T): T {
  const parent = extractTraceContext(carrier, getter);
  return parent === ROOT_CONTEXT && context.active() === ROOT_CONTEXT ? fn() : context.with(parent, fn);
}

function endWithError(span: Span, error: unknown): void {
  span.recordException(error instanceof Error ? error : String(error));
  span.setStatus({ code: SpanStatusCode.ERROR });
  span.end();
}

/**
 * Runs `send` with a CLIENT span `rpc <service>.<op>` active; `send` injects the active context into
 * its outgoing headers, so the server span becomes this span's child. When nothing is active but the
 * caller carries trace headers of its own (`fallbackParent`), the span continues that trace instead.
 */
export async function withRpcClientSpan<T>(
  system: string,
  service: string,
  operation: string,
  fallbackParent: TraceHeaders | undefined,
  send: () => Promise<T>,
): Promise<T> {
  // No provider: the span would be a no-op, and `send` injects the active context's trace (if any) over
  // the caller's own headers exactly as it would inside a no-op span continuing that same context.
  if (!tracingEnabled()) return send();
  let parent = context.active();
  if (fallbackParent?.traceparent && !trace.getSpan(parent)) {
    parent = extractTraceContext(fallbackParent as Record<string, string>, recordGetter);
  }
  const span = tracer.startSpan(
    `rpc ${service}.${operation}`,
    { kind: SpanKind.CLIENT, attributes: { 'rpc.system': system, 'rpc.service': service, 'rpc.method': operation } },
    parent,
  );
  try {
    const result = await context.with(trace.setSpan(parent, span), send);
    span.end();
    return result;
  } catch (error) {
    endWithError(span, error);
    throw error;
  }
}

/**
 * Runs `handle` inside the context extracted from the request headers, with a SERVER span
 * `rpc <service>.<op>`. `handle` may mark the span (an error code) through the span it is given.
 */
export async function withRpcServerSpan<C, T>(
  system: string,
  service: string,
  operation: string,
  carrier: C,
  getter: TextMapGetter<C>,
  handle: (span: Span, trace: TraceHeaders) => Promise<T>,
): Promise<T> {
  return withExtractedSpan(
    `rpc ${service}.${operation}`,
    SpanKind.SERVER,
    { 'rpc.system': system, 'rpc.service': service, 'rpc.method': operation },
    carrier,
    getter,
    handle,
  );
}

/** Runs a durable message handler inside the publisher's trace, with a CONSUMER span. */
export async function withConsumerSpan<C, T>(
  system: string,
  durable: string,
  subject: string,
  carrier: C,
  getter: TextMapGetter<C>,
  handle: (span: Span, trace: TraceHeaders) => Promise<T>,
): Promise<T> {
  return withExtractedSpan(
    `process ${durable}`,
    SpanKind.CONSUMER,
    { 'messaging.system': system, 'messaging.destination.name': subject, 'messaging.consumer.group.name': durable },
    carrier,
    getter,
    handle,
  );
}

async function withExtractedSpan<C, T>(
  name: string,
  kind: SpanKind,
  attributes: Record<string, string>,
  carrier: C,
  getter: TextMapGetter<C>,
  handle: (span: Span, trace: TraceHeaders) => Promise<T>,
): Promise<T> {
  if (!tracingEnabled()) return withRemoteParent(carrier, getter, () => handle(NOOP_SPAN, NO_TRACE_HEADERS));
  const parent: Context = extractTraceContext(carrier, getter);
  const span = tracer.startSpan(name, { kind, attributes }, parent);
  const own: TraceHeaders = span.isRecording() ? ownTraceHeaders(span) : {};
  try {
    const result = await context.with(trace.setSpan(parent, span), () => handle(span, own));
    span.end();
    return result;
  } catch (error) {
    endWithError(span, error);
    throw error;
  }
}

function ownTraceHeaders(span: Span): TraceHeaders {
  const spanContext = span.spanContext();
  const tracestate = spanContext.traceState?.serialize();
  return tracestate
    ? { traceparent: formatTraceparent(spanContext), tracestate }
    : { traceparent: formatTraceparent(spanContext) };
}
